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


def test_image_size_0_reads_one_square_size_and_refuses_several(tmp_path):
  square = _write_folder(tmp_path / "square", size=20)  # Every image 20 x 27:
  with pytest.raises(InputError, match=r"not all one square size \(found 27x20 \(18\)\).*"
                     r"image_size=0"):
    folders.load_image_folder(str(square), image_size=0)
  for path in square.rglob("*.*"):  # Now 20 x 20: read at that size.
    Image.open(path).crop((0, 0, 20, 20)).save(path)
  stored = folders.load_image_folder(str(square), 0, val_fraction=0.34)
  assert stored.input_shape == (20, 20, 3)
  assert "read as RGB at its stored size, 20x20;" in stored.reading  # Not "stretched".
  Image.new("RGB", (30, 30)).save(next(square.rglob("*.png")))  # One of another size.
  with pytest.raises(InputError, match=r"found 20x20 \(17\), 30x30 \(1\)"):
    folders.load_image_folder(str(square), image_size=0)
  big = _write_folder(tmp_path / "big", {"train": 2, "test": 1}, size=300)
  for path in big.rglob("*.*"):  # 300 x 300: larger than image_size=0 reads.
    Image.open(path).crop((0, 0, 300, 300)).save(path)
  with pytest.raises(InputError, match=r"of 300x300 images: .* GB"):
    folders.load_image_folder(str(big), image_size=0)


def test_kermany_layout_is_resized_and_labelled(tmp_path):
  root = _write_folder(tmp_path / "chest_xray")
  s = folders.load_image_folder(str(root), image_size=32, val_fraction=0.34)
  assert s.class_names == ("NORMAL", "PNEUMONIA")
  assert s.x_train.shape[1:] == (32, 32, 3)  # Colour images: "auto" reads them as RGB.
  assert len(s.y_train) + len(s.y_val) == 12 and len(s.y_test) == 6
  gray = folders.load_image_folder(str(root), image_size=32, color_mode="grayscale")
  assert gray.input_shape == (32, 32, 1)


def test_a_folder_around_the_data_names_the_folder_to_give(tmp_path):
  _write_folder(tmp_path / "download" / "chest_xray", {"train": 2, "test": 1})
  inner = str(tmp_path / "download" / "chest_xray")
  with pytest.raises(InputError, match=r"must hold one folder per class, at least 2. Found: "
                     rf"\['chest_xray'\]. It holds one folder, '{inner}'.*set data.path="):
    folders.load_image_folder(str(tmp_path / "download"), image_size=8)
  one_class = tmp_path / "one" / "cats"  # One class of images: nothing to point to.
  one_class.mkdir(parents=True)
  Image.new("L", (8, 8)).save(one_class / "a.png")
  with pytest.raises(InputError, match=r"Found: \['cats'\]\.$"):
    folders.load_image_folder(str(tmp_path / "one"), image_size=8)


def _gray_folder(root, save):
  """Two classes of gray images; `save(pixels, path)` writes one (without extension)."""
  rng = np.random.default_rng(1)
  for split in ("train", "test"):
    for name in ("a", "b"):
      (root / split / name).mkdir(parents=True)
      for i in range(5):
        save(rng.integers(0, 256, (30, 30), dtype=np.uint8), root / split / name / f"{i}")
  return root


def _rgb(pixels, path, ext="png", **options):
  Image.fromarray(np.repeat(pixels[..., None], 3, -1)).save(f"{path}.{ext}", **options)


@pytest.mark.parametrize("ext", ["png", "jpg"])  # JPEG rounding makes channels differ a bit.
def test_auto_reads_gray_images_stored_as_rgb_as_grayscale_does(tmp_path, ext):
  root = _gray_folder(tmp_path / "x", lambda pixels, path: _rgb(pixels, path, ext))
  colour = np.random.default_rng(2).integers(0, 256, (30, 30, 3), dtype=np.uint8)
  Image.fromarray(colour).save(root / "test" / "a" / "colour.png")  # Gray train decides.
  auto = folders.load_image_folder(str(root), image_size=24, val_fraction=0.4)
  gray = folders.load_image_folder(str(root), image_size=24, color_mode="grayscale",
                                   val_fraction=0.4)
  assert auto.input_shape == (24, 24, 1)
  for split in ("x_train", "x_val", "x_test"):  # Bit for bit, the colour image's luma too.
    np.testing.assert_array_equal(getattr(auto, split), getattr(gray, split))


def test_auto_decodes_each_image_once(tmp_path, monkeypatch):
  root = _gray_folder(tmp_path / "x", _rgb)  # 10 train, 10 test images; a large folder's
  opened = []                                # decoding is most of its loading time.
  real_open = Image.open
  monkeypatch.setattr(Image, "open", lambda path, *a, **k: opened.append(path) or
                      real_open(path, *a, **k))
  folders.load_image_folder(str(root), image_size=24, val_fraction=0.4)
  assert len(opened) == len(set(opened)) == 20


def test_auto_reads_a_few_coloured_images_as_gray_and_many_as_rgb(tmp_path):
  root = _gray_folder(tmp_path / "x", _rgb)
  rng = np.random.default_rng(3)
  Image.fromarray(rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)).save(
      root / "train" / "a" / "colour0.png")  # 1 of 11 training images: 9% >= 5%.
  auto = folders.load_image_folder(str(root), 24, val_fraction=0.4)
  rgb = folders.load_image_folder(str(root), 24, color_mode="rgb", val_fraction=0.4)
  assert auto.input_shape[-1] == 3
  for split in ("x_train", "x_val", "x_test"):  # Bit for bit what "rgb" reads.
    np.testing.assert_array_equal(getattr(auto, split), getattr(rgb, split))
  for i in range(9):
    _rgb(rng.integers(0, 256, (30, 30), dtype=np.uint8), root / "train" / "b" / f"more{i}")
  (root / "train" / "a" / "colour0.png").unlink()
  Image.fromarray(rng.integers(0, 256, (30, 30, 3), dtype=np.uint8)).save(
      root / "train" / "a" / "colour0.png")  # 1 of 20: 5%, still RGB.
  assert folders.load_image_folder(str(root), 24, val_fraction=0.4).input_shape[-1] == 3
  _rgb(np.zeros((30, 30), np.uint8), root / "train" / "b" / "one_more")  # 1 of 21: gray.
  assert folders.load_image_folder(str(root), 24, val_fraction=0.4).input_shape[-1] == 1


@pytest.mark.parametrize("depth", [16, 12, 8])
def test_sixteen_bit_files_are_scaled_from_the_bit_depth_their_data_holds(tmp_path, depth):
  """X-rays often come as 16-bit PNGs holding 12-bit data (0..4095): read as 16-bit, every
  image would be dark (0..16 of 255); PIL's own conversion clips to white."""
  top = 2 ** depth - 1

  def as_16_bit(pixels, path):
    Image.fromarray(np.round(pixels.astype(np.float64) * top / 255).astype(np.uint16)).save(
        f"{path}.png")

  root = _gray_folder(tmp_path / "x", as_16_bit)
  eight = _gray_folder(tmp_path / "eight", lambda pixels, path: Image.fromarray(pixels).save(
      f"{path}.png"))
  for size, mode in ((30, "auto"), (12, "rgb")):  # 12: resized, in float, then rounded.
    read = folders.load_image_folder(str(root), size, mode, val_fraction=0.4)
    same = folders.load_image_folder(str(eight), size, mode, val_fraction=0.4)
    assert read.input_shape == same.input_shape == (size, size, 1 if mode == "auto" else 3)
    for split in ("x_train", "x_val", "x_test"):  # The 8-bit originals, give or take rounding.
      np.testing.assert_allclose(getattr(read, split), getattr(same, split), atol=1)
    # The export README's note for firmware: the colour, the stretch and the scaling.
    assert f"and stretched to {size}x{size} (PIL bilinear" in read.reading
    assert ("grayscale with PIL's 'L'" in read.reading) == (mode == "auto")
    scaled = f"16-bit files held {depth}-bit data: their values 0..{top} were scaled"
    assert scaled in read.reading and "16-bit" not in same.reading


def test_the_bit_depth_comes_from_the_files_values_before_resizing(tmp_path):
  """One bright pixel of 4095 in dim 12-bit files: 12 bits, though resizing to 6x6 leaves no
  value above 1023 (10 bits would read the images 4x too bright)."""
  def dim_12_bit(pixels, path):
    wide = (pixels.astype(np.uint16) * 4)  # At most 1020.
    wide[0, 0] = 4095
    Image.fromarray(wide).save(f"{path}.png")

  root = _gray_folder(tmp_path / "x", dim_12_bit)
  read = folders.load_image_folder(str(root), 6, val_fraction=0.4)
  assert read.x_train.max() < 80  # 1020 * 255 / 4095 = 64 at most, bright pixel averaged away.
  assert folders._bit_depth([4095.0, None, 1200.0]) == 12  # pylint: disable=protected-access
  assert folders._bit_depth([255.0]) == 8 and folders._bit_depth([None]) is None  # pylint: disable=protected-access


def test_empty_class_folder(tmp_path):
  root = _write_folder(tmp_path / "x")
  for f in (root / "test" / "NORMAL").iterdir():
    f.unlink()
  with pytest.raises(InputError, match=r"test/NORMAL' has no images; every class"):
    folders.load_image_folder(str(root), image_size=32)
  (root / "test" / "NORMAL").rmdir()  # Trial 17: "has no images" for a folder not there.
  with pytest.raises(InputError, match=r"test/NORMAL' is missing; every class needs images"):
    folders.load_image_folder(str(root), image_size=32)


def test_corrupt_image(tmp_path):
  root = _write_folder(tmp_path / "x")
  (root / "train" / "NORMAL" / "broken.jpeg").write_bytes(b"\xff\xd8 garbage")
  with pytest.raises(InputError, match="broken.jpeg"):
    folders.load_image_folder(str(root), image_size=32)


def test_without_test_a_share_of_train_is_held_out_and_without_train_it_is_refused(tmp_path):
  root = _write_folder(tmp_path / "x", counts={"train": 10, "val": 2})  # No test/.
  s = folders.load_image_folder(str(root), image_size=16, test_fraction=0.2)
  assert np.bincount(s.y_test).tolist() == [2, 2] and np.bincount(s.y_val).tolist() == [2, 2]
  with pytest.raises(InputError, match=r"is one split of .*x'; set data.path"):
    folders.load_image_folder(str(root / "train"), image_size=16)  # Reviewer: was refused
  only = _write_folder(tmp_path / "y", counts={"val": 2, "test": 2})  # both ways round.
  with pytest.raises(InputError, match="has val/ and test/ but no train/"):
    folders.load_image_folder(str(only), image_size=16)


def test_a_folder_of_class_folders_holds_out_a_stratified_seeded_test_split(tmp_path):
  """Trial 8: root/<class>/ (Keras' image_dataset_from_directory layout) was refused."""
  root = _write_folder(tmp_path / "x", counts={"train": 10}) / "train"  # train/<class>/.
  flat = tmp_path / "photos"
  root.rename(flat)
  s = folders.load_image_folder(str(flat), image_size=16, test_fraction=0.2, seed=3)
  assert s.class_names == ("NORMAL", "PNEUMONIA")
  assert np.bincount(s.y_test).tolist() == [2, 2]  # 20% of each class,
  assert len(s.y_train) + len(s.y_val) + len(s.y_test) == 20 and min(np.bincount(s.y_val)) >= 1
  again = folders.load_image_folder(str(flat), image_size=16, test_fraction=0.2, seed=3)
  np.testing.assert_array_equal(again.x_test, s.x_test)  # the same images each time,
  other = folders.load_image_folder(str(flat), image_size=16, test_fraction=0.2, seed=4)
  assert not np.array_equal(other.x_test, s.x_test)  # chosen by the seed,
  seen = {x.tobytes() for x in np.concatenate([s.x_train, s.x_val])}
  assert not any(x.tobytes() in seen for x in s.x_test)  # and never trained on.
  gray = folders.load_image_folder(str(flat), image_size=16, color_mode="grayscale", seed=3)
  assert gray.x_test.shape == (4, 16, 16, 1)  # Reviewer: a mode named, not "auto", crashed.
  split = _write_folder(tmp_path / "ds") / "train"  # Its train/ split named by mistake.
  with pytest.raises(InputError, match=r"is one split of .*ds'; set data.path to"):
    folders.load_image_folder(str(split), image_size=16)


def test_hidden_folders_are_not_classes(tmp_path, monkeypatch):
  root = _write_folder(tmp_path / "chest_xray")
  (root / "train" / "NORMAL" / "notes.txt").write_text("not an image")  # Said, not read.
  (root / "train" / ".ipynb_checkpoints").mkdir()
  (root / "test" / ".DS_Store_dir").mkdir()
  (root / "__MACOSX").mkdir()  # Beside train/: a macOS zip's.
  (root / "train" / "NORMAL" / ".hidden.png").write_bytes(b"not an image")
  said = []  # absl's handler may not reach caplog once a test ran the binary in-process.
  monkeypatch.setattr(folders.logging, "info", lambda fmt, *a: said.append(fmt % a))
  s = folders.load_image_folder(str(root), image_size=32, val_fraction=0.34)
  assert s.class_names == ("NORMAL", "PNEUMONIA") and len(s.y_train) + len(s.y_val) == 12
  assert any("1 file not read (not .jpeg/.jpg/.png/.bmp): NORMAL/notes.txt." in l
             for l in said), said
  hidden = [l for l in said if "not read (hidden" in l]  # The folders left out are named.
  assert len(hidden) == 1 and "__MACOSX" in hidden[0] and ".ipynb_checkpoints" in hidden[0]
  assert ".DS_Store_dir" in hidden[0]  # In test/ too.


def test_class_only_in_test_is_refused(tmp_path):
  root = _write_folder(tmp_path / "chest_xray")
  (root / "test" / "COVID").mkdir()
  with pytest.raises(InputError, match=r"test/COVID.*no counterpart in train"):
    folders.load_image_folder(str(root), image_size=32)


def test_a_folder_without_val_says_so_in_its_own_words(tmp_path, monkeypatch):
  """Trial 17: the log said "has no x_val", an .npz's key, of a folder."""
  from tfcompress.data import arrays  # pylint: disable=g-import-not-at-top
  said = []
  monkeypatch.setattr(arrays.logging, "info", lambda fmt, *a: said.append(fmt % a))
  folders.load_image_folder(str(_write_folder(tmp_path / "x")), image_size=32)
  assert any("has no val/ folder: " in line for line in said), said
