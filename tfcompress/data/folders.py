"""Image folders in the Kermany chest X-ray layout: root/{train,val,test}/<class>/*.jpeg."""
import collections
import dataclasses
import os

from absl import logging
import numpy as np
from PIL import Image, UnidentifiedImageError

from tfcompress.data import arrays as arrays_lib
from tfcompress.errors import InputError

EXTENSIONS = (".jpeg", ".jpg", ".png", ".bmp")
LARGEST_STORED = 256  # `image_size=0` reads a folder at its images' size up to this side.
MODES = {"grayscale": "L", "rgb": "RGB"}  # `color_mode` -> PIL mode; "auto" picks one.
SPLITS = ("train", "val", "test")
_SPREAD = 4  # Mean max-min channel difference (of 255) above which an image has colour.
_COLOR_SHARE = 0.05  # Share of coloured training images that makes "auto" read RGB.
_WIDE = ("I", "I;16", "I;16B", "I;16L", "I;16N")  # PIL modes of 16-bit grayscale files.
_DEPTHS = (8, 10, 12, 14, 16)  # What a 16-bit file may hold: X-rays are often 12-bit.
_HIDDEN = (".", "__")  # Folders not read: .ipynb_checkpoints, macOS's __MACOSX.


def _read(path, size, modes):
  """One image resized to (size, size) in each PIL mode of `modes` ("L", "RGB"), decoded
  once, and for a 16-bit file its largest value before the resize (None for others).
  Each is uint8 with 1 or 3 channels; a 16-bit grayscale file gives float32 with 1 channel
  of its raw values in every mode, which `_eight_bit` scales once the set's bit depth is
  known (PIL's own conversion would clip every value above 255 to white)."""
  try:
    with Image.open(path) as image:
      if image.mode in _WIDE:
        wide = image.convert("F").resize((size, size), Image.BILINEAR)
        return [np.asarray(wide, np.float32)[..., None]] * len(modes), \
            float(image.getextrema()[1])
      return [np.asarray(image.convert(mode).resize((size, size), Image.BILINEAR),
                         dtype=np.uint8).reshape(size, size, -1) for mode in modes], None
  except (UnidentifiedImageError, OSError, SyntaxError) as e:
    raise InputError(f"Corrupt or unreadable image {path!r}: {e}. Remove or replace it.") from None


def _bit_depth(tops):
  """The smallest of 8, 10, 12, 14 and 16 bits that holds every 16-bit file's largest value
  in `tops` (`_read`'s; None for 8-bit files); None without any 16-bit file.

  Example:
    _bit_depth([4095.0, None, 1200.0])  # 12
  """
  tops = [t for t in tops if t is not None]
  return next((d for d in _DEPTHS if max(tops) < 2 ** d), 16) if tops else None


def _eight_bit(images, depth, channels):
  """`images` (`_read`'s) as one uint8 array of `channels` channels, the 16-bit files'
  values 0..2**depth - 1 onto 0..255."""
  scale = 255 / (2 ** (depth or 16) - 1)
  out = np.empty((len(images), *images[0].shape[:2], channels), np.uint8)
  for i, image in enumerate(images):
    out[i] = image if image.dtype == np.uint8 else np.clip(np.round(image * scale), 0, 255)
  return out


def _files(folder, class_names, log=True):
  """[(label, path)] of the images in `folder`/<class>/, refusing unknown or empty classes."""
  extra = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))
                 and not d.startswith(_HIDDEN) and d not in class_names)
  if extra:
    raise InputError(f"Class folder {os.path.join(folder, extra[0])!r} has no counterpart in "
                     f"train/ (classes {list(class_names)}); every class must be in train.")
  found, skipped = [], []
  for label, name in enumerate(class_names):
    class_dir = os.path.join(folder, name)
    listed = os.listdir(class_dir) if os.path.isdir(class_dir) else []
    files = sorted(f for f in listed if f.lower().endswith(EXTENSIONS) and not f.startswith("."))
    skipped += sorted(os.path.join(name, f) for f in listed if not f.startswith(".")
                      and f not in files and os.path.isfile(os.path.join(class_dir, f)))
    if not files:
      state = "has no images" if os.path.isdir(class_dir) else "is missing"  # Trial 17.
      raise InputError(f"Class folder {class_dir!r} {state}; every class needs images "
                       f"({', '.join(EXTENSIONS)}) in every split.")
    found += [(label, os.path.join(class_dir, f)) for f in files]
  if skipped and log:
    logging.info("Image folder %s: %d file%s not read (not %s): %s%s.", folder, len(skipped),
                 "s" if len(skipped) > 1 else "", "/".join(EXTENSIONS), ", ".join(skipped[:3]),
                 ", ..." if len(skipped) > 3 else "")
  return found


def _read_split(folder, class_names, size, modes):
  """({mode: images}, 16-bit files' largest values, labels) of one split, as `_read`
  gives them."""
  found = _files(folder, class_names)
  read, tops = zip(*(_read(path, size, modes) for _, path in found))
  images = {mode: [r[i] for r in read] for i, mode in enumerate(modes)}
  return images, list(tops), np.array([label for label, _ in found], np.int64)


def _auto_mode(root, rgb):
  """"RGB" when at least `_COLOR_SHARE` of the training images (`rgb`, as "RGB" reads
  them) have colour (channels that differ by more than `_SPREAD` on average: a gray JPEG
  saved as RGB differs by a rounding step or two), else "L"."""
  share = float(np.mean([_spread(image) > _SPREAD for image in rgb]))
  mode = "RGB" if share >= _COLOR_SHARE else "L"
  logging.info("Image folder %s: read as %s (%.1f%% of the training images have colour; "
               "data.color_mode='auto': set 'grayscale' or 'rgb' to choose).", root,
               "RGB" if mode == "RGB" else "grayscale", 100 * share)
  return mode


def _spread(image):
  image = image.astype(np.float32)  # 16-bit files: 1 channel, gray.
  return float((image.max(-1) - image.min(-1)).mean())


def _stored_size(root, class_names, train_dir):
  """The side of the folder's images when every one is the same square (read from their
  headers), for `image_size=0`; else InputError naming the sizes found."""
  sizes = collections.Counter()
  folders = [root] if train_dir == root else [os.path.join(root, split) for split in SPLITS]
  for folder in folders:
    if os.path.isdir(folder):
      for _, path in _files(folder, class_names, log=False):
        try:
          with Image.open(path) as image:
            sizes[image.size] += 1
        except (UnidentifiedImageError, OSError, SyntaxError) as e:
          raise InputError(f"Corrupt or unreadable image {path!r}: {e}. Remove or replace "
                           "it.") from None
  (width, height), _ = sizes.most_common(1)[0]
  if len(sizes) > 1 or width != height:
    found = ", ".join(f"{w}x{h} ({n})" for (w, h), n in sizes.most_common(3))
    raise InputError(f"Argument `image_size` must be > 0 (e.g. 64) for an image folder whose "
                     f"images are not all one square size (found {found}): they are stretched "
                     f"to image_size x image_size. Received: image_size=0")
  if width > LARGEST_STORED:
    gigabytes = sum(sizes.values()) * width * height * 3 * 4 / 2 ** 30  # float32, RGB.
    raise InputError(f"Argument `image_size` must be > 0 (e.g. 64 or 224) for an image folder "
                     f"of {width}x{height} images: read at that size they would take about "
                     f"{gigabytes:.1f} GB and train slowly. Received: image_size=0")
  logging.info("Image folder %s: every image is %dx%d, read at that size (image_size=0).",
               root, width, height)
  return width


def _log_hidden(*folders):
  """Logs the folders under `folders` that are not read: hidden or `__` names
  (.ipynb_checkpoints, macOS's __MACOSX)."""
  hidden = sorted({os.path.join(f, d) for f in folders for d in os.listdir(f)
                   if d.startswith(_HIDDEN) and os.path.isdir(os.path.join(f, d))})
  if hidden:
    logging.info("Image folder: not read (hidden, or a name starting with '__'): %s.",
                 ", ".join(hidden))


def _layout(root):
  """(the folder of the training class folders, whether test is held out of it):
  root/{train,test[,val]}/<class>/ -> (root/train, False); root/train[,val]/ without test/
  -> (root/train, True); root/<class>/ with no split folders -> (root, True). Raises
  InputError for a folder that is one split of another, or has val/ or test/ but no train/."""
  present = [d for d in SPLITS if os.path.isdir(os.path.join(root, d))]
  if not present:
    parent = os.path.dirname(os.path.abspath(root))
    if (os.path.basename(os.path.normpath(root)) in SPLITS
        and os.path.isdir(os.path.join(parent, "train"))):
      raise InputError(f"Image folder {root!r} is one split of {parent!r}; set data.path to "
                       f"{parent!r}, the folder that holds train/.")
    return root, True
  if "train" not in present:
    raise InputError(f"Image folder {root!r} has {'/ and '.join(present)}/ but no train/: "
                     "give train/ (and optionally val/ and test/), each with one folder per "
                     "class, or a folder of class folders alone (`data.test_fraction` of "
                     "each class is then held out for test).")
  return os.path.join(root, "train"), "test" not in present


def load_image_folder(root, image_size, color_mode="auto", val_fraction=0.1, seed=0,
                      test_fraction=0.2):
  """Reads root/{train,test[,val]}/<class>/ images, or root/<class>/ images, resized to
  image_size x image_size.

  Class names are the sorted class folder names (under root/train). Without root/val a
  seeded stratified split of train is used; without root/test (or without any split
  folder: a folder of class folders) a seeded stratified `test_fraction` of each training
  class is the test split, then `val_fraction` of the rest validation when val/ is absent.
  With `color_mode="auto"` the images are RGB when at least 5% of the training images have
  colour, else grayscale (bit for bit what the explicit modes read). 16-bit grayscale
  files are scaled to 0..255 from the bit depth their data holds: 8, 10, 12, 14 or 16
  bits, the smallest that holds the largest value of the training split's 16-bit files (of
  every split's when train has none), before resizing; a 12-bit X-ray's 0..4095 onto 0..255.

  Args:
    root: the folder holding train/, test/ and optionally val/, one folder per class; or
      the class folders themselves.
    image_size: the side every image is resized to; 0: the images' own, when every one
      is the same square.
    color_mode: "auto", "grayscale" (1 channel) or "rgb" (3 channels).
    val_fraction: without val/, the stratified fraction of train held out.
    seed: the seed of those splits.
    test_fraction: without test/, the stratified fraction of train held out for test.

  Returns:
    A checked `Splits`: float32 (N, H, W, C) images in [0, 255], int64 labels.

  Raises:
    InputError: `image_size` < 0, or 0 with images of several sizes, an unknown
      `color_mode`, val/ or test/ without train/, one split's folder,
      fewer than 2 classes, a class folder without images or one that train/ lacks, or an
      unreadable image.

  Example:
    splits = load_image_folder("chest_xray", image_size=64)
  """
  if image_size < 0:
    raise InputError(f"Argument `image_size` must be > 0 (e.g. 64), or 0 for the images' own "
                     f"size. Received: image_size={image_size}")
  train_dir, carve = _layout(root)
  class_names = tuple(sorted(d for d in os.listdir(train_dir)
                             if os.path.isdir(os.path.join(train_dir, d))
                             and not d.startswith(_HIDDEN)))
  _log_hidden(root, *(os.path.join(root, d) for d in SPLITS
                      if os.path.isdir(os.path.join(root, d))))
  if len(class_names) < 2:
    inner = os.path.join(train_dir, class_names[0]) if class_names else ""
    hint = (f" It holds one folder, {inner!r}, that has folders of its own: set "
            f"data.path={inner!r}." if inner and train_dir == root and any(
                os.path.isdir(os.path.join(inner, d)) for d in os.listdir(inner)) else "")
    if not class_names and any(f.endswith(".mat") for f in os.listdir(train_dir)):
      hint = " SVHN's files must be named train_32x32.mat and test_32x32.mat."
    raise InputError(f"{train_dir!r} must hold one folder per class, at least 2. "
                     f"Found: {list(class_names)}.{hint}")
  if color_mode not in MODES and color_mode != "auto":
    raise InputError(f"Argument `color_mode` must be 'auto', 'grayscale' or 'rgb'. Received: "
                     f"color_mode={color_mode!r}")
  stored, image_size = not image_size, image_size or _stored_size(root, class_names, train_dir)
  if color_mode == "auto":  # Each training image is decoded once, in both modes.
    images, tops, labels = _read_split(train_dir, class_names, image_size, ("RGB", "L"))
    mode = _auto_mode(root, images["RGB"])
    read = {"train": (images.pop(mode), tops, labels)}
    del images  # The other mode's copy goes before the other splits are read.
  else:
    mode, read = MODES[color_mode], {}
  for split in SPLITS:
    folder = train_dir if split == "train" else os.path.join(root, split)
    if split not in read and (split == "train" or train_dir != root) and os.path.isdir(folder):
      images, tops, labels = _read_split(folder, class_names, image_size, (mode,))
      read[split] = (images[mode], tops, labels)
  from_train = _bit_depth(read["train"][1])
  depth = from_train or _bit_depth([t for _, tops, _ in read.values() for t in tops])
  if depth:
    logging.info("Image folder %s: its 16-bit files hold %d-bit data (no value of %d or more "
                 "in the %s); values 0..%d are scaled onto 0..255.", root, depth, 2 ** depth,
                 "training files" if from_train else "files", 2 ** depth - 1)
  arrays = {}
  for split in list(read):  # One split at a time: the float 16-bit images are let go.
    images, _, labels = read.pop(split)
    arrays[f"x_{split}"], arrays[f"y_{split}"] = _eight_bit(images, depth, len(mode)), labels
  if carve:
    (arrays["x_train"], arrays["y_train"], arrays["x_test"],
     arrays["y_test"]) = arrays_lib.stratified_split(arrays["x_train"], arrays["y_train"],
                                                     test_fraction, seed, "test")
    logging.info("Image folder %s has no test/: %d of its %d training images (%g of each "
                 "class: `data.test_fraction`, drawn by `seed`, the same in every repeat) are "
                 "the test split.", root, len(arrays["y_test"]),
                 len(arrays["y_test"]) + len(arrays["y_train"]), test_fraction)
  splits = arrays_lib.from_arrays(arrays, root, val_fraction, seed, class_names,
                                  no_val="val/ folder")
  return dataclasses.replace(splits, reading=_reading(image_size, mode, depth, stored))


def _reading(size, mode, depth, stored=False):
  """How `load_image_folder` made each image's pixels, in words for a firmware developer;
  `stored`: read at the files' own size (`image_size=0`), not resized."""
  color = ("read as grayscale with PIL's 'L' (ITU-R 601-2 luma: L = (299 R + 587 G + 114 B) "
           "/ 1000)" if mode == "L" else "read as RGB")
  size_text = (f"at its stored size, {size}x{size}" if stored else f"and stretched to "
               f"{size}x{size} (PIL bilinear, the aspect ratio not kept)")
  text = f"Every image file was {color} {size_text}; feed frames made the same way."
  if depth:
    text += (f" 16-bit files held {depth}-bit data: their values 0..{2 ** depth - 1} were "
             f"scaled onto 0..255 (value * 255 / {2 ** depth - 1}, rounded); scale a "
             "device's frames alike.")
  return text
