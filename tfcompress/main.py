r"""The tfcompress binary: flags -> config -> pipeline.run.

  tfcompress --config=configs/pneumonia.py --workdir=runs/pneumonia
  tfcompress --config=configs/pneumonia.py:smoke --workdir=/tmp/smoke \
      --config.distill.temperature=8
  tfcompress --config=runs/pneumonia/config.json --workdir=runs/again

Every config field, with its default and meaning: python -m tfcompress.config_help [group]
"""
import importlib.util
import logging as logging_lib
import os
import re
import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

from tfcompress import cli_flags
from tfcompress import failures
from tfcompress import layout

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "A config file (configs/x.py, configs/x.py:smoke) or a run's config.json.",
    lock_config=True)
_WORKDIR = cli_flags.WORKDIR
_JSON_LOADER = os.path.join(os.path.dirname(__file__), "json_config.py")


def _fail(message):
  failures.fail("tfcompress", message)


def _message(error):
  return failures.one_line(str(error.args[0] if len(error.args) == 1 else error).strip("'\""))


def _config_error(path, text):
  """One line for a config file that failed to load (the traceback's last line, explained)."""
  text = failures.one_line(text).replace("tfcompress.errors.InputError: ", "")
  if "No such file or directory" in text:
    return f"config file not found: {path.split(':')[0]!r}."
  if "get_config" in text and "attribute" in text:
    return (f"config file {path.split(':')[0]!r} has no get_config(); a config file defines "
            "get_config(arg=None) returning a ConfigDict, like configs/pneumonia.py.")
  return f"bad config {path!r}: {text}"


def parse_flags(argv):
  """absl flag parsing with a `.json` config allowed and errors kept to one line."""
  given = next((a.split("=", 1)[1] for a in argv if a.startswith("--config=")), "?")
  argv = [f"--config={_JSON_LOADER}:{a.split('=', 1)[1]}"
          if a.startswith("--config=") and a.endswith(".json") else a for a in argv]
  try:
    return flags.FLAGS(argv)
  except flags.Error as e:
    if "parsing config file" in str(e):
      _fail(_config_error(given, str(e)))
    _fail(f"{failures.one_line(e)} See --helpfull.")
  except Exception as e:  # pylint: disable=broad-except  (a config file failed to load)
    text = f"{type(e).__name__}: {_message(e)}"
    named = _override_named(argv, e)
    if named:
      flag, field = named
      hint = re.search(r"Did you mean [^?]*\?", text)
      _fail(f"flag {flag}: no such config field {field!r}"
            f"{' (' + hint.group(0) + ')' if hint else ''}. The fields are those of the config "
            "file; a run's config.json lists them all.")
    _fail(_config_error(given, text))


def _override_named(argv, error):
  """(flag, field) for the `--config.a.b=v` flag with a field that `error` (a KeyError or
  AttributeError of an override) names, e.g. a typo; None for other errors."""
  if not isinstance(error, (AttributeError, KeyError)):
    return None
  text = str(error).replace("\\'", "'")
  for arg in argv:
    if arg.startswith("--config."):
      for part in arg.split("=", 1)[0][len("--config."):].split("."):
        if f"'{part}'" in text:
          return arg, part
  return None


def _warn_names_from_file(config, argv):
  """Warns when the config file names the classes and a flag gave other data: the names
  were written for the file's data (MNIST digits would be called airplane, ...)."""
  given = {a.split("=", 1)[0] for a in argv}
  if (config.data.class_names and "--config.data.path" in given
      and "--config.data.class_names" not in given):
    logging.warning(
        "The config file names the classes %s, for its own data; --config.data.path gives "
        "other data, which the report, labels.txt and the C arrays will call by those names. "
        "Name them with --config.data.class_names=\"('a','b',...)\", or "
        "--config.data.class_names=\"()\" for the data's own names.",
        ", ".join(config.data.class_names))


def _expand_home(config):
  """`~` in the config's paths, which a shell leaves alone after `--config.data.path=`."""
  for group, key in (("data", "path"), ("teacher", "weights"), ("student", "model")):
    value = config[group][key]
    if isinstance(value, str) and value.startswith("~"):
      config[group][key] = os.path.expanduser(value)


class _QuietTensorFlow(logging_lib.Filter):
  """Drops TensorFlow's own INFO lines (SavedModel and converter chatter: 45% of a smoke
  run's log, trial 10); its warnings and errors pass."""

  def __init__(self):
    super().__init__()
    specs = [importlib.util.find_spec(p) for p in ("tensorflow", "tf_keras")]  # No import.
    self.folders = tuple(os.path.join(folder, "") for spec in specs if spec
                         for folder in spec.submodule_search_locations or ())

  def filter(self, record):
    return record.levelno >= logging_lib.WARNING or not record.pathname.startswith(
        self.folders)


def main(argv):
  logging.get_absl_handler().addFilter(_QuietTensorFlow())
  if len(argv) > 1:
    _fail(f"unexpected arguments {argv[1:]}; use --config and --workdir.")
  if _WORKDIR.value is None or "config" not in flags.FLAGS or _CONFIG.value is None:
    _fail("--config and --workdir are required, e.g. "
          "tfcompress --config=configs/pneumonia.py --workdir=runs/pneumonia")
  workdir = os.path.expanduser(_WORKDIR.value)  # A shell leaves ~ after = alone.
  from tfcompress import pipeline  # pylint: disable=g-import-not-at-top  (imports TensorFlow)
  from tfcompress import training  # pylint: disable=g-import-not-at-top
  try:
    config = _CONFIG.value
    config.to_dict()
  except Exception as e:  # pylint: disable=broad-except  (config_flags defers load errors)
    _fail(_config_error(flags.FLAGS["config"].config_filename, _message(e)))
  _expand_home(config)
  _warn_names_from_file(config, sys.argv[1:])
  with failures.guard("tfcompress"):
    training.strategy(config.strategy)  # Before any op runs, as tf.distribute requires.
    written = pipeline.run(config, workdir)
  if written is None:
    logging.info("Worker done; the chief writes the report in %s.", workdir)
  else:
    logging.info("Report: %s", layout.file(workdir, layout.REPORT_MD))


def run():
  """Console-script entry point."""
  cli_flags.for_help(__doc__, "config", "workdir")
  with failures.guard("tfcompress"):  # Ctrl-C at any point: one line.
    app.run(main, flags_parser=parse_flags)


if __name__ == "__main__":
  run()
