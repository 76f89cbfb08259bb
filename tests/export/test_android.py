import json
import os

import numpy as np
import pytest

from tfcompress.errors import InputError
from tfcompress.evaluate.tflite import TFLiteModel
from tfcompress.export import android_bundle
from tfcompress.export import description

LABELS = ("normal", "pneumonia")


def test_bundle_files_and_contents(tflite_files, images, tmp_path):
  content = tflite_files["int8"]
  paths = android_bundle(content, str(tmp_path / "assets"), LABELS, (12, 12, 1), name="xray")
  assert [os.path.basename(p) for p in paths] == ["xray.tflite", "labels.txt", "xray.json"]
  assert sorted(os.listdir(tmp_path / "assets")) == ["labels.txt", "xray.json", "xray.tflite"]
  assert (tmp_path / "assets" / "labels.txt").read_text() == "normal\npneumonia\n"
  bundled = (tmp_path / "assets" / "xray.tflite").read_bytes()
  assert bundled == content
  np.testing.assert_array_equal(TFLiteModel(bundled).predict(images),
                                TFLiteModel(content).predict(images))

  about = json.loads((tmp_path / "assets" / "xray.json").read_text())
  runner = TFLiteModel(content)
  assert about["model_file"] == "xray.tflite" and about["labels"] == list(LABELS)
  assert about["size_bytes"] == len(content) and not about["embedded_metadata"]
  inp = about["input"]
  assert (inp["height"], inp["width"], inp["channels"]) == (12, 12, 1)
  assert inp["dtype"] == "int8" and inp["color"] == "grayscale" and "0-255" in inp["pixels"]
  assert inp["resize"].startswith("Bring each frame to 12x12") and "stretched" in inp["resize"]
  assert (inp["quantization"]["scale"], inp["quantization"]["zero_point"]) == \
      runner.input["quantization"]
  out = about["output"]
  assert out["shape"] == [1, 2] and "softmax" in out["meaning"] and "labels.txt" in out["meaning"]
  assert (out["quantization"]["scale"], out["quantization"]["zero_point"]) == \
      runner.output["quantization"]


@pytest.mark.parametrize("mode", ["int8", "int16x8"])
def test_the_json_formula_quantizes_like_the_interpreter(tflite_files, images, mode):
  """The formula's own clamp range is used (review: a 16x8 file's JSON said -128, 127)."""
  q = description(tflite_files[mode], LABELS)["input"]["quantization"]
  low, high = (int(v) for v in q["formula"].rstrip(")").split(", ")[-2:])
  ours = np.clip(np.round(images / q["scale"]) + q["zero_point"], low, high)
  np.testing.assert_array_equal(ours, TFLiteModel(tflite_files[mode]).quantize_input(images))


def test_float_model_has_no_quantization(tflite_files):
  about = description(tflite_files["float32"], LABELS)
  assert about["input"]["dtype"] == "float32" and about["input"]["quantization"] is None
  assert about["output"]["quantization"] is None


def test_input_shape_is_optional_but_checked(tflite_files, tmp_path):
  assert len(android_bundle(tflite_files["int8"], str(tmp_path), LABELS)) == 3
  with pytest.raises(InputError, match=r"\(12, 12, 1\).*input_shape=\(28, 28, 1\)"):
    android_bundle(tflite_files["int8"], str(tmp_path), LABELS, (28, 28, 1))


@pytest.mark.parametrize("labels, match", [
    (("a", "b", "c"), "2 outputs, so pass 2 class names"),
    (("normal", "two\nlines"), "one line"),
    (("normal", " "), "non-empty"),
    ("ab", "list of names"),
])
def test_bad_labels(tflite_files, tmp_path, labels, match):
  with pytest.raises(InputError, match=match):
    android_bundle(tflite_files["int8"], str(tmp_path), labels, (12, 12, 1))
  assert not os.listdir(tmp_path)


@pytest.mark.parametrize("name", ["../model", "", ".hidden", "my model"])
def test_bad_name(tflite_files, tmp_path, name):
  with pytest.raises(InputError, match=f"name={name!r}"):
    android_bundle(tflite_files["int8"], str(tmp_path), LABELS, name=name)


def test_not_a_tflite_file(tmp_path):
  with pytest.raises(InputError, match="TFL3"):
    android_bundle(b"\x89PNG....", str(tmp_path), LABELS)


def test_the_json_says_how_the_training_pixels_were_made(tflite_files):
  """The app is told what the C header and the export README say (`Splits.reading`)."""
  known = description(tflite_files["int8"], LABELS, reading="Every file was read as RGB.")
  assert known["input"]["resize"].endswith("Every file was read as RGB.")
  assert "taken as stored" in description(tflite_files["int8"], LABELS,
                                          reading="")["input"]["resize"]
