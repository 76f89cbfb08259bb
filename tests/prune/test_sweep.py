import numpy as np
import pytest

from tfcompress import prune
from tfcompress._keras import keras
from tfcompress.models import paper_cnn

ROWS = [
    {"alpha": 0.5, "sparsity": 1.0, "max_layer_sparsity": 1.0, "val_accuracy": 0.95},
    {"alpha": 1.0, "sparsity": 0.7, "max_layer_sparsity": 0.8, "val_accuracy": 0.90},
    {"alpha": 2.0, "sparsity": 0.4, "max_layer_sparsity": 0.5, "val_accuracy": 0.905},
    {"alpha": 5.0, "sparsity": 0.1, "max_layer_sparsity": 0.2, "val_accuracy": 0.91},
]


def test_choose_rules():
  assert prune.choose(ROWS, "best", score="accuracy")["alpha"] == 5.0
  assert prune.choose(ROWS, "tolerance", 0.01, "accuracy")["alpha"] == 1.0
  assert prune.choose(ROWS, "tolerance", 0.007, "accuracy")["alpha"] == 2.0
  with pytest.raises(ValueError, match="rule='worst'"):
    prune.choose(ROWS, "worst", score="accuracy")
  with pytest.raises(ValueError, match="score='f1'"):
    prune.choose(ROWS, score="f1")


def test_choose_by_balanced_accuracy_skips_a_drift_to_the_largest_class():
  # At alpha 1 the pruned model keeps its accuracy by calling more images the largest
  # class: its balanced accuracy drops. Accuracy keeps it; balanced accuracy does not.
  rows = [{"alpha": 1.0, "sparsity": 0.6, "val_accuracy": 0.90, "val_balanced_accuracy": 0.70},
          {"alpha": 2.0, "sparsity": 0.3, "val_accuracy": 0.895, "val_balanced_accuracy": 0.85},
          {"alpha": 5.0, "sparsity": 0.1, "val_accuracy": 0.89, "val_balanced_accuracy": 0.86}]
  assert prune.choose(rows, "tolerance", 0.01, "accuracy")["alpha"] == 1.0
  assert prune.choose(rows, "tolerance", 0.01)["alpha"] == 2.0  # balanced_accuracy
  assert prune.choose(rows, "best")["alpha"] == 5.0


def test_choose_never_takes_a_collapsed_candidate(caplog):
  # The long-tailed run that failed: alpha 0.5 answered the largest class (67%) for every
  # image, within 0.01 of the best accuracy, and was the most pruned.
  rows = [{"alpha": 0.5, "sparsity": 0.97, "val_accuracy": 0.670,
           "val_balanced_accuracy": 0.1429, "collapsed": "predicts class 0 for every image"},
          {"alpha": 5.0, "sparsity": 0.13, "val_accuracy": 0.670, "val_balanced_accuracy": 0.59},
          {"alpha": 10.0, "sparsity": 0.07, "val_accuracy": 0.6775,
           "val_balanced_accuracy": 0.60}]
  assert prune.choose(rows, "tolerance", 0.01, "accuracy")["alpha"] == 5.0
  assert "collapsed" not in caplog.text
  assert prune.choose(rows[:1], "tolerance", 0.01, "accuracy")["alpha"] == 0.5  # Nothing else,
  assert "Every alpha-sweep candidate collapsed" in caplog.text  # and the log says so.
  # All collapsed: the least pruned, which retraining can most likely bring back.
  collapsed = [dict(r, collapsed="chance") for r in rows]
  assert prune.choose(collapsed, "tolerance", 0.01)["alpha"] == 10.0


def test_the_config_offers_the_scores_the_sweep_takes():
  from tfcompress import config  # pylint: disable=g-import-not-at-top
  assert config._CHOICES["prune.score"] == prune.sweep.SCORES  # pylint: disable=protected-access
  assert config.base_config().prune.score == "balanced_accuracy"


def test_recalibrate_batch_norm_gives_exact_statistics():
  inputs = keras.Input((4,))
  bn = keras.layers.BatchNormalization()
  model = keras.Model(inputs, bn(inputs))
  x = np.random.default_rng(0).normal(3.0, 2.0, size=(256, 4)).astype(np.float32)
  prune.recalibrate_batch_norm(model, x, batch_size=64)
  np.testing.assert_allclose(bn.moving_mean.numpy(), x.mean(0), rtol=1e-5)
  assert bn.momentum == 0.99


def test_recalibrate_batch_norm_leaves_a_frozen_base_alone():
  """A pretrained member's base is frozen and called with training=False: its head was
  trained on features normalized by those statistics, so they stay (reviews: recomputing
  them changed even the unpruned member)."""
  base_in = keras.Input((4,))
  bn = keras.layers.BatchNormalization()
  base = keras.Model(base_in, bn(base_in))
  base.trainable = False
  inputs = keras.Input((4,))
  model = keras.Model(inputs, keras.layers.Dense(2)(base(inputs, training=False)))
  x = np.random.default_rng(0).normal(3.0, 2.0, size=(256, 4)).astype(np.float32)
  prune.recalibrate_batch_norm(model, x, batch_size=64)
  np.testing.assert_array_equal(bn.moving_mean.numpy(), np.zeros(4))
  assert bn.momentum == 0.99


def test_sweep_prunes_less_as_alpha_grows_and_returns_matching_masks():
  keras.utils.set_random_seed(0)
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  x = np.random.default_rng(0).uniform(0, 255, (64, 12, 12, 1)).astype(np.float32)
  y = np.arange(64) % 2
  rows, chosen, pruned, masks = prune.alpha_sweep(model, x, y, x, alphas=(0.75, 1.5, 6.0))
  assert chosen["score"] == "balanced_accuracy" and "collapsed" in rows[0]
  assert {"val_accuracy", "val_balanced_accuracy"} <= set(rows[0])
  assert {"unpruned_val_accuracy", "unpruned_val_balanced_accuracy"} <= set(chosen)
  sparsities = [r["sparsity"] for r in rows]
  assert sparsities == sorted(sparsities, reverse=True) and sparsities[-1] > 0
  assert chosen["alpha"] == prune.choose(rows)["alpha"]
  assert prune.sparsity_summary(pruned)["sparsity"] == pytest.approx(
      next(r["sparsity"] for r in rows if r["alpha"] == chosen["alpha"]))
  assert prune.sparsity_summary(model)["sparsity"] == 0.0  # The input model is untouched.
  zeros = [float(np.mean(m == 0)) for _, m in masks]
  assert zeros == pytest.approx(list(prune.layer_sparsity(pruned).values()))


def test_a_collapsed_model_is_named_before_the_sweep_and_no_layer_is_refused(monkeypatch):
  """Trial 9: images in 0..1 for a model that divides by 255 gave only a warning after
  the sweep, that every candidate collapsed."""
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  from tfcompress.prune import sweep  # pylint: disable=g-import-not-at-top
  warned = []
  monkeypatch.setattr(sweep.logging, "warning", lambda *a: warned.append(a[0]))
  inputs = keras.Input((4,))
  one_class = keras.Model(inputs, keras.layers.Dense(
      2, kernel_initializer="zeros", bias_initializer=keras.initializers.Constant([0, 1]))(inputs))
  x, y = np.ones((8, 4), np.float32), np.arange(8) % 2
  prune.alpha_sweep(one_class, x, y, alphas=(1.0,))
  assert "itself collapsed" in warned[0]
  with pytest.raises(InputError, match="no Conv2D, DepthwiseConv2D or Dense layer"):
    prune.alpha_sweep(keras.Model(inputs, keras.layers.Activation("linear")(inputs)), x, y)


def test_iterative_targets_and_magnitude_masks():
  inputs = keras.Input((10,))
  fc = keras.layers.Dense(10, name="fc1")
  out = keras.layers.Dense(2, name="logits")
  model = keras.Model(inputs, out(fc(inputs)))
  targets = prune.parse_targets("fc1=0.9", 0.5, model)
  assert targets == {"fc1": 0.9, "logits": 0.5}
  rounds = [prune.round_targets(targets, i, 3)["fc1"] for i in (1, 2, 3)]
  assert rounds[0] < rounds[1] < rounds[2] == pytest.approx(0.9)
  masks = prune.magnitude_masks(model, targets)
  w = fc.kernel.numpy()
  kept = masks[0][1] == 1
  assert kept.sum() == 10 and np.abs(w[kept]).min() >= np.abs(w[~kept]).max()
  with pytest.raises(Exception, match="fc9"):
    prune.parse_targets("fc9=0.5", 0.5, model)
  with pytest.raises(Exception, match="fc1=lots"):
    prune.parse_targets("fc1=lots", 0.5, model)
