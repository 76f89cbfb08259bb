"""Data sets from TensorFlow Datasets: `data.name="tfds:<name>"` (the optional `tfds` extra).

The train, validation (when the data set has one) and test splits are read whole into
memory and checked like an `.npz`. Images must all have one size.
"""
import numpy as np

from tfcompress.data import arrays as arrays_lib
from tfcompress.errors import InputError

PREFIX = "tfds:"
_SPLITS = (("train", "train"), ("val", "validation"), ("test", "test"))


def is_tfds(name):
  return name.startswith(PREFIX)


def _offline(name, error):
  return InputError(
      f"Could not download or prepare TFDS data set {name!r} ({type(error).__name__}). "
      "Offline, save it as an .npz with x_train, y_train, x_test, y_test and set "
      "--config.data.path=FILE.npz, or prepare it once online (TFDS_DATA_DIR).")


def _read(builder, split):
  dataset = builder.as_dataset(split=split, as_supervised=True).batch(4096)
  batches = list(dataset.as_numpy_iterator())
  return (np.concatenate([b[0] for b in batches]), np.concatenate([b[1] for b in batches]))


def load_tfds(name, val_fraction=0.1, seed=0):
  """A TFDS image-classification data set as checked `Splits`.

  Args:
    name: "tfds:<name>", e.g. "tfds:mnist" (a TFDS name, with an optional ":version").
    val_fraction: without a validation split, the stratified fraction of train held out.
    seed: the seed of that split.

  Returns:
    A checked `Splits`, with the data set's class names.

  Raises:
    InputError: tensorflow-datasets missing, an unknown name, no download (offline), or
      a data set that is not (image, label) pairs of one size with train and test.

  Example:
    splits = load_tfds("tfds:mnist")
  """
  tfds_name = name[len(PREFIX):]
  try:
    import tensorflow_datasets as tfds  # pylint: disable=g-import-not-at-top
  except ImportError:
    raise InputError(f"`data.name`={name!r} needs tensorflow-datasets: "
                     "pip install '.[tfds]' in the tfcompress repository.") from None
  try:
    builder = tfds.builder(tfds_name)
  except tfds.core.registered.DatasetNotFoundError:
    raise InputError(f"TFDS has no data set {tfds_name!r} (`data.name`={name!r}); see "
                     "https://www.tensorflow.org/datasets/catalog.") from None
  if builder.info.supervised_keys is None:
    raise InputError(f"TFDS data set {tfds_name!r} has no (image, label) supervised keys; "
                     "tfcompress takes image-classification data sets.")
  try:
    builder.download_and_prepare()
  except Exception as e:  # pylint: disable=broad-except  (network, disk, missing deps)
    raise _offline(name, e) from None
  known = set(builder.info.splits) or {"train", "test"}  # Mock data records no splits.
  missing = [s for s in ("train", "test") if s not in known]
  if missing:
    raise InputError(f"TFDS data set {tfds_name!r} has no {missing[0]!r} split (it has "
                     f"{sorted(known)}); save the splits you want as an .npz.")
  arrays = {}
  for key, split in _SPLITS:
    if split in known:
      try:
        arrays[f"x_{key}"], arrays[f"y_{key}"] = _read(builder, split)
      except (ValueError, TypeError) as e:
        raise InputError(f"Could not read TFDS {tfds_name!r} split {split!r} as arrays "
                         f"({str(e).splitlines()[0]}); its images must have one size.") from None
  label = builder.info.features[builder.info.supervised_keys[1]]
  names = getattr(label, "names", None)
  num = int(max(arrays["y_train"].max(), arrays["y_test"].max())) + 1
  return arrays_lib.from_arrays(arrays, name, val_fraction, seed,
                                tuple(names[:num]) if names and len(names) == num else None)
