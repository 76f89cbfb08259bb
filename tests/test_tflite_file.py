"""tflite_file: the .tflite check and runner that quantize, export and evaluate share."""
import importlib

import pytest

from tfcompress import tflite_file
from tfcompress.errors import InputError


def test_the_old_import_paths_still_work():
  from tfcompress import export
  from tfcompress.evaluate import tflite
  # `export.model_info` is the function; the module is reached by its full name.
  model_info = importlib.import_module("tfcompress.export.model_info")
  assert export.check_tflite is model_info.check_tflite is tflite_file.check_tflite
  assert tflite.TFLiteModel is model_info.TFLiteModel is tflite_file.TFLiteModel


def test_check_tflite_wants_the_identifier():
  content = b"\x1c\x00\x00\x00TFL3" + bytes(8)
  assert tflite_file.check_tflite(bytearray(content)) == content
  with pytest.raises(InputError, match="TFL3.*Received: 12 bytes"):
    tflite_file.check_tflite(b"\x1c\x00\x00\x00TFL2" + bytes(4))
