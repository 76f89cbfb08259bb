"""Run .tflite files in the LiteRT interpreter: logits, metrics, sizes, weight sparsity."""
import gzip

from ai_edge_litert import interpreter as litert
import numpy as np


_NO_DELEGATES = litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


class TFLiteModel:
  """A .tflite model in the LiteRT interpreter that takes raw images and returns logits.

  Quantized (int8) inputs and outputs are (de)quantized with the file's own scale and
  zero point, so callers always pass float pixels and get float logits.

  Example:
    model = TFLiteModel(open("student_int8.tflite", "rb").read())
    logits = model.predict(x_test)
  """

  def __init__(self, content, num_threads=1, default_delegates=True):
    self.content = bytes(content)
    resolver = litert.OpResolverType.AUTO if default_delegates else _NO_DELEGATES
    self.interpreter = litert.Interpreter(model_content=self.content, num_threads=num_threads,
                                          experimental_op_resolver_type=resolver)
    self.input = self.interpreter.get_input_details()[0]
    self.output = self.interpreter.get_output_details()[0]
    self._batch = None

  def _resize(self, batch):
    if batch != self._batch:
      shape = [batch] + list(self.input["shape"][1:])
      self.interpreter.resize_tensor_input(self.input["index"], shape)
      self.interpreter.allocate_tensors()
      self._batch = batch

  def quantize_input(self, images):
    dtype = self.input["dtype"]
    if dtype == np.float32:
      return images.astype(np.float32)
    scale, zero = self.input["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(images / scale + zero), info.min, info.max).astype(dtype)

  def run(self, images):
    """One invocation on a batch; returns float logits."""
    self._resize(len(images))
    self.interpreter.set_tensor(self.input["index"], self.quantize_input(images))
    self.interpreter.invoke()
    return self.dequantize_output(self.interpreter.get_tensor(self.output["index"]))

  def dequantize_output(self, out):
    """Float logits from the model's raw (possibly int8) output."""
    if self.output["dtype"] == np.float32:
      return out
    scale, zero = self.output["quantization"]
    return (out.astype(np.float32) - zero) * scale

  def predict(self, images, batch_size=64):
    images = np.asarray(images, np.float32)
    return np.concatenate([self.run(images[i:i + batch_size])
                           for i in range(0, len(images), batch_size)])


def file_sizes(content):
  """Bytes on disk and bytes after gzip -9 (what a download costs)."""
  return {"size_bytes": len(content), "gzip_bytes": len(gzip.compress(bytes(content), 9))}


def weight_sparsity(content):
  """Zero fraction of every constant weight tensor with >= 2 dims (conv/dense kernels) by name."""
  interp = litert.Interpreter(model_content=bytes(content),
                              experimental_op_resolver_type=_NO_DELEGATES)
  result = {}
  for detail in interp.get_tensor_details():
    if len(detail["shape"]) < 2:
      continue
    try:
      value = interp.get_tensor(detail["index"])
    except ValueError:  # Activations have no data before invoke.
      continue
    if value.size and value.dtype in (np.float32, np.int8, np.float16):
      result[detail["name"]] = float(np.mean(value == 0))
  return result
