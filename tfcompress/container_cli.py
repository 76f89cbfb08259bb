r"""tfcompress-container: stores a .tflite in the Deep Compression container, and back.

  tfcompress-container encode model_int8.tflite model_int8.dctf
  tfcompress-container decode model_int8.dctf model_int8.tflite

`decode` gives back the original .tflite byte for byte (the pipeline's `quantize` stage
writes a .dctf beside every .tflite). Both write atomically.
"""
import glob
import os
import sys

from absl import app

from tfcompress import failures
from tfcompress.errors import InputError

_USAGE = "usage: tfcompress-container encode|decode INPUT OUTPUT"


def _fail(message):
  failures.fail("tfcompress-container", message)


def main(argv):
  if len(argv) != 4 or argv[1] not in ("encode", "decode"):
    _fail(f"{_USAGE}. Received: {' '.join(argv[1:]) or '(nothing)'}")
  command, source, target = argv[1:]
  if not os.path.isfile(source):
    _fail(f"input file not found: {source!r}")
  if os.path.isdir(target):
    _fail(f"output {target!r} is a directory; give the file to write, e.g. {target}/model.tflite")
  if os.path.exists(target) and os.path.samefile(source, target):
    _fail(f"output {target!r} is the input file; give another output name (the input would be "
          "overwritten).")
  try:
    with failures.guard("tfcompress-container"):
      _convert(command, source, target)
  finally:  # A failed write leaves no temporary file beside the output.
    for path in glob.glob(f"{glob.escape(target)}.tmp{os.getpid()}*"):
      os.remove(path)


def _convert(command, source, target):
  """Encodes or decodes `source` into `target` (written atomically)."""
  from tfcompress import artifacts  # pylint: disable=g-import-not-at-top  (imports TensorFlow)
  from tfcompress import quantize  # pylint: disable=g-import-not-at-top
  if command == "encode":
    with open(source, "rb") as f:
      parts = quantize.write_container(f.read(), target)
    print(f"{target}: {parts['total']:,} bytes (" + ", ".join(
        f"{k} {v:,}" for k, v in parts.items() if k != "total") + ")")
  else:
    try:
      content = quantize.read_container(source)
    except InputError as e:
      raise InputError(f"{source!r}: {e}") from None
    artifacts.write_bytes(target, content)
    print(f"{target}: {len(content):,} bytes")


def run():
  """Console-script entry point."""
  # The console script's wrapper has no docstring: --help would show absl's usage line.
  entry = sys.modules.get("__main__")
  if entry is not None and not entry.__doc__:
    entry.__doc__ = __doc__
  with failures.guard("tfcompress-container"):  # Ctrl-C at any point: one line.
    app.run(main)


if __name__ == "__main__":
  run()
