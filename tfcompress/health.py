"""Collapse: a model that answers one class, or no better than chance, on validation images."""
import numpy as np
from sklearn import metrics as skm

# Balanced accuracy within this margin of chance (1 / classes) counts as collapsed.
CHANCE_MARGIN = 0.02
ADVICE = ("Try: more optimizer steps (`train.min_steps`), `data.class_weights='balanced'`, a "
          "lower `train.learning_rate`, or check that the labels match the images.")


# What to try when a compressed model collapsed though its input did not: compress less.
_LESS = {"prune": "larger `prune.alphas` (or a lower `prune.target_sparsity`)",
         "channels": "a lower `channels.ratio`", "cluster": "more `cluster.clusters`",
         "search": "a larger `target` budget"}


def advice(stages=()):
  """`ADVICE`, plus how to compress less when a compression stage's model collapsed.

  Example:
    advice(["prune"])  # '... compress less: larger `prune.alphas` (...) (prune).'
  """
  less = [f"{_LESS[s]} ({s})" for s in stages if s in _LESS]
  if not less:
    return ADVICE
  return (f"{ADVICE} If the model it was compressed from did not collapse, compress less: "
          f"{'; '.join(less)}.")


def collapse(y_true, logits, margin=CHANCE_MARGIN):
  """Why a model is collapsed on (y_true, logits), or None when it is healthy.

  Collapsed means every prediction is one class, or balanced accuracy is at most
  1 / classes + `margin`.

  Example:
    reason = collapse(y_val, model.predict(x_val))
    if reason: print("collapsed:", reason)
  """
  logits = np.asarray(logits)
  num_classes = logits.shape[-1]
  predicted = np.unique(logits.argmax(-1))
  if len(predicted) == 1:
    return f"predicts class {int(predicted[0])} for every validation image"
  balanced = float(skm.balanced_accuracy_score(y_true, logits.argmax(-1)))
  if balanced <= 1.0 / num_classes + margin:
    return (f"validation balanced accuracy {balanced:.3f} is at chance "
            f"({1.0 / num_classes:.3f} for {num_classes} classes)")
  return None
