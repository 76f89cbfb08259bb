"""The losses of distillation as pure functions: the soft (kd) and the hard (labels) term."""
from tfcompress._keras import keras
from tfcompress._keras import tf


def kd_loss(teacher_logits, student_logits, temperature):
  """T^2 * KL(softmax(t / T) || softmax(s / T)), averaged over the batch.

  Args:
    teacher_logits: (batch, classes) logits of the teacher, t.
    student_logits: (batch, classes) logits of the student, s.
    temperature: the softmax temperature T (> 0); higher gives softer targets.

  Returns:
    A float32 scalar tensor.

  Raises:
    Nothing beyond TensorFlow's own errors (e.g. for mismatched shapes).

  Example:
    loss = kd_loss(teacher(x), student(x), temperature=4.0)
  """
  return tf.reduce_mean(kd_per_example(teacher_logits, student_logits, temperature))


def kd_per_example(teacher_logits, student_logits, temperature):
  """T^2 * KL(softmax(t / T) || softmax(s / T)) for each example: shape (batch,).

  Hinton et al.'s T^2 factor keeps the soft loss's gradients on the scale of the hard
  loss's as T changes.

  Example:
    per_example = kd_per_example(teacher(x), student(x), temperature=4.0)
  """
  t = tf.nn.softmax(tf.cast(teacher_logits, tf.float32) / temperature)
  log_t = tf.nn.log_softmax(tf.cast(teacher_logits, tf.float32) / temperature)
  log_s = tf.nn.log_softmax(tf.cast(student_logits, tf.float32) / temperature)
  return tf.reduce_sum(t * (log_t - log_s), axis=-1) * temperature**2


def cross_entropy(labels, logits, label_smoothing=0.0):
  """Cross-entropy from logits for each example, in float32: shape (batch,).

  The hard loss of the Distiller and the loss of every training on the labels. With
  `label_smoothing` s the target is 1 - s + s / K on the label and s / K on each of the
  other classes (Szegedy et al. 2016); 0 gives the plain sparse cross-entropy.

  Example:
    per_example = cross_entropy(labels, student(x), label_smoothing=0.1)
  """
  logits = tf.cast(logits, tf.float32)
  if not label_smoothing:
    return keras.losses.sparse_categorical_crossentropy(labels, logits, from_logits=True)
  classes = tf.shape(logits)[-1]
  targets = tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), classes)
  return keras.losses.categorical_crossentropy(targets, logits, from_logits=True,
                                               label_smoothing=label_smoothing)
