import json
import os

import pytest

from tests.cli_runner import arrays
from tests.cli_runner import save
from tfcompress import config as config_lib
from tfcompress import data as data_lib
from tfcompress import fingerprint
from tfcompress import layout
from tfcompress.errors import InputError


def _config(path):
  config = config_lib.base_config()
  config.data.path = path
  return config


def test_recorded_then_other_data_is_refused_once_artifacts_exist(tmp_path):
  workdir = str(tmp_path / "w")
  os.makedirs(workdir)
  config = _config(save(tmp_path / "d.npz", arrays()))
  first = fingerprint.check(workdir, config, data_lib.load(config.data))
  with open(os.path.join(workdir, layout.FINGERPRINT)) as f:
    assert json.load(f) == first
  save(tmp_path / "d.npz", arrays(n_train=80))  # Nothing made from the old data yet: fine.
  second = fingerprint.check(workdir, config, data_lib.load(config.data))
  assert second["data_sha256"] != first["data_sha256"]
  (tmp_path / "w" / "teacher").mkdir()
  (tmp_path / "w" / "teacher" / "train_logits.npy").write_bytes(b"")
  save(tmp_path / "d.npz", arrays())
  with pytest.raises(InputError, match=r"other data \(data_sha256: '[0-9a-f]{12}' -> "):
    fingerprint.check(workdir, config, data_lib.load(config.data))


def test_images_read_at_another_shape_are_refused_once_artifacts_exist(tmp_path):
  """Second review: the same file read at another shape (a resize rule that changed) kept
  its data_sha256, and finished models met images they were not made for."""
  workdir = str(tmp_path / "w")
  os.makedirs(os.path.join(workdir, "teacher"))
  config = _config(save(tmp_path / "d.npz", arrays()))
  fingerprint.check(workdir, config, data_lib.load(config.data))
  open(os.path.join(workdir, "teacher", "train_logits.npy"), "wb").close()
  config.data.image_size = 10
  with pytest.raises(InputError, match=r"images of another shape \(input_shape: '\[.*\]' -> "
                     r"'\[10, 10, 1\]'; data.image_size=10\)"):
    fingerprint.check(workdir, config, data_lib.load(config.data))


def test_arrays_hash_follows_the_pixels(tmp_path):
  config = _config(save(tmp_path / "d.npz", arrays()))
  splits = data_lib.load(config.data)
  before = fingerprint.arrays_sha256(splits)
  splits.x_test[0, 0, 0, 0] += 1
  assert fingerprint.arrays_sha256(splits) != before


def test_another_trained_model_file_is_refused_once_artifacts_exist(tmp_path):
  workdir = str(tmp_path / "w")
  os.makedirs(workdir)
  config = _config(save(tmp_path / "d.npz", arrays()))
  config.student.model = str(tmp_path / "mine.keras")
  (tmp_path / "mine.keras").write_bytes(b"trained once")
  splits = data_lib.load(config.data)
  assert "student_model_sha256" in fingerprint.check(workdir, config, splits)
  (tmp_path / "w" / "student").mkdir()
  (tmp_path / "w" / "student" / "model.keras").write_bytes(b"")
  fingerprint.check(workdir, config, splits)  # The same file: fine.
  (tmp_path / "mine.keras").write_bytes(b"trained again")
  with pytest.raises(InputError, match=r"another model file \(student_model_sha256: .*"
                                       r"student.model='.*mine.keras'"):
    fingerprint.check(workdir, config, splits)
