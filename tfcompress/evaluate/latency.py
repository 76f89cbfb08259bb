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
  q = statistics.quantiles(times, n=4) if len(times) > 1 else [times[0]] * 3
  return {"median_ms": statistics.median(times), "iqr_ms": q[2] - q[0], "repeats": repeats}


def keras_latency(model, images, batch_size, repeats=30):
  """Per-call time of a compiled forward pass (tf.function), as a deployed model runs."""
  batch = tf.constant(np.asarray(images[:batch_size], np.float32))
  forward = tf.function(lambda x: model(x, training=False))
  return time_calls(lambda: forward(batch).numpy(), repeats)


def tflite_latency(tflite_model, images, batch_size, repeats=30):
  """Per-call time of `TFLiteModel.run` on one batch (quantization of the input included)."""
  batch = np.asarray(images[:batch_size], np.float32)
  return time_calls(lambda: tflite_model.run(batch), repeats)
