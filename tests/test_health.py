import numpy as np

from tfcompress import health

Y = np.array([0, 0, 0, 1, 1, 1, 1, 1])


def _logits(pred):
  return np.eye(2)[np.asarray(pred)] * 3.0


def test_one_class_is_collapsed():
  assert "class 1 for every" in health.collapse(Y, _logits([1] * 8))


def test_chance_balanced_accuracy_is_collapsed():
  # Half of each class right: balanced accuracy 0.5 on 2 classes, with both classes predicted.
  assert "at chance" in health.collapse(Y, _logits([0, 1, 1, 0, 0, 1, 1, 0]))


def test_a_healthy_model_is_not_flagged():
  # Majority-class accuracy would be 0.625; this one is worse on accuracy but not collapsed.
  assert health.collapse(Y, _logits([0, 0, 1, 1, 1, 1, 0, 0])) is None


def test_advice_says_to_compress_less_only_for_compression_stages():
  assert health.advice(["student"]) == health.ADVICE
  text = health.advice(["distill", "prune"])
  assert text.startswith(health.ADVICE) and "larger `prune.alphas`" in text
