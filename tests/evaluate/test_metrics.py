import numpy as np

from tfcompress.evaluate import classification_metrics


def test_binary_scores_the_positive_class():
  y = np.array([0, 0, 1, 1, 1])
  logits = np.array([[2, 0], [0, 2], [0, 2], [0, 2], [2, 0]], np.float32)
  m = classification_metrics(y, logits)
  assert m["accuracy"] == 0.6
  assert m["precision"] == 2 / 3 and m["recall"] == 2 / 3
  assert m["confusion_matrix"] == [[1, 1], [1, 2]]


def test_multiclass_macro_and_perfect_auc():
  y = np.array([0, 1, 2, 2])
  logits = np.eye(3)[y] * 5
  m = classification_metrics(y, logits)
  assert m["accuracy"] == m["f1"] == m["auc"] == 1.0


def test_auc_is_nan_when_a_class_is_missing():
  m = classification_metrics(np.array([1, 1]), np.array([[0, 1], [1, 0]], np.float32))
  assert np.isnan(m["auc"])
