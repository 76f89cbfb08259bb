import numpy as np
from PIL import Image
import pytest

from tfcompress.data import folders
from tfcompress.errors import InputError


def _write_folder(root, counts=None, size=40):
  counts = counts or {"train": 6, "test": 3}
  rng = np.random.default_rng(0)
  for split, n in counts.items():
    for label, name in enumerate(("NORMAL", "PNEUMONIA")):
      d = root / split / name
      d.mkdir(parents=True)
      for i in range(n):
        pixels = rng.integers(0, 255, (size, size + 7, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(d / f"img{i}.{'jpeg' if label else 'png'}")
  return root


def test_kermany_layout_is_resized_and_labelled(tmp_path):
  root = _write_folder(tmp_path / "chest_xray")
  s = folders.load_image_folder(str(root), image_size=32, val_fraction=0.34)
  assert s.class_names == ("NORMAL", "PNEUMONIA")
  assert s.x_train.shape[1:] == (32, 32, 1)
  assert len(s.y_train) + len(s.y_val) == 12 and len(s.y_test) == 6
  rgb = folders.load_image_folder(str(root), image_size=32, color_mode="rgb")
  assert rgb.input_shape == (32, 32, 3)


def test_empty_class_folder(tmp_path):
  root = _write_folder(tmp_path / "x")
  for f in (root / "test" / "NORMAL").iterdir():
    f.unlink()
  with pytest.raises(InputError, match=r"test/NORMAL.*no images"):
    folders.load_image_folder(str(root), image_size=32)


def test_corrupt_image(tmp_path):
  root = _write_folder(tmp_path / "x")
  (root / "train" / "NORMAL" / "broken.jpeg").write_bytes(b"\xff\xd8 garbage")
  with pytest.raises(InputError, match="broken.jpeg"):
    folders.load_image_folder(str(root), image_size=32)


def test_missing_test_split(tmp_path):
  root = _write_folder(tmp_path / "x", counts={"train": 2})
  with pytest.raises(InputError, match="test/ is missing"):
    folders.load_image_folder(str(root), image_size=32)


def test_hidden_folders_are_not_classes(tmp_path):
  root = _write_folder(tmp_path / "chest_xray")
  (root / "train" / ".ipynb_checkpoints").mkdir()
  (root / "test" / ".DS_Store_dir").mkdir()
  (root / "train" / "NORMAL" / ".hidden.png").write_bytes(b"not an image")
  s = folders.load_image_folder(str(root), image_size=32, val_fraction=0.34)
  assert s.class_names == ("NORMAL", "PNEUMONIA")


def test_class_only_in_test_is_refused(tmp_path):
  root = _write_folder(tmp_path / "chest_xray")
  (root / "test" / "COVID").mkdir()
  with pytest.raises(InputError, match=r"test/COVID.*no counterpart in train"):
    folders.load_image_folder(str(root), image_size=32)
