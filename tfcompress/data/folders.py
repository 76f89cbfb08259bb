"""Image folders in the Kermany chest X-ray layout: root/{train,val,test}/<class>/*.jpeg."""
import os

from absl import logging
import numpy as np
from PIL import Image, UnidentifiedImageError

from tfcompress.data import arrays as arrays_lib
from tfcompress.errors import InputError

EXTENSIONS = (".jpeg", ".jpg", ".png", ".bmp")


def _read(path, size, color_mode):
  """One image as uint8 (size, size, 1 or 3): grayscale, or RGB ("rgb" and "auto")."""
  try:
    with Image.open(path) as image:
      image = _eight_bit(image)
      image = image.convert("L" if color_mode == "grayscale" else "RGB")
      image = image.resize((size, size), Image.BILINEAR)
      return np.asarray(image, dtype=np.uint8).reshape(size, size, -1)
  except (UnidentifiedImageError, OSError, SyntaxError) as e:
    raise InputError(f"Corrupt or unreadable image {path!r}: {e}. Remove or replace it.") from None


def _eight_bit(image):
  """16-bit grayscale (X-rays often are) mapped onto 0..255 as its full range, 0..65535:
  PIL's own conversion would clip every value above 255 to white."""
  if image.mode not in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
    return image
  pixels = np.asarray(image, dtype=np.float64) / 257.0
  return Image.fromarray(np.clip(np.round(pixels), 0, 255).astype(np.uint8), mode="L")


def _read_split(folder, class_names, size, color_mode):
  extra = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d))
                 and not d.startswith((".", "__")) and d not in class_names)
  if extra:
    raise InputError(f"Class folder {os.path.join(folder, extra[0])!r} has no counterpart in "
                     f"train/ (classes {list(class_names)}); every class must be in train.")
  images, labels = [], []
  for label, name in enumerate(class_names):
    class_dir = os.path.join(folder, name)
    files = sorted(f for f in os.listdir(class_dir)
                   if f.lower().endswith(EXTENSIONS) and not f.startswith(".")) \
        if os.path.isdir(class_dir) else []
    if not files:
      raise InputError(f"Class folder {class_dir!r} has no images ({', '.join(EXTENSIONS)}); "
                       "every class needs images in every split.")
    images += [_read(os.path.join(class_dir, f), size, color_mode) for f in files]
    labels += [label] * len(files)
  return np.stack(images), np.array(labels, np.int64)


def load_image_folder(root, image_size, color_mode="auto", val_fraction=0.1, seed=0):
  """Reads root/{train,test[,val]}/<class>/ images, resized to image_size x image_size.

  Class names are the sorted folder names under root/train. Without root/val a seeded
  stratified split of train is used. With `color_mode="auto"` the images are RGB when any
  training image has colour (channels that differ) and grayscale otherwise; 16-bit
  grayscale images are scaled from 0..65535 to 0..255.

  Args:
    root: the folder holding train/, test/ and optionally val/, one folder per class.
    image_size: the side every image is resized to.
    color_mode: "auto", "grayscale" (1 channel) or "rgb" (3 channels).
    val_fraction: without val/, the stratified fraction of train held out.
    seed: the seed of that split.

  Returns:
    A checked `Splits`: float32 (N, H, W, C) images in [0, 255], int64 labels.

  Raises:
    InputError: `image_size` <= 0, a missing train/ or test/, fewer than 2 classes, a
      class folder without images or one that train/ lacks, or an unreadable image.

  Example:
    splits = load_image_folder("chest_xray", image_size=64)
  """
  if image_size <= 0:
    raise InputError(f"Argument `image_size` must be > 0 (e.g. 64) for an image folder. "
                     f"Received: image_size={image_size}")
  for split in ("train", "test"):
    if not os.path.isdir(os.path.join(root, split)):
      raise InputError(f"Image folder {root!r} must contain train/ and test/ "
                       f"(and optionally val/), each with one folder per class; "
                       f"{split}/ is missing.")
  train_dir = os.path.join(root, "train")
  class_names = tuple(sorted(d for d in os.listdir(train_dir)  # .ipynb_checkpoints etc.
                             if os.path.isdir(os.path.join(train_dir, d))
                             and not d.startswith((".", "__"))))
  if len(class_names) < 2:
    raise InputError(f"{train_dir!r} must hold one folder per class, at least 2. "
                     f"Found: {list(class_names)}")
  arrays = {}
  for split in ("train", "val", "test"):
    folder = os.path.join(root, split)
    if os.path.isdir(folder):
      arrays[f"x_{split}"], arrays[f"y_{split}"] = _read_split(
          folder, class_names, image_size, color_mode)
  if color_mode == "auto":
    arrays = _auto_color(arrays, root)
  return arrays_lib.from_arrays(arrays, root, val_fraction, seed, class_names)


def _auto_color(arrays, root):
  """The RGB images kept when training images have colour, else their one channel (what
  reading them as grayscale gives, to the bit, for images whose channels are equal).

  An image has colour when its channels differ by more than `_SPREAD` on average (a gray
  JPEG saved as RGB differs by a rounding step or two); the set is RGB when at least
  `_COLOR_SHARE` of its training images have colour.
  """
  x = arrays["x_train"].astype(np.int16)
  spread = (x.max(-1) - x.min(-1)).mean(axis=(1, 2))
  share = float(np.mean(spread > _SPREAD))
  color = share >= _COLOR_SHARE
  logging.info("Image folder %s: %s (%.1f%% of the training images have colour; "
               "data.color_mode='auto': set 'grayscale' or 'rgb' to choose).", root,
               "read as RGB" if color else "read as grayscale", 100 * share)
  if color:
    return arrays
  if share:
    return {k: (_luma(v) if k.startswith("x_") else v) for k, v in arrays.items()}
  return {k: (v[..., :1] if k.startswith("x_") else v) for k, v in arrays.items()}


def _luma(x):
  """PIL's RGB -> L conversion (ITU-R 601-2 luma, rounded), on uint8 (N, H, W, 3)."""
  r, g, b = (x[..., i].astype(np.uint32) for i in range(3))
  return ((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16).astype(np.uint8)[..., None]


_SPREAD = 4  # Mean max-min channel difference (of 255) above which an image has colour.
_COLOR_SHARE = 0.05  # Share of coloured training images that makes a folder RGB.
