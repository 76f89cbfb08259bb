"""Runs the `tfcompress` and `tfcompress-container` entry points in this process.

`run_main(argv, capsys, monkeypatch)` returns (exit code, stderr) as a shell would see
them, without a new Python process (and its 3 s TensorFlow import) per case.
"""
import os
import sys

import numpy as np
from absl import flags

from tests.conftest import make_images

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE = os.path.join(REPO, "configs", "pneumonia.py") + ":smoke"


def _exit_code(fn, *args):
  try:
    fn(*args)
  except SystemExit as e:
    return e.code if isinstance(e.code, int) else 1
  return 0


def run_main(argv, capsys, monkeypatch):
  """`tfcompress ARGV` in-process: (exit code, stderr)."""
  from tfcompress import main as main_lib  # pylint: disable=g-import-not-at-top
  argv = ["tfcompress", *argv]
  for name in [n for n in flags.FLAGS if n.startswith("config.")]:
    delattr(flags.FLAGS, name)  # config_flags defines one per override, at each parse.
  flags.FLAGS.unparse_flags()
  sys.modules.pop("config_config", None)  # config_flags would reuse the last config module.
  monkeypatch.setattr(sys, "argv", argv)  # config_flags reads --config.x overrides from it.
  capsys.readouterr()

  def _run():
    main_lib.main(main_lib.parse_flags(argv))
  code = _exit_code(_run)
  return code, capsys.readouterr().err


def run_bench(argv, capsys, monkeypatch):
  """`tfcompress-bench ARGV` in-process: (exit code, stderr)."""
  from tfcompress import bench  # pylint: disable=g-import-not-at-top
  argv = ["tfcompress-bench", *argv]
  flags.FLAGS.unparse_flags()
  monkeypatch.setattr(sys, "argv", argv)
  capsys.readouterr()
  code = _exit_code(lambda: bench.main(flags.FLAGS(argv)))
  return code, capsys.readouterr().err


def run_container(argv, capsys):
  """`tfcompress-container ARGV` in-process: (exit code, stderr)."""
  from tfcompress import container_cli  # pylint: disable=g-import-not-at-top
  capsys.readouterr()
  code = _exit_code(container_cli.main, ["tfcompress-container", *argv])
  return code, capsys.readouterr().err


def assert_one_line(code, err, want_code, *needles):
  """Exit code, no traceback, exactly one `...: error:` line that holds every needle."""
  assert "Traceback" not in err, err[-3000:]
  errors = [l for l in err.splitlines() if ": error: " in l]
  assert len(errors) == 1, err[-3000:]
  assert code == want_code, (code, errors[0])
  for needle in needles:
    assert str(needle) in errors[0], (needle, errors[0])
  return errors[0]


def arrays(n_train=64, n_test=24, with_val=False, **kwargs):
  """Good tiny arrays (uint8 images, two classes) to spoil one field at a time."""
  a = {}
  a["x_train"], a["y_train"] = make_images(n_train, **kwargs)
  a["x_test"], a["y_test"] = make_images(n_test, seed=1, **kwargs)
  if with_val:
    a["x_val"], a["y_val"] = make_images(16, seed=2, **kwargs)
  return a


def save(path, values):
  np.savez(path, **values)
  return str(path)


def plant_hdf5_lambda(path, marker):
  """A legacy HDF5 model at `path` whose Lambda layer creates `marker` when it is run.

  Returns the path of an `.h5` copy, for showing that Keras's legacy loader runs it.
  """
  from tfcompress._keras import keras  # pylint: disable=g-import-not-at-top
  code = eval(f"lambda x: (__import__('pathlib').Path({str(marker)!r}).touch(), x)[1]")  # pylint: disable=eval-used
  inputs = keras.Input((28, 28, 1))
  x = keras.layers.Lambda(code)(inputs)
  model = keras.Model(inputs, keras.layers.Dense(2)(keras.layers.Flatten()(x)))
  os.makedirs(os.path.dirname(path), exist_ok=True)
  h5 = str(path) + ".h5"
  model.save(h5)
  with open(h5, "rb") as src, open(path, "wb") as dst:
    dst.write(src.read())
  if os.path.exists(marker):
    os.remove(marker)
  return h5
