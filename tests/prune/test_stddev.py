import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress import prune


def _dense_model(w):
  inputs = keras.Input((w.shape[0],))
  layer = keras.layers.Dense(w.shape[1], name="fc")
  model = keras.Model(inputs, layer(inputs))
  layer.set_weights([w, np.ones(w.shape[1], np.float32)])
  return model


def test_threshold_is_std_over_alpha():
  w = np.random.default_rng(0).normal(size=(50, 40)).astype(np.float32)
  model = _dense_model(w)
  for alpha in (0.5, 1.0, 4.0):
    m = _dense_model(w)
    prune.apply_masks(prune.stddev_masks(m, alpha))
    expected = np.mean(np.abs(w) < w.std() / alpha)
    assert prune.layer_sparsity(m)["fc"] == pytest.approx(expected)
  # Biases are never pruned; nonzero_params counts what is left.
  summary = prune.sparsity_summary(m)
  assert summary["nonzero_params"] == model.count_params() - int(np.sum(np.abs(w) < w.std() / 4))
  assert summary["layer_weights"] == {"fc": w.size}


def test_global_scope_uses_one_std():
  small = np.full((10, 10), 0.01, np.float32)
  inputs = keras.Input((10,))
  a, b = keras.layers.Dense(10, name="a"), keras.layers.Dense(10, name="b")
  model = keras.Model(inputs, b(a(inputs)))
  big = np.random.default_rng(1).normal(size=(10, 10)).astype(np.float32)
  a.set_weights([small, np.zeros(10)])
  b.set_weights([big, np.zeros(10)])
  prune.apply_masks(prune.stddev_masks(model, 1.0, scope="global"))
  assert prune.layer_sparsity(model)["a"] == 1.0  # Tiny layer falls under the global std.
  with pytest.raises(ValueError, match="alpha=0"):
    prune.stddev_masks(model, 0)


def test_hold_masks_keeps_zeros_through_training():
  rng = np.random.default_rng(0)
  model = _dense_model(rng.normal(size=(8, 2)).astype(np.float32))
  masks = prune.stddev_masks(model, 1.0)
  before = prune.layer_sparsity(model)
  model.compile("adam", "mse")
  model.fit(rng.normal(size=(64, 8)), rng.normal(size=(64, 2)), epochs=2, verbose=0,
            callbacks=[prune.HoldMasks(masks)])
  after = prune.layer_sparsity(model)
  assert after["fc"] == pytest.approx(np.mean(masks[0][1] == 0)) and after != before
