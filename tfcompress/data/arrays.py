"""Image arrays in memory: the `Splits` value object, `.npz` files and keras.datasets."""
import dataclasses
import os
import zipfile

from absl import logging
import numpy as np

from tfcompress.data import checks
from tfcompress.errors import InputError

SHIPPED = {"pneumoniamnist": os.path.join(os.path.dirname(__file__), "pneumoniamnist.npz")}
SHIPPED_CLASS_NAMES = {"pneumoniamnist": ("normal", "pneumonia")}
KERAS_DATASETS = {
    "mnist": None,
    "fashion_mnist": ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
                      "sneaker", "bag", "ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                "ship", "truck"),
}


@dataclasses.dataclass
class Splits:
  """Train, validation and test images as float32 (N, H, W, C) in [0, 255], int labels."""
  x_train: np.ndarray
  y_train: np.ndarray
  x_val: np.ndarray
  y_val: np.ndarray
  x_test: np.ndarray
  y_test: np.ndarray
  class_names: tuple
  # How the pixels were made from the files (a folder's resize, colour, bit depth), for
  # whoever feeds the exported models: the export README says it. "" when taken as stored.
  reading: str = ""
  # The data's own validation images went into train, validation carved from the whole
  # (`replace_thin_val`); a workdir compares `data.val_split` as this.
  val_replaced: bool = False

  @property
  def num_classes(self):
    return len(self.class_names)

  @property
  def input_shape(self):
    return tuple(self.x_train.shape[1:])


def as_images(x, name, source, unit_range=False):
  """Returns `x` as float32 (N, H, W, C) pixels in [0, 255]; raises InputError if it can't.

  `unit_range=True` says the data set stores floats in [0, 1]: they are scaled by 255.
  """
  x = np.asarray(x)
  if x.ndim == 3:
    x = x[..., None]
  if x.ndim != 4 or x.shape[-1] not in (1, 3):
    hint = (f" Channels first? Pass np.transpose({name}, (0, 2, 3, 1))."
            if x.ndim == 4 and x.shape[1] in (1, 3) else "")
    raise InputError(f"`{name}` in {source} must be images shaped (N, H, W) or (N, H, W, C) "
                     f"with C of 1 or 3. Received shape {x.shape}.{hint}")
  if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
    raise InputError(f"`{name}` in {source} must hold numbers. Received dtype {x.dtype}.")
  x = x.astype(np.float32)
  return x * 255.0 if unit_range else x


def unusable_names(names):
  """The class names that cannot be a line of labels.txt: empty, or spanning lines."""
  return [n for n in names if not n.strip() or "\n" in n or "\r" in n]


def as_labels(y, x, name, source):
  y = np.asarray(y)
  if y.ndim == 2 and y.shape[1] == 1:
    y = y[:, 0]
  if y.ndim != 1:
    hint = f" One-hot? Save {name}.argmax(axis=1)." if y.ndim == 2 else ""
    raise InputError(f"`{name}` in {source} must be 1-D integer labels. Received shape "
                     f"{y.shape}.{hint}")
  if not np.issubdtype(y.dtype, np.number):
    raise InputError(f"`{name}` in {source} must be integer class indices 0..K-1. Received "
                     f"dtype {y.dtype} (e.g. {y[:3].tolist()}); map class names to indices.")
  if len(y) != len(x):
    raise InputError(f"`{name}` in {source} has {len(y)} labels for {len(x)} images; "
                     "they must match one to one.")
  bad = ~np.equal(np.mod(y, 1), 0) | (y < 0) if y.size else np.zeros(0, bool)
  if bad.any():
    raise InputError(f"`{name}` in {source} must be integer class indices 0..K-1. Received "
                     f"label {y[bad][0].item()!r} at index {int(np.argmax(bad))}.")
  return y.astype(np.int64)


def stratified_split(x, y, fraction, seed, name="validation"):
  """Splits off `fraction` of (x, y) per class, seeded; returns (x_a, y_a, x_b, y_b)."""
  from sklearn.model_selection import train_test_split  # pylint: disable=g-import-not-at-top
  try:
    xa, xb, ya, yb = train_test_split(x, y, test_size=fraction, random_state=seed, stratify=y)
  except ValueError as e:
    given = "x_val and y_val" if name == "validation" else "train/ and test/ folders"
    raise InputError(f"Could not split a stratified {name} set ({e}). Give every class "
                     f"at least 2 training images, or provide {given}.") from None
  # A class too small for its share to round to one image still gets one.
  for label in np.setdiff1d(np.unique(ya), yb):
    i = int(np.flatnonzero(ya == label)[0])
    xb, yb = np.concatenate([xb, xa[i:i + 1]]), np.concatenate([yb, ya[i:i + 1]])
    xa, ya = np.delete(xa, i, axis=0), np.delete(ya, i)
  return xa, ya, xb, yb


def from_arrays(arrays, source, val_fraction, seed, class_names=None, no_val="x_val"):
  """Builds checked `Splits` from a mapping with x_train, y_train, x_test, y_test [, x_val,
  y_val]; `no_val` names what the source lacks when it has no validation split."""
  missing = [k for k in ("x_train", "y_train", "x_test", "y_test") if k not in arrays]
  if missing:
    raise InputError(f"{source} lacks {', '.join(missing)}; an .npz needs x_train, y_train, "
                     f"x_test, y_test (x_val, y_val optional). It has: {sorted(arrays)}.")
  parts = {}
  unit_range = checks.pixel_range(arrays, source)
  if unit_range:
    logging.info("The images in %s are floats in [0, 1]: scaled to 0..255, as the models "
                 "take them. The exported models take pixels in 0..255 too: multiply a "
                 "[0, 1] frame by 255 before it goes in.", source)
  for split in ("train", "val", "test"):
    if f"x_{split}" not in arrays:
      continue
    x = as_images(arrays[f"x_{split}"], f"x_{split}", source, unit_range)
    parts[split] = (x, as_labels(arrays[f"y_{split}"], x, f"y_{split}", source))
  checks.check_not_empty(parts, source)
  checks.check_shapes(parts, source)
  num_classes = checks.label_count(parts, source, class_names)
  if "val" not in parts:
    x, y = parts["train"]
    xa, ya, xb, yb = stratified_split(x, y, val_fraction, seed)
    parts["train"], parts["val"] = (xa, ya), (xb, yb)
    logging.info("%s has no %s: %d of its %d training images (%g of each class: "
                 "`data.val_fraction`, drawn by `seed`) are the validation split.", source,
                 no_val, len(yb), len(y), val_fraction)
  names = tuple(class_names) if class_names else tuple(str(i) for i in range(num_classes))
  reading = ("The images were floats in [0, 1], multiplied by 255: multiply a [0, 1] frame "
             "by 255 before it goes in." if unit_range else "")
  return Splits(*parts["train"], *parts["val"], *parts["test"], class_names=names,
                reading=reading)


VAL_SPLITS = ("auto", "own", "carve")


def replace_thin_val(splits, val_split="auto", val_fraction=0.1, seed=0):
  """`splits` with validation carved from train + val, when `val_split` says so.

  "own" keeps the data's validation split; "carve" folds it into train and holds out a
  seeded stratified `val_fraction` of each class instead; "auto" does that only when a
  class has fewer than `checks.THIN_VAL` validation images and the carved split gives its
  smallest class more (the 8 + 8 images of Kaggle's chest_xray val/ would decide every
  epoch, alpha and source with ties at 1.0), and keeps the data's split when it cannot be
  carved. A split already carved from train comes out the same size and is kept.

  Raises:
    ValueError: `val_split` is not one of `VAL_SPLITS`.
    InputError: "carve" on data too small to split per class.

  Example:
    replace_thin_val(splits)  # val 16 -> 62 images for 600 + 16 chest X-rays
  """
  if val_split not in VAL_SPLITS:
    raise ValueError(f"Argument `val_split` must be one of {VAL_SPLITS}. "
                     f"Received: val_split={val_split!r}")
  own = np.bincount(splits.y_val, minlength=splits.num_classes)
  if val_split == "own" or (val_split == "auto" and own.min() >= checks.THIN_VAL):
    return splits
  x, y = (np.concatenate([splits.x_train, splits.x_val]),
          np.concatenate([splits.y_train, splits.y_val]))
  try:
    x_train, y_train, x_val, y_val = stratified_split(x, y, val_fraction, seed)
  except InputError:
    if val_split == "carve":
      raise
    return splits  # Too few images to carve from: the data's own split stays.
  carved = np.bincount(y_val, minlength=splits.num_classes)
  if val_split == "auto" and carved.min() <= own.min():
    logging.info("Validation stays as it is (`data.val_split='auto'`): its smallest class "
                 "has %d images, and carving %g of train + val anew would give it %d, no "
                 "more.", own.min(), val_fraction, carved.min())
    return splits
  smallest = splits.class_names[int(own.argmin())]
  why = ("`data.val_split='carve'`" if val_split == "carve" else
         f"its class `{smallest}` has {own.min()} image{'s' if own.min() != 1 else ''} there, "
         f"too few to choose epochs, alpha and the source on; `data.val_split='own'` keeps it")
  logging.warning("Validation: the data's own %d images went into train, and %d of the %d "
                  "(%g of each class, `data.val_fraction`, drawn by `seed`; at least %d of "
                  "each) are the validation split instead (%s).", len(splits.y_val),
                  len(y_val), len(y), val_fraction, carved.min(), why)
  return dataclasses.replace(splits, x_train=x_train, y_train=y_train, x_val=x_val,
                             y_val=y_val, val_replaced=True)


def load_npz(path, val_fraction=0.1, seed=0, class_names=None):
  """Loads an .npz with x_train, y_train, x_test, y_test and optional x_val, y_val.

  Pixels may be 0..255 or floats in [0, 1] (scaled to 0..255); labels are 0..K-1.

  Args:
    path: the .npz file (read without pickles).
    val_fraction: without x_val, the stratified fraction of train held out for validation.
    seed: the seed of that split.
    class_names: one name per class, or None for "0", "1", ...

  Returns:
    A checked `Splits`: float32 (N, H, W, C) images in [0, 255], int64 labels.

  Raises:
    InputError: no such file, not an .npz, missing or malformed arrays (shapes, pixel
      ranges, labels), or `class_names` that do not match the labels.

  Example:
    splits = load_npz("mnist.npz")
    splits.x_train.shape  # (54000, 28, 28, 1)
  """
  if not os.path.isfile(path):
    raise InputError(f"Argument `path` must be an existing .npz file; data file not found. "
                     f"Received: path={path!r}")
  if not zipfile.is_zipfile(path):
    with open(path, "rb") as f:
      head = f.read(16)
    raise InputError(f"Data file {path!r} is not an .npz (zip) archive: it starts with "
                     f"{head!r}. Save the arrays with numpy.savez(path, x_train=..., ...).")
  try:
    with np.load(path, allow_pickle=False) as f:
      arrays = {k: f[k] for k in f.files}
  except (OSError, ValueError, zipfile.BadZipFile) as e:
    raise InputError(f"Could not read {path!r} as an .npz file: {e}") from None
  return from_arrays(arrays, path, val_fraction, seed, class_names)


def load_keras_dataset(name, val_fraction=0.1, seed=0):
  """Loads `mnist`, `fashion_mnist` or `cifar10` through keras.datasets (downloads once)."""
  from tfcompress._keras import keras  # pylint: disable=g-import-not-at-top
  try:
    (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
  except Exception as e:  # pylint: disable=broad-except
    raise InputError(
        f"Could not download keras.datasets.{name} ({type(e).__name__}). Offline, save it as "
        f"an .npz with x_train, y_train, x_test, y_test and set --config.data.path=FILE.npz."
    ) from None
  arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
  return from_arrays(arrays, f"keras.datasets.{name}", val_fraction, seed, KERAS_DATASETS[name])
