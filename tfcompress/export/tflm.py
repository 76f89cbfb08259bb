"""Run a .tflite model in the real TFLite Micro interpreter, as a microcontroller would.

The `tflite-micro` package builds the same C++ interpreter and reference kernels that
run on an ESP32 or an Arduino, so a model it refuses (dynamic-range "hybrid" models,
float16 weights) would be refused on the board too. It runs in a child process
(`_tflm_worker.py`): TFLM segfaults on some too-small arenas instead of failing.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile

import numpy as np

from tfcompress.errors import InputError
from tfcompress.tflite_file import check_tflite
from tfcompress.tflite_file import TFLiteModel

MAX_ARENA_BYTES = 4 << 20
_MIN_ARENA_BYTES = 1024
_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_tflm_worker.py")


def _one_line(error, stderr):
  """TFLM's first distinct messages, source paths cut to file names, then the error."""
  details = []
  for line in stderr.splitlines():
    line = re.sub(r"\S*/([\w.]+\.cc)", r"\1", line.strip())
    if line and line not in details:
      details.append(line)
  return f"{'; '.join(details[:3])} ({error})" if details else error


def _failure(reason):
  return {"tflm_ok": False, "tflm_reason": reason, "tflm_arena_bytes": None,
          "tflm_agreement": None, "tflm_ms": None}


def _run_worker(content, inputs, max_arena_bytes):
  """(result dict, raw outputs) from the child process, or (failure dict, None)."""
  with tempfile.TemporaryDirectory(prefix="tflm_") as workdir:
    with open(os.path.join(workdir, "model.tflite"), "wb") as f:
      f.write(content)
    np.save(os.path.join(workdir, "inputs.npy"), inputs)
    proc = subprocess.run([sys.executable, _WORKER, workdir, str(max_arena_bytes)],
                          capture_output=True, text=True, check=False)
    if proc.returncode < 0:
      name = signal.Signals(-proc.returncode).name
      return _failure(_one_line(f"TFLM crashed with {name} in a {max_arena_bytes}-byte arena",
                                proc.stderr)), None
    if proc.returncode != 0:
      last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
      return _failure(f"The TFLM worker failed (exit {proc.returncode}): {last}"), None
    with open(os.path.join(workdir, "result.json")) as f:
      result = json.load(f)
    if not result["ok"]:
      return _failure(_one_line(result["error"], proc.stderr)), None
    return result, np.load(os.path.join(workdir, "outputs.npy"))


def _check_images(images, shape):
  images = np.asarray(images, np.float32)
  if images.ndim != len(shape) or images.shape[1:] != tuple(shape[1:]) or not len(images):
    raise InputError(f"`images` must be raw pixels of shape (N, {', '.join(map(str, shape[1:]))}) "
                     f"with N >= 1, as the model expects. Received: shape {images.shape}")
  return images


def tflm_check(content, images, reference_logits=None, max_arena_bytes=MAX_ARENA_BYTES):
  """Runs `images` one at a time through TFLite Micro and compares with a reference.

  The arena is the total that TFLM's recording allocator reports (exact, in its 16-byte
  alignment steps), confirmed by running every image in an arena of exactly that size.
  It is measured on this 64-bit host; a 32-bit MCU needs a little less (smaller pointers).

  Args:
    content: the .tflite bytes.
    images: raw float pixels (N, H, W, C) in [0, 255]; int8 models get them quantized
      with the file's input scale and zero point (`TFLiteModel.quantize_input`).
    reference_logits: (N, classes) logits to agree with; by default LiteRT's.
    max_arena_bytes: the largest tensor arena tried.

  Returns:
    A dict: `tflm_ok`; `tflm_reason` (None, or why TFLM refused, in one line);
    `tflm_arena_bytes`, the smallest tensor arena that works; `tflm_agreement`, the
    fraction of images whose argmax matches the reference; `tflm_ms`, the median
    per-image invoke time on this host. The last three are None when TFLM refuses.

  Raises:
    InputError: `content` is not a .tflite file, `max_arena_bytes` is not an int >=
      1024, or `images` or `reference_logits` do not match the model. A model TFLM
      refuses (or crashes on) is reported in the result, not raised.
    ValueError, RuntimeError: LiteRT cannot read the file (a truncated flatbuffer).

  Example:
    result = tflm_check(open("student_int8.tflite", "rb").read(), x_test)
    result["tflm_ok"], result["tflm_arena_bytes"]  # (True, 23456)
  """
  content = check_tflite(content)
  if (not isinstance(max_arena_bytes, int) or isinstance(max_arena_bytes, bool)
      or max_arena_bytes < _MIN_ARENA_BYTES):
    raise InputError(f"`max_arena_bytes` must be an int >= {_MIN_ARENA_BYTES}, e.g. 4 << 20. "
                     f"Received: max_arena_bytes={max_arena_bytes!r}")
  reference = TFLiteModel(content)
  images = _check_images(images, reference.input["shape"])
  if reference_logits is None:
    reference_logits = reference.predict(images)
  reference_logits = np.asarray(reference_logits)
  if reference_logits.ndim != 2 or len(reference_logits) != len(images):
    raise InputError(f"`reference_logits` must have shape ({len(images)}, classes), one row "
                     f"per image. Received: shape {reference_logits.shape}")

  result, outputs = _run_worker(content, reference.quantize_input(images), max_arena_bytes)
  if outputs is None:
    return result
  outputs = reference.dequantize_output(outputs)
  agreement = np.mean(np.argmax(outputs, axis=1) == np.argmax(reference_logits, axis=1))
  return {"tflm_ok": True, "tflm_reason": None, "tflm_arena_bytes": result["arena_bytes"],
          "tflm_agreement": float(agreement), "tflm_ms": statistics.median(result["ms"])}
