"""SVHN's official cropped digits: `train_32x32.mat` and `test_32x32.mat`, read with scipy.

Each file holds `X` (32, 32, 3, N) uint8 and `y` (N, 1) with labels 1..10, where 10 is the
digit 0 (http://ufldl.stanford.edu/housenumbers/). `extra_32x32.mat` is not read.
"""
import os

import numpy as np

from tfcompress.data import arrays as arrays_lib
from tfcompress.errors import InputError

TRAIN, TEST = "train_32x32.mat", "test_32x32.mat"


def is_svhn(path):
  """True for a `.mat` file, or a folder holding SVHN's train or test file."""
  return path.endswith(".mat") or any(os.path.isfile(os.path.join(path, f)) for f in (TRAIN, TEST))


def _files(path):
  """(train, test) files: in a folder, or the train file given and the test file beside it."""
  if os.path.isdir(path):
    train, test = os.path.join(path, TRAIN), os.path.join(path, TEST)
    if not os.path.isfile(train):
      raise InputError(f"SVHN needs the train file beside the test file: {train!r} is missing. "
                       f"Put {TRAIN} and {TEST} in one folder and set data.path to it.")
  else:
    train = path
    test = os.path.join(os.path.dirname(path), os.path.basename(path).replace("train", "test"))
  if test == train or not os.path.isfile(test):
    raise InputError(f"SVHN needs the test file beside the train file: {test!r} is missing. "
                     f"Put {TRAIN} and {TEST} in one folder and set data.path to it.")
  return train, test


def _read(path):
  from scipy import io  # pylint: disable=g-import-not-at-top
  try:
    mat = io.loadmat(path)
  except (OSError, ValueError, TypeError, NotImplementedError) as e:
    raise InputError(f"Could not read {path!r} as a MATLAB .mat file: {e}") from None
  if "X" not in mat or "y" not in mat:
    raise InputError(f"{path!r} lacks X or y; SVHN's files hold X (32, 32, 3, N) and y (N, 1). "
                     f"It has: {sorted(k for k in mat if not k.startswith('__'))}.")
  x, y = mat["X"], np.asarray(mat["y"]).reshape(-1)
  if x.ndim != 4 or x.shape[-1] != len(y):
    raise InputError(f"{path!r}: X has shape {x.shape} and y {len(y)} labels; SVHN's X is "
                     "(32, 32, 3, N) with one label per image.")
  if y.size and (y.min() < 0 or y.max() > 10):
    raise InputError(f"{path!r}: labels must be 1..10 (10 is the digit 0); found "
                     f"{int(y.min())}..{int(y.max())}.")
  return np.moveaxis(x, -1, 0), (y % 10).astype(np.int64)


def load_svhn(path, val_fraction=0.1, seed=0):
  """SVHN from its official files, as checked `Splits` with class names "0".."9".

  Args:
    path: a folder holding train_32x32.mat and test_32x32.mat, or the train file (the
      test file beside it).
    val_fraction: the stratified fraction of train held out for validation.
    seed: the seed of that split.

  Returns:
    A checked `Splits` of (N, 32, 32, 3) images.

  Raises:
    InputError: a missing file, a file scipy cannot read, or arrays not in SVHN's layout.

  Example:
    splits = load_svhn("data/svhn")
  """
  train, test = _files(path)
  (x_train, y_train), (x_test, y_test) = _read(train), _read(test)
  arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
  return arrays_lib.from_arrays(arrays, path, val_fraction, seed)  # Names: the digits.
