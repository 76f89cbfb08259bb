"""Sizes and weight sparsity of .tflite files; `TFLiteModel` (from tflite_file) runs them."""
import gzip

from ai_edge_litert import interpreter as litert
import numpy as np

from tfcompress.tflite_file import NO_DELEGATES
from tfcompress.tflite_file import TFLiteModel  # noqa: F401  (re-exported)


def file_sizes(content):
  """Bytes on disk and bytes after gzip -9 (what a download costs)."""
  return {"size_bytes": len(content), "gzip_bytes": len(gzip.compress(bytes(content), 9))}


def _kernels(content):
  """(name, values) of every constant weight tensor with >= 2 dims (conv/dense kernels)."""
  interp = litert.Interpreter(model_content=bytes(content),
                              experimental_op_resolver_type=NO_DELEGATES)
  for detail in interp.get_tensor_details():
    if len(detail["shape"]) < 2:
      continue
    try:
      value = interp.get_tensor(detail["index"])
    except ValueError:  # Activations have no data before invoke.
      continue
    if value.size and value.dtype in (np.float32, np.int8, np.float16):
      yield detail["name"], value


def weight_sparsity(content):
  """Zero fraction of every constant weight tensor with >= 2 dims (conv/dense kernels) by name."""
  return {name: float(np.mean(value == 0)) for name, value in _kernels(content)}


def weight_distinct_values(content):
  """Distinct non-zero values of every kernel in the file, by tensor name: after weight
  sharing and a per-tensor int8 scale, at most the number of clusters."""
  return {name: int(len(np.unique(value[value != 0]))) for name, value in _kernels(content)}
