"""The config a workdir was made with, compared with the one given."""
import os

import pytest

from tfcompress import workdir_config


@pytest.mark.parametrize("mode,shape,folder,compared", [
    ("auto", (28, 28, 1), True, "grayscale"),  # As the mode "auto" picked.
    ("auto", (32, 32, 3), True, "rgb"),
    ("grayscale", (32, 32, 3), True, "grayscale"),  # Then differs from "auto": refused.
    ("grayscale", (32, 32, 3), False, None),  # Not an image folder: not compared.
])
def test_color_mode_is_compared_as_read_and_only_for_image_folders(mode, shape, folder,
                                                                   compared):
  flat = workdir_config.given({"data": {"color_mode": mode}}, shape, folder)
  assert flat.get("data.color_mode") == compared


def test_a_model_file_is_compared_by_its_sha256_not_its_path():
  def given(model):
    return workdir_config.given({"student": {"model": model}}, (28, 28, 1), False)
  assert given("mine.keras") == given("/elsewhere/mine.keras") == given("copy.h5")
  assert given("paper_cnn") != given("lenet5")  # Builders are compared by name.
  # A stage finished before the marker recorded the path: not a change, not rerun.
  made = {"data_sha256": "d", "seed": 0, "config": given("/elsewhere/mine.keras")}
  recorded = dict(made, config={"student.model": "mine.keras"})
  assert workdir_config.changed(recorded, made) == []
  assert workdir_config.changed(dict(made, config={"student.model": "paper_cnn"}), made)


def test_a_teacher_weights_file_is_compared_by_its_bytes(tmp_path):
  def given(path):
    return workdir_config.given({"teacher": {"weights": str(path)}}, (28, 28, 1), False)
  first, copy = tmp_path / "a.h5", tmp_path / "b.h5"
  first.write_bytes(b"one")
  copy.write_bytes(b"one")
  assert given(first) == given(copy) != given("imagenet")  # Another path, the same bytes.
  before = given(first)
  first.write_bytes(b"two")  # Other weights under the same path (trial 6: reused silently).
  os.utime(first, ns=(0, os.stat(first).st_mtime_ns + 1))
  assert given(first) != before


def test_a_group_a_stage_reads_but_did_not_record_counts_as_changed():
  """channels read quantize.* before they were in its settings: such a record may hold
  other values, so it runs again; fields merely added to the schema are not compared."""
  now = {"data_sha256": "d", "seed": 0,
         "config": {"channels.ratio": 0.5, "quantize.per_channel": False, "train.new": 1}}
  old = {"data_sha256": "d", "seed": 0, "config": {"channels.ratio": 0.5}}
  assert workdir_config.changed(old, now) == []
  assert workdir_config.changed(old, now, reads=("quantize",)) == ["quantize.* was not recorded"]
  recorded = {**old, "config": {**old["config"], "quantize.per_channel": False}}
  assert workdir_config.changed(recorded, now, reads=("quantize",)) == []
