"""SVHN's official .mat files (made here in their layout) and class merging."""
import os

import numpy as np
import pytest
from scipy import io

from tests.cli_runner import REPO
from tests.conftest import make_images
from tfcompress import pipeline
from tfcompress.config import base_config
from tfcompress.data import load
from tfcompress.data import svhn
from tfcompress.errors import InputError


def write_svhn(folder, n_train=120, n_test=40):
  """train_32x32.mat and test_32x32.mat as SVHN ships them: X (32, 32, 3, N) uint8 and
  y (N, 1) in 1..10, where 10 is the digit 0. Five digits: 0 (as 10) to 4."""
  os.makedirs(folder, exist_ok=True)
  for name, n, seed in ((svhn.TRAIN, n_train, 0), (svhn.TEST, n_test, 1)):
    x, y = make_images(n, size=32, channels=3, num_classes=5, seed=seed)
    io.savemat(os.path.join(folder, name),
               {"X": np.moveaxis(x, 0, -1), "y": np.where(y == 0, 10, y)[:, None]})
  return str(folder)


def test_svhn_files_load_with_label_10_as_digit_0(tmp_path):
  folder = write_svhn(tmp_path / "svhn")
  config = base_config().data
  config.path = folder
  splits = load(config)
  assert splits.x_train.shape[1:] == (32, 32, 3) and splits.class_names[:3] == ("0", "1", "2")
  assert len(splits.y_train) + len(splits.y_val) == 120 and len(splits.y_test) == 40
  x, y = make_images(40, size=32, channels=3, num_classes=5, seed=1)
  np.testing.assert_array_equal(splits.y_test, y)  # 10 became 0; the rest kept.
  np.testing.assert_array_equal(splits.x_test, x.astype(np.float32))  # (N, 32, 32, 3) again.
  config.path = os.path.join(folder, svhn.TRAIN)  # The train file, the test file beside it.
  assert len(load(config).y_test) == 40


def test_the_fingerprint_of_the_train_mat_covers_the_test_file_beside_it(tmp_path):
  """Review: with `data.path` the train .mat, only that file was hashed."""
  from tfcompress import fingerprint  # pylint: disable=g-import-not-at-top
  folder = write_svhn(tmp_path / "svhn")
  config = base_config().data
  config.path = os.path.join(folder, svhn.TRAIN)
  before = fingerprint.data_sha256(config, load(config))
  x, y = make_images(40, size=32, channels=3, num_classes=5, seed=2)  # Another test file.
  io.savemat(os.path.join(folder, svhn.TEST),
             {"X": np.moveaxis(x, 0, -1), "y": np.where(y == 0, 10, y)[:, None]})
  assert fingerprint.data_sha256(config, load(config)) != before


def test_bad_svhn_files_are_one_line(tmp_path):
  folder = write_svhn(tmp_path / "svhn")
  os.remove(os.path.join(folder, svhn.TEST))
  with pytest.raises(InputError, match="test_32x32.mat.* is missing"):
    svhn.load_svhn(os.path.join(folder, svhn.TRAIN))
  io.savemat(os.path.join(folder, svhn.TEST), {"images": np.zeros((2, 2))})
  with pytest.raises(InputError, match="lacks X or y"):
    svhn.load_svhn(folder)
  # Only the test file, no folder, or other .mat names: each error names SVHN's two files
  # (trial 11: they spoke of image folders and class folders).
  config = base_config().data
  os.remove(os.path.join(folder, svhn.TRAIN))
  config.path = folder
  with pytest.raises(InputError, match="train_32x32.mat.* is missing"):
    load(config)
  config.path = str(tmp_path / "svhn_not_here")
  with pytest.raises(InputError, match="or a folder with SVHN's train_32x32.mat and "
                                       "test_32x32.mat"):
    load(config)
  os.rename(os.path.join(folder, svhn.TEST), os.path.join(folder, "test.mat"))
  config.path = folder
  with pytest.raises(InputError, match="must be named train_32x32.mat and test_32x32.mat"):
    load(config)


def test_merge_classes_maps_names_and_labels(tmp_path):
  config = base_config().data
  config.path = write_svhn(tmp_path / "svhn")
  plain = load(config)
  config.merge_classes = "0:even, 1:odd, 2:even, 3:odd, 4:even"
  merged = load(config)
  assert merged.class_names == ("even", "odd")
  np.testing.assert_array_equal(merged.y_test, plain.y_test % 2)
  config.merge_classes = "0:even, 1:odd"
  with pytest.raises(InputError, match=r"leaves classes \['2', '3', '4'\] unmapped"):
    load(config)
  config.merge_classes = "0:a, 1:b, 2:a, 3:b, 4:a, seven:b"
  with pytest.raises(InputError, match="names class 'seven', which the data lacks"):
    load(config)


def test_svhn_smoke_run(tmp_path):
  import runpy  # pylint: disable=g-import-not-at-top
  config = runpy.run_path(os.path.join(REPO, "configs", "svhn_fire.py"))["get_config"]("smoke")
  config.data.path = write_svhn(tmp_path / "svhn", n_train=200, n_test=50)
  config.data.limit = 0
  config.verbose = 0
  config.stages = ("student", "channels", "quantize")  # The teacher runs in other tests.
  config.channels.distill = False
  config.quantize.modes = ("int8",)
  config.quantize.source = "channels"
  report = pipeline.run(config, str(tmp_path / "run"))
  by_name = {m["name"]: m for m in report["models"]}
  assert by_name["student"]["accuracy"] > 0.4  # Five classes: chance is 0.2.
  assert by_name["student_slim_int8"]["params"] < by_name["student"]["params"]
