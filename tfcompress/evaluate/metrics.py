"""Classification metrics with scikit-learn, for Keras models and precomputed logits."""
import numpy as np
from sklearn import metrics as skm

from tfcompress.data.checks import check_labels


def softmax(logits):
  z = logits - logits.max(axis=-1, keepdims=True)
  e = np.exp(z)
  return e / e.sum(axis=-1, keepdims=True)


def classification_metrics(y_true, logits):
  """Accuracy, precision, recall, F1, ROC AUC and the confusion matrix from logits.

  Binary tasks score the positive class (label 1); multi-class tasks use macro averages
  and one-vs-rest AUC.

  Args:
    y_true: integer labels, shape (N,).
    logits: model outputs, shape (N, classes).

  Returns:
    A dict: accuracy, balanced_accuracy, precision, recall, f1, auc (NaN when a class is
    missing from `y_true`), confusion_matrix (a list of lists) and num_examples.

  Raises:
    InputError: labels that are not class indices of shape (N,) (one-hot, say), or not
      as many as the logits' rows.

  Example:
    m = classification_metrics(y_test, model.predict(x_test))
    m["f1"]
  """
  logits = np.asarray(logits, np.float64)
  y_true = check_labels(y_true, "y_true", count=len(logits))
  num_classes = logits.shape[-1]
  y_pred = logits.argmax(axis=-1)
  probs = softmax(logits)
  labels = list(range(num_classes))
  binary = num_classes == 2
  average = "binary" if binary else "macro"
  p, r, f, _ = skm.precision_recall_fscore_support(
      y_true, y_pred, average=average, labels=None if binary else labels, zero_division=0)
  try:
    if binary:  # The logit difference ranks as probs[:, 1] does, and keeps exact ties.
      auc = skm.roc_auc_score(y_true, logits[:, 1] - logits[:, 0])
    else:
      auc = skm.roc_auc_score(y_true, probs, multi_class="ovr", average="macro", labels=labels)
  except ValueError:  # A class absent from y_true: AUC is undefined.
    auc = float("nan")
  return {
      "accuracy": float(skm.accuracy_score(y_true, y_pred)),
      "balanced_accuracy": float(skm.balanced_accuracy_score(y_true, y_pred)),
      "precision": float(p),
      "recall": float(r),
      "f1": float(f),
      "auc": float(auc),
      "confusion_matrix": skm.confusion_matrix(y_true, y_pred, labels=labels).tolist(),
      "num_examples": int(len(y_true)),
  }


# The validation scores a training stage can keep the best epoch by, and which way is better.
MONITORS = {"val_loss": "min", "val_accuracy": "max", "val_balanced_accuracy": "max",
            "val_auc": "max"}


def higher_is_better(monitor):
  """Whether a larger value of `monitor` (a key of MONITORS) is the better one."""
  return MONITORS[monitor] == "max"


def validation_scores(y_true, logits):
  """The scores a training stage can monitor: loss, accuracy, balanced accuracy, AUC.

  `loss` is the plain cross-entropy of the logits (no regularization, no distillation
  term), so it means the same in every stage.

  Example:
    validation_scores(y_val, model.predict(x_val))["balanced_accuracy"]
  """
  logits = np.asarray(logits, np.float64)
  y_true = check_labels(y_true, "y_true", count=len(logits))
  m = classification_metrics(y_true, logits)
  probs = np.clip(softmax(logits), 1e-12, 1.0)
  loss = float(-np.mean(np.log(probs[np.arange(len(y_true)), y_true])))
  return {"loss": loss, "accuracy": m["accuracy"], "balanced_accuracy": m["balanced_accuracy"],
          "auc": m["auc"], "predicted_classes": int(len(np.unique(logits.argmax(-1))))}


def predict_logits(model, x, batch_size=256):
  """Logits of a Keras model over numpy images, without the progress bar."""
  return np.asarray(model.predict(x, batch_size=batch_size, verbose=0))


def evaluate_model(model, x, y, batch_size=256):
  """`classification_metrics` of a Keras model on (x, y), plus its parameter count.

  Args:
    model: a Keras model that outputs logits.
    x: images, as the model takes them.
    y: integer labels.
    batch_size: batch size of the predictions.

  Returns:
    The dict of `classification_metrics`, plus "params".

  Raises:
    InputError: `y` not class indices of shape (N,) (one-hot, say), or not one an image.

  Example:
    evaluate_model(student, splits.x_test, splits.y_test)["accuracy"]
  """
  result = classification_metrics(y, predict_logits(model, x, batch_size))
  result["params"] = int(model.count_params())
  return result
