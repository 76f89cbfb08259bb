"""Han, Mao & Dally's (2016) per-layer storage figures of a pruned, weight-shared model.

Their Tables 2-5 give, per layer: the weights pruning kept (P); the bits of a weight (an
index into the layer's shared values) and of its position (the zeros before it, a
relative index) after quantization (P+Q) and after Huffman coding (P+Q+H); and the stored
size as a share of the float32 kernel. `layers` measures the same on a Keras model, each
kernel taken in the order a .tflite file stores it, and coded as tfcompress's container
(`quantize.container`) codes a float32 file's kernels: `quantize.huffman`'s codes, an
8-bit relative index with a filler symbol per 255 zeros of a longer gap. So the P+Q+H
weight and position bytes are the container's for that file.

Example:
  figures = layers(shared)
  figures["layers"][0]  # {"layer": "fc1", "weights": 235200, "kept": 21132, "values": 15,
                        #  "weight_bits": [4, 3.4], "index_bits": [8.0, 4.3], ...}
  figures["total"]["rate"]  # [0.0345, 0.0225]: LeNet-300-100's kernels in 3.45%, 2.25%
"""
import math

import numpy as np

from tfcompress.prune.stddev import prunable_kernels
from tfcompress.quantize import huffman
from tfcompress.quantize.container import gap_stream
from tfcompress.quantize.container import MAX_GAP


def kernel(values, max_gap=MAX_GAP):
  """Han's figures for one kernel, an array flattened in its stored order.

  Args:
    values: the kernel (any shape; flattened as it is: `layers` passes .tflite order).
    max_gap: the largest gap a relative index codes directly; the index takes
      ceil(log2(max_gap + 1)) bits before Huffman coding.

  Returns:
    {"weights": its size, "kept": its non-zeros, "values": distinct non-zero values,
     "weight_bits": [P+Q, P+Q+H] bits per kept weight, "index_bits": [P+Q, P+Q+H] bits
     per kept weight (fillers of long gaps included), "bytes": [P+Q, P+Q+H] stored bytes
     (a float32 codebook included), "rate": those over the float32 kernel's bytes}.
  """
  flat = np.asarray(values, np.float32).ravel()
  positions = np.flatnonzero(flat)  # -0.0 is a zero here.
  kept = len(positions)
  distinct, index = np.unique(flat[positions], return_inverse=True)
  gaps = gap_stream(positions, max_gap)
  index_bits = math.ceil(math.log2(max_gap + 1))
  weight_bits = max(1, math.ceil(math.log2(len(distinct)))) if kept else 0
  coded_weights, coded_gaps = 8 * len(huffman.encode(index)), 8 * len(huffman.encode(gaps))
  codebook = 32 * len(distinct)
  bits = [kept * weight_bits + len(gaps) * index_bits + codebook,
          coded_weights + coded_gaps + codebook]
  per_kept = lambda b: b / max(kept, 1)
  return {"weights": int(flat.size), "kept": int(kept), "values": int(len(distinct)),
          "weight_bits": [weight_bits, per_kept(coded_weights)],
          "index_bits": [per_kept(len(gaps) * index_bits), per_kept(coded_gaps)],
          "bytes": [b / 8 for b in bits], "rate": [b / (32 * flat.size) for b in bits]}


def _stored_order(variable):
  """A Keras kernel as a .tflite file stores it: Dense (in, out) -> (out, in); Conv2D
  (h, w, in, out) -> (out, h, w, in); a depthwise (h, w, in, multiplier) kernel as is."""
  values = variable.numpy()
  if values.ndim == 2:
    return values.T
  if values.ndim == 4 and "depthwise" not in variable.name:
    return values.transpose(3, 0, 1, 2)
  return values


def layers(model):
  """Han's figures for every prunable kernel of `model`.

  Returns:
    {"layers": [`kernel`'s figures plus "layer", its name, in model order], "total": the
    kernels together (bits per kept weight and rates over all their weights)}; {} when
    `model` has no prunable kernel.
  """
  found = [dict(kernel(_stored_order(variable)), layer=name)
           for name, variable in prunable_kernels(model)]
  if not found:
    return {}
  weights, kept = sum(r["weights"] for r in found), sum(r["kept"] for r in found)

  def per_kept(key, i):
    return sum(r[key][i] * r["kept"] for r in found) / max(kept, 1)

  stored = [sum(r["bytes"][i] for r in found) for i in (0, 1)]
  total = {"weights": weights, "kept": kept, "values": None,
           "weight_bits": [per_kept("weight_bits", 0), per_kept("weight_bits", 1)],
           "index_bits": [per_kept("index_bits", 0), per_kept("index_bits", 1)],
           "bytes": stored, "rate": [b / (4 * weights) for b in stored]}
  return {"layers": found, "total": total}
