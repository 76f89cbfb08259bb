"""Collects each stage's metrics.json into WORKDIR/report.json, report.md and plots.

The caller passes the stages (`stages.graph.Stage`s, in run order) and each model comes
from its stage's typed outputs: a new stage's models reach the report without a change
here.
"""
import statistics

import numpy as np

from tfcompress import artifacts
from tfcompress import layout
from tfcompress.data import checks
from tfcompress.data import pipelines
from tfcompress.evaluate.metrics import higher_is_better
from tfcompress.report import plots
from tfcompress.report import stats
from tfcompress.report import tables

MODEL_KINDS = ("keras", "tflite")  # Outputs that are models; "deployment" rows go apart.
SUMMARY_KEYS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "auc",
                "size_bytes", "gzip_bytes",
                "compression_ratio", "latency_ms", "sparsity", "nonzero_params", "params")


def _finished(workdir, seeds, stages):
  """(stage, seed, metrics.json contents) of each finished stage of `stages`: those that
  run once (seed None) first, then each seed's in order."""
  if seeds is None:
    seeds = layout.seeds(workdir)
  files = [(s.name, None) for s in stages if not s.seeded]
  files += [(s.name, seed) for seed in seeds for s in stages if s.seeded]
  for name, seed in files:
    done = artifacts.read_json(layout.done_file(workdir, name, seed))
    if done is not None and "outputs" in done:
      yield name, seed, done


def rows(done):
  """A stage's rows: each output's fields with its metrics (`format` is the kind)."""
  return [{**m, **o, "format": o["kind"]} for o, m in zip(done["outputs"], done["metrics"])]


def collect(workdir, stages, seeds=None):
  """Model rows of `workdir`: the once-run stages' first, then each seed's (all if None)."""
  return [r for _, _, done in _finished(workdir, seeds, stages) for r in rows(done)
          if r["kind"] in MODEL_KINDS]


def stage_times(workdir, stages, seeds=None):
  """Wall-clock seconds of every finished stage, as its metrics.json recorded them."""
  return [{"stage": stage, "seed": seed, "seconds": done["seconds"]}
          for stage, seed, done in _finished(workdir, seeds, stages) if "seconds" in done]


def deployment(workdir, stages, seeds=None):
  """The deployment rows (TFLite Micro, boards, bundles) of each seed."""
  return [r for _, _, done in _finished(workdir, seeds, stages) for r in rows(done)
          if r["kind"] == "deployment"]


def summarize(entries):
  """Per model name: mean, standard deviation and per-seed values of each figure."""
  by_name = {}
  for e in entries:
    by_name.setdefault(e["name"], []).append(e)
  summary = {}
  for name, group in by_name.items():
    row = {"seeds": [e["seed"] for e in group], "stage": group[0]["stage"],
           "format": group[0]["format"], "role": group[0].get("role"),
           "quantization": group[0].get("quantization")}
    for key in SUMMARY_KEYS:
      values = [e[key] for e in group if e.get(key) is not None]
      if len(values) == len(group):
        row[key] = stats.describe(values)
    for key in ("balanced_accuracy", "auc", "accuracy", "loss"):
      values = [e["val"][key] for e in group if e.get("val", {}).get(key) is not None]
      if values and len(values) == len(group):
        row[f"val_{key}"] = stats.describe(values)
    row["collapsed_seeds"] = [e["seed"] for e in group if e.get("collapsed")]
    kept = [e["selection"] for e in group
            if (e.get("selection") or {}).get("best_epoch") is not None]
    row["kept_epochs"] = [f"{k['best_epoch']}/{k['epochs_run']}" for k in kept]
    row["sources"] = sorted({e["source"] for e in group if e.get("source")})
    summary[name] = row
  return summary


def epoch_time_ratio(entries):
  """Median distillation epoch time over median conventional epoch time, in one run.

  The first epoch of each (tracing, cache filling) is left out when there are more;
  `first_epochs_only` says when a side had only first epochs to time.
  """
  def median_of(group):
    later = [t for e in group for t in e.get("epoch_seconds", [])[1:]]
    times = later or [t for e in group for t in e.get("epoch_seconds", [])]
    return (statistics.median(times) if times else None), not later
  student, student_first = median_of([e for e in entries if e.get("role") == "baseline"])
  distilled, distilled_first = median_of(
      [e for e in entries if e.get("role") == "candidate"
       and e.get("mode") in ("cached", "online")])  # The distill stage's.
  if not student or not distilled:
    return None
  return {"student_epoch_seconds": student, "distill_epoch_seconds": distilled,
          "ratio": distilled / student, "first_epochs_only": student_first or distilled_first}


def speedup(benchmark):
  """Teacher ensemble time per image over the int8 student's, batch 1 and 32, same run."""
  teacher = [r for r in benchmark["models"] if r.get("role") == "teacher"]
  int8 = [r for r in benchmark["models"] if r.get("quantization") == "int8"
          and r.get("role") == "candidate"]
  if not teacher or not int8:
    return None
  ratios = {}
  for key in ("batch1", "batch32"):
    if key in teacher[0] and key in int8[0]:
      ratios[key] = teacher[0][key]["median_ms"] / int8[0][key]["median_ms"]
  return dict(ratios, student=int8[0]["name"])


def teacher_check(summary, monitor, starts=None):
  """Whether the teacher ensemble beats the conventional student on validation, and
  `starts`: what the run's compression stages start from (`pipeline.compression_starts`)."""
  def first(role):
    return next((s.get(monitor) for s in summary.values() if s.get("role") == role), None)
  teacher, student = first("teacher"), first("baseline")
  if not teacher or not student:
    return None
  sign = 1 if higher_is_better(monitor) else -1
  return {"monitor": monitor, "teacher": teacher["mean"], "student": student["mean"],
          "teacher_better": sign * teacher["mean"] > sign * student["mean"],
          "starts": dict(starts or {})}


def constant_answer(splits, summary, class_weights):
  """The accuracy of answering the test split's largest class every time, the models whose
  mean test accuracy is below it, and the class weighting the run applied ("balanced",
  "sqrt" or None). `class_weights`: the run's `data.class_weights`."""
  counts = np.bincount(splits.y_test, minlength=len(splits.class_names))
  largest = int(counts.argmax())
  share = float(counts[largest] / counts.sum())
  below = {name: s["accuracy"]["mean"] for name, s in summary.items()
           if s.get("accuracy") and s["accuracy"]["mean"] < share}
  applied = None
  if pipelines.class_weights(splits.y_train, class_weights) is not None:
    applied = "sqrt" if class_weights == "sqrt" else "balanced"
  return {"class": splits.class_names[largest], "accuracy": share, "below": below,
          "class_weights": applied}


def class_shares(splits):
  """{split: [the share of each class]} for train, val and test."""
  k = len(splits.class_names)
  return {split: (np.bincount(y, minlength=k) / len(y)).round(4).tolist()
          for split, y in (("train", splits.y_train), ("val", splits.y_val),
                           ("test", splits.y_test))}


def lineage(entries):
  """{model name: [the model, what it was made from, ...]} for the first seed's models.

  A link reads "pruned (prune)", or "pruned (prune, taught)" when the stage fine-tuned it
  through the Distiller ("taught on seeds 0, 2" when only some seeds were). When seeds
  made a model from different sources (`source="best"`), its link names them: "pruned
  (prune, from student on seeds 0, 2, distilled on seed 1)"; the chain goes on with the
  first seed's.
  """
  first, runs = {}, {}  # Per model name: its first seed's entry, and every seed's.
  for e in entries:
    first.setdefault(e["name"], e)
    runs.setdefault(e["name"], []).append(e)

  def _seeds(group):
    which = [str(e.get("seed")) for e in group]
    return f"seed{'s' if len(which) > 1 else ''} {', '.join(which)}"

  def _link(entry):
    group = runs[entry["name"]]
    by_source = {}
    for e in group:
      by_source.setdefault(e.get("source"), []).append(e)
    taught = [e for e in group if e.get("taught")]
    note = ""
    if len(by_source) > 1:
      note = ", from " + ", ".join(f"{source} on {_seeds(on)}"
                                   for source, on in by_source.items())
    if taught:
      note += ", taught" if len(taught) == len(group) else f", taught on {_seeds(taught)}"
    return f"{entry['name']} ({entry['stage']}{note})"

  chains = {}
  for name, e in first.items():
    chain, seen = [_link(e)], {name}
    while e.get("source") in first and e["source"] not in seen:
      seen.add(e["source"])
      e = first[e["source"]]
      chain.append(_link(e))
    chains[name] = chain
  return chains


def write(workdir, config, splits, stages, seeds=None, starts=None):
  """Writes report.json, report.md and the PNG plots for `workdir`; returns the report.

  `stages`: the `stages.graph.Stage`s it covers, in run order; `seeds`: None for every
  seed folder; `starts`: what the compression stages start from
  (`pipeline.compression_starts`), said when the teacher did not win.
  """
  entries = collect(workdir, stages, seeds)
  report = {
      "dataset": {"name": config.data.path or config.data.name,
                  "classes": list(splits.class_names), "input_shape": list(splits.input_shape),
                  "train": len(splits.y_train), "val": len(splits.y_val),
                  "test": len(splits.y_test), "overlap": checks.overlap(splits),
                  "class_shares": class_shares(splits),
                  "thin_val": checks.describe_thin_val(splits.y_val, splits.class_names,
                                                       splits.y_train),
                  "val_replaced": splits.val_replaced},
      "student_model": config.student.model,
      "monitor": config.train.monitor,
      "models": entries,
      "summary": summarize(entries),
      "collapsed": [{"name": e["name"], "stage": e["stage"], "seed": e["seed"],
                     "reason": e["collapsed"]} for e in entries if e.get("collapsed")],
      "lineage": lineage(entries),
      "paired_tests": stats.paired_tests(
          entries, splits.y_test, lambda e: np.load(layout.absolute(workdir, e["predictions"])),
          {s.name: s.compare for s in stages if s.compare}),
      "distill_speed": epoch_time_ratio(entries),
      "deployment": deployment(workdir, stages, seeds),
      "stage_seconds": stage_times(workdir, stages, seeds),
      "benchmark": artifacts.read_json(layout.file(workdir, layout.BENCHMARK)),
  }
  report["teacher_vs_student"] = teacher_check(report["summary"], config.train.monitor,
                                               starts)
  report["constant_answer"] = constant_answer(splits, report["summary"],
                                              config.data.class_weights)
  if report["benchmark"]:
    report["benchmark"]["teacher_to_int8_student"] = speedup(report["benchmark"])
  report["plots"] = plots.write_all(report, workdir,
                                    {s.name for s in stages if s.curves})
  artifacts.write_json(layout.file(workdir, layout.REPORT_JSON), report)
  artifacts.write_bytes(layout.file(workdir, layout.REPORT_MD),
                        tables.markdown(report).encode())
  return report
