"""report.md: the founding paper's Tables I-IV in form, from a report dict; the sections
around them come from `notes`, `compression` and `timing`."""
from tfcompress.report import compression
from tfcompress.report import markup
from tfcompress.report import notes
from tfcompress.report import timing

METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "auc")


def fmt(stat, digits=4, kind="float"):
  """A summary statistic as text: the value, or mean ± std over seeds."""
  if stat is None:
    return "-"
  def one(v):
    if kind == "bytes":
      return f"{v:,.0f}"
    if kind == "ratio":
      return f"{v:.2f}x"
    if kind == "pct":
      return f"{100 * v:.1f}%"
    return f"{v:.{digits}f}"
  if len(stat["values"]) == 1 or len(set(stat["values"])) == 1:
    return one(stat["mean"])
  return f"{one(stat['mean'])} ± {one(stat['std'])}"


def _metric_rows(summary, names):
  rows = []
  for name in names:
    s = summary[name]
    rows.append([markup.label(name, s), len(s["seeds"])] + [fmt(s.get(k)) for k in METRICS]
                + [fmt(s.get("val_balanced_accuracy")), fmt(s.get("val_auc")),
                   ", ".join(s.get("kept_epochs") or ["-"]),
                   fmt(s.get("params"), kind="bytes"), fmt(s.get("sparsity"), kind="pct")])
  return rows


def _start_kept(summary):
  if any(k.startswith("0/") for s in summary.values() for k in s.get("kept_epochs") or ()):
    return " (epoch kept 0: the model fine-tuning started from, which no epoch beat)"
  return ""


def markdown(report):
  """The whole report.md text."""
  d, summary = report["dataset"], report["summary"]
  keras_models = [n for n, s in summary.items() if s["format"] == "keras"]
  members = [n for n in keras_models if summary[n].get("role") == "member"]
  header = (["model", "seeds"] + [m.replace("balanced_accuracy", "bal. acc") for m in METRICS]
            + ["val bal. acc", "val auc", "epoch kept", "params", "sparsity"])
  out = [f"# tfcompress report: {d['name']}", "",
         f"{d['train']} train / {d['val']} val / {d['test']} test images of shape "
         f"{tuple(d['input_shape'])}; classes: {', '.join(d['classes'])}. Test-set figures "
         "unless marked val; with several seeds, mean ± standard deviation. Every training "
         f"stage kept its best epoch on the validation split{_start_kept(summary)}. "
         f"{notes.averaging(d['classes'])}"
         + notes.weighed(report),
         ""] + notes.in_short(report) + notes.copies(d) + notes.thin_val(d) + notes.shift(d)
  out += notes.collapsed(report) + [
         "## Table I: teacher members" + (", before and after pruning" if any(
             n.endswith("_pruned") for n in members) else ""), "",
         markup.table(header, _metric_rows(summary, members)),
         "", "## Table II: teacher and students (Keras models)", "",
         markup.table(header,
                      _metric_rows(summary, [n for n in keras_models if n not in members])),
         "", "## Table III: quantization (.tflite, scored by the LiteRT interpreter)", ""]
  rows = []
  for name, s in summary.items():
    if s["format"] == "tflite":
      rows.append([markup.label(name, s), s["quantization"], fmt(s.get("accuracy")),
                   fmt(s.get("balanced_accuracy")), fmt(s.get("auc")), fmt(s.get("f1")),
                   fmt(s.get("val_balanced_accuracy")),
                   fmt(s.get("size_bytes"), kind="bytes"), fmt(s.get("gzip_bytes"), kind="bytes"),
                   fmt(s.get("compression_ratio"), kind="ratio"),
                   fmt(s.get("latency_ms"), digits=3)])
  out.append(markup.table(["model", "mode", "accuracy", "bal. acc", "auc", "f1",
                           "val bal. acc", "bytes", "gzip -9 bytes", "compression",
                           "latency ms (batch 1)"], rows))
  picks = ("`export` recommends, per target, the smallest file whose val bal. acc lies "
           "within `export.tolerance` of the best: a variant far below the others there is "
           "one to leave on the shelf. " if report.get("deployment") else "")
  out += ["", picks + "Compression is against `reference_float32`: the float32 .tflite of the "
          "uncompressed conventional student (of the compressed model's source when the "
          "`student` stage was not run)." + notes.zeros_note(summary) + " Latency: LiteRT on "
          "the CPU of the machine that ran tfcompress (median, one thread), not a phone's; "
          "`tfcompress-bench` times every model at several batch sizes.", "",
          "## Table IV: every model by size", ""]
  ranked = sorted((s["size_bytes"]["mean"], name) for name, s in summary.items()
                  if "size_bytes" in s)
  costs = {e["name"]: e.get("cost") for e in report["models"]}
  out.append(markup.table(["model", "format", "bytes", "accuracy", "f1", "MACs",
                           "energy µJ (SRAM / DRAM weights)"],
                          [[n, summary[n]["format"], f"{b:,.0f}", fmt(summary[n]["accuracy"]),
                            fmt(summary[n]["f1"])] + _cost(costs.get(n)) for b, n in ranked]))
  out += ["", "Energy: one inference under the Horowitz 45 nm cost model "
          "(`tfcompress.evaluate.energy` states its assumptions)."]
  out += notes.per_class(report)
  out += notes.lineage(report) + notes.teacher(report) + notes.constant(report)
  out += notes.seeds(report) + notes.paired(report)
  out += (compression.deep_compression(report) + compression.deployment(report)
          + compression.layer_errors(report))
  out += compression.device(report) + compression.search(report)
  out += compression.sweep(report)
  out += timing.speed(report)
  out += timing.times(report) + timing.benchmark(report) + _plots(report)
  return "\n".join(out) + "\n"


def _cost(cost):
  if not cost:
    return ["-", "-"]
  e = cost["energy_uj"]
  return [f"{cost['macs']:,}", f"{e['sram']:.3f} / {e['dram']:.3f}"]


def _plots(report):
  if not report.get("plots"):
    return []
  return ["", "## Plots", ""] + [f"![{name}]({path})" for name, path in report["plots"].items()]
