"""Collects each stage's metrics.json into WORKDIR/report.json, report.md and plots."""
import glob
import os
import statistics

import numpy as np

from tfcompress import artifacts
from tfcompress.evaluate.metrics import higher_is_better
from tfcompress.report import plots
from tfcompress.report import stats
from tfcompress.report import tables

STAGE_ORDER = ("student", "distill", "prune", "cluster", "quantize")  # Seeded, with models.
SEED_STAGES = STAGE_ORDER + ("export",)
SUMMARY_KEYS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "auc",
                "size_bytes", "gzip_bytes",
                "compression_ratio", "latency_ms", "sparsity", "nonzero_params", "params")


def _seed_dirs(workdir, seeds):
  """(seed, folder) of the given seeds, or of every seed_N folder when `seeds` is None."""
  if seeds is None:
    found = (os.path.basename(d).split("_", 1)[1]
             for d in glob.glob(os.path.join(workdir, "seed_*")))
    seeds = sorted(int(s) for s in found if s.isdigit())
  return [(s, os.path.join(workdir, f"seed_{s}")) for s in seeds]


def _finished(workdir, seeds, stages):
  """(stage, seed, metrics.json contents) of each finished stage of `stages`: the
  teacher's (seed None) first, then each seed's in order."""
  files = [("teacher", None, os.path.join(workdir, "teacher", "metrics.json"))
           ] if "teacher" in stages else []
  for seed, seed_dir in _seed_dirs(workdir, seeds):
    files += [(stage, seed, os.path.join(seed_dir, stage, "metrics.json"))
              for stage in stages if stage != "teacher"]
  for stage, seed, path in files:
    done = artifacts.read_json(path)
    if done is not None:
      yield stage, seed, done


def collect(workdir, seeds=None):
  """Model entries of `workdir`: teacher first, then each seed's (all seeds if None)."""
  return [m for _, _, done in _finished(workdir, seeds, ("teacher",) + STAGE_ORDER)
          for m in done["models"]]


def stage_times(workdir, seeds=None):
  """Wall-clock seconds of every finished stage, as its metrics.json recorded them."""
  return [{"stage": stage, "seed": seed, "seconds": done["seconds"]}
          for stage, seed, done in _finished(workdir, seeds, ("teacher",) + SEED_STAGES)
          if "seconds" in done]


def deployment(workdir, seeds=None):
  """The export stage's results (TFLite Micro, boards, bundles) of each seed."""
  return [m for _, _, done in _finished(workdir, seeds, ("export",)) for m in done["models"]]


def summarize(entries):
  """Per model name: mean, standard deviation and per-seed values of each figure."""
  by_name = {}
  for e in entries:
    by_name.setdefault(e["name"], []).append(e)
  summary = {}
  for name, group in by_name.items():
    row = {"seeds": [e["seed"] for e in group], "stage": group[0]["stage"],
           "format": group[0]["format"], "quantization": group[0].get("quantization")}
    for key in SUMMARY_KEYS:
      values = [e[key] for e in group if e.get(key) is not None]
      if len(values) == len(group):
        row[key] = stats.describe(values)
    for key in ("balanced_accuracy", "auc", "accuracy", "loss"):
      values = [e["val"][key] for e in group if e.get("val", {}).get(key) is not None]
      if values and len(values) == len(group):
        row[f"val_{key}"] = stats.describe(values)
    row["collapsed_seeds"] = [e["seed"] for e in group if e.get("collapsed")]
    row["kept_epochs"] = [f"{e['selection']['best_epoch']}/{e['selection']['epochs_run']}"
                          for e in group if (e.get("selection") or {}).get("best_epoch")]
    row["sources"] = sorted({e["source"] for e in group if e.get("source")})
    summary[name] = row
  return summary


def epoch_time_ratio(entries):
  """Median distillation epoch time over median conventional epoch time, in one run.

  The first epoch of each (tracing, cache filling) is left out when there are more.
  """
  def median_of(name):
    times = [t for e in entries if e["name"] == name
             for t in e.get("epoch_seconds", [])[1:] or e.get("epoch_seconds", [])]
    return statistics.median(times) if times else None
  student, distilled = median_of("student"), median_of("distilled")
  if not student or not distilled:
    return None
  return {"student_epoch_seconds": student, "distill_epoch_seconds": distilled,
          "ratio": distilled / student}


def speedup(benchmark):
  """Teacher ensemble time per image over the int8 student's, batch 1 and 32, same run."""
  rows = {r["name"]: r for r in benchmark["models"]}
  int8 = [r for r in benchmark["models"] if r["name"].endswith("_int8")]
  if "teacher" not in rows or not int8:
    return None
  ratios = {}
  for key in ("batch1", "batch32"):
    if key in rows["teacher"] and key in int8[0]:
      ratios[key] = rows["teacher"][key]["median_ms"] / int8[0][key]["median_ms"]
  return dict(ratios, student=int8[0]["name"])


def teacher_check(summary, monitor):
  """Whether the teacher ensemble beats the conventional student on validation."""
  teacher = summary.get("teacher", {}).get(monitor)
  student = summary.get("student", {}).get(monitor)
  if not teacher or not student:
    return None
  sign = 1 if higher_is_better(monitor) else -1
  return {"monitor": monitor, "teacher": teacher["mean"], "student": student["mean"],
          "teacher_better": sign * teacher["mean"] > sign * student["mean"]}


def write(workdir, config, splits, seeds=None):
  """Writes report.json, report.md and the PNG plots for `workdir`; returns the report."""
  entries = collect(workdir, seeds)
  report = {
      "dataset": {"name": config.data.path or config.data.name,
                  "classes": list(splits.class_names), "input_shape": list(splits.input_shape),
                  "train": len(splits.y_train), "val": len(splits.y_val),
                  "test": len(splits.y_test)},
      "student_model": config.student.model,
      "models": entries,
      "summary": summarize(entries),
      "collapsed": [{"name": e["name"], "stage": e["stage"], "seed": e["seed"],
                     "reason": e["collapsed"]} for e in entries if e.get("collapsed")],
      "paired_tests": stats.paired_tests(
          entries, splits.y_test, lambda e: np.load(os.path.join(workdir, e["predictions"]))),
      "distill_speed": epoch_time_ratio(entries),
      "deployment": deployment(workdir, seeds),
      "stage_seconds": stage_times(workdir, seeds),
      "benchmark": artifacts.read_json(os.path.join(workdir, "benchmark.json")),
  }
  report["teacher_vs_student"] = teacher_check(report["summary"], config.train.monitor)
  if report["benchmark"]:
    report["benchmark"]["teacher_to_int8_student"] = speedup(report["benchmark"])
  report["plots"] = plots.write_all(report, workdir)
  artifacts.write_json(os.path.join(workdir, "report.json"), report)
  artifacts.write_bytes(os.path.join(workdir, "report.md"), tables.markdown(report).encode())
  return report
