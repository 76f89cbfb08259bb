"""Latency of Keras models and .tflite files: median and spread after warm-up."""
import statistics
import time

import numpy as np

from tfcompress._keras import tf


def time_calls(fn, repeats=30, warmup=3):
  """Median and interquartile range of `fn()`'s wall time in milliseconds."""
  for _ in range(warmup):
    fn()
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    fn()
    times.append((time.perf_counter() - start) * 1000.0)
  median, iqr = spread(times)
  return {"median_ms": median, "iqr_ms": iqr, "repeats": repeats}


def spread(times):
  """(median, interquartile range) of a list of timings."""
  q = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
  return statistics.median(times), q[2] - q[0]


def keras_latency(model, images, batch_size, repeats=30):
  """Per-call time of a compiled forward pass (tf.function), as a deployed model runs, and
  the `images` in the batch timed (fewer than `batch_size` when `images` hold fewer)."""
  batch = tf.constant(np.asarray(images[:batch_size], np.float32))
  forward = tf.function(lambda x: model(x, training=False))
  return dict(time_calls(lambda: forward(batch).numpy(), repeats), images=len(batch))


def tflite_latency(tflite_model, images, batch_size, repeats=30):
  """Per-call time of `TFLiteModel.run` on one batch (quantization of the input included),
  and the `images` in the batch timed."""
  batch = np.asarray(images[:batch_size], np.float32)
  return dict(time_calls(lambda: tflite_model.run(batch), repeats), images=len(batch))
