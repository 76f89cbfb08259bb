"""Image folders in the Kermany chest X-ray layout: root/{train,val,test}/<class>/*.jpeg."""
import os

import numpy as np
from PIL import Image, UnidentifiedImageError

from tfcompress.data import arrays as arrays_lib
from tfcompress.errors import InputError

EXTENSIONS = (".jpeg", ".jpg", ".png", ".bmp")


def _read(path, size, color_mode):
  try:
    with Image.open(path) as image:
      image = image.convert("L" if color_mode == "grayscale" else "RGB")
      image = image.resize((size, size), Image.BILINEAR)
      return np.asarray(image, dtype=np.uint8)
  except (UnidentifiedImageError, OSError, SyntaxError) as e:
    raise InputError(f"Corrupt or unreadable image {path!r}: {e}. Remove or replace it.") from None


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


def load_image_folder(root, image_size, color_mode="grayscale", val_fraction=0.1, seed=0):
  """Reads root/{train,test[,val]}/<class>/ images, resized to image_size x image_size.

  Class names are the sorted folder names under root/train. Without root/val a seeded
  stratified split of train is used.

  Args:
    root: the folder holding train/, test/ and optionally val/, one folder per class.
    image_size: the side every image is resized to.
    color_mode: "grayscale" (1 channel) or anything else for RGB (3 channels).
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
  return arrays_lib.from_arrays(arrays, root, val_fraction, seed, class_names)
