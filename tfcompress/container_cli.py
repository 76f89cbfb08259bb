r"""tfcompress-container: stores a .tflite in the Deep Compression container, and back.

  tfcompress-container encode model_int8.tflite model_int8.dctf
  tfcompress-container decode model_int8.dctf model_int8.tflite

`decode` gives back the original .tflite byte for byte (the pipeline's `quantize` stage
writes a .dctf beside every .tflite). Both write atomically.
"""
import os
import sys

from absl import app

_USAGE = "usage: tfcompress-container encode|decode INPUT OUTPUT"


def _fail(message):
  print(f"tfcompress-container: error: {message}", file=sys.stderr)
  sys.exit(2)


def main(argv):
  if len(argv) != 4 or argv[1] not in ("encode", "decode"):
    _fail(f"{_USAGE}. Received: {' '.join(argv[1:]) or '(nothing)'}")
  command, source, target = argv[1:]
  if not os.path.isfile(source):
    _fail(f"input file not found: {source!r}")
  from tfcompress import artifacts  # pylint: disable=g-import-not-at-top  (imports TensorFlow)
  from tfcompress import quantize  # pylint: disable=g-import-not-at-top
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  try:
    if command == "encode":
      with open(source, "rb") as f:
        parts = quantize.write_container(f.read(), target)
      print(f"{target}: {parts['total']:,} bytes (" + ", ".join(
          f"{k} {v:,}" for k, v in parts.items() if k != "total") + ")")
    else:
      content = quantize.read_container(source)
      artifacts.write_bytes(target, content)
      print(f"{target}: {len(content):,} bytes")
  except InputError as e:
    _fail(str(e))


def run():
  """Console-script entry point."""
  app.run(main)


if __name__ == "__main__":
  run()
