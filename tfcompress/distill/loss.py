"""The knowledge-distillation loss as a pure function."""
from tfcompress._keras import tf


def kd_loss(teacher_logits, student_logits, temperature):
  """T^2 * KL(softmax(t / T) || softmax(s / T)), averaged over the batch.

  Hinton et al.'s T^2 factor keeps the soft loss's gradients on the scale of the hard
  loss's as T changes.

  Example:
    loss = kd_loss(teacher(x), student(x), temperature=4.0)
  """
  t = tf.nn.softmax(tf.cast(teacher_logits, tf.float32) / temperature)
  log_t = tf.nn.log_softmax(tf.cast(teacher_logits, tf.float32) / temperature)
  log_s = tf.nn.log_softmax(tf.cast(student_logits, tf.float32) / temperature)
  kl = tf.reduce_sum(t * (log_t - log_s), axis=-1)
  return tf.reduce_mean(kl) * temperature**2
