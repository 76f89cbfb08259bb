r"""The tfcompress binary: flags -> config -> pipeline.run.

  tfcompress --config=configs/pneumonia.py --workdir=runs/pneumonia
  tfcompress --config=configs/pneumonia.py:smoke --workdir=/tmp/smoke \
      --config.distill.temperature=8
  tfcompress --config=runs/pneumonia/config.json --workdir=runs/again
"""
import os
import sys

from absl import app
from absl import flags
from absl import logging
from ml_collections import config_flags

_CONFIG = config_flags.DEFINE_config_file(
    "config", None, "A config file (configs/x.py, configs/x.py:smoke) or a run's config.json.",
    lock_config=True)
_WORKDIR = flags.DEFINE_string("workdir", None, "Where artifacts and reports are written.")
_JSON_LOADER = os.path.join(os.path.dirname(__file__), "json_config.py")


def _fail(message):
  print(f"tfcompress: error: {message}", file=sys.stderr)
  sys.exit(2)


def _message(error):
  text = str(error.args[0] if len(error.args) == 1 else error).strip("'\"")
  return " ".join(text.replace("\\n", " ").replace("\\'", "'").split())


def parse_flags(argv):
  """absl flag parsing with a `.json` config allowed and errors kept to one line."""
  argv = [f"--config={_JSON_LOADER}:{a.split('=', 1)[1]}"
          if a.startswith("--config=") and a.endswith(".json") else a for a in argv]
  try:
    return flags.FLAGS(argv)
  except flags.Error as e:
    _fail(f"{e}. See --helpfull.")
  except Exception as e:  # pylint: disable=broad-except  (a config file failed to load)
    _fail(f"bad config: {type(e).__name__}: {_message(e)}")


def main(argv):
  if len(argv) > 1:
    _fail(f"unexpected arguments {argv[1:]}; use --config and --workdir.")
  if _WORKDIR.value is None or "config" not in flags.FLAGS or _CONFIG.value is None:
    _fail("--config and --workdir are required, e.g. "
          "tfcompress --config=configs/pneumonia.py --workdir=runs/pneumonia")
  from tfcompress import pipeline  # pylint: disable=g-import-not-at-top  (imports TensorFlow)
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  try:
    config = _CONFIG.value
    config.to_dict()
  except Exception as e:  # pylint: disable=broad-except  (config_flags defers load errors)
    _fail(f"bad config {flags.FLAGS['config'].config_filename!r}: {_message(e)}")
  try:
    pipeline.run(config, _WORKDIR.value)
  except InputError as e:
    _fail(str(e))
  logging.info("Report: %s", os.path.join(_WORKDIR.value, "report.md"))


def run():
  """Console-script entry point."""
  app.run(main, flags_parser=parse_flags)


if __name__ == "__main__":
  run()
