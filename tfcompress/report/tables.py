"""Markdown tables in the shape of the founding paper's."""

COLUMNS = ("accuracy", "precision", "recall", "f1", "auc")


def _row(cells):
  return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header, rows):
  lines = [_row(header), _row(["---"] * len(header))]
  return "\n".join(lines + [_row(r) for r in rows])


def _mean_std(stat):
  if len(stat["values"]) == 1:
    return f"{stat['mean']:.4f}"
  return f"{stat['mean']:.4f} ± {stat['std']:.4f}"


def markdown(report):
  """The report as Markdown: dataset, per-model test metrics, distillation speed."""
  d = report["dataset"]
  out = [f"# tfcompress report: {d['name']}", "",
         f"{d['train']} train / {d['val']} val / {d['test']} test images, shape "
         f"{tuple(d['input_shape'])}, classes {', '.join(d['classes'])}.", "",
         "## Test metrics (Table II)", ""]
  rows = []
  for name, s in report["summary"].items():
    params = next(e["params"] for e in report["models"] if e["name"] == name)
    rows.append([name, s["stage"], len(s["seeds"])] + [_mean_std(s[k]) for k in COLUMNS]
                + [f"{params:,}"])
  out.append(_table(["model", "stage", "seeds"] + list(COLUMNS) + ["params"], rows))
  speed = report.get("distill_speed")
  if speed:
    out += ["", "## Distillation cost", "",
            f"Median epoch: conventional {speed['student_epoch_seconds']:.2f} s, distilled "
            f"{speed['distill_epoch_seconds']:.2f} s, ratio {speed['ratio']:.2f}x."]
  return "\n".join(out) + "\n"
