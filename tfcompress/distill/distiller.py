"""`Distiller`: trains a student on the teacher's soft targets and the true labels."""
from tfcompress._keras import check_model
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.distill.loss import cross_entropy
from tfcompress.distill.loss import kd_per_example


@keras.saving.register_keras_serializable(package="tfcompress")
class Distiller(keras.Model):
  """Loss = alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + beta * CE(y, s).

  Two ways to get the teacher's logits t:
  - `teacher` given (online): the teacher runs on every batch, on the same augmented
    view as the student.
  - `teacher=None` (cached): each input is a pair `(images, teacher_logits)`, the
    logits computed once over the training set. The pipeline computes them on the
    un-augmented images while the student sees augmented views of them (flip, crop), so
    cached and online distillation are close but not the same method.

  Only the student is trained; `call` and evaluation use the student alone. Both loss
  terms are computed per example, weighted by the sample (or class) weights that `fit`
  passes, and averaged over the global batch, so the same code is right under a
  `tf.distribute` strategy.

  Args:
    student: the Keras model to train; it outputs logits.
    teacher: a Keras model that outputs logits (frozen here), or None for cached logits.
    temperature: the softmax temperature T of the soft targets.
    alpha: the weight of the distillation term.
    beta: the weight of the cross-entropy on the true labels.
    label_smoothing: smooths the true labels of that cross-entropy (0: off).
    **kwargs: passed to `keras.Model` (e.g. `name`).

  Raises:
    ValueError: `temperature` <= 0, `alpha` or `beta` < 0, `label_smoothing` outside
      [0, 1); in `fit`, a Distiller without a teacher given images alone instead of
      (images, teacher_logits).
    InputError: a Keras 3 `student` or `teacher`.

  Example:
    distiller = Distiller(student, teacher, temperature=4.0, alpha=0.9, beta=0.1)
    distiller.compile(optimizer="adam", metrics=["accuracy"])
    distiller.fit(train_ds, epochs=10)
  """

  def __init__(self, student, teacher=None, temperature=4.0, alpha=0.9, beta=0.1,
               label_smoothing=0.0, **kwargs):
    super().__init__(**kwargs)
    if temperature <= 0:
      raise ValueError(f"Argument `temperature` must be > 0. Received: temperature={temperature}")
    if alpha < 0 or beta < 0:
      raise ValueError(f"Arguments `alpha` and `beta` must be >= 0. "
                       f"Received: alpha={alpha}, beta={beta}")
    if not 0 <= label_smoothing < 1:
      raise ValueError("Argument `label_smoothing` must be in [0, 1). "
                       f"Received: label_smoothing={label_smoothing}")
    self.student = check_model(student, "student")
    self.teacher = check_model(teacher, "teacher", allow_none=True)
    if teacher is not None:
      teacher.trainable = False
    self.temperature = float(temperature)
    self.alpha = float(alpha)
    self.beta = float(beta)
    self.label_smoothing = float(label_smoothing)
    self.student_loss_tracker = keras.metrics.Mean(name="student_loss")
    self.distillation_loss_tracker = keras.metrics.Mean(name="distillation_loss")
    self.loss_tracker = keras.metrics.Mean(name="loss")

  def call(self, inputs, training=False):
    if isinstance(inputs, (tuple, list)):
      inputs = inputs[0]
    return self.student(inputs, training=training)

  @property
  def metrics(self):
    trackers = [self.loss_tracker, self.student_loss_tracker, self.distillation_loss_tracker]
    compiled = getattr(self, "compiled_metrics", None)
    return trackers + (compiled.metrics if compiled is not None else [])

  def _split(self, x):
    if self.teacher is None:
      if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError("A Distiller without a teacher (cached mode) takes inputs "
                         "(images, teacher_logits). Received a single tensor.")
      return x[0], x[1]
    images = x[0] if isinstance(x, (tuple, list)) else x
    return images, self.teacher(images, training=False)

  def _loss_terms(self, y, logits, teacher_logits, sample_weight):
    """(total, hard, soft): per-example terms in float32, weighted, summed over this
    replica's examples and divided by the global batch size (so the replicas' gradients
    add up to the single-device ones)."""
    logits = tf.cast(logits, tf.float32)  # Mixed precision: losses in float32.
    hard = cross_entropy(y, logits, self.label_smoothing)
    soft = (tf.zeros_like(hard) if teacher_logits is None
            else kd_per_example(tf.stop_gradient(teacher_logits), logits, self.temperature))
    mean = lambda v: tf.nn.compute_average_loss(v, sample_weight=sample_weight)  # noqa: E731
    hard, soft = mean(hard), mean(soft)
    return self.alpha * soft + self.beta * hard, hard, soft

  def train_step(self, data):
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    images, teacher_logits = self._split(x)
    with tf.GradientTape() as tape:
      logits = self.student(images, training=True)
      loss, hard, soft = self._loss_terms(y, logits, teacher_logits, sample_weight)
      if self.student.losses:
        loss += tf.nn.scale_regularization_loss(tf.add_n(self.student.losses))
    # minimize() scales the loss when the optimizer is a LossScaleOptimizer (float16).
    self.optimizer.minimize(loss, self.student.trainable_variables, tape=tape)
    return self._update(y, logits, loss, hard, soft)

  def test_step(self, data):
    x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
    images = x[0] if isinstance(x, (tuple, list)) else x
    logits = self.student(images, training=False)
    has_teacher = self.teacher is not None or isinstance(x, (tuple, list))
    teacher_logits = self._split(x)[1] if has_teacher else None
    loss, hard, soft = self._loss_terms(y, logits, teacher_logits, sample_weight)
    return self._update(y, logits, loss, hard, soft)

  def _update(self, y, logits, loss, hard, soft):
    # Each replica's terms are its share of the global mean; the trackers average over
    # replicas, so they take each share times the number of replicas.
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    self.loss_tracker.update_state(loss * replicas)
    self.student_loss_tracker.update_state(hard * replicas)
    self.distillation_loss_tracker.update_state(soft * replicas)
    self.compiled_metrics.update_state(y, logits)
    return {m.name: m.result() for m in self.metrics}

  def get_config(self):
    return {
        "student": keras.saving.serialize_keras_object(self.student),
        "teacher": (None if self.teacher is None
                    else keras.saving.serialize_keras_object(self.teacher)),
        "temperature": self.temperature,
        "alpha": self.alpha,
        "beta": self.beta,
        "label_smoothing": self.label_smoothing,
        "name": self.name,
    }

  @classmethod
  def from_config(cls, config):
    config = dict(config)
    config["student"] = keras.saving.deserialize_keras_object(config["student"])
    if config.get("teacher") is not None:
      config["teacher"] = keras.saving.deserialize_keras_object(config["teacher"])
    return cls(**config)
