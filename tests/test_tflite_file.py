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


def test_the_runner_refuses_other_bytes_and_images_of_another_shape():
  """Trial 9: TFLiteModel is public now; its mistakes are one line, not LiteRT's."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  from tfcompress._keras import keras  # pylint: disable=g-import-not-at-top
  from tfcompress.quantize import convert  # pylint: disable=g-import-not-at-top
  with pytest.raises(InputError, match="Expected a .tflite flatbuffer"):
    tflite_file.TFLiteModel(b"not a model at all")
  model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
  runner = tflite_file.TFLiteModel(convert(model, "float32"))
  x = np.ones((3, 6, 6, 1), np.float32)
  np.testing.assert_allclose(runner.predict(x), model.predict(x, verbose=0), atol=1e-5)
  with pytest.raises(InputError, match=r"shape \(N, 6, 6, 1\) .* Received: \(3, 6, 6\)"):
    runner.predict(x[..., 0])


def test_equal_integer_outputs_stay_equal_logits():
  """Trial 16: dequantized in float32, two images whose int8 logits differ by the same
  steps got logit differences a rounding apart, which broke AUC's ties."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  from tfcompress._keras import keras  # pylint: disable=g-import-not-at-top
  from tfcompress.quantize import convert  # pylint: disable=g-import-not-at-top
  model = keras.Sequential([keras.Input((6, 6, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
  x = np.random.default_rng(0).uniform(0, 255, (16, 6, 6, 1)).astype(np.float32)
  runner = tflite_file.TFLiteModel(convert(model, "int8", x))
  scale, _ = runner.output["quantization"]
  steps = np.arange(-128, 118, dtype=np.int8)
  out = runner.dequantize_output(np.stack([steps, steps + 10], axis=-1))
  differences = out[:, 1] - out[:, 0]
  assert np.all(differences == differences[0])  # Ten steps, whatever the level.
  assert np.isclose(differences[0], 10 * scale)
