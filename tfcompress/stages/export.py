"""The export stage: what a firmware or app developer drops into their project.

For each .tflite of the quantize stage: a run in the TFLite Micro interpreter (smallest
arena, agreement with LiteRT on the whole test set); the models it accepts (int8,
float32) also get a C array (`.h`/`.cc`) and a fit check on the named boards; every
model gets an Android bundle.
"""
import os

from absl import logging

from tfcompress import artifacts
from tfcompress import export
from tfcompress.errors import InputError


def _quantized(run):
  done = artifacts.read_json(run.path("quantize", "metrics.json"))
  if done is None:
    raise InputError("The export stage needs the quantize stage's .tflite files; add "
                     "`quantize` to `stages`.")
  return [e for e in done["models"] if e["name"] != "reference_float32"]


def export_stage(run):
  """Writes C arrays, TFLite Micro checks, board fits and Android bundles per model."""
  s = run.splits
  entries = []
  for e in _quantized(run):
    with open(os.path.join(run.workdir, e["path"]), "rb") as f:
      content = f.read()
    out_dir = run.path("export", e["name"])
    bundle = export.android_bundle(content, os.path.join(out_dir, "android"), s.class_names,
                                   s.input_shape, name=e["name"])
    result = {"name": e["name"], "stage": "export", "format": "tflite", "seed": run.seed,
              "quantization": e["quantization"], "size_bytes": e["size_bytes"],
              "path": os.path.relpath(out_dir, run.workdir),
              "android_bundle": [os.path.relpath(p, run.workdir) for p in bundle]}
    result.update(export.tflm_check(content, s.x_test))  # Against LiteRT's predictions.
    if result["tflm_ok"]:
      c_files = export.write_c_array(content, os.path.join(out_dir, "c_array"),
                                     f"{e['name']}_model", s.class_names)
      result["c_array"] = [os.path.relpath(p, run.workdir) for p in c_files]
      result["boards"] = {b: export.fits(len(content), result["tflm_arena_bytes"], b)
                          for b in run.config.export.boards}
    logging.info("%s: TFLite Micro %s", e["name"],
                 "ok, arena %s bytes, agreement %.4f" % (result.get("tflm_arena_bytes"),
                                                         result.get("tflm_agreement", 0))
                 if result["tflm_ok"] else f"not deployable: {result.get('tflm_reason')}")
    entries.append(result)
  return entries
