"""Artifacts on disk, written to a temporary name and moved into place."""
import json
import math
import os

import numpy as np

from tfcompress._keras import keras


def _tmp(path, suffix=""):
  return f"{path}.tmp{os.getpid()}{suffix}"


def save_model(model, path):
  """Saves a Keras model as `.keras` atomically: a crash never leaves half a file.

  The optimizer state is left out: the file is the deployable model.
  """
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  if getattr(model, "optimizer", None) is not None:  # An uncompiled copy: weights only.
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    model = copy
  tmp = _tmp(path, ".keras")
  model.save(tmp)
  os.replace(tmp, path)
  return path


def load_model(path):
  return keras.models.load_model(path, compile=False)


def write_bytes(path, data):
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  tmp = _tmp(path)
  with open(tmp, "wb") as f:
    f.write(data)
  os.replace(tmp, path)
  return path


def _finite(obj):
  """NaN and infinities become None (JSON null), so every file is valid JSON."""
  if isinstance(obj, float) and not math.isfinite(obj):
    return None
  if isinstance(obj, dict):
    return {k: _finite(v) for k, v in obj.items()}
  if isinstance(obj, (list, tuple)):
    return [_finite(v) for v in obj]
  return obj


def write_json(path, obj):
  text = json.dumps(_finite(obj), indent=2, sort_keys=True, allow_nan=False)
  return write_bytes(path, (text + "\n").encode())


def read_json(path):
  """The JSON at `path`, or None if there is none yet."""
  if not os.path.exists(path):
    return None
  with open(path) as f:
    return json.load(f)


def save_array(path, array):
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  tmp = _tmp(path, ".npy")
  np.save(tmp, array)
  os.replace(tmp, path)
  return path
