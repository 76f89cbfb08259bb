"""The per-layer error report points at the layer that quantizes badly."""
import numpy as np

from tfcompress import quantize
from tfcompress._keras import keras
from tfcompress.quantize import layer_error
from tfcompress.tflite_file import TFLiteModel

L = keras.layers


def _model(hard):
  """Three conv layers; with `hard`, one filter of conv2 holds a weight 1000x the others on
  an input channel that is always zero: the float output ignores it, but its int8 scale
  (one per filter) rounds the filter's real weights to zero."""
  rng = np.random.default_rng(0)
  i = keras.Input((16, 16, 1))
  x = L.Rescaling(1 / 255, name="rescale")(i)
  x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv1")(x)
  x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv2")(x)
  x = L.Conv2D(8, 3, padding="same", activation="relu", name="conv3")(x)
  x = L.GlobalAveragePooling2D(name="gap")(x)
  model = keras.Model(i, L.Dense(3, name="logits")(x))
  for layer in model.layers:
    if layer.get_weights():
      w = [rng.normal(0, 0.3, v.shape).astype(np.float32) for v in layer.get_weights()]
      if layer.name == "conv1":
        w[0][..., 7] = 0.0
        w[1][7] = -1.0  # Channel 7 of conv1 is always 0 after its ReLU.
      if layer.name == "conv2":
        w[1][:] = 0.0
        if hard:
          w[0][1, 1, 7, :2] = 300.0  # Filters 0 and 1: a huge weight on the dead channel.
      layer.set_weights(w)
  return model


def _images(n, seed):
  """Noise at different brightness, so that even pooled features vary between images."""
  rng = np.random.default_rng(seed)
  return (rng.uniform(0, 255, (n, 16, 16, 1)) * rng.uniform(0.1, 1, (n, 1, 1, 1))).astype(
      np.float32)


def test_the_hard_layer_adds_the_most_error_and_float_fixes_it():
  images = _images(64, 1)
  for hard in (False, True):
    model = _model(hard)
    content = quantize.convert(model, "int8", images)
    rows = layer_error.layer_errors(content, model, images)
    assert {r["layer"] for r in rows} >= {"conv1", "conv2", "conv3", "logits"}
    if hard:
      assert rows[0]["layer"] == "conv2", rows
      assert rows[0]["added_error"] > 5 * max(r["added_error"] for r in rows[1:])
    else:
      assert rows[0]["added_error"] < 0.1, rows
  errors = {r["layer"]: r for r in rows}
  float_logits = model.predict(images, verbose=0)
  mixed = layer_error.selective_int8(model, images, [errors["conv2"]["tensor"]])
  assert len(mixed) > len(content)  # conv2's weights stay float32.

  def error(c):
    return np.abs(TFLiteModel(c).predict(images) - float_logits).mean()
  assert error(mixed) < 0.5 * error(content)


def test_int16x8_files_are_read_too():
  images = _images(32, 2)
  model = _model(hard=True)
  rows = layer_error.layer_errors(quantize.convert(model, "int16x8", images), model, images)
  assert {r["layer"] for r in rows} >= {"conv1", "conv2", "conv3", "logits"}
  assert all(r["dtype"] == "int16" for r in rows)
  assert rows[0]["layer"] == "conv2"  # 16-bit activations, the same int8 weights.
