"""From a config to checked `Splits` and batched, cached, prefetched tf.data pipelines."""
import dataclasses
import os

from absl import logging
import numpy as np

from tfcompress._keras import tf
from tfcompress.data import arrays as arrays_lib
from tfcompress.data import augment as augment_lib
from tfcompress.data import checks
from tfcompress.data import folders
from tfcompress.data import svhn
from tfcompress.data import tfds_data
from tfcompress.errors import InputError
from tfcompress.errors import config_keys


def load(data_config, seed=0):
  """Loads the data a config names: `path` (.npz, image folder or SVHN's .mat files),
  else `name`.

  Then renames the classes (`class_names`), merges them (`merge_classes`), replaces a
  thin validation split (`val_split`: `arrays.replace_thin_val`), keeps `limit` examples
  a split (one of every class among them), resizes to `image_size` and leaves
  out held-out copies of training images (`drop_copies`), when those are set.

  Args:
    data_config: the config's `data` group (`base_config().data`).
    seed: the seed of the validation split and of `limit`'s sample.

  Returns:
    A checked `Splits`: float32 (N, H, W, C) images in [0, 255], int64 labels.

  Raises:
    InputError: a `data.path` that does not exist, an unknown `data.name`, data that
      `load_npz` or `load_image_folder` refuses, a `limit` below the number of classes,
      or `drop_copies` that would leave a split or a class of it empty; messages name the
      config keys.

  Example:
    splits = load(base_config().data)   # the shipped PneumoniaMNIST
  """
  c = data_config
  if c.path:
    if not os.path.exists(c.path):
      raise InputError(f"Config `data.path` not found: it must be an .npz file, an image "
                       f"folder, or a folder with SVHN's {svhn.TRAIN} and {svhn.TEST}. "
                       f"Received: data.path={c.path!r}")
    with config_keys(image_size="data.image_size", class_names="data.class_names",
                     color_mode="data.color_mode"):
      if svhn.is_svhn(c.path):
        splits = svhn.load_svhn(c.path, c.val_fraction, seed)
      elif is_image_folder(c.path):
        splits = folders.load_image_folder(c.path, c.image_size, c.color_mode,
                                           c.val_fraction, seed, c.test_fraction)
      else:
        splits = arrays_lib.load_npz(c.path, c.val_fraction, seed,
                                     tuple(c.class_names) or None)
  elif c.name in arrays_lib.SHIPPED:
    splits = arrays_lib.load_npz(arrays_lib.SHIPPED[c.name], c.val_fraction, seed,
                                 arrays_lib.SHIPPED_CLASS_NAMES[c.name])
  elif tfds_data.is_tfds(c.name):
    splits = tfds_data.load_tfds(c.name, c.val_fraction, seed)
  elif c.name in arrays_lib.KERAS_DATASETS:
    splits = arrays_lib.load_keras_dataset(c.name, c.val_fraction, seed)
  else:
    known = sorted(arrays_lib.SHIPPED) + list(arrays_lib.KERAS_DATASETS)
    raise InputError(f"Unknown dataset `data.name`={c.name!r}. Use one of {', '.join(known)}, "
                     "'tfds:<name>' (TensorFlow Datasets), or set `data.path` to an .npz file "
                     "or image folder.")
  if c.class_names:
    splits = _rename(splits, tuple(c.class_names))
  if c.merge_classes:
    splits = merge_classes(splits, c.merge_classes)
  splits = arrays_lib.replace_thin_val(splits, c.val_split, c.val_fraction, seed)
  if c.limit:
    splits = _limit(splits, c.limit, seed)
  if c.image_size and tuple(splits.input_shape[:2]) != (c.image_size, c.image_size):
    splits = _resize(splits, c.image_size)
  if c.drop_copies:
    splits = drop_copies(splits)
  return splits


def is_image_folder(path):
  """True when `data.path` names an image folder (not SVHN's folder of .mat files)."""
  return bool(path) and os.path.isdir(path) and not svhn.is_svhn(path)


def drop_copies(splits):
  """`splits` without the validation and test images that copy a training image (or, for
  test, a validation one); raises InputError when that empties a split.

  Example:
    drop_copies(splits)  # PneumoniaMNIST: val 524 -> 516 images
  """
  val, test = checks.copies(splits)
  for name, mask in (("val", val), ("test", test)):
    if mask.all():
      raise InputError(f"Config `data.drop_copies` would leave no {name} images: each of "
                       f"the {len(mask)} copies a training image. Give the {name} split "
                       "images of its own, or set data.drop_copies=False.")
    y = getattr(splits, f"y_{name}")
    lost = sorted(set(y.tolist()) - set(y[~mask].tolist()))
    if lost:
      raise InputError(f"Config `data.drop_copies` would leave no {name} image of class "
                       f"{splits.class_names[lost[0]]!r}: each of its {(y == lost[0]).sum()} "
                       "copies another split's, and checkpoints, balanced accuracy and AUC "
                       f"need every class. Give that class {name} images of its own, or set "
                       "data.drop_copies=False.")
  if val.any() or test.any():
    logging.info("data.drop_copies: left out %d of %d val and %d of %d test images that "
                 "copy another split's.", val.sum(), len(val), test.sum(), len(test))
  return dataclasses.replace(splits, x_val=splits.x_val[~val], y_val=splits.y_val[~val],
                             x_test=splits.x_test[~test], y_test=splits.y_test[~test])


def _rename(splits, names):
  """`splits` with `names` for labels 0..n-1: one non-empty, single-line, distinct name each."""
  given = f"Received: data.class_names={names!r}"
  if len(names) != splits.num_classes:
    raise InputError(f"Config `data.class_names` names {len(names)} classes but the data has "
                     f"{splits.num_classes} (labels 0..{splits.num_classes - 1}); it is a "
                     "tuple, one name per class: --config.data.class_names=\"('cat','dog')\". "
                     f"{given}")
  names = tuple(str(n) for n in names)
  if arrays_lib.unusable_names(names) or len(set(names)) < len(names):
    raise InputError("Config `data.class_names` needs a distinct, non-empty, one-line name "
                     f"per class (they become the lines of labels.txt). {given}")
  return dataclasses.replace(splits, class_names=names)


def merge_classes(splits, spec):
  """`splits` with source classes mapped to new ones: "normal:normal, bacterial:pneumonia,
  viral:pneumonia" (the paper's two classes from Kermany's three). A source class is named
  by its class name or its label; new labels follow the new names' first appearance.

  Raises:
    InputError: a malformed pair, an unknown source class, or a class left unmapped.

  Example:
    merge_classes(splits, "0:even, 1:odd, 2:even")
  """
  given = f"Received: data.merge_classes={spec!r}"
  mapping = {}
  for pair in (p.strip() for p in spec.split(",") if p.strip()):
    source, _, target = (part.strip() for part in pair.partition(":"))
    if not source or not target:
      raise InputError(f"Config `data.merge_classes` takes 'source:new' pairs separated by "
                       f"commas, e.g. 'normal:normal, bacterial:pneumonia'. {given}")
    mapping[source] = target
  names = splits.class_names
  labels = {}
  for source, target in mapping.items():
    label = names.index(source) if source in names else (
        int(source) if source.isdigit() and int(source) < len(names) else None)
    if label is None:
      raise InputError(f"Config `data.merge_classes` names class {source!r}, which the data "
                       f"lacks; its classes are {list(names)}. {given}")
    labels[label] = target
  missing = [names[i] for i in range(len(names)) if i not in labels]
  if missing:
    raise InputError(f"Config `data.merge_classes` leaves classes {missing} unmapped; map "
                     f"every class of {list(names)}. {given}")
  new_names = tuple(dict.fromkeys(mapping.values()))
  table = np.array([new_names.index(labels[i]) for i in range(len(names))], np.int64)
  return dataclasses.replace(
      splits, y_train=table[splits.y_train], y_val=table[splits.y_val],
      y_test=table[splits.y_test], class_names=new_names)


def _limit(splits, n, seed):
  """`splits` with at most `n` examples a split, seeded; each split keeps one example of every
  class it holds before the rest are drawn at random (a plain random draw can leave a
  small class out of val or test, and the run would score no checkpoint on it)."""
  rng = np.random.default_rng(seed)
  out = {}
  for split in ("train", "val", "test"):
    x, y = getattr(splits, f"x_{split}"), getattr(splits, f"y_{split}")
    order = rng.permutation(len(y))
    classes = np.unique(y)
    if n < len(classes):
      raise InputError(f"Config `data.limit` keeps {n} {split} examples, fewer than the "
                       f"{len(classes)} classes that split holds, so a class would be left "
                       f"out. Set data.limit >= {len(classes)}, or 0 for all. Received: "
                       f"data.limit={n}")
    first = order[np.unique(y[order], return_index=True)[1]]  # One of each class, at random.
    rest = order[~np.isin(order, first)]
    keep = np.sort(np.concatenate([first, rest[:max(n - len(first), 0)]]))
    out[f"x_{split}"], out[f"y_{split}"] = x[keep], y[keep]
  return dataclasses.replace(splits, **out)


def _resize(splits, size):
  out = {}
  for split in ("train", "val", "test"):
    x = getattr(splits, f"x_{split}")
    out[f"x_{split}"] = tf.image.resize(x, (size, size)).numpy()
    out[f"y_{split}"] = getattr(splits, f"y_{split}")
  height, width = splits.input_shape[:2]
  return dataclasses.replace(splits, **out, reading=" ".join(filter(None, (
      splits.reading, f"Resized from {width}x{height} to {size}x{size} (`data.image_size`) "
      "with tf.image.resize, bilinear."))))


def train_dataset(x, y, data_config, extra=None, noise=0.0, seed=0, passes=1):
  """Shuffled, augmented, batched training pipeline of (x, y) or ((x, extra), y).

  One epoch of it goes `passes` times over the data, each pass shuffled anew. `seed`
  and the global seed fix the order and the augmentation of every epoch, whatever random
  operations ran before, and each epoch draws new ones.
  """
  c = data_config
  inputs = (x, extra) if extra is not None else x
  ds = tf.data.Dataset.from_tensor_slices((inputs, y)).cache()
  ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
  ds = ds.repeat(passes).batch(c.batch_size)
  keys = tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)
  ds = tf.data.Dataset.zip((ds, keys))

  def _augment(batch, key):
    inputs, labels = batch
    images, other = (inputs, None) if extra is None else inputs
    images = augment_lib.augment(images, c.flip, c.crop_scale, noise, key,
                                 brightness=c.brightness, contrast=c.contrast,
                                 rotate=c.rotate, erase=c.erase)
    return (images if extra is None else (images, other)), labels

  ds = ds.map(_augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
  # Several workers: each builds this same seeded pipeline and keeps its share of every
  # batch (in-memory data has no files to shard by), so logits stay with their images.
  options = tf.data.Options()
  options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
  return ds.with_options(options).prefetch(tf.data.AUTOTUNE)


def eval_dataset(x, y=None, batch_size=256):
  """Batched, cached, prefetched evaluation pipeline (no augmentation)."""
  ds = tf.data.Dataset.from_tensor_slices(x if y is None else (x, y))
  return ds.batch(batch_size).cache().prefetch(tf.data.AUTOTUNE)


IMBALANCED = 1.5  # `class_weights="auto"` weighs classes when max/min class count >= this.


def class_weights(y, mode="balanced"):
  """Inverse-frequency class weights (scikit-learn's "balanced"), or their square root, as
  Keras wants them; or None.

  `mode`: "balanced", "sqrt" (the square root of the balanced weights, rescaled so the mean
  weight over the training images stays 1: a milder correction for long-tailed data),
  "none", or "auto" (balanced when the classes are imbalanced).

  Example:
    class_weights(np.array([0, 0, 0, 1]))  # {0: 0.667, 1: 2.0}
    class_weights(np.array([0, 0, 0, 1]), "sqrt")  # {0: 0.845, 1: 1.464}
  """
  counts = np.bincount(np.asarray(y))
  counts = counts[counts > 0]
  if mode == "none" or (mode == "auto" and counts.max() < IMBALANCED * counts.min()):
    return None
  from sklearn.utils.class_weight import compute_class_weight  # pylint: disable=g-import-not-at-top
  classes = np.unique(y)
  weights = compute_class_weight("balanced", classes=classes, y=y)
  if mode == "sqrt":
    weights = np.sqrt(weights)
    weights *= counts.sum() / (counts * weights).sum()
  return {int(k): float(w) for k, w in zip(classes, weights)}
