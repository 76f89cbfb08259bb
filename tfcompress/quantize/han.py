"""Han, Mao & Dally's (2016) per-layer storage figures of a pruned, weight-shared model.

Their Tables 2-5 give, per layer: the weights pruning kept (P); the bits of a weight (an
index into the layer's shared values) and of its position (the zeros before it, a
relative index) after quantization (P+Q) and after Huffman coding (P+Q+H); and the stored
size as a share of the float32 kernel. `layers` measures the same on a Keras model: the
Huffman codes are `quantize.huffman`'s and the relative index is the container's
(`quantize.container`, 8 bits: a filler symbol per 255 zeros of a longer gap), so the
bits are what tfcompress's container stores for the kernels.

Example:
  layers(shared)["fc1"]  # {"weights": 235200, "kept": 21132, "values": 15,
                         #  "weight_bits": [4, 3.3], "index_bits": [8.0, 4.1], ...}
"""
import math

import numpy as np

from tfcompress.prune.stddev import prunable_kernels
from tfcompress.quantize import huffman
from tfcompress.quantize.container import gap_stream
from tfcompress.quantize.container import MAX_GAP

INDEX_BITS = 8  # The container's relative index before Huffman coding (MAX_GAP 255).


def kernel(values, max_gap=MAX_GAP):
  """Han's figures for one kernel (an array of any shape, flattened in its order).

  Returns:
    {"weights": its size, "kept": its non-zeros, "values": distinct non-zero values,
     "weight_bits": [P+Q, P+Q+H] bits per kept weight, "index_bits": [P+Q, P+Q+H] bits
     per kept weight (fillers of long gaps included), "rate": [P+Q, P+Q+H] stored bits
     (codebook of float32 values included) over the float32 kernel's}.
  """
  flat = np.asarray(values, np.float32).ravel()
  positions = np.flatnonzero(flat)  # -0.0 is a zero here.
  kept = len(positions)
  distinct, index = np.unique(flat[positions], return_inverse=True)
  gaps = gap_stream(positions, max_gap)
  out = {"weights": int(flat.size), "kept": int(kept), "values": int(len(distinct))}
  if not kept:
    return dict(out, weight_bits=[0, 0.0], index_bits=[0.0, 0.0], rate=[0.0, 0.0])
  weight_bits = max(1, math.ceil(math.log2(len(distinct))))
  huffman_weights = 8 * len(huffman.encode(index))
  huffman_gaps = 8 * len(huffman.encode(gaps))
  codebook = 32 * len(distinct)
  quantized = kept * weight_bits + len(gaps) * INDEX_BITS + codebook
  coded = huffman_weights + huffman_gaps + codebook
  return dict(out, weight_bits=[weight_bits, huffman_weights / kept],
              index_bits=[len(gaps) * INDEX_BITS / kept, huffman_gaps / kept],
              rate=[quantized / (32 * flat.size), coded / (32 * flat.size)])


def layers(model):
  """{layer name: `kernel`'s figures} for every prunable kernel of `model`, and "total":
  the same summed over them (bits per kept weight and rates weighted by size).

  Example:
    han = layers(shared); han["total"]["rate"]  # [0.036, 0.025]: 28x and 40x
  """
  found = {name: kernel(k.numpy()) for name, k in prunable_kernels(model)}
  if not found:
    return {}
  rows = list(found.values())
  weights, kept = sum(r["weights"] for r in rows), sum(r["kept"] for r in rows)
  def per_kept(key, i):
    return sum(r[key][i] * r["kept"] for r in rows) / max(kept, 1)
  found["total"] = {
      "weights": weights, "kept": kept, "values": None,
      "weight_bits": [per_kept("weight_bits", 0), per_kept("weight_bits", 1)],
      "index_bits": [per_kept("index_bits", 0), per_kept("index_bits", 1)],
      "rate": [sum(r["rate"][i] * r["weights"] for r in rows) / weights for i in (0, 1)]}
  return found
