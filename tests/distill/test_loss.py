import numpy as np

from tfcompress.distill import kd_loss
from tfcompress.distill.loss import cross_entropy


def test_zero_when_student_matches_teacher():
  logits = np.array([[1.0, -2.0, 0.5]], np.float32)
  assert abs(float(kd_loss(logits, logits, 4.0))) < 1e-6


def test_matches_hand_computed_kl_times_t_squared():
  t = np.array([[2.0, 0.0]], np.float32)
  s = np.array([[0.0, 1.0]], np.float32)
  temp = 2.0
  p = np.exp(t / temp) / np.exp(t / temp).sum()
  q = np.exp(s / temp) / np.exp(s / temp).sum()
  expected = (p * np.log(p / q)).sum() * temp**2
  np.testing.assert_allclose(float(kd_loss(t, s, temp)), expected, rtol=1e-5)


def test_label_smoothing_spreads_s_over_all_k_classes():
  # Three classes, so s / K (Szegedy et al., Keras) and s / (K - 1) give different targets.
  logits = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]], np.float32)
  labels = np.array([0, 2])
  log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
  targets = np.eye(3)[labels] * 0.7 + 0.3 / 3
  np.testing.assert_allclose(cross_entropy(labels, logits, 0.3).numpy(),
                             -(targets * log_p).sum(axis=1), rtol=1e-5)
  np.testing.assert_allclose(cross_entropy(labels, logits).numpy(),
                             -log_p[[0, 1], labels], rtol=1e-5)
