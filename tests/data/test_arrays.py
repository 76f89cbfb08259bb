import numpy as np
import pytest

from tests.conftest import make_images
from tfcompress.data import arrays
from tfcompress.errors import InputError


def test_load_npz_splits_and_scales(tiny_npz):
  s = arrays.load_npz(tiny_npz, val_fraction=0.25, seed=0)
  assert s.x_train.shape == (72, 28, 28, 1) and s.x_val.shape == (24, 28, 28, 1)
  assert s.x_train.dtype == np.float32 and s.x_train.max() > 1.0
  assert s.num_classes == 2 and s.input_shape == (28, 28, 1)
  # Stratified: both classes keep their share in the validation split.
  assert np.bincount(s.y_val).tolist() == [12, 12]


def test_load_npz_keeps_given_val_and_rgb_classes(tmp_path):
  from tests.conftest import write_npz
  path = write_npz(tmp_path / "v.npz", with_val=True, channels=3, num_classes=3, size=32)
  s = arrays.load_npz(path)
  assert len(s.y_val) == 32 and s.input_shape == (32, 32, 3) and s.num_classes == 3


def test_float_images_in_unit_range_become_pixels(tmp_path, monkeypatch):
  said = []  # Trial 10: scaled without a word, so the device's 0..1 frames went unwarned.
  monkeypatch.setattr(arrays.logging, "info", lambda *a: said.append(a[0] % a[1:]))
  x, y = make_images(20)
  np.savez(tmp_path / "f.npz", x_train=x / 255.0, y_train=y, x_test=x / 255.0, y_test=y)
  s = arrays.load_npz(str(tmp_path / "f.npz"))
  assert 200 < s.x_test.max() <= 255.0
  assert "floats in [0, 1]: scaled to 0..255" in said[0]
  assert "has no x_val: 2 of its 20 training images" in said[1]  # And val's origin too.
  assert "multiply a [0, 1] frame by 255" in s.reading  # The export README says it.
  np.savez(tmp_path / "u8.npz", x_train=x, y_train=y, x_test=x, y_test=y)
  assert arrays.load_npz(str(tmp_path / "u8.npz")).reading == ""


def test_missing_file(tmp_path):
  with pytest.raises(InputError, match="not found.*nope.npz"):
    arrays.load_npz(str(tmp_path / "nope.npz"))


def test_npz_without_x_train(tmp_path):
  x, y = make_images(10)
  np.savez(tmp_path / "bad.npz", images=x, y_train=y, x_test=x, y_test=y)
  with pytest.raises(InputError, match="lacks x_train.*It has"):
    arrays.load_npz(str(tmp_path / "bad.npz"))


def test_labels_that_do_not_match_images(tmp_path):
  x, y = make_images(10)
  np.savez(tmp_path / "bad.npz", x_train=x, y_train=y[:7], x_test=x, y_test=y)
  with pytest.raises(InputError, match="7 labels for 10 images"):
    arrays.load_npz(str(tmp_path / "bad.npz"))


def test_wrong_image_shape(tmp_path):
  x, y = make_images(10)
  np.savez(tmp_path / "bad.npz", x_train=x.reshape(10, -1), y_train=y, x_test=x, y_test=y)
  with pytest.raises(InputError, match=r"x_train.*\(10, 784\)"):
    arrays.load_npz(str(tmp_path / "bad.npz"))
  np.savez(tmp_path / "bad.npz", x_train=np.repeat(x[:, None], 3, 1), y_train=y, x_test=x,
           y_test=y)  # Trial 10: channels first, and one-hot labels, named with the fix.
  with pytest.raises(InputError, match=r"Channels first\? Pass np.transpose\(x_train"):
    arrays.load_npz(str(tmp_path / "bad.npz"))
  np.savez(tmp_path / "bad.npz", x_train=x, y_train=np.eye(2)[y], x_test=x, y_test=y)
  with pytest.raises(InputError, match=r"One-hot\? Save y_train.argmax\(axis=1\)"):
    arrays.load_npz(str(tmp_path / "bad.npz"))


def test_not_an_npz(tmp_path):
  (tmp_path / "bad.npz").write_bytes(b"not a zip file")
  with pytest.raises(InputError, match="not an .npz"):
    arrays.load_npz(str(tmp_path / "bad.npz"))


def test_keras_dataset_offline_says_how_to_use_a_local_file(monkeypatch):
  from tfcompress._keras import keras

  def offline():
    raise OSError("URL fetch failure")
  monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
  with pytest.raises(InputError, match="data.path=FILE.npz"):
    arrays.load_keras_dataset("mnist")


def test_string_labels_are_named(tmp_path):
  x, y = make_images(10)
  names = np.array(["normal", "pneumonia"])[y]
  np.savez(tmp_path / "s.npz", x_train=x, y_train=names, x_test=x, y_test=y)
  with pytest.raises(InputError, match="class indices"):
    arrays.load_npz(str(tmp_path / "s.npz"))


def test_pixel_range_must_be_the_same_in_all_splits(tmp_path):
  x, y = make_images(20)
  dark = (x / 255.0) * 0.5  # A float split that happens to stay below 1.
  np.savez(tmp_path / "m.npz", x_train=x.astype(np.float32), y_train=y, x_test=dark, y_test=y)
  with pytest.raises(InputError, match=r"Pixel ranges differ.*x_train in 0..255, x_test in \[0, 1\]"):
    arrays.load_npz(str(tmp_path / "m.npz"))  # Either test is scaled wrongly or train is.
  u8 = np.zeros_like(x)  # Integer images are pixels, even all-zero ones.
  np.savez(tmp_path / "z.npz", x_train=u8, y_train=y, x_test=u8, y_test=y)
  assert arrays.load_npz(str(tmp_path / "z.npz")).x_train.max() == 0


def _splits(train, val, size=4):
  """Splits with `train` / `val` images per class (labels 0, 1; test: 2 of each)."""
  def part(counts, offset):
    y = np.repeat(np.arange(len(counts)), counts)
    x = (np.arange(len(y)) + offset)[:, None, None, None] * np.ones((1, size, size, 1))
    return x.astype(np.float32), y
  return arrays.Splits(*part(train, 0), *part(val, 10_000),
                                     *part((2, 2), 20_000), ("normal", "pneumonia"))


def test_a_thin_own_validation_split_is_carved_from_train_instead(monkeypatch):
  warned = []
  monkeypatch.setattr(arrays.logging, "warning", lambda msg, *a: warned.append(msg % a))
  said = []
  monkeypatch.setattr(arrays.logging, "info", lambda msg, *a: said.append(msg % a))
  kaggle = _splits(train=(150, 450), val=(8, 8))  # chest_xray's val/: 8 + 8 images.
  s = arrays.replace_thin_val(kaggle, "auto", 0.1, seed=0)
  assert np.bincount(s.y_val).tolist() == [16, 46]
  everything = np.concatenate([kaggle.x_train, kaggle.x_val])[:, 0, 0, 0]
  assert sorted(np.concatenate([s.x_train, s.x_val])[:, 0, 0, 0]) == sorted(everything)
  assert s.val_replaced and not kaggle.val_replaced
  assert len(warned) == 1 and "own 16 images went into train" in warned[0]
  assert "class `normal` has 8 images there" in warned[0] and "val_split='own'" in warned[0]
  # Kept: own val with 10 a class; own val that carving would not enlarge; val_split='own'.
  for splits, how in ((_splits((150, 450), (10, 30)), "auto"),
                      (_splits((20, 60), (3, 3)), "auto"), (kaggle, "own")):
    assert arrays.replace_thin_val(splits, how, 0.1, seed=0) is splits
  assert len(warned) == 1
  assert said == ["Validation stays as it is (`data.val_split='auto'`): its smallest class "
                  "has 3 images, and carving 0.1 of train + val anew would give it 2, no "
                  "more."]  # Trial 13: 'auto' kept a thin split without a word; trial 17:
  # "the data's own split" for a split carved from train a moment before.
  carved = arrays.replace_thin_val(_splits((150, 450), (10, 30)), "carve", 0.1, seed=0)
  assert np.bincount(carved.y_val).tolist() == [16, 48] and "val_split='carve'" in warned[1]
  # Too small to carve (review: "auto" raised, advising the x_val the user had given).
  tiny = _splits((4, 4), (1, 1))
  assert arrays.replace_thin_val(tiny, "auto", 0.1, seed=0) is tiny
  with pytest.raises(InputError, match="Could not split a stratified validation set"):
    arrays.replace_thin_val(tiny, "carve", 0.1, seed=0)
  with pytest.raises(ValueError, match="val_split='Own'"):
    arrays.replace_thin_val(kaggle, "Own")
