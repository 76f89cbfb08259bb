"""Checks on raw image arrays and labels, run before anything trains.

Each failure is one `InputError` line that names the file, the split, the offending
value and what would work.

Example:
  unit_range = pixel_range(arrays, "data.npz")   # True: floats in [0, 1], scaled by 255
  num_classes = label_count(parts, "data.npz")
  overlap(splits)   # {"val_in_train": 8, ...}: copies across splits, counted, not refused
"""
import hashlib
import math

import numpy as np

from tfcompress.errors import InputError

SPLITS = ("train", "val", "test")
_RANGES_TEXT = "uint8-like integers in 0..255, or floats in [0, 1] (scaled by 255)"


def _split_range(x, name, source):
  """'unit' (floats in [0, 1]) or 'byte' (0..255) for one split's raw pixels."""
  if not x.size or not np.any(x):
    return None  # No pixel tells the range (an all-zero split fits either).
  if np.issubdtype(x.dtype, np.floating):
    bad = ~np.isfinite(x)
    if bad.any():
      where = tuple(int(i) for i in np.argwhere(bad)[0])
      raise InputError(f"`{name}` in {source} holds {int(bad.sum())} non-finite pixel(s) "
                       f"(e.g. {x[where]} at index {where}); pixels must be finite numbers. "
                       "Replace NaN/inf before saving the data.")
  low, high = x.min(), x.max()
  if np.issubdtype(x.dtype, np.floating) and low >= 0 and high <= 1:
    return "unit"
  if low >= 0 and high <= 255:
    return "byte"
  value = low if low < 0 else high
  raise InputError(f"`{name}` in {source} has pixel value {value.item()!r} (dtype {x.dtype}, "
                   f"range {low.item()!r}..{high.item()!r}); pixels must be {_RANGES_TEXT}. "
                   "Rescale the images to one of these ranges.")


def pixel_range(arrays, source):
  """True when the images are floats in [0, 1] in every split, False when 0..255.

  Raises InputError for non-finite pixels, a range that is neither, or splits that differ.
  """
  kinds = {}
  for split in SPLITS:
    x = arrays.get(f"x_{split}")
    if x is None:
      continue
    x = np.asarray(x)
    if not (np.issubdtype(x.dtype, np.integer) or np.issubdtype(x.dtype, np.floating)):
      raise InputError(f"`x_{split}` in {source} must hold numbers. Received dtype {x.dtype}.")
    kind = _split_range(x, f"x_{split}", source)
    if kind:
      kinds[f"x_{split}"] = kind
  if len(set(kinds.values())) > 1:
    shown = ", ".join(f"{k} in {'[0, 1]' if v == 'unit' else '0..255'}"
                      for k, v in kinds.items())
    raise InputError(f"Pixel ranges differ between splits of {source}: {shown}. Every split "
                     "must use the same range; rescale the odd one out.")
  return bool(kinds) and set(kinds.values()) == {"unit"}


def check_not_empty(parts, source):
  """Raises unless every split in `parts` (split -> (x, y)) has at least one example."""
  for split, (_, y) in parts.items():
    if not len(y):
      raise InputError(f"`x_{split}` in {source} has 0 examples; train, val and test each "
                       "need at least one (omit x_val/y_val to split val off train).")


def label_count(parts, source, class_names=None):
  """K, the number of classes: the largest training label + 1.

  `parts` maps split -> (x, y), val optional. Raises InputError for a single class in train, a label
  only val/test hold, a gap in the training labels (a class with no training image), or
  class names that do not match the training labels' count.
  """
  y_train = parts["train"][1]
  present = sorted(int(c) for c in np.unique(y_train))
  if len(present) < 2:
    raise InputError(f"`y_train` in {source} holds one class only (label {present[0]}); "
                     "classification needs at least 2 classes in the training split.")
  k = present[-1] + 1
  if class_names and len(class_names) != k:
    relabel = (f" Its labels are {present}: relabel them 0..{len(present) - 1} to name "
               f"{len(present)} classes." if len(present) == len(class_names) else "")
    raise InputError(f"Argument `class_names` names {len(class_names)} classes but the data "
                     f"has {k} (labels 0..{k - 1} in `y_train` of {source}).{relabel} "
                     f"Received: class_names={tuple(class_names)!r}")
  gaps = sorted(set(range(k)) - set(present))
  if gaps:  # Named or not: a class with no image cannot be weighted, scored or checked.
    named = f" (class {class_names[gaps[0]]!r})" if class_names else ""
    raise InputError(f"`y_train` in {source} has no example of label {gaps[0]}{named} but has "
                     f"label {k - 1} (labels {present}); labels must be 0..K-1 with no gap, "
                     f"and every class needs training images. Relabel them "
                     f"0..{len(present) - 1}, or add images of that class.")
  for split in [s for s in ("val", "test") if s in parts]:
    held = set(int(c) for c in np.unique(parts[split][1]))
    extra = sorted(held - set(present))
    if extra:
      raise InputError(f"`y_{split}` in {source} has label {extra[0]}, which `y_train` never "
                       f"holds (train labels {present}); every class must be in train.")
    lacking = sorted(set(present) - held)
    if lacking:
      use = ("checkpoints and the collapse check score on it" if split == "val" else
             "balanced accuracy, recall and AUC need every class")
      fix = (" (an .npz may leave x_val/y_val out: val is then split off train)"
             if split == "val" else "")
      raise InputError(f"`y_{split}` in {source} has no example of label {lacking[0]}, which "
                       f"`y_train` holds (train labels {present}); every class needs examples "
                       f"in {split}: {use}. Add some{fix}.")
  return k


def check_shapes(parts, source):
  """Raises unless every split holds images of the training split's shape."""
  want = parts["train"][0].shape[1:]
  for split in [s for s in ("val", "test") if s in parts]:
    got = parts[split][0].shape[1:]
    if got != want:
      raise InputError(f"`x_{split}` in {source} has images of shape {got} but `x_train` has "
                       f"{want}; every split needs the same image shape (resize them, or "
                       "use an image folder with data.image_size).")


def _digests(x):
  return [hashlib.blake2b(np.ascontiguousarray(image).tobytes(), digest_size=16).digest()
          for image in x]


def _held_out_copies(splits):
  """Boolean masks: {"val_in_train", "test_in_train", "test_in_val"}, per held-out image,
  and the training images' digests."""
  train, val, test = (_digests(x) for x in (splits.x_train, splits.x_val, splits.x_test))
  seen_train, seen_val = set(train), set(val)
  return {"val_in_train": np.array([d in seen_train for d in val], bool),
          "test_in_train": np.array([d in seen_train for d in test], bool),
          "test_in_val": np.array([d in seen_val for d in test], bool)}, train


def copies(splits):
  """Boolean masks (val, test): the validation images equal to a training image, and the
  test images equal to a training or validation image."""
  masks, _ = _held_out_copies(splits)
  return masks["val_in_train"], masks["test_in_train"] | masks["test_in_val"]


def overlap(splits):
  """Exact copies across the splits, and training images that carry two labels.

  Returns {"val_in_train", "test_in_train", "test_in_val", "train_conflicts"}: how many
  validation (test) images have the very pixels of a training (validation) image, and
  how many distinct training images appear under more than one label. Copies in the
  held-out splits make their figures overstate what a model does on new images (on
  validation they also flatter the epoch kept); conflicting labels cap what any model can
  reach. Such data still trains: the pipeline warns and the report says so
  (`data.drop_copies` removes the held-out copies).

  Example:
    overlap(splits)  # {"val_in_train": 8, "test_in_train": 0, ...} for PneumoniaMNIST
  """
  masks, train = _held_out_copies(splits)
  labels = {}
  for digest, label in zip(train, np.asarray(splits.y_train).reshape(-1)):
    labels.setdefault(digest, set()).add(int(label))
  found = {key: int(mask.sum()) for key, mask in masks.items()}
  found["train_conflicts"] = sum(len(v) > 1 for v in labels.values())
  return found


def describe_overlap(found, val, test):
  """A line for the log and report.md on `overlap`'s counts (`val`, `test`: the splits'
  sizes); "" when every count is 0.

  Example:
    describe_overlap({"val_in_train": 8}, val=524, test=624)
    # "Data: 8 of the 524 validation images are copies of training images. ..."
  """
  parts, advice = [], []
  for key, what, total in (("test_in_train", "test", test), ("test_in_val", "test", test),
                           ("val_in_train", "validation", val)):
    if found.get(key):
      source = "validation" if key == "test_in_val" else "training"
      parts.append(f"{found[key]} of the {total} {what} images "
                   f"{'is a copy' if found[key] == 1 else 'are copies'} of {source} images")
  if parts:
    advice.append("Held-out figures count such copies as new images: "
                  "`data.drop_copies=True` leaves them out.")
  conflicts = found.get("train_conflicts")
  if conflicts:
    parts.append(f"{conflicts} training image{' appears' if conflicts == 1 else 's appear'} "
                 "under two or more labels")
    advice.append("Two labels on one image cap every model's accuracy: fix or drop them.")
  if not parts:
    return ""
  return f"Data: {'; '.join(parts)}. {' '.join(advice)}"


# Fewer validation images of a class than this, and the log and report say so (and
# `data.val_split='auto'` carves validation from train when that gives its smallest class more).
THIN_VAL = 10
THIN_TRAIN = 20  # Fewer training images of a class than this, and the log says so.


def image_weight(y_val, num_classes):
  """How much one validation image of the smallest class moves balanced accuracy.

  Example:
    image_weight(np.array([0] * 70 + [1]), 2)  # 0.5
  """
  return 1.0 / (num_classes * int(np.bincount(y_val, minlength=num_classes).min()))


def describe_thin_val(y_val, class_names, y_train=None):
  """A line for the log and report.md when a class has fewer than `THIN_VAL` validation
  images (every choice rests on them); "" otherwise. With `y_train`, it names the
  `data.val_fraction` that would carve `THIN_VAL` images of each class from train + val.

  Example:
    describe_thin_val(np.array([0] * 70 + [1]), ("a", "b"))
    # "Validation holds 1 image of class `b`: ..."
  """
  counts = np.bincount(y_val, minlength=len(class_names))
  thin = [(int(n), name) for n, name in zip(counts, class_names) if n < THIN_VAL]
  if not thin:
    return ""
  listed = ", ".join(f"{n} image{'s' if n != 1 else ''} of class `{name}`" for n, name in thin)
  fix = "a larger `data.val_fraction` with `data.val_split='carve'`"
  if y_train is not None:
    whole = counts + np.bincount(y_train, minlength=len(class_names))
    fraction = math.ceil(100 * THIN_VAL / max(int(whole.min()), 1)) / 100
    fix = (f"`data.val_split='carve'` with `data.val_fraction={fraction:g}` holds out "
           f"{THIN_VAL} of the smallest class's {int(whole.min())} images" if fraction <= 0.5
           else f"more images of class `{class_names[int(whole.argmin())]}` (it has "
           f"{int(whole.min())} in train + val: too few to hold out {THIN_VAL})")
  return (f"Validation holds {listed}: every choice (the epoch kept, alpha, the compression "
          f"source) rests on them, and one image moves balanced accuracy by up to "
          f"{image_weight(y_val, len(class_names)):.2f}, so ties are likely. Give validation "
          f"more images: {fix}, or an x_val / val/ split of your own.")


def describe_thin_train(y_train, class_names, weighted=True):
  """A line for the log when a class has fewer than `THIN_TRAIN` training images; ""
  otherwise. `weighted`: class weights are on (`data.class_weights`).

  Example:
    describe_thin_train(np.array([0] * 300 + [1] * 2), ("car", "bird"))
    # "Training holds 2 images of class `bird`: ..."
  """
  counts = np.bincount(y_train, minlength=len(class_names))
  thin = [(int(n), name) for n, name in zip(counts, class_names) if n < THIN_TRAIN]
  if not thin:
    return ""
  listed = ", ".join(f"{n} image{'s' if n != 1 else ''} of class `{name}`" for n, name in thin)
  weights = (" (class weights make them count more, which fits those few images rather "
             "than the class)" if weighted else "")
  return (f"Training holds {listed}: too few to learn a class from{weights}. Add images of "
          "it, or fold it into another class with `data.merge_classes`.")


def check_labels(y, name="y", count=None):
  """`y` as int64 class indices of shape (N,); InputError for one-hot labels (or scores),
  labels that are not whole numbers, or `count` given and not len(y).

  Example:
    y_val = check_labels(y_val, "y_val", count=len(x_val))
  """
  y = np.asarray(y)
  if y.ndim == 2 and y.shape[1] == 1:
    y = y[:, 0]
  if y.ndim != 1:
    hint = f" (one-hot? pass `{name}.argmax(axis=1)`)" if y.ndim == 2 else ""
    raise InputError(f"Argument `{name}` must be integer class indices of shape (N,). "
                     f"Received: shape {y.shape}{hint}")
  if y.dtype.kind not in "iub" and not (y.dtype.kind == "f" and np.all(y == np.round(y))):
    raise InputError(f"Argument `{name}` must be integer class indices. Received: "
                     f"{y.dtype} values such as {y[:3].tolist()}")
  if count is not None and len(y) != count:
    raise InputError(f"Argument `{name}` holds {len(y)} labels for {count} images.")
  return y.astype(np.int64)
