import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.evaluate import tflite
from tfcompress.models import paper_cnn
from tfcompress.quantize import convert


@pytest.fixture(scope="module")
def model_and_images():
  keras.utils.set_random_seed(0)  # The int4 tolerance holds for this model, not every draw.
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  images = np.random.default_rng(0).uniform(0, 255, (32, 12, 12, 1)).astype(np.float32)
  return model, images


def test_every_mode_runs_in_the_interpreter(model_and_images):
  model, images = model_and_images
  expected = model.predict(images, verbose=0)
  sizes = {}
  for mode in ("float32", "dynamic", "float16", "int8", "int16x8", "int4_weights", "int4x8"):
    content = convert(model, mode, images)
    sizes[mode] = len(content)
    runner = tflite.TFLiteModel(content)
    got = runner.predict(images)
    assert got.shape == expected.shape
    step = 0.3 if mode.startswith("int4") else 0.1  # 16 levels a weight instead of 256.
    tol = 1e-4 if mode == "float32" else step * np.abs(expected).max() + 1e-2
    assert np.abs(got - expected).max() <= tol, mode
  assert sizes["int8"] < sizes["float16"] < sizes["float32"]
  assert sizes["int4x8"] < sizes["int8"] and sizes["int4_weights"] < sizes["float16"]


def test_int16x8_and_int4x8_are_integer_files(model_and_images):
  model, images = model_and_images
  from tfcompress.export import c_source  # pylint: disable=g-import-not-at-top
  from tfcompress.export.model_info import int4_tensors  # pylint: disable=g-import-not-at-top
  wide_file = convert(model, "int16x8", images)
  wide = tflite.TFLiteModel(wide_file)
  assert wide.input["dtype"] == np.int16 and wide.output["dtype"] == np.int16
  small_file = convert(model, "int4x8", images)
  small = tflite.TFLiteModel(small_file)
  assert small.input["dtype"] == np.int8
  # The C header says what firmware needs: int4 filters, and the input's clamp per dtype.
  assert int4_tensors(small_file) > 0 == int4_tensors(wide_file)
  header = c_source(small_file, "m")["m.h"]
  assert "int4 tensors" in header and "-128, 127)" in header
  header = c_source(wide_file, "m")["m.h"]
  assert "int4" not in header and "-32768, 32767)" in header
  with pytest.raises(InputError, match="int4x8 quantization needs calibration"):
    convert(model, "int4x8")
  with pytest.raises(InputError, match="int16x8 quantization needs calibration"):
    convert(model, "int16x8")


def test_int8_file_has_int8_input_and_output(model_and_images):
  model, images = model_and_images
  runner = tflite.TFLiteModel(convert(model, "int8", images))
  assert runner.input["dtype"] == np.int8 and runner.output["dtype"] == np.int8


def test_int8_without_calibration_data(model_and_images):
  with pytest.raises(InputError, match="calibration"):
    convert(model_and_images[0], "int8")


def test_calibration_images_of_the_wrong_shape(model_and_images):
  with pytest.raises(InputError, match=r"\(5, 28, 28, 1\)"):
    convert(model_and_images[0], "int8", np.zeros((5, 28, 28, 1), np.float32))


def test_unknown_mode(model_and_images):
  with pytest.raises(InputError, match="int4"):
    convert(model_and_images[0], "int4")


def test_sizes_latency_and_weight_sparsity(model_and_images):
  model, images = model_and_images
  content = convert(model, "float32")
  sizes = tflite.file_sizes(content)
  assert sizes["size_bytes"] == len(content) and 0 < sizes["gzip_bytes"] < len(content)
  from tfcompress.evaluate import latency as latency_lib
  timed = latency_lib.tflite_latency(tflite.TFLiteModel(content), images, 4, repeats=5)
  assert timed["median_ms"] > 0 and timed["iqr_ms"] >= 0 and timed["repeats"] == 5
  assert any("conv2" in name for name in tflite.weight_sparsity(content))


def test_per_tensor_int8_keeps_shared_values(model_and_images):
  from tfcompress._keras import keras
  model, images = model_and_images
  clone = keras.models.clone_model(model)
  weights = [np.round(w * 4) / 4 if w.ndim == 4 else w for w in model.get_weights()]
  clone.set_weights(weights)  # Conv kernels now hold a few shared values each.
  shared = len(np.unique(clone.get_layer("conv2").kernel.numpy()))
  for per_channel, most in ((False, shared), (True, None)):
    interp = tflite.TFLiteModel(convert(clone, "int8", images, per_channel=per_channel)).interpreter
    found = 0
    for d in interp.get_tensor_details():
      if "conv2" not in d["name"] or len(d["shape"]) != 4 or d["dtype"] != np.int8:
        continue
      try:
        kernel = interp.get_tensor(d["index"])
      except ValueError:  # An activation: no data before invoke.
        continue
      found += 1
      scales = d["quantization_parameters"]["scales"]
      if per_channel:
        assert len(scales) > 1
      else:
        assert len(scales) == 1 and len(np.unique(kernel)) <= most
    assert found == 1


def test_a_model_still_in_pruning_wrappers_converts_as_stripped(model_and_images):
  """Trial 9: the wrappers' variables went into the file (163,792 bytes, not 36,536),
  and LiteRT refused to run it."""
  from tfcompress.prune import tfmot_pruning  # pylint: disable=g-import-not-at-top
  model, images = model_and_images
  wrapped = tfmot_pruning.prune_model(model, tfmot_pruning.make_schedule("constant", 0.5, 1))
  content = convert(wrapped, "int8", images)
  assert len(content) == len(convert(tfmot_pruning.strip(wrapped), "int8", images))
  assert tflite.TFLiteModel(content).predict(images).shape == (32, 2)


def test_calibration_images_in_0_1_for_a_model_of_0_255_are_warned_about(monkeypatch):
  """Trial 9: calibrated on x / 255, the int8 file answered at chance, without a word."""
  import importlib  # pylint: disable=g-import-not-at-top
  convert_module = importlib.import_module("tfcompress.quantize.convert")  # Not the function.
  warned = []
  monkeypatch.setattr(convert_module.logging, "warning", lambda *a: warned.append(a))
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))  # Rescaling(1/255) first.
  images = np.random.default_rng(0).uniform(0, 255, (8, 12, 12, 1)).astype(np.float32)
  convert(model, "int8", images)
  assert not warned
  convert(model, "int8", images / 255)
  assert len(warned) == 1 and "divides its input by 255" in warned[0][0]
  inputs = keras.Input((4, 4, 3))  # Review: a scale per channel crashed the check.
  per_channel = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(
      keras.layers.Rescaling([1 / 58.4, 1 / 57.1, 1 / 57.4])(inputs))))
  convert(per_channel, "int8", np.ones((4, 4, 4, 3), np.float32) / 2)
  assert len(warned) == 1
  with pytest.raises(InputError, match="must be a tf_keras model. Received: builtins.NoneType"):
    convert(None, "float32")


def test_negative_zeros_are_written_as_zeros():
  """A pruning mask times a negative weight is -0.0; in the float32 file Deep Compression's
  container took each for a shared value, not a zero (LeNet-300-100: 1.7x the int8 one)."""
  from tfcompress.quantize.container import encode_tflite  # pylint: disable=g-import-not-at-top
  rng = np.random.default_rng(0)
  kernel = rng.choice([-0.5, 0.25, 0.0], size=(64, 32), p=[0.05, 0.05, 0.9]).astype(np.float32)
  def dense(values):
    model = keras.Sequential([keras.Input((64,)),
                              keras.layers.Dense(32, use_bias=False, name="fc")], name="net")
    model.layers[0].set_weights([values])
    return model
  signed = np.where((kernel == 0) & (rng.random(kernel.shape) < 0.5), -0.0, kernel)
  assert np.signbit(signed[signed == 0]).sum() > 500  # Half the zeros are -0.0.
  plain, _ = encode_tflite(convert(dense(kernel), "float32"))
  model = dense(signed)
  negative, _ = encode_tflite(convert(model, "float32"))
  assert len(negative) == len(plain)
  kept = model.layers[0].kernel.numpy()  # The caller's model is left as it was.
  assert np.array_equal(np.signbit(kept), np.signbit(signed))
