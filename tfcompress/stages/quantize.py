"""The quantize stage: the final student as .tflite in every mode, scored by the interpreter."""
from absl import logging

from tfcompress import artifacts
from tfcompress import layout
from tfcompress import quantize
from tfcompress.evaluate import energy
from tfcompress.evaluate import latency as latency_lib
from tfcompress.evaluate import tflite
from tfcompress.evaluate.metrics import classification_metrics
from tfcompress.prune import sparsity_summary
from tfcompress.quantize import layer_error
from tfcompress.stages import context
from tfcompress.stages import graph


_ERROR_IMAGES = 64  # Validation images the per-layer quantization error is measured on.


def tflite_product(run, content, name, mode, path, reference_bytes, keras_model,
                    role="candidate", source=None):
  s = run.splits
  model = tflite.TFLiteModel(content)
  logits = model.predict(s.x_test)
  metrics = classification_metrics(s.y_test, logits)
  metrics.update(tflite.file_sizes(content))
  metrics.update(context.health_fields(s.y_val, model.predict(s.x_val)),
                 predictions=run.save_predictions(run.out(), name, logits))
  latency = latency_lib.tflite_latency(model, s.x_test, 1, run.config.quantize.latency_repeats)
  metrics.update(latency_ms=latency["median_ms"], latency_iqr_ms=latency["iqr_ms"],
                 compression_ratio=reference_bytes / len(content),
                 cost=energy.inference_cost(keras_model, mode),
                 tflite_weight_sparsity=tflite.weight_sparsity(content),
                 tflite_distinct_values=tflite.weight_distinct_values(content))
  logging.info("%s: test accuracy %.4f, %d bytes (%.2fx), %.3f ms/image", name,
               metrics["accuracy"], len(content), metrics["compression_ratio"],
               metrics["latency_ms"])
  return graph.Product(run.output(name, "tflite", path, role, mode, source), metrics)


def compressed_files(run, model, mode, calibration, content, name, sparsity, gzip_bytes,
                     per_channel=None):
  """Deep Compression's files for one model: the container, and a sparse-format .tflite.

  The sparse file is converted as `content` was: `per_channel` (None: the config's
  `quantize.per_channel`).

  The container is decoded again and checked byte for byte. The EXPERIMENTAL_SPARSITY
  file is kept only where it is smaller than the dense one; it runs in the interpreter
  without default delegates and is scored on the test set.
  """
  s = run.splits
  container, parts = quantize.encode_tflite(content)
  if quantize.decode_tflite(container) != content:
    raise AssertionError(f"Container of {name} did not decode to the same .tflite.")
  path = artifacts.write_bytes(run.out(f"{name}.dctf"), container)
  result = {"container_bytes": len(container), "container_parts": parts,
            "container_path": _rel(run, path)}
  if (sparsity >= run.config.quantize.sparse_format_min_sparsity
      and mode not in quantize.INT4_MODES):  # The LiteRT quantizer writes no sparse format.
    sparse = quantize.convert(model, mode, calibration, sparse=True,
                              per_channel=(run.config.quantize.per_channel
                                           if per_channel is None else per_channel))
    result["sparse_tflite_bytes"] = len(sparse)
    if len(sparse) < len(content):
      sparse_path = artifacts.write_bytes(run.out(f"{name}_sparse.tflite"), sparse)
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


def reference(run):
  """(name, model) of the uncompressed model compression ratios divide: the conventional
  student when the `student` stage is configured or finished (`uses`), else the input
  model."""
  if "student" in run.needs and run.source != "student":
    output = next(o for o, _ in run.outputs("student") if o["kind"] == "keras")
  else:
    output = run.input()[0]
  return output["name"], artifacts.load_model(layout.absolute(run.workdir, output["path"]))


def quantize_stage(run):
  """Converts the input model (`quantize.source`) in every mode.

  The float32 .tflite of the uncompressed conventional student is the reference that
  every `compression_ratio` divides.
  """
  c = run.config.quantize
  model = artifacts.load_model(run.input_path())
  source_name = run.input()[0]["name"]
  summary = sparsity_summary(model)
  reference_name, reference_model = reference(run)
  reference_file = quantize.convert(reference_model, "float32")
  products = []
  if "float32" in c.modes:
    ref_path = artifacts.write_bytes(run.out("reference_float32.tflite"), reference_file)
    products.append(tflite_product(run, reference_file, "reference_float32", "float32", ref_path,
                                    len(reference_file), reference_model, role="reference",
                                    source=reference_name))
  calibration = run.train_images(c.calibration_images)
  for mode in c.modes:
    content = quantize.convert(model, mode, calibration, per_channel=c.per_channel)
    name = f"{source_name}_{mode}"
    out = artifacts.write_bytes(run.out(f"{name}.tflite"), content)
    product = tflite_product(run, content, name, mode, out, len(reference_file), model)
    metrics = product.metrics
    metrics.update(sparsity=summary["sparsity"], nonzero_params=summary["nonzero_params"],
                   params=int(model.count_params()))
    metrics.update(compressed_files(run, model, mode, calibration, content, name,
                                     summary["sparsity"], metrics["gzip_bytes"]))
    metrics["smallest_ratio"] = len(reference_file) / metrics["smallest_bytes"]
    products.append(product)
    if mode in ("int8", "int16x8"):
      errors = layer_error.layer_errors(content, model, run.splits.x_val[:_ERROR_IMAGES])
      metrics["layer_errors"] = errors
      if mode == "int8" and c.float_layers:
        products.append(_selective(run, model, calibration, errors, name, reference_file))
  return products


def _selective(run, model, calibration, errors, name, reference_file):
  """The int8 file with the `quantize.float_layers` layers that add the most error in float."""
  worst = errors[:run.config.quantize.float_layers]
  content = layer_error.selective_int8(model, calibration, [r["tensor"] for r in worst])
  out = artifacts.write_bytes(run.out(f"{name}_selective.tflite"), content)
  product = tflite_product(run, content, f"{name}_selective", "int8", out,
                           len(reference_file), model)
  product.output.quantization = "int8_selective"
  product.metrics["float_layers"] = [r["layer"] for r in worst]
  return product


def _rel(run, path):
  return layout.relative(run.workdir, path)


graph.register(graph.Stage(
    name="quantize", run=quantize_stage, inputs=("student", "distill", "channels", "prune", "cluster"),
    source="quantize.source", uses=("student",), curves=False,
    doc="TFLite conversion in every mode of quantize.modes, scored in LiteRT",
    trains=False))
