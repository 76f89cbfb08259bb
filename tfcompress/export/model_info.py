"""What a .tflite file is: the flatbuffer check and its input and output tensors."""
import numpy as np

from tfcompress.errors import InputError
from tfcompress.evaluate.tflite import TFLiteModel


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


def class_labels(class_names, classes, required=True):
  """`class_names` as strings, one per model output; InputError if they cannot be that.

  With `required=False` an empty list is allowed (no labels at all).
  """
  if isinstance(class_names, str):
    raise InputError(f"`class_names` must be a list of names, one per output, e.g. "
                     f"('normal', 'pneumonia'). Received: {class_names!r}")
  labels = [str(c) for c in class_names]
  if (labels or required) and len(labels) != classes:
    raise InputError(f"The model has {classes} outputs, so pass {classes} class names. "
                     f"Received: {len(labels)} ({labels!r})")
  return labels


def _tensor(detail):
  scale, zero_point = detail["quantization"]
  return {"shape": [int(d) for d in detail["shape"]], "dtype": np.dtype(detail["dtype"]).name,
          "scale": float(scale), "zero_point": int(zero_point)}


def model_info(content):
  """Shape, dtype, scale and zero point of a single-input, single-output model's tensors.

  Float tensors have scale 0.0 and zero point 0, as LiteRT reports them.

  Example:
    info = model_info(content)
    info["input"]  # {"shape": [1, 28, 28, 1], "dtype": "int8", "scale": 1.0, ...}
  """
  content = check_tflite(content)
  try:
    model = TFLiteModel(content, default_delegates=False)
  except (ValueError, RuntimeError) as e:
    raise InputError(f"LiteRT cannot read this .tflite file ({len(content)} bytes): "
                     f"{str(e).strip().splitlines()[-1]}") from None
  return {"input": _tensor(model.input), "output": _tensor(model.output)}
