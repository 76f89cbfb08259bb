import numpy as np
import pytest

from tfcompress.errors import InputError
from tfcompress.evaluate.tflite import TFLiteModel
from tfcompress.export import check_tflite
from tfcompress.export import model_info


def test_model_info_reads_the_int8_tensors(tflite_files):
  info = model_info(tflite_files["int8"])
  runner = TFLiteModel(tflite_files["int8"])
  assert info["input"]["shape"] == [1, 12, 12, 1] and info["output"]["shape"] == [1, 2]
  assert info["input"]["dtype"] == "int8" and info["output"]["dtype"] == "int8"
  assert (info["input"]["scale"], info["input"]["zero_point"]) == runner.input["quantization"]
  assert (info["output"]["scale"], info["output"]["zero_point"]) == runner.output["quantization"]


def test_float_tensors_have_no_quantization(tflite_files):
  info = model_info(tflite_files["float32"])
  assert info["input"] == {"shape": [1, 12, 12, 1], "dtype": "float32", "scale": 0.0,
                           "zero_point": 0}


@pytest.mark.parametrize("content, match", [
    (b"", "0 bytes, empty"),
    (b"PK\x03\x04 a zip file", "starting b'PK"),
    ("model.tflite", "Received: str"),
])
def test_not_a_flatbuffer(content, match):
  with pytest.raises(InputError, match=match):
    check_tflite(content)


def test_truncated_flatbuffer(tflite_files):
  with pytest.raises(InputError, match="LiteRT cannot read"):
    model_info(tflite_files["int8"][:200])


def test_check_tflite_returns_bytes(tflite_files):
  assert check_tflite(bytearray(tflite_files["int8"])) == tflite_files["int8"]
  assert isinstance(check_tflite(np.frombuffer(tflite_files["int8"], np.uint8).data), bytes)
