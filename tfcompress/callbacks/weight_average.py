"""`WeightAverage`: validate, keep and end on an exponential moving average of the weights."""
from tfcompress._keras import keras
from tfcompress._keras import tf


class WeightAverage(keras.callbacks.Callback):
  """Keeps an exponential moving average (EMA) of the model's weights, updated after every
  batch, and puts it in the model at the end of each epoch and of training.

  The average covers the float weights of the trainable layers, batch-norm statistics
  included, so they match the averaged kernels; frozen layers (a frozen base, the
  Distiller's teacher) and metric counters keep their values. Between epochs the model
  shows the average (callbacks listed after this one, such as `BestCheckpoint`, score and
  keep it); the next epoch trains on from the raw weights. An average smooths the
  epoch-to-epoch swings that small or noisy data sets give (Polyak averaging); whether it
  generalizes better is for the validation split to say (on PneumoniaMNIST it did not:
  BUILD_NOTES.md).

  Not for models whose weights a callback holds to zero (pruning masks): the average of
  a zeroed weight is not zero until it has been zero for long.

  Args:
    decay: the average's weight on its old value per step, in [0, 1); the average spans
      about 1 / (1 - decay) steps. Early steps use (1 + n) / (10 + n) when that is lower
      (n: steps so far, as `tf.train.ExponentialMovingAverage` does with `num_updates`),
      so the random initial weights fade out fast.

  Raises:
    ValueError: `decay` outside [0, 1).

  Example:
    model.fit(train_ds, epochs=10,
              callbacks=[WeightAverage(0.99), BestCheckpoint(x_val, y_val)])
  """

  def __init__(self, decay=0.99):
    super().__init__()
    if not 0 <= decay < 1:
      raise ValueError(f"Argument `decay` must be in [0, 1). Received: decay={decay}")
    self.decay = decay
    self._supports_tf_logs = True  # Its batch hook reads no logs: no sync per step.

  def on_train_begin(self, logs=None):
    skip = {id(v) for metric in self.model.metrics for v in metric.variables}
    skip.update(id(v) for layer in self.model.submodules  # A frozen base or teacher.
                if isinstance(layer, keras.layers.Layer) and not layer.trainable
                for v in layer.weights)
    self._weights = [w for w in self.model.weights if w.dtype.is_floating and id(w) not in skip]
    self._average = [tf.Variable(w.read_value(), trainable=False) for w in self._weights]
    self._steps = tf.Variable(0.0, trainable=False)
    self._raw = None
    self._update = tf.function(self._step)
    self._update.get_concrete_function()  # Traced now, not inside the first batch.

  def _step(self):
    decay = tf.minimum(self.decay, (1 + self._steps) / (10 + self._steps))
    for average, weight in zip(self._average, self._weights):
      average.assign(decay * average + (1 - decay) * tf.cast(weight, average.dtype))
    self._steps.assign_add(1.0)

  def on_train_batch_end(self, batch, logs=None):
    self._update()

  def on_epoch_begin(self, epoch, logs=None):
    if self._raw is not None:  # Train on from the raw weights.
      for weight, raw in zip(self._weights, self._raw):
        weight.assign(raw)
      self._raw = None

  def on_epoch_end(self, epoch, logs=None):
    self._raw = [w.read_value() for w in self._weights]
    for weight, average in zip(self._weights, self._average):
      weight.assign(average)
