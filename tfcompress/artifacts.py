"""Artifacts on disk, written to a temporary name and moved into place.

Models are read only from Keras v3 `.keras` zip files, with `safe_mode=True`: a model
file from someone else cannot run code (see docs/data.md, "What is safe to load").
"""
import json
import math
import os
import zipfile

import numpy as np

from tfcompress._keras import keras
from tfcompress.errors import InputError


def _tmp(path, suffix=""):
  return f"{path}.tmp{os.getpid()}{suffix}"


def save_model(model, path):
  """Saves a Keras model as `.keras` atomically: a crash never leaves half a file.

  The optimizer state is left out: the file is the deployable model.
  """
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  float32 = with_policy(model, "float32")  # Mixed-precision models are saved as float32.
  if float32 is model and getattr(model, "optimizer", None) is not None:
    copy = keras.models.clone_model(model)  # An uncompiled copy: weights only.
    copy.set_weights(model.get_weights())
    float32 = copy
  model = float32
  tmp = _tmp(path, ".keras")
  model.save(tmp)
  _commit(tmp, path)
  return path


_FLOAT_POLICIES = ("float32", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16")


def with_policy(model, policy):
  """`model` rebuilt with every layer computing in the Keras dtype `policy` ("float32",
  "mixed_float16", ...), its weights copied; `model` itself when it computes so already.

  Example:
    model = with_policy(model, "float32")  # Before converting a mixed-precision model.
  """
  layers = [model, *(m for m in model.submodules if isinstance(m, keras.layers.Layer))]
  if all(layer.dtype_policy.name == policy for layer in layers):
    return model
  copy = model.__class__.from_config(_set_policy(model.get_config(), policy))
  copy.set_weights(model.get_weights())
  return copy


def _set_policy(config, policy):
  """A model config with each layer's `dtype` set to `policy` (inputs keep theirs)."""
  if isinstance(config, list):
    return [_set_policy(c, policy) for c in config]
  if not isinstance(config, dict):
    return config
  out = {k: _set_policy(v, policy) for k, v in config.items()}
  inner = out.get("config")
  if out.get("class_name") != "InputLayer" and isinstance(inner, dict) and "dtype" in inner:
    dtype = inner["dtype"]
    name = dtype.get("config", {}).get("name") if isinstance(dtype, dict) else dtype
    if name in _FLOAT_POLICIES:
      inner["dtype"] = policy
  return out


def save_weights(model, path):
  """Saves `model`'s weights (HDF5 arrays, no code) atomically; returns `path`.

  For models the `.keras` format cannot round-trip (TFMOT's quantization-aware wrappers).
  """
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  tmp = _tmp(path, ".weights.h5")
  model.save_weights(tmp)
  _commit(tmp, path)
  return path


def _format(path):
  """What kind of file `path` is, by its content (never by its name)."""
  if os.path.isdir(path):
    return "a directory (TensorFlow SavedModel)"
  with open(path, "rb") as f:
    head = f.read(8)
  if head.startswith(b"\x89HDF"):
    return "a legacy HDF5 model"
  if not zipfile.is_zipfile(path):
    return f"not a Keras file (it starts with {head!r})"
  with zipfile.ZipFile(path) as z:
    if "config.json" not in z.namelist():
      return "a zip file without a Keras config.json"
  return None


def load_model(path):
  """Loads a `.keras` model with safe_mode=True; refuses every format whose loader ignores it.

  Example:
    model = load_model("runs/pneumonia/seed_0/distill/model.keras")
  """
  if not os.path.exists(path):
    raise InputError(f"Model file {path!r} is missing; rerun `tfcompress` with this --workdir "
                     "to make it again.")
  kind = _format(path)
  if kind:
    raise InputError(f"Refusing to load {path!r}: it is {kind}. tfcompress loads only Keras v3 "
                     "`.keras` zip files, with safe_mode, so that a model file cannot run code. "
                     "Delete it and rerun, or re-save it with model.save('x.keras') where it "
                     "was made.")
  try:
    return keras.models.load_model(path, compile=False, safe_mode=True)
  except (ValueError, TypeError) as e:
    if "safe_mode" not in str(e) and "lambda" not in str(e).lower():
      raise
    raise InputError(f"Refusing to load {path!r}: it holds code (e.g. a Lambda layer) that "
                     "safe_mode does not run. Delete it and rerun.") from None


def _commit(tmp, path):
  """Moves the finished `tmp` into place, its bytes flushed to the disk first and the
  rename after, so a crash of the machine leaves the old file or the new one rather than
  an empty one (as far as the file system honours fsync; macOS's does not reach the disk).
  File systems that cannot sync a folder (some network mounts) skip that part."""
  fd = os.open(tmp, os.O_RDWR)  # Windows flushes only a handle opened for writing.
  try:
    os.fsync(fd)
  finally:
    os.close(fd)
  os.replace(tmp, path)
  try:
    fd = os.open(os.path.dirname(path) or ".", os.O_RDONLY)
  except OSError:  # Windows cannot open a folder: the rename is all there is.
    return
  try:
    os.fsync(fd)
  except OSError:  # EINVAL on CIFS, sshfs and shared folders: the file is in place.
    pass
  finally:
    os.close(fd)


def write_bytes(path, data):
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  tmp = _tmp(path)
  with open(tmp, "wb") as f:
    f.write(data)
  _commit(tmp, path)
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
    try:
      return json.load(f)
    except json.JSONDecodeError as e:
      raise InputError(f"{path!r} is not valid JSON ({e}); it was changed by hand or by "
                       "another program. Restore it, or delete it and rerun.") from None


def save_array(path, array):
  os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
  tmp = _tmp(path, ".npy")
  np.save(tmp, array)
  _commit(tmp, path)
  return path
