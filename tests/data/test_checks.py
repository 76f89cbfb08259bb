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


def test_a_label_gap_is_refused_even_when_the_classes_are_named():
  """Review: a named class with no image passed, then class weights divided by zero."""
  with pytest.raises(InputError, match="no example of label 1 but.*Relabel them 0..1"):
    checks.label_count(_parts([0, 2, 0, 2], [0, 2]), "d")
  with pytest.raises(InputError, match=r"no example of label 1 \(class 'b'\)"):
    checks.label_count(_parts([0, 2, 0, 2], [0, 2]), "d", ("a", "b", "c"))
  with pytest.raises(InputError, match=r"names 2 classes but the data has 3 .*Its labels are "
                     r"\[0, 2\]: relabel them 0..1"):  # Trial 14: digits 1, 4, 7 as labels.
    checks.label_count(_parts([0, 2, 0, 2], [0, 2]), "d", ("a", "b"))
  with pytest.raises(InputError, match=r"the data has 3 \(labels 0..2 in `y_train` of d\)\. "
                     "Received"):  # Three labels in use: naming two is not a relabelling.
    checks.label_count(_parts([0, 1, 2], [0, 1, 2]), "d", ("a", "b"))


@pytest.mark.parametrize("split", ["val", "test"])
def test_a_held_out_split_must_hold_every_training_class(split):
  parts = _parts([0, 1, 2, 0, 1, 2], [0, 1, 2])
  parts[split] = (np.zeros((3, 4, 4, 1)), np.array([0, 0, 1]))  # No 2.
  with pytest.raises(InputError, match=f"`y_{split}` in d has no example of label 2"):
    checks.label_count(parts, "d")


def test_the_validation_split_holds_every_class_however_small():
  y = np.array([0] * 40 + [1] * 40 + [2] * 3)  # 10% of 3 images rounds to none.
  x = np.arange(len(y), dtype=np.float32)[:, None, None, None]
  xa, ya, xb, yb = arrays.stratified_split(x, y, 0.1, seed=0)
  assert sorted(set(yb.tolist())) == [0, 1, 2] and set(ya.tolist()) == {0, 1, 2}
  assert sorted(np.concatenate([xa, xb]).ravel().tolist()) == list(range(len(y)))  # A split.


def test_overlap_counts_copies_across_splits_and_images_with_two_labels():
  x, y = make_images(12, size=8)
  x = arrays.as_images(x, "x", "d")
  x_val, x_test = x[8:10].copy(), x[10:12].copy()
  x_test[0] = x[3]            # A training image in test.
  x_val[1] = x[5]             # And one in validation.
  x_train, y_train = np.concatenate([x[:8], x[2:3]]), np.concatenate([y[:8], [1 - y[2]]])
  splits = arrays.Splits(x_train, y_train, x_val, y[8:10], x_test, y[10:12], ("a", "b"))
  found = checks.overlap(splits)
  assert found == {"val_in_train": 1, "test_in_train": 1, "test_in_val": 0,
                   "train_conflicts": 1}
  text = checks.describe_overlap(found, 2, 2)
  assert "1 of the 2 test images is a copy of training images" in text
  assert "1 training image appears under two or more labels" in text
  assert "fix or drop them" in text
  only_labels = checks.describe_overlap({"train_conflicts": 2}, 2, 2)
  assert "2 training images appear" in only_labels and "held-out" not in only_labels
  clean = arrays.Splits(x[:8], y[:8], x[8:10], y[8:10], x[10:12], y[10:12], ("a", "b"))
  assert not any(checks.overlap(clean).values())
  assert checks.describe_overlap(checks.overlap(clean), 2, 2) == ""


def test_thin_validation_classes_are_named_with_what_one_image_weighs():
  text = checks.describe_thin_val(np.array([0] * 70 + [1] * 2 + [2] * 10), ("a", "b", "c"))
  assert text.startswith("Validation holds 2 images of class `b`: every choice")
  assert "moves balanced accuracy by up to 0.17" in text and "`c`" not in text  # 1 / (3 * 2).
  assert checks.describe_thin_val(np.array([0] * 10 + [1] * 10), ("a", "b")) == ""
  # With train: the val_fraction that carves 10 of the smallest class (trial 13: the advice,
  # `val_split='carve'` at the default 0.1, left its 3 rarest images at 3).
  rare = checks.describe_thin_val(np.array([0] * 60 + [1] * 3), ("one", "nine"),
                                  np.array([0] * 600 + [1] * 30))
  assert "`data.val_split='carve'` with `data.val_fraction=0.31` holds out 10 of" in rare
  assert "ties are likely" in rare
  starved = checks.describe_thin_val(np.array([0] * 60 + [1] * 2), ("one", "nine"),
                                     np.array([0] * 600 + [1] * 10))
  assert "more images of class `nine` (it has 12 in train + val" in starved


def test_thin_training_classes_are_named():
  text = checks.describe_thin_train(np.array([0] * 300 + [1] * 2 + [2] * 20), ("a", "b", "c"))
  assert text.startswith("Training holds 2 images of class `b`: too few") and "`c`" not in text
  assert checks.describe_thin_train(np.array([0] * 20 + [1] * 20), ("a", "b")) == ""
  assert "class weights" in text and "class weights" not in checks.describe_thin_train(
      np.array([0] * 30 + [1] * 2), ("a", "b"), weighted=False)
