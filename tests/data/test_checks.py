import numpy as np
import pytest

from tests.conftest import make_images
from tfcompress.data import arrays
from tfcompress.data import checks
from tfcompress.errors import InputError


def _parts(y_train, y_test=(0, 1)):
  x = np.zeros((len(y_train), 4, 4, 1))
  return {"train": (x, np.array(y_train)),
          "test": (np.zeros((len(y_test), 4, 4, 1)), np.array(y_test))}


def test_pixel_ranges():
  u8 = np.full((2, 4, 4), 200, np.uint8)
  assert not checks.pixel_range({"x_train": u8, "x_test": u8}, "d")
  unit = np.full((2, 4, 4), 0.5, np.float32)
  assert checks.pixel_range({"x_train": unit, "x_test": unit}, "d")
  zeros = np.zeros((2, 4, 4), np.float32)  # All-zero splits fit either range.
  assert checks.pixel_range({"x_train": unit, "x_test": zeros}, "d")
  with pytest.raises(InputError, match="x_test in 0..255"):
    checks.pixel_range({"x_train": unit, "x_test": u8}, "d")
  with pytest.raises(InputError, match="x_train.*256"):
    checks.pixel_range({"x_train": u8.astype(np.int32) + 56}, "d")


def test_label_gap_is_allowed_only_when_classes_are_named():
  with pytest.raises(InputError, match="no example of label 1"):
    checks.label_count(_parts([0, 2, 0, 2], [0, 2]), "d")
  assert checks.label_count(_parts([0, 2, 0, 2], [0, 2]), "d", ("a", "b", "c")) == 3
  with pytest.raises(InputError, match="names 2 classes but the data has 3"):
    checks.label_count(_parts([0, 2, 0, 2], [0, 2]), "d", ("a", "b"))


def test_named_gap_loads(tmp_path):
  x, y = make_images(40, num_classes=3)
  y = np.where(y == 1, 2, y)
  np.savez(tmp_path / "g.npz", x_train=x, y_train=y, x_test=x, y_test=y)
  s = arrays.load_npz(str(tmp_path / "g.npz"), class_names=("a", "b", "c"))
  assert s.num_classes == 3
