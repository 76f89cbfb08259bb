import numpy as np

from tfcompress._keras import keras
from tfcompress.quantize import han


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
  assert out["rate"][0] == (8 * 2 + 9 * 8 + 4 * 32) / (32 * 1_000)
  assert out["weight_bits"][1] > 0 and out["rate"][1] > 0  # Huffman's, table included.


def test_layers_total_weighs_each_layer_by_its_size():
  model = keras.Sequential([keras.Input((20,)), keras.layers.Dense(10, name="a"),
                            keras.layers.Dense(2, name="b")])
  a = np.zeros((20, 10), np.float32)
  a[0, :4] = [1, 2, 1, 2]
  model.get_layer("a").kernel.assign(a)
  model.get_layer("b").kernel.assign(np.ones((10, 2), np.float32))
  out = han.layers(model)
  assert set(out) == {"a", "b", "total"}
  assert (out["a"]["kept"], out["a"]["values"], out["b"]["values"]) == (4, 2, 1)
  assert out["total"]["kept"] == 24 and out["total"]["weights"] == 220
  expected = (out["a"]["rate"][0] * 200 + out["b"]["rate"][0] * 20) / 220
  assert np.isclose(out["total"]["rate"][0], expected)
