"""An Android-ready bundle: the .tflite file, labels.txt and a JSON that says how to feed it.

No TFLite metadata is embedded in the .tflite file: the library that writes it,
tflite-support (last release 0.4.4, 2023), requires protobuf<4, which TensorFlow 2.21
(protobuf>=6.31) rules out, and mediapipe 1.x ships its metadata writers without their
native extension. The JSON carries the same facts.

Example:
  android_bundle(content, "app/src/main/assets", ("normal", "pneumonia"), (28, 28, 1))
  # -> model.tflite, labels.txt, model.json
"""
import hashlib
import os
import re

from tfcompress import artifacts
from tfcompress.data.arrays import unusable_names
from tfcompress.errors import InputError
from tfcompress.export.model_info import class_labels
from tfcompress.export.model_info import input_formula
from tfcompress.export.model_info import model_info
from tfcompress.export.model_info import pixels_reading
from tfcompress.tflite_file import check_tflite

_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*\Z")
_NO_METADATA = ("No TFLite metadata is embedded: tflite-support needs protobuf<4, which "
                "conflicts with TensorFlow 2.21. This file describes the model instead.")
_COLORS = {1: "grayscale", 3: "RGB"}


def _quantization(tensor, formula):
  if tensor["dtype"] == "float32":
    return None
  return {"scale": tensor["scale"], "zero_point": tensor["zero_point"], "formula": formula}


def _check_labels(class_names, classes):
  labels = class_labels(class_names, classes)
  bad = unusable_names(labels)
  if bad:
    raise InputError(f"Class names must be non-empty and on one line (labels.txt has one per "
                     f"line). Received: {bad!r}")
  return labels


def _as_tuple(shape):
  try:
    return tuple(int(d) for d in shape)
  except (TypeError, ValueError):
    return None


def description(content, class_names, name="model", reading=None):
  """The JSON-able description that `android_bundle` writes as `name.json`.

  `reading`: how the training images' pixels were made from their files (`Splits.reading`;
  "" taken as stored; None unknown), said under `input.resize` so that the app makes its
  frames the same way.

  Example:
    description(content, ("normal", "pneumonia"))["input"]["dtype"]  # "int8"
  """
  content = check_tflite(content)
  info = model_info(content)
  labels = _check_labels(class_names, info["output"]["shape"][-1])
  inp, out = info["input"], info["output"]
  _, height, width, channels = inp["shape"]
  return {
      "model_file": f"{name}.tflite",
      "labels_file": "labels.txt",
      "size_bytes": len(content),
      "sha256": hashlib.sha256(content).hexdigest(),
      "embedded_metadata": False,
      "embedded_metadata_note": _NO_METADATA,
      "input": {
          "shape": inp["shape"], "layout": "NHWC", "height": height, "width": width,
          "channels": channels, "color": _COLORS.get(channels, f"{channels} channels"),
          "dtype": inp["dtype"],
          "pixels": "raw pixels 0-255; the model rescales inside, so do not normalize",
          "resize": (f"Bring each frame to {width}x{height} as the training images were "
                     f"made. {pixels_reading(width, height, reading)}"),
          "quantization": _quantization(
              inp, inp["dtype"] in ("int8", "int16") and input_formula(inp["dtype"])),
      },
      "output": {
          "shape": out["shape"], "dtype": out["dtype"],
          "meaning": "logits: apply softmax for probabilities; index i is line i of "
                     "labels.txt (argmax is the predicted class)",
          "quantization": _quantization(out, "logit = scale * (q - zero_point)"),
      },
      "labels": labels,
  }


def android_bundle(content, out_dir, class_names, input_shape=None, name="model",
                   reading=None):
  """Writes `name.tflite`, `labels.txt` and `name.json` into `out_dir`; returns their paths.

  Args:
    content: the .tflite bytes.
    out_dir: the folder, e.g. an app's `src/main/assets`.
    class_names: one per model output, in output order.
    input_shape: (height, width, channels) the app will feed; checked against the file.
    name: the base name of the .tflite and .json files.
    reading: how the training images' pixels were made from their files
      (`Splits.reading`; "" taken as stored; None unknown), for the JSON's `input.resize`.

  Returns:
    The paths written: `name.tflite`, `labels.txt`, `name.json`.

  Raises:
    InputError: `content` is not a .tflite file LiteRT can read, `name` is not a plain
      file name, `class_names` do not match the outputs or are not one line each, or
      `input_shape` differs from the model's.

  Example:
    paths = android_bundle(content, "assets", ("normal", "pneumonia"), (28, 28, 1))
  """
  if not isinstance(name, str) or not _FILE_NAME.match(name):
    raise InputError("The bundle `name` must be a plain file name (letters, digits, _ . -), "
                     f"e.g. 'model'. Received: name={name!r}")
  about = description(content, class_names, name, reading)
  expected = tuple(about["input"]["shape"][1:])
  if input_shape is not None and _as_tuple(input_shape) != expected:
    raise InputError(f"`input_shape` must match the model's input (height, width, channels) "
                     f"= {expected}. Received: input_shape={input_shape!r}")
  return [
      artifacts.write_bytes(os.path.join(out_dir, f"{name}.tflite"), bytes(content)),
      artifacts.write_bytes(os.path.join(out_dir, "labels.txt"),
                            "".join(f"{label}\n" for label in about["labels"]).encode()),
      artifacts.write_json(os.path.join(out_dir, f"{name}.json"), about),
  ]
