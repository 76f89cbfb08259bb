"""What a .tflite file is: the flatbuffer identifier check and the LiteRT interpreter.

Low level on purpose: quantize (the container), export (C arrays, TFLite Micro, Android)
and evaluate (metrics, latency) all read .tflite files, and none may import a later one.
Imports LiteRT, not TensorFlow.

Example:
  content = check_tflite(open("student_int8.tflite", "rb").read())
  logits = TFLiteModel(content).predict(x_test)
"""
from ai_edge_litert import interpreter as litert
import numpy as np

from tfcompress.errors import InputError

NO_DELEGATES = litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


def check_tflite(content):
  """Returns `content` as bytes, or raises InputError if it is not a .tflite flatbuffer.

  A TFLite flatbuffer carries the file identifier b"TFL3" at bytes 4..8.

  Example:
    content = check_tflite(open("student_int8.tflite", "rb").read())
  """
  if not isinstance(content, (bytes, bytearray, memoryview)):
    raise InputError(f"Expected the bytes of a .tflite file. Received: {type(content).__name__}")
  content = bytes(content)
  if len(content) < 8 or content[4:8] != b"TFL3":
    start = "empty" if not content else f"starting {content[:8]!r}"
    raise InputError("Expected a .tflite flatbuffer (file identifier b'TFL3' at bytes 4-8). "
                     f"Received: {len(content)} bytes, {start}. Pass the bytes of a "
                     "converted model, e.g. from tfcompress.quantize.convert.")
  return content


class TFLiteModel:
  """A .tflite model in the LiteRT interpreter that takes raw images and returns logits.

  Quantized (int8) inputs and outputs are (de)quantized with the file's own scale and
  zero point, so callers always pass float pixels and get float logits: float32 for a
  float output, float64 for a quantized one (exact, so equal integer outputs stay equal).

  Args:
    content: the bytes of a .tflite file (from `convert`, or read from disk).
    num_threads: the interpreter's CPU threads.
    default_delegates: False runs without LiteRT's default delegates (XNNPACK), which
      files converted with the sparse weight format may need.

  Raises:
    InputError: `content` is not a .tflite flatbuffer, or `predict` is given images of
      another shape than the file's input.

  Example:
    model = TFLiteModel(open("student_int8.tflite", "rb").read())
    logits = model.predict(x_test)
  """

  def __init__(self, content, num_threads=1, default_delegates=True):
    self.content = check_tflite(content)
    resolver = litert.OpResolverType.AUTO if default_delegates else NO_DELEGATES
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
    """Float logits from the model's raw output: float32 as they are, or a quantized
    output in float64."""
    if self.output["dtype"] == np.float32:
      return out
    scale, zero = self.output["quantization"]
    # float64: q - zero_point times the scale is exact, so equal integer outputs give
    # equal logits (and their ties stay ties for AUC; trial 16).
    return (out.astype(np.float64) - zero) * scale

  def predict(self, images, batch_size=64):
    """Float logits of `images` (N, H, W, C), raw pixels as the converted model took them
    (float64 when the file's output is quantized)."""
    images = np.asarray(images, np.float32)
    expected = tuple(int(d) for d in self.input["shape"][1:])
    if images.shape[1:] != expected:
      raise InputError(f"Images must have shape (N, {', '.join(map(str, expected))}) for this "
                       f".tflite file. Received: {images.shape}")
    return np.concatenate([self.run(images[i:i + batch_size])
                           for i in range(0, len(images), batch_size)])
