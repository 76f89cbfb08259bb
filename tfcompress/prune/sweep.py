"""The alpha sweep: try each std-dev pruning factor, keep the most pruned model that holds up."""
from absl import logging
import numpy as np
from sklearn import metrics as skm

from tfcompress import health
from tfcompress._keras import check_model
from tfcompress._keras import keras
from tfcompress.config import PAPER_ALPHAS
from tfcompress.data.checks import check_labels
from tfcompress.errors import InputError
from tfcompress.models.layers import leaf_layers
from tfcompress.prune import stddev


def recalibrate_batch_norm(model, images, batch_size=64):
  """Re-estimates batch-norm moving statistics as averages over the batches of `images`
  (the mean exactly; the variance as the mean of the batches' variances).

  Zeroing many weights at once shifts every later layer's activations, so statistics
  from before pruning would score the candidate unfairly. Batch norms in a frozen base (a
  pretrained teacher member, called with training=False) keep theirs: the head was
  trained on the features they normalize, and this data's statistics in their place
  would change even the unpruned model.
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


SCORES = ("balanced_accuracy", "accuracy")  # What a sweep may rank candidates by.


def _scores(model, x, y):
  logits = model.predict(x, batch_size=256, verbose=0)
  predicted = logits.argmax(-1)
  return {"val_accuracy": float(np.mean(predicted == y)),
          "val_balanced_accuracy": float(skm.balanced_accuracy_score(y, predicted)),
          "collapsed": health.collapse(y, logits)}


def _check(rule, score):
  if rule not in ("best", "tolerance"):
    raise ValueError(f"Argument `rule` must be 'best' or 'tolerance'. Received: rule={rule!r}")
  if score not in SCORES:
    raise ValueError(f"Argument `score` must be one of {SCORES}. Received: score={score!r}")


def choose(rows, rule="tolerance", tolerance=0.01, score="balanced_accuracy"):
  """Picks a sweep row by its validation `score` ("balanced_accuracy" or "accuracy").

  `rule="best"` (the paper's): the highest score, ties to the most pruned.
  `rule="tolerance"`: the most pruned row within `tolerance` of the best score.
  Rows that zero a whole layer (`max_layer_sparsity` of 1) cut the network, and rows
  whose model `collapsed` (one class for every image, or chance): neither is chosen
  unless every row is one, and then the least pruned is (with a warning). (A collapsed model's accuracy is the largest class's share,
  which on imbalanced data can lie within `tolerance` of the best.)
  """
  _check(rule, score)
  key = f"val_{score}"
  usable = [r for r in rows if r.get("max_layer_sparsity", 0.0) < 1.0 and not r.get("collapsed")]
  if not usable:  # Then the least pruned: retraining has the most to start from.
    least = min(rows, key=lambda r: r["sparsity"])
    logging.warning("Every alpha-sweep candidate collapsed on validation or zeroed a whole "
                    "layer; keeping the least pruned (alpha %s, %.1f%% zeros). Larger alphas "
                    "prune less; is the model that was pruned itself at chance?",
                    least.get("alpha"), 100 * least["sparsity"])
    return least
  rows = usable
  best = max(r[key] for r in rows)
  floor = best if rule == "best" else best - tolerance
  return max((r for r in rows if r[key] >= floor - 1e-12), key=lambda r: r["sparsity"])


def alpha_sweep(model, x_val, y_val, x_calib=None, alphas=PAPER_ALPHAS, scope="layer",
                rule="tolerance", tolerance=0.01, score="balanced_accuracy"):
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
      score) or "best" (the paper's: the best score, ties to the most pruned).
    tolerance: the score a "tolerance" choice may give up.
    score: "balanced_accuracy" (each class counts the same: on imbalanced data a
      candidate that drifts towards the largest class does not look better) or
      "accuracy" (the paper's).

  Returns:
    (rows, chosen, pruned, masks): one row per alpha (alpha, sparsity,
    max_layer_sparsity, val_accuracy, val_balanced_accuracy, collapsed: why the
    candidate collapsed on validation, or None); the chosen row plus the
    unpruned model's scores (unpruned_val_accuracy, ...) and `score`; the pruned copy; its
    masks, bound to that copy's kernels (for `HoldMasks`).

  Raises:
    ValueError: an alpha <= 0, an unknown `scope`, `rule` or `score`, or no alphas.
    InputError: a Keras 3 `model` or one with no layer to prune, or `y_val` not class
      indices of shape (N,) (one-hot, say).

  Example:
    rows, chosen, pruned, masks = alpha_sweep(student, x_val, y_val, x_train[:512])
  """
  _check(rule, score)  # Before the sweep, not after it.
  check_model(model)
  y_val = check_labels(y_val, "y_val", count=len(x_val) if hasattr(x_val, "shape") else None)
  if not stddev.prunable_kernels(model):
    raise InputError(f"Model {model.name!r} has no Conv2D, DepthwiseConv2D or Dense layer "
                     "for the std-dev pruner to prune.")
  baseline = _scores(model, x_val, y_val)
  if baseline["collapsed"]:  # Then every candidate is too: say why before the sweep.
    logging.warning("The model given to alpha_sweep is itself collapsed on these validation "
                    "images: it %s. Check that they are as the model takes them (pixels "
                    "0..255, not 0..1, for a model that divides by 255) and that the labels "
                    "match them.", baseline["collapsed"])
  rows = []
  for alpha in alphas:
    candidate = _copy(model)
    stddev.apply_masks(stddev.stddev_masks(candidate, alpha, scope))
    if x_calib is not None:
      recalibrate_batch_norm(candidate, x_calib)
    summary = stddev.sparsity_summary(candidate)
    row = {"alpha": float(alpha), "sparsity": summary["sparsity"],
           "max_layer_sparsity": max(summary["layer_sparsity"].values()),
           **_scores(candidate, x_val, y_val)}
    logging.info("alpha %.2f: sparsity %.3f, val %s %.4f (unpruned %.4f)", row["alpha"],
                 row["sparsity"], score, row[f"val_{score}"], baseline[f"val_{score}"])
    rows.append(row)
  chosen = choose(rows, rule, tolerance, score)
  pruned = _copy(model)
  masks = stddev.stddev_masks(pruned, chosen["alpha"], scope)
  stddev.apply_masks(masks)
  if x_calib is not None:
    recalibrate_batch_norm(pruned, x_calib)
  unpruned = {f"unpruned_{k}": v for k, v in baseline.items() if k.startswith("val_")}
  return rows, dict(chosen, score=score, **unpruned), pruned, masks


def _copy(model):
  clone = keras.models.clone_model(model)
  clone.set_weights(model.get_weights())
  return clone
