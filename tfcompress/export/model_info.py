"""A .tflite file's input and output tensors, and the class labels that go with them."""
from ai_edge_litert import schema_py_generated as schema_fb
import numpy as np

from tfcompress.errors import InputError
from tfcompress.tflite_file import check_tflite
from tfcompress.tflite_file import TFLiteModel


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


# How the training images were made when they were taken as stored (`Splits.reading` "").
AS_STORED = "The training images were taken as stored; feed frames made the same way."


def pixels_reading(width, height, reading=None):
  """How the training images' pixels were made from their files, for a device to copy.

  `reading` is `Splits.reading` ("" for images taken as stored); None when it is not known,
  which gives how tfcompress reads each kind of data.
  """
  if reading is None:
    return (f"Image folders were read with PIL ('L' for grayscale: ITU-R 601-2 luma) and "
            f"stretched to {width}x{height} (bilinear, aspect ratio not kept); .npz "
            "images were taken as stored.")
  return reading or AS_STORED


def input_formula(dtype):
  """How a pixel becomes an integer input of `dtype` ("int8" or "int16"), with its range."""
  info = np.iinfo(dtype)
  return f"q = clamp(round(pixel / scale) + zero_point, {info.min}, {info.max})"


def _tensor(detail):
  scale, zero_point = detail["quantization"]
  return {"shape": [int(d) for d in detail["shape"]], "dtype": np.dtype(detail["dtype"]).name,
          "scale": float(scale), "zero_point": int(zero_point)}


def model_info(content):
  """Shape, dtype, scale and zero point of a single-input, single-output model's tensors,
  and the op names it uses (`ops`).

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
  return {"input": _tensor(model.input), "output": _tensor(model.output), "ops": _ops(model),
          "int4_tensors": int4_tensors(content)}


def int4_tensors(content):
  """How many tensors of the .tflite `content` are int4 (packed 4-bit filters): TFLite
  Micro's reference kernels run them, not every port's optimized kernels."""
  model = schema_fb.Model.GetRootAsModel(check_tflite(content), 0)
  return sum(model.Subgraphs(g).Tensors(t).Type() == schema_fb.TensorType.INT4
             for g in range(model.SubgraphsLength())
             for t in range(model.Subgraphs(g).TensorsLength()))


def _ops(model):
  """The builtin op names the model uses, sorted (what a TFLite Micro op resolver must
  register); None when this LiteRT cannot list them."""
  try:
    details = model.interpreter._get_ops_details()  # pylint: disable=protected-access
  except (AttributeError, RuntimeError, ValueError):
    return None
  return sorted({d["op_name"] for d in details})
