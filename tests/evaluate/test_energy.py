import pytest

from tfcompress._keras import keras
from tfcompress.evaluate import energy


def _model():
  inputs = keras.Input((8, 8, 3))
  x = keras.layers.Conv2D(4, 3, padding="same", name="conv")(inputs)
  x = keras.layers.DepthwiseConv2D(3, padding="same", name="dw")(x)
  x = keras.layers.Flatten()(x)
  return keras.Model(inputs, keras.layers.Dense(2, name="fc")(x))


def test_macs_by_hand():
  rows = {name: macs for name, macs, _, _ in energy.layer_costs(_model())}
  assert rows["conv"] == 8 * 8 * 4 * 3 * 3 * 3
  assert rows["dw"] == 8 * 8 * 4 * 3 * 3
  assert rows["fc"] == 256 * 2


def test_int8_costs_less_than_float_and_dram_more_than_sram():
  model = _model()
  fp = energy.inference_cost(model, "float32")
  q = energy.inference_cost(model, "int8")
  assert fp["macs"] == q["macs"] and q["weight_bytes"] * 4 == fp["weight_bytes"]
  assert q["energy_uj"]["sram"] < fp["energy_uj"]["sram"] < fp["energy_uj"]["dram"]
  expected_compute = fp["macs"] * 4.6e-6
  assert fp["energy_uj"]["sram"] > expected_compute
  with pytest.raises(ValueError, match="int4"):
    energy.inference_cost(model, "int4")
