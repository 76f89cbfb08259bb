"""What made a workdir: sha256 of the data and of the config, in WORKDIR/fingerprint.json.

It is written before the first artifact; once any artifact exists, a run with other data
is refused, so reused artifacts (teacher members, cached logits, stage models) never come
from different data. The config's field-by-field comparison is `workdir_config.check_workdir`'s
(config.json); its hash is recorded here for the record, not compared, so fields added to
the schema later (read as their defaults) do not make old workdirs unusable.

Example:
  fingerprint.check(workdir, config, splits, free_fields=("stages", "verbose", "repeats"))
"""
import hashlib
import json
import os

from tfcompress import artifacts
from tfcompress import layout
from tfcompress import workdir as workdir_lib
from tfcompress.data import arrays as arrays_lib
from tfcompress.errors import InputError



def file_sha256(path):
  """sha256 of the file at `path`, read in chunks."""
  digest = hashlib.sha256()
  with open(path, "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
      digest.update(block)
  return digest.hexdigest()


def arrays_sha256(splits):
  """sha256 over every split's images and labels (shape, dtype and bytes)."""
  digest = hashlib.sha256()
  for name in ("x_train", "y_train", "x_val", "y_val", "x_test", "y_test"):
    a = getattr(splits, name)
    digest.update(f"{name}{a.shape}{a.dtype}".encode())
    digest.update(a.tobytes())
  digest.update(repr(tuple(splits.class_names)).encode())
  return digest.hexdigest()


def data_sha256(data_config, splits):
  """sha256 of the data file (an .npz, or the shipped one), else of the loaded arrays (a
  folder, or SVHN's train .mat, whose test file lies beside it)."""
  path = data_config.path or arrays_lib.SHIPPED.get(data_config.name, "")
  if path and os.path.isfile(path) and not path.endswith(".mat"):
    return file_sha256(path)
  return arrays_sha256(splits)


def config_sha256(config, free_fields=()):
  """sha256 of the config as JSON, leaving out the top-level fields that change no result."""
  values = {k: v for k, v in config.to_dict().items() if k not in free_fields}
  return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def input_shape(workdir):
  """The image shape (height, width, channels) the workdir's run read, as recorded; None
  for workdirs from before it was."""
  shape = (artifacts.read_json(layout.file(workdir, layout.FINGERPRINT)) or {}).get("input_shape")
  return tuple(shape) if shape else None


def check(workdir, config, splits, free_fields=()):
  """Refuses a workdir whose artifacts came from other data; records this run's fingerprint.

  A workdir from before fingerprints (artifacts but no fingerprint.json) is trusted once.
  """
  path = layout.file(workdir, layout.FINGERPRINT)
  new = {"data_sha256": data_sha256(config.data, splits),
         "config_sha256": config_sha256(config, free_fields),
         "input_shape": [int(d) for d in splits.input_shape]}
  model = config.student.model
  if os.path.isfile(model):  # A trained model given as a file: a new file is a new run.
    new["student_model_sha256"] = file_sha256(model)
  old = artifacts.read_json(path)
  if old is not None and workdir_lib.has_artifacts(workdir):
    for key, what, given, why in (
        ("data_sha256", "other data", f"data.path={config.data.path!r}",
         " (An older tfcompress may have read the same files otherwise.)"),
        ("student_model_sha256", "another model file", f"student.model={model!r}", ""),
        ("input_shape", "images of another shape", f"data.image_size={config.data.image_size}",
         " (An older tfcompress may have resized them otherwise.)")):
      was, now = str(old.get(key)), str(new.get(key))
      # A shape is compared only where both runs recorded one (older runs did not).
      compared = (key in old and key in new) if key == "input_shape" else (
          key in old or key in new)
      if was != now and compared:
        cut = None if key == "input_shape" else 12
        raise InputError(f"{workdir!r} holds a run made from {what} ({key}: {was[:cut]!r} -> "
                         f"{now[:cut]!r}; {given}).{why} Use a new --workdir, or delete this "
                         "one.")
  artifacts.write_json(path, new)
  return new
