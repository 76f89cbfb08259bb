"""PNG plots next to report.md: training curves, the alpha sweep, accuracy against size."""
import math
import os

import matplotlib

from tfcompress import layout

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  pylint: disable=g-import-not-at-top


def _save(fig, workdir, name):
  path = layout.file(workdir, f"{name}.png")
  tmp = path + f".tmp{os.getpid()}.png"
  fig.savefig(tmp, dpi=110, bbox_inches="tight")
  plt.close(fig)
  os.replace(tmp, path)
  return os.path.basename(path)


def training_curves(entries, workdir, stages):
  """Accuracy and loss per epoch (train dashed, val solid) of the models of `stages`:
  the paper's Figs. 3-4."""
  curves = [e for e in entries if e.get("history", {}).get("val_accuracy")
            and e["seed"] == entries[0]["seed"] and e["stage"] in stages]
  if not curves:
    return None
  fig, axes = plt.subplots(1, 2, figsize=(11, 4))
  for e in curves:
    h = e["history"]
    for ax, key in zip(axes, ("accuracy", "loss")):
      line, = ax.plot(h[f"val_{key}"] if key == "accuracy" else
                      h.get("val_student_loss", h[f"val_{key}"]), label=e["name"])
      ax.plot(h[key] if key == "accuracy" else h.get("student_loss", h[key]), "--",
              color=line.get_color())
  for ax, key in zip(axes, ("accuracy", "loss (cross-entropy)")):
    ax.set_xlabel("epoch")
    ax.set_ylabel(key)
  axes[0].legend()
  fig.suptitle("Training (dashed) and validation (solid)")
  return _save(fig, workdir, "training_curves")


def alpha_sweep(entries, workdir):
  sweeps = [e for e in entries if e.get("sweep")]
  if not sweeps:
    return None
  rows = sorted(sweeps[0]["sweep"], key=lambda r: r["alpha"])
  fig, ax = plt.subplots(figsize=(6, 4))
  alphas = [r["alpha"] for r in rows]
  ax.plot(alphas, [r["sparsity"] for r in rows], "o-", label="sparsity")
  ax.plot(alphas, [r["val_accuracy"] for r in rows], "s-", label="val accuracy")
  if all("val_balanced_accuracy" in r for r in rows):
    ax.plot(alphas, [r["val_balanced_accuracy"] for r in rows], "^-",
            label="val balanced accuracy")
  ax.axvline(sweeps[0]["chosen"]["alpha"], color="gray", ls=":", label="chosen")
  ax.set_xscale("log")
  ax.set_xlabel("alpha (threshold = std(w) / alpha)")
  ax.legend()
  ax.set_title(f"Std-dev pruning sweep: {sweeps[0]['name']}")
  return _save(fig, workdir, "alpha_sweep")


def pareto_front(points):
  """Points (size, score, item) not beaten by a smaller-or-equal one that scores higher
  (an accuracy, or a signed validation score that may be negative)."""
  front, best = [], -math.inf
  for size, acc, name in sorted(points, key=lambda p: (p[0], -p[1])):
    if acc > best:
      front.append((size, acc, name))
      best = acc
  return front


def accuracy_vs_size(summary, workdir):
  """Test accuracy against size on disk, log scale; Pareto-optimal models ringed and named."""
  points = [(s["size_bytes"]["mean"], s["accuracy"]["mean"], n) for n, s in summary.items()
            if "size_bytes" in s]
  if not points:
    return None
  fig, ax = plt.subplots(figsize=(7, 4.5))
  for fmt, marker in (("keras", "o"), ("tflite", "s")):
    chosen = [p for p in points if summary[p[2]]["format"] == fmt]
    ax.scatter([p[0] for p in chosen], [p[1] for p in chosen], marker=marker, s=28,
               label=f"{fmt} model", zorder=3)
  front = pareto_front(points)
  ax.plot([p[0] for p in front], [p[1] for p in front], "r--", marker="o", mfc="none",
          ms=11, lw=1, label="Pareto front", zorder=2)
  named = {p[2] for p in front} | {n for n, s in summary.items()
                                    if s.get("role") in ("teacher", "baseline")
                                    or (s.get("role") == "candidate" and not s.get("sources"))}
  for size, acc, name in points:
    if name in named:
      ax.annotate(name, (size, acc), fontsize=7, xytext=(4, -10), textcoords="offset points")
  ax.set_xscale("log")
  ax.set_xlabel("size on disk (bytes, log scale)")
  ax.set_ylabel("test accuracy")
  ax.legend(loc="lower right")
  return _save(fig, workdir, "accuracy_vs_size")


def accuracy_vs_cost(report, workdir):
  """Test accuracy against multiply-accumulates and against bytes, for every model with both
  (the first seed's figures); shows what channel pruning buys on a device."""
  seed = next((e["seed"] for e in report["models"] if e["seed"] is not None), None)
  points = [(e["cost"]["macs"], e["size_bytes"], e["accuracy"], e["name"], e["format"])
            for e in report["models"] if e.get("cost") and e.get("size_bytes")
            and e.get("accuracy") is not None and e["seed"] == seed
            and e.get("role") not in ("member", "teacher")]
  for e in report["models"]:  # The int8 files the channels stage timed side by side.
    if e.get("device") and e["seed"] == seed:
      d = e["device"]
      points += [(e["macs_before"], d["before"]["bytes"], d["before"]["accuracy"],
                  f"{e['source']} int8", "tflite"),
                 (e["cost"]["macs"], d["after"]["bytes"], d["after"]["accuracy"],
                  f"{e['name']} int8", "tflite")]
  if not any(e.get("device") for e in report["models"]) or not points:
    return None
  fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
  for ax, index, label in ((axes[0], 0, "multiply-accumulates per image"),
                           (axes[1], 1, "size on disk (bytes)")):
    for fmt, marker in (("keras", "o"), ("tflite", "s")):
      chosen = [p for p in points if p[4] == fmt]
      ax.scatter([p[index] for p in chosen], [p[2] for p in chosen], marker=marker, s=28,
                 label=f"{fmt} model")
    for p in points:
      if p[4] == "keras" or "int8" in p[3]:
        ax.annotate(p[3], (p[index], p[2]), fontsize=7, xytext=(4, -10),
                    textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel(f"{label}, log scale")
    ax.set_ylabel("test accuracy")
  axes[0].legend(loc="lower right")
  return _save(fig, workdir, "accuracy_vs_cost")


def search_front(report, workdir):
  """The search's candidates: validation score against .tflite bytes (trained ones), the
  budget as a line, the Pareto front and the winner (the first seed's search)."""
  found = [e for e in report["models"] if e.get("candidates")]
  if not found:
    return None
  e = found[0]
  trained = [r for r in e["candidates"] if r.get("trained")]
  monitor = report.get("monitor", "val_balanced_accuracy")[len("val_"):]
  fig, ax = plt.subplots(figsize=(7, 4.5))
  ax.scatter([r["flash_bytes"] for r in trained], [r["val"][monitor] for r in trained], s=30,
             label="fine-tuned candidate", zorder=3)
  front = [r for r in trained if (r["keep"], r["mode"]) in {tuple(p) for p in e["pareto"]}]
  front.sort(key=lambda r: r["flash_bytes"])
  ax.plot([r["flash_bytes"] for r in front], [r["val"][monitor] for r in front], "r--",
          marker="o", mfc="none", ms=11, lw=1, label="Pareto front", zorder=2)
  for r in trained:
    ax.annotate(f"keep {r['keep']:g} {r['mode']}", (r["flash_bytes"], r["val"][monitor]),
                fontsize=7, xytext=(4, -10), textcoords="offset points")
  if e["budget"].get("flash_bytes"):
    ax.axvline(e["budget"]["flash_bytes"], color="gray", ls=":", label="flash budget")
  ax.set_xlabel(".tflite bytes")
  ax.set_ylabel(f"validation {monitor}")
  ax.set_title(f"Search: {e['name']} won (seed {e['seed']})")
  ax.legend(loc="lower right")
  return _save(fig, workdir, "search_front")


def write_all(report, workdir, curve_stages):
  """Writes every plot the report has data for; returns {name: file name}.

  `curve_stages`: the stages whose training curves are drawn.
  """
  made = {"training_curves": training_curves(report["models"], workdir, curve_stages),
          "alpha_sweep": alpha_sweep(report["models"], workdir),
          "accuracy_vs_size": accuracy_vs_size(report["summary"], workdir),
          "accuracy_vs_cost": accuracy_vs_cost(report, workdir),
          "search_front": search_front(report, workdir)}
  return {k: v for k, v in made.items() if v}
