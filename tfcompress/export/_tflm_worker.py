"""Runs in a child process for `tflm_check`: TFLM crashes (segfaults) on some arena sizes
that are too small, and must not take the caller down with it.

Usage: python _tflm_worker.py WORKDIR MAX_ARENA_BYTES
WORKDIR holds model.tflite and inputs.npy (N images, already quantized); this writes
outputs.npy and result.json there. TFLM's own messages go to stderr.
Imports only numpy and tflite_micro, so it starts in a fraction of a second.
"""
import contextlib
import json
import os
import re
import sys
import tempfile
import time

import numpy as np
from tflite_micro import runtime

_ARENA_TOTAL = re.compile(r"Arena allocation total (\d+) bytes")


@contextlib.contextmanager
def _capture_stderr(lines):
  """Appends what native code writes to file descriptor 2 to `lines`."""
  sys.stderr.flush()
  saved = os.dup(2)
  with tempfile.TemporaryFile() as f:
    os.dup2(f.fileno(), 2)
    try:
      yield
    finally:
      os.dup2(saved, 2)
      os.close(saved)
      f.seek(0)
      lines.extend(f.read().decode(errors="replace").splitlines())


def _load(content, arena_size):
  try:
    return runtime.Interpreter.from_bytes(content, arena_size=arena_size), None
  except RuntimeError as e:
    return None, f"{e} in a {arena_size}-byte arena"


def _arena_used(interpreter):
  """The recording allocator's total; it prints it, so read it back from stderr."""
  lines = []
  with _capture_stderr(lines):
    interpreter.print_allocations()
  match = _ARENA_TOTAL.search("\n".join(lines))
  if not match:
    raise RuntimeError(f"TFLM printed no arena total: {lines[:3]}")
  return int(match.group(1))


def _smallest_arena(content, interpreter, max_arena_bytes):
  """The recorded total, confirmed by loading the model into exactly that much."""
  size, extra = _arena_used(interpreter), 1024
  while size < max_arena_bytes:
    smallest, _ = _load(content, size)
    if smallest is not None:
      return smallest, size
    size, extra = size + extra, extra * 2
  return interpreter, max_arena_bytes


def run(workdir, max_arena_bytes):
  with open(os.path.join(workdir, "model.tflite"), "rb") as f:
    content = f.read()
  inputs = np.load(os.path.join(workdir, "inputs.npy"))
  interpreter, error = _load(content, max_arena_bytes)
  if interpreter is None:
    return {"ok": False, "error": error}
  try:
    interpreter.set_input(inputs[:1], 0)
    interpreter.invoke()
    interpreter, arena = _smallest_arena(content, interpreter, max_arena_bytes)
    outputs, times = [], []
    for i in range(len(inputs)):
      interpreter.set_input(inputs[i:i + 1], 0)
      start = time.perf_counter()
      interpreter.invoke()
      times.append((time.perf_counter() - start) * 1000.0)
      outputs.append(interpreter.get_output(0).reshape(-1))
  except (RuntimeError, ValueError) as e:
    return {"ok": False, "error": str(e)}
  np.save(os.path.join(workdir, "outputs.npy"), np.stack(outputs))
  return {"ok": True, "arena_bytes": arena, "ms": times}


if __name__ == "__main__":
  result = run(sys.argv[1], int(sys.argv[2]))
  with open(os.path.join(sys.argv[1], "result.json"), "w") as f:
    json.dump(result, f)
