"""The quantize stage: the final student as .tflite in every mode, scored by the interpreter."""
import os

from absl import logging

from tfcompress import artifacts
from tfcompress import quantize
from tfcompress.evaluate import energy
from tfcompress.evaluate import latency as latency_lib
from tfcompress.evaluate import tflite
from tfcompress.evaluate.metrics import classification_metrics
from tfcompress.prune import sparsity_summary
from tfcompress.stages import context


def _tflite_entry(run, content, name, mode, path, reference_bytes, keras_model):
  s = run.splits
  model = tflite.TFLiteModel(content)
  logits = model.predict(s.x_test)
  metrics = classification_metrics(s.y_test, logits)
  metrics.update(tflite.file_sizes(content))
  metrics.update(context.health_fields(s.y_val, model.predict(s.x_val)),
                 predictions=context.save_predictions(run, run.path("quantize"), name, logits))
  latency = latency_lib.tflite_latency(model, s.x_test, 1, run.config.quantize.latency_repeats)
  metrics.update(name=name, stage="quantize", format="tflite", quantization=mode,
                 path=path, seed=run.seed, latency_ms=latency["median_ms"],
                 latency_iqr_ms=latency["iqr_ms"],
                 compression_ratio=reference_bytes / len(content),
                 cost=energy.inference_cost(keras_model, mode),
                 tflite_weight_sparsity=tflite.weight_sparsity(content))
  logging.info("%s: test accuracy %.4f, %d bytes (%.2fx), %.3f ms/image", name,
               metrics["accuracy"], len(content), metrics["compression_ratio"],
               metrics["latency_ms"])
  return metrics


def _compressed_files(run, model, mode, calibration, content, name, sparsity, gzip_bytes):
  """Deep Compression's files for one model: the container, and a sparse-format .tflite.

  The container is decoded again and checked byte for byte. The EXPERIMENTAL_SPARSITY
  file is kept only where it is smaller than the dense one; it runs in the interpreter
  without default delegates and is scored on the test set.
  """
  s = run.splits
  container, parts = quantize.encode_tflite(content)
  if quantize.decode_tflite(container) != content:
    raise AssertionError(f"Container of {name} did not decode to the same .tflite.")
  path = artifacts.write_bytes(run.path("quantize", f"{name}.dctf"), container)
  result = {"container_bytes": len(container), "container_parts": parts,
            "container_path": _rel(run, path)}
  if sparsity >= run.config.quantize.sparse_format_min_sparsity:
    sparse = quantize.convert(model, mode, calibration, sparse=True,
                              per_channel=run.config.quantize.per_channel)
    result["sparse_tflite_bytes"] = len(sparse)
    if len(sparse) < len(content):
      sparse_path = artifacts.write_bytes(run.path("quantize", f"{name}_sparse.tflite"), sparse)
      runner = tflite.TFLiteModel(sparse, default_delegates=False)
      result.update(sparse_tflite_path=_rel(run, sparse_path),
                    sparse_tflite_accuracy=classification_metrics(
                        s.y_test, runner.predict(s.x_test))["accuracy"])
  candidates = {"tflite": len(content), "gzip": gzip_bytes, "container": len(container)}
  if "sparse_tflite_path" in result:
    candidates["sparse_tflite"] = len(sparse)
  result["smallest_kind"] = min(candidates, key=candidates.get)
  result["smallest_bytes"] = candidates[result["smallest_kind"]]
  return result


def quantize_stage(run):
  """Converts the last model (clustered, else pruned, else the compression source) in
  every mode.

  The float32 .tflite of the uncompressed conventional student is the reference that
  every `compression_ratio` divides.
  """
  c = run.config.quantize
  source, path = context.compressed_model(run, "cluster", "prune")
  model = artifacts.load_model(path)
  source_name = run.model_name(source)
  summary = sparsity_summary(model)
  _, student_path = context.compressed_model(run, "student", source)
  reference_model = artifacts.load_model(student_path)
  reference = quantize.convert(reference_model, "float32")
  entries = []
  if "float32" in c.modes:
    ref_path = artifacts.write_bytes(run.path("quantize", "reference_float32.tflite"), reference)
    entries.append(_tflite_entry(run, reference, "reference_float32", "float32",
                                 _rel(run, ref_path), len(reference), reference_model))
  calibration = run.train_images(c.calibration_images)
  for mode in c.modes:
    content = quantize.convert(model, mode, calibration, per_channel=c.per_channel)
    name = f"{source_name}_{mode}"
    out = artifacts.write_bytes(run.path("quantize", f"{name}.tflite"), content)
    entry = _tflite_entry(run, content, name, mode, _rel(run, out), len(reference), model)
    entry.update(sparsity=summary["sparsity"], nonzero_params=summary["nonzero_params"],
                 params=int(model.count_params()), source=source_name)
    entry.update(_compressed_files(run, model, mode, calibration, content, name,
                                   summary["sparsity"], entry["gzip_bytes"]))
    entry["smallest_ratio"] = len(reference) / entry["smallest_bytes"]
    entries.append(entry)
  return entries


def _rel(run, path):
  return os.path.relpath(path, run.workdir)
