"""Collects each stage's metrics.json into WORKDIR/report.json and report.md."""
import glob
import os
import statistics

from tfcompress import artifacts
from tfcompress.report import tables

STAGE_ORDER = ("student", "distill", "prune", "quantize")
SUMMARY_KEYS = ("accuracy", "precision", "recall", "f1", "auc")


def collect(workdir):
  """All model entries the stages of `workdir` wrote, teacher first, then by seed."""
  entries = []
  paths = sorted(glob.glob(os.path.join(workdir, "teacher", "metrics.json")))
  for seed_dir in sorted(glob.glob(os.path.join(workdir, "seed_*"))):
    paths += [os.path.join(seed_dir, stage, "metrics.json") for stage in STAGE_ORDER
              if os.path.exists(os.path.join(seed_dir, stage, "metrics.json"))]
  for path in paths:
    entries += artifacts.read_json(path)["models"]
  return entries


def summarize(entries):
  """Mean and standard deviation over seeds of each model name's metrics."""
  by_name = {}
  for e in entries:
    by_name.setdefault(e["name"], []).append(e)
  summary = {}
  for name, group in by_name.items():
    row = {"seeds": [e["seed"] for e in group], "stage": group[0]["stage"]}
    for key in SUMMARY_KEYS:
      values = [e[key] for e in group]
      row[key] = {"mean": statistics.fmean(values),
                  "std": statistics.stdev(values) if len(values) > 1 else 0.0,
                  "values": values}
    summary[name] = row
  return summary


def epoch_time_ratio(entries):
  """Median distillation epoch time over median conventional epoch time (same run)."""
  def median_of(name):
    times = [t for e in entries if e["name"] == name for t in e.get("epoch_seconds", [])[1:]]
    return statistics.median(times) if times else None
  student, distilled = median_of("student"), median_of("distilled")
  if not student or not distilled:
    return None
  return {"student_epoch_seconds": student, "distill_epoch_seconds": distilled,
          "ratio": distilled / student}


def write(workdir, config, splits):
  """Writes report.json and report.md for `workdir`; returns the report dict."""
  entries = collect(workdir)
  report = {
      "dataset": {"name": config.data.path or config.data.name,
                  "classes": list(splits.class_names), "input_shape": list(splits.input_shape),
                  "train": len(splits.y_train), "val": len(splits.y_val),
                  "test": len(splits.y_test)},
      "models": entries,
      "summary": summarize(entries),
      "distill_speed": epoch_time_ratio(entries),
  }
  artifacts.write_json(os.path.join(workdir, "report.json"), report)
  artifacts.write_bytes(os.path.join(workdir, "report.md"), tables.markdown(report).encode())
  return report
