"""What a device sees of several .tflite files, measured side by side in one run.

Latency on a shared machine drifts from minute to minute, so two models are never timed
one after the other: every round times each model once, in turn, and the figures are
medians over rounds. Ratios between models are what to quote.

Example:
  rows = compare({"before": before_bytes, "after": after_bytes}, x_test, y_test)
  rows["after"]["litert_speedup"]  # how many times faster than "before"
"""
import statistics
import time

import numpy as np

from tfcompress.evaluate.latency import spread
from tfcompress.export.tflm import tflm_check
from tfcompress.tflite_file import TFLiteModel
from sklearn.metrics import accuracy_score


def compare(files, images, labels, repeats=200, tflm_rounds=3, tflm_images=100):
  """Bytes, accuracy, TFLite Micro arena and LiteRT / TFLite Micro latency of each file.

  LiteRT runs batch 1 on one thread, with its default XNNPACK delegate ("litert") and with
  the built-in kernels alone ("litert_builtin"); each of `repeats` rounds invokes every
  model once, in turn, and times `invoke()` alone (the input is already set, as on a
  device). On inputs as small as 28x28, XNNPACK's fixed cost per invoke can hide the
  difference in work; the built-in kernels and TFLite Micro show it. TFLite Micro runs
  `tflm_images` images per model in `tflm_rounds` alternating rounds (its host time: the
  reference kernels on this CPU, not an MCU's cycles).

  Args:
    files: {name: .tflite bytes}; the first is the baseline of the ratios.
    images: raw test images (N, H, W, C).
    labels: their labels (N,).
    repeats: LiteRT timing rounds.
    tflm_rounds: TFLite Micro rounds.
    tflm_images: images per TFLite Micro round.

  Returns:
    {name: {"bytes", "accuracy", "tflm_ok", "tflm_reason", "tflm_arena_bytes",
    "tflm_agreement", "litert_ms", "litert_iqr_ms", "litert_builtin_ms",
    "litert_builtin_iqr_ms", "tflm_ms", and against the first file: "bytes_ratio",
    "arena_ratio", "litert_speedup", "litert_builtin_speedup", "tflm_speedup"}}.

  Example:
    compare({"int8": a, "slim_int8": b}, x_test, y_test)["slim_int8"]["arena_ratio"]
  """
  names = list(files)
  runners = {(n, k): TFLiteModel(files[n], num_threads=1, default_delegates=k == "litert")
             for n in names for k in ("litert", "litert_builtin")}
  rows = {}
  for n in names:
    logits = runners[n, "litert"].predict(images)
    rows[n] = {"bytes": len(files[n]),
               "accuracy": float(accuracy_score(labels, np.argmax(logits, -1)))}
  batch = np.asarray(images[:1], np.float32)
  keys = list(runners)
  times = {k: [] for k in keys}
  for k in keys:  # Input set once, and a warm-up run.
    runners[k].run(batch)
  for r in range(repeats):
    for k in keys[r % len(keys):] + keys[:r % len(keys)]:
      invoke = runners[k].interpreter.invoke
      start = time.perf_counter()
      invoke()
      times[k].append((time.perf_counter() - start) * 1000.0)
  tflm_times = {n: [] for n in names}
  few = images[:tflm_images]
  for r in range(tflm_rounds):
    for n in names[r % len(names):] + names[:r % len(names)]:
      result = tflm_check(files[n], few)
      tflm_times[n].append(result["tflm_ms"])
      rows[n].update({k: result[k] for k in ("tflm_ok", "tflm_reason", "tflm_arena_bytes",
                                             "tflm_agreement")})
  for (n, k), ms in times.items():
    rows[n][f"{k}_ms"], rows[n][f"{k}_iqr_ms"] = spread(ms)
  for n in names:
    ok = [t for t in tflm_times[n] if t is not None]
    rows[n]["tflm_ms"] = statistics.median(ok) if ok else None
  base = rows[names[0]]
  for n in names:
    row = rows[n]
    row["bytes_ratio"] = base["bytes"] / row["bytes"]
    row["arena_ratio"] = _ratio(row["tflm_arena_bytes"], base["tflm_arena_bytes"])
    row["litert_speedup"] = base["litert_ms"] / row["litert_ms"]
    row["litert_builtin_speedup"] = base["litert_builtin_ms"] / row["litert_builtin_ms"]
    row["tflm_speedup"] = _ratio(base["tflm_ms"], row["tflm_ms"])
  return rows


def _ratio(a, b):
  return a / b if a and b else None
