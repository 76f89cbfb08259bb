import numpy as np

from tfcompress._keras import keras
from tfcompress.quantize import han
from tfcompress.quantize.container import encode_tflite
from tfcompress.quantize.convert import convert


def test_a_kernel_s_bits_are_counted_as_han_et_al_count_them():
  """4 shared values in 8 non-zeros: 2-bit indices; a gap of 300 zeros takes a filler (a
  second 8-bit index) before its non-zero; the codebook is 4 float32 values."""
  kernel = np.zeros(1_000, np.float32)
  kernel[[0, 1, 2, 3, 4, 5, 6, 307]] = [0.5, -0.5, 0.25, 0.5, 0.5, 0.5, -0.25, 0.5]
  kernel[10] = -0.0  # A zero, not a fifth value.
  out = han.kernel(kernel)
  assert (out["weights"], out["kept"], out["values"]) == (1_000, 8, 4)
  assert out["weight_bits"][0] == 2
  assert out["index_bits"][0] == 9 * 8 / 8  # 8 gaps and one filler.
  assert out["bytes"][0] == (8 * 2 + 9 * 8 + 4 * 32) / 8
  assert out["rate"][0] == (8 * 2 + 9 * 8 + 4 * 32) / (32 * 1_000)
  small = han.kernel(kernel, max_gap=15)  # 4-bit indices: 300 zeros take 20 fillers.
  assert small["index_bits"][0] == (8 + 20) * 4 / 8
  empty = han.kernel(np.zeros(10, np.float32))
  assert (empty["kept"], empty["values"], empty["weight_bits"][0]) == (0, 0, 0)


def _model():
  rng = np.random.default_rng(0)
  model = keras.Sequential([
      keras.Input((8, 8, 2)), keras.layers.Conv2D(6, 3, name="conv"),
      keras.layers.DepthwiseConv2D(3, depth_multiplier=2, name="depthwise"),
      keras.layers.Flatten(), keras.layers.Dense(5, name="fc")], name="net")
  for layer in model.layers:
    if layer.weights:
      shape = layer.weights[0].shape
      values = rng.choice([0.5, -0.25, 0.0], size=shape, p=[0.1, 0.1, 0.8])
      values.reshape(-1)[: values.size // 3] = 0  # Long gaps: order matters.
      layer.weights[0].assign(values.astype(np.float32))
  return model


def test_the_coded_bytes_are_the_containers_for_the_float32_file():
  """Kernels taken in .tflite order (Dense transposed, Conv2D OHWI): Huffman-coded weights
  and positions of exactly the container's bytes (review: Keras order gave other gaps)."""
  model = _model()
  out = han.layers(model)
  assert [r["layer"] for r in out["layers"]] == ["conv", "depthwise", "fc"]
  _, parts = encode_tflite(convert(model, "float32"))
  coded = sum(r["weight_bits"][1] * r["kept"] + r["index_bits"][1] * r["kept"]
              for r in out["layers"]) / 8
  assert coded == parts["weights"] + parts["positions"]
  assert out["total"]["kept"] == sum(r["kept"] for r in out["layers"])
  expected = sum(r["bytes"][1] for r in out["layers"]) / (4 * out["total"]["weights"])
  assert np.isclose(out["total"]["rate"][1], expected)


def test_a_model_without_kernels_has_no_figures():
  assert han.layers(keras.Sequential([keras.Input((4,)), keras.layers.ReLU()])) == {}
