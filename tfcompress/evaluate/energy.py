"""Multiply-accumulates, memory traffic and an energy estimate for one inference.

The cost model (Horowitz, "Computing's energy problem", ISSCC 2014, 45 nm; the figures
the founding survey cites), per operation:

| operation | pJ |
|---|---|
| 32-bit float multiply + add (one MAC) | 3.7 + 0.9 = 4.6 |
| 8-bit int multiply + 32-bit int add (one int8 MAC) | 0.2 + 0.1 = 0.3 |
| 32-bit SRAM read | 5 |
| 32-bit DRAM read | 640 |

Assumptions, stated in every result: each weight is read once per inference and each
activation is written once and read once; an access of b bits costs b/32 of a 32-bit
read; float16 weights are dequantized to float32 before use (float MACs, 16-bit reads);
dynamic-range models multiply in int8 after quantizing activations on the fly (int8
MACs, 8-bit weight reads, 32-bit activations); int16x8 models read 8-bit weights and
16-bit activations and are counted as int8 MACs (the table has no 16-bit multiply, so
this is a lower bound); int4 modes read 4-bit weights (int4x8's dense layers keep 8 bits,
so a lower bound), int4_weights computes in float. Two memory scenarios: `sram` (everything
on chip, like a microcontroller) and `dram` (weights from DRAM, activations in SRAM, like
a phone with a model too big for its caches).

Example:
  cost = inference_cost(model, "int8")
  cost["energy_uj"]["sram"]
"""
import numpy as np

from tfcompress._keras import keras
from tfcompress.models.layers import leaf_layers

PJ = {"fp32_mac": 4.6, "int8_mac": 0.3, "sram_read32": 5.0, "dram_read32": 640.0}
# (bits per weight read, bits per activation access, MAC kind) for each TFLite mode.
MODES = {"keras": (32, 32, "fp32_mac"), "float32": (32, 32, "fp32_mac"),
         "float16": (16, 32, "fp32_mac"), "dynamic": (8, 32, "int8_mac"),
         "int8": (8, 8, "int8_mac"), "int16x8": (8, 16, "int8_mac"),
         "int4_weights": (4, 32, "fp32_mac"), "int4x8": (4, 8, "int8_mac")}


def _size(shape):
  return int(np.prod([d for d in shape[1:] if d is not None]))


def layer_costs(model):
  """(layer name, MACs, weights, activation values out) for every layer that computes."""
  rows = []
  for layer in leaf_layers(model):
    if isinstance(layer, keras.layers.InputLayer):
      continue
    out = layer.output_shape
    outs = out if isinstance(out, list) else [out]
    activations = sum(_size(o) for o in outs)
    weights = int(sum(np.prod(w.shape) for w in layer.get_weights()))
    macs = 0
    if isinstance(layer, keras.layers.DepthwiseConv2D):
      kh, kw, _, mult = layer.depthwise_kernel.shape
      macs = _size(out) * kh * kw
    elif isinstance(layer, keras.layers.Conv2D):
      kh, kw, cin, _ = layer.kernel.shape
      macs = _size(out) * kh * kw * cin // layer.groups
    elif isinstance(layer, keras.layers.Dense):
      macs = int(np.prod(layer.kernel.shape)) * max(1, _size(out) // layer.units)
    rows.append((layer.name, int(macs), weights, activations))
  return rows


def inference_cost(model, mode="keras"):
  """MACs, bytes moved and estimated energy (microjoules) of one inference of `model`."""
  if mode not in MODES:
    raise ValueError(f"Argument `mode` must be one of {', '.join(MODES)}. Received: {mode!r}")
  weight_bits, act_bits, mac = MODES[mode]
  rows = layer_costs(model)
  macs = sum(r[1] for r in rows)
  weights = sum(r[2] for r in rows)
  activations = sum(r[3] for r in rows) + _size(model.input_shape)
  weight_bytes = weights * weight_bits / 8
  activation_bytes = 2 * activations * act_bits / 8  # Written once, read once.
  compute = macs * PJ[mac]
  sram = compute + (weight_bytes + activation_bytes) / 4 * PJ["sram_read32"]
  dram = compute + weight_bytes / 4 * PJ["dram_read32"] + activation_bytes / 4 * PJ["sram_read32"]
  return {"macs": int(macs), "weight_bytes": int(weight_bytes),
          "activation_bytes": int(activation_bytes), "mode": mode,
          "energy_uj": {"sram": sram * 1e-6, "dram": dram * 1e-6},
          "cost_model": "Horowitz 45 nm; see tfcompress.evaluate.energy"}
