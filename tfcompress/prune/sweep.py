"""The alpha sweep: try each std-dev pruning factor, keep the most pruned model that holds up."""
from absl import logging
import numpy as np

from tfcompress._keras import keras
from tfcompress.config import PAPER_ALPHAS
from tfcompress.models.layers import leaf_layers
from tfcompress.prune import stddev


def recalibrate_batch_norm(model, images, batch_size=64):
  """Re-estimates batch-norm moving statistics as exact averages over `images`.

  Zeroing many weights at once shifts every later layer's activations, so statistics
  from before pruning would score the candidate unfairly.
  """
  bns = [l for l in leaf_layers(model) if isinstance(l, keras.layers.BatchNormalization)]
  if not bns:
    return model
  old = [bn.momentum for bn in bns]
  for i, start in enumerate(range(0, len(images), batch_size)):
    for bn in bns:
      bn.momentum = i / (i + 1)  # Cumulative average: batch i gets weight 1 / (i + 1).
    model(images[start:start + batch_size], training=True)
  for bn, m in zip(bns, old):
    bn.momentum = m
  return model


def _accuracy(model, x, y):
  logits = model.predict(x, batch_size=256, verbose=0)
  return float(np.mean(logits.argmax(-1) == y))


def choose(rows, rule="tolerance", tolerance=0.01):
  """Picks a sweep row.

  `rule="best"` (the paper's): highest validation accuracy, ties to the most pruned.
  `rule="tolerance"`: the most pruned row within `tolerance` of the best accuracy.
  Rows that zero a whole layer (`max_layer_sparsity` of 1) cut the network and are
  never chosen unless every row does.
  """
  if rule not in ("best", "tolerance"):
    raise ValueError(f"Argument `rule` must be 'best' or 'tolerance'. Received: rule={rule!r}")
  rows = [r for r in rows if r.get("max_layer_sparsity", 0.0) < 1.0] or rows
  best = max(r["val_accuracy"] for r in rows)
  floor = best if rule == "best" else best - tolerance
  return max((r for r in rows if r["val_accuracy"] >= floor - 1e-12),
             key=lambda r: r["sparsity"])


def alpha_sweep(model, x_val, y_val, x_calib=None, alphas=PAPER_ALPHAS, scope="layer",
                rule="tolerance", tolerance=0.01):
  """Prunes a copy of `model` at each alpha and scores it on the validation set.

  `model` itself is left as it is.

  Args:
    model: a Keras model that outputs logits.
    x_val: validation images, as the model takes them.
    y_val: their integer labels.
    x_calib: training images to re-estimate batch-norm statistics of each pruned copy
      (`recalibrate_batch_norm`); None keeps the old statistics.
    alphas: the std-dev factors to try (the paper's by default).
    scope: "layer" or "global", as in `stddev_masks`.
    rule: "tolerance" (the most pruned row within `tolerance` of the best validation
      accuracy) or "best" (the paper's: the best accuracy, ties to the most pruned).
    tolerance: the accuracy a "tolerance" choice may give up.

  Returns:
    (rows, chosen, pruned, masks): one row per alpha (alpha, sparsity,
    max_layer_sparsity, val_accuracy); the chosen row plus unpruned_val_accuracy; the
    pruned copy; its masks, bound to that copy's kernels (for `HoldMasks`).

  Raises:
    ValueError: an alpha <= 0, an unknown `scope` or `rule`, or no alphas.

  Example:
    rows, chosen, pruned, masks = alpha_sweep(student, x_val, y_val, x_train[:512])
  """
  baseline = _accuracy(model, x_val, y_val)
  rows = []
  for alpha in alphas:
    candidate = _copy(model)
    stddev.apply_masks(stddev.stddev_masks(candidate, alpha, scope))
    if x_calib is not None:
      recalibrate_batch_norm(candidate, x_calib)
    summary = stddev.sparsity_summary(candidate)
    row = {"alpha": float(alpha), "sparsity": summary["sparsity"],
           "max_layer_sparsity": max(summary["layer_sparsity"].values()),
           "val_accuracy": _accuracy(candidate, x_val, y_val)}
    logging.info("alpha %.2f: sparsity %.3f, val accuracy %.4f (unpruned %.4f)", row["alpha"],
                 row["sparsity"], row["val_accuracy"], baseline)
    rows.append(row)
  chosen = choose(rows, rule, tolerance)
  pruned = _copy(model)
  masks = stddev.stddev_masks(pruned, chosen["alpha"], scope)
  stddev.apply_masks(masks)
  if x_calib is not None:
    recalibrate_batch_norm(pruned, x_calib)
  return rows, dict(chosen, unpruned_val_accuracy=baseline), pruned, masks


def _copy(model):
  clone = keras.models.clone_model(model)
  clone.set_weights(model.get_weights())
  return clone
