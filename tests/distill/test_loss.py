import numpy as np

from tfcompress.distill import kd_loss


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
