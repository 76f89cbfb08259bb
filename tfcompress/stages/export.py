"""The export stage: what a firmware or app developer drops into their project.

For each .tflite of the quantize, qat and search stages: a run in the TFLite Micro interpreter (smallest
arena, agreement with LiteRT on the whole test set); the models it accepts (int8,
float32) also get a C array (`.h`/`.cc`) and a fit check on the named boards; every
model gets an Android bundle. `README.md` in the stage's folder says which variant to use
on a phone and which on a microcontroller (`export.choose`, on validation).
"""
import os

from absl import logging

from tfcompress import artifacts
from tfcompress import export
from tfcompress import layout
from tfcompress.data import checks as data_checks
from tfcompress.export import choose
from tfcompress.export.model_info import int4_tensors
from tfcompress.errors import config_keys
from tfcompress.stages import graph


def export_stage(run):
  """Writes C arrays, TFLite Micro checks, board fits and Android bundles per model."""
  s = run.splits
  products = []
  for source, o, m in [(name, o, m) for name in run.sources for o, m in run.outputs(name)]:
    if o["kind"] != "tflite" or o["role"] != "candidate":
      continue
    with open(layout.absolute(run.workdir, o["path"]), "rb") as f:
      content = f.read()
    out_dir = run.out(o["name"])
    bundle = export.android_bundle(content, f"{out_dir}/android", s.class_names,
                                   s.input_shape, name=o["name"], reading=s.reading)
    result = {"size_bytes": m["size_bytes"],
              "android_bundle": [layout.relative(run.workdir, p) for p in bundle],
              "val_balanced_accuracy": (m.get("val") or {}).get("balanced_accuracy"),
              "accuracy": m.get("accuracy"), "collapsed": m.get("collapsed"),
              "int4_tensors": int4_tensors(content)}
    result.update(export.tflm_check(content, s.x_test))  # Against LiteRT's predictions.
    if result["tflm_ok"]:
      c_files = export.write_c_array(content, f"{out_dir}/c_array", f"{o['name']}_model",
                                     s.class_names, arena_bytes=result["tflm_arena_bytes"],
                                     reading=s.reading)
      result["c_array"] = [layout.relative(run.workdir, p) for p in c_files]
      result["boards"] = {b: export.fits(len(content), result["tflm_arena_bytes"], b)
                          for b in run.config.export.boards}
    logging.info("%s: TFLite Micro %s", o["name"],
                 "ok, arena %s bytes, agreement %.4f" % (result.get("tflm_arena_bytes"),
                                                         result.get("tflm_agreement", 0))
                 if result["tflm_ok"] else f"not deployable: {result.get('tflm_reason')}")
    output = run.output(o["name"], "deployment", out_dir, role="deployment",
                        quantization=o["quantization"], source=o["name"])
    output.source_stage = source
    products.append(graph.Product(output, result))
  _recommend(run, products)
  return products


def _recommend(run, products):
  """Marks each product's `recommended_for` and writes the folder's README.md."""
  rows = [dict(p.metrics, name=p.output.name) for p in products]
  tolerance = run.config.export.tolerance
  picks = choose.recommend(rows, tolerance)
  folder = run.out()
  for p, row in zip(products, rows):
    p.metrics["recommended_for"] = [t for t in choose.TARGETS
                                    if (picks[t] or {}).get("name") == row["name"]]
    row["files"] = [os.path.relpath(os.path.dirname(layout.absolute(run.workdir, f[0])), folder)
                    + "/" for f in (p.metrics["android_bundle"], p.metrics.get("c_array")) if f]
  for target, pick in picks.items():
    logging.info("export: for a %s use %s.", target, pick["name"] if pick else "none")
  weight = data_checks.image_weight(run.splits.y_val, run.splits.num_classes)
  text = choose.readme(rows, picks, tolerance, run.folder_seed("export"), weight,
                       run.splits.reading)
  artifacts.write_bytes(run.out("README.md"), text.encode())


def _check(config, splits):
  del splits
  with config_keys(boards="export.boards"):
    export.check_boards(config.export.boards)


graph.register(graph.Stage(
    name="export", run=export_stage, inputs=("quantize", "qat", "search"), gather=True, check=_check,
    curves=False, reads=("quantize",),  # Its files are what quantize.* made: redone with them.
    doc="C arrays, TFLite Micro check, board budgets and Android bundles of each .tflite",
    trains=False))
