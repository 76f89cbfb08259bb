"""report.md's sections on the compressed models: how they were chosen (alpha sweep, budget
search), their files (Deep Compression) and how they run on devices (TFLite Micro and
boards, channel pruning before and after, per-layer quantization error)."""
import math

from tfcompress import health
from tfcompress.report import markup


# Han, Mao, Dally, "Deep Compression" (ICLR 2016), Table 1: stored weights, top-1 error.
HAN = {"lenet_300_100": ("1070 KB", "27 KB", "40x", "1.64%", "1.58%"),
       "lenet5": ("1720 KB", "44 KB", "39x", "0.80%", "0.74%")}


def deep_compression(report):
  """The real files' bytes: .tflite, gzip, sparse .tflite, container."""
  rows = []
  for e in report["models"]:
    if "container_bytes" not in e:
      continue
    p = e["container_parts"]
    rows.append([e["name"], e["seed"], f"{100 * (1 - e['accuracy']):.2f}%",
                 f"{e['size_bytes']:,}", f"{e['gzip_bytes']:,}",
                 f"{e['sparse_tflite_bytes']:,}" if "sparse_tflite_bytes" in e else "-",
                 f"{e['container_bytes']:,} (weights {p['weights']:,}, positions "
                 f"{p['positions']:,}, codebooks {p['codebooks']:,}, rest {p['rest']:,})",
                 f"{e['smallest_ratio']:.1f}x ({e['smallest_kind']})"])
  if not rows:
    return []
  out = ["", "## Deep Compression: real files", "",
         "Bytes on disk. `gzip -9` of the .tflite; the .tflite converted with "
         "EXPERIMENTAL_SPARSITY; the container (Huffman-coded cluster indices and sparse "
         "offsets, the rest LZMA-compressed; it decodes to the identical .tflite). "
         "Compression: the float32 .tflite of the unpruned network over the smallest file.",
         "", markup.table(["model", "seed", "test error", ".tflite", "gzip -9",
                           "sparse .tflite", "container (parts)", "compression (smallest)"],
                          rows)]
  out += layers(report)
  han = HAN.get(report.get("student_model"))
  if han:
    out += ["", f"Han et al. for {report['student_model']}: {han[0]} -> {han[1]} ({han[2]}), "
            f"top-1 error {han[3]} -> {han[4]} (their stored weights; ours are whole files "
            "that run)."]
  return out


def layers(report):
  """Han et al.'s per-layer view of the first weight-shared model: each kernel's weights,
  the share pruning kept, its distinct non-zero values, the bits a weight and its position
  take after quantization (P+Q) and Huffman coding (P+Q+H), and the stored size against
  the float32 kernel's (their Tables 2-5); without the coded figures (a workdir made
  before they were recorded) the bits an index needs."""
  shared = next((e for e in report["models"] if e.get("distinct_values")
                 and e.get("layer_weights") and e.get("layer_sparsity")), None)
  if shared is None:
    return []
  seed = "" if shared.get("seed") is None else f", seed {shared['seed']}"
  if shared.get("han"):
    return _han_layers(shared["han"], f"`{shared['name']}`{seed}")
  rows, total, kept_total = [], 0, 0.0
  for name, size in shared["layer_weights"].items():
    kept = 1 - shared["layer_sparsity"].get(name, 0.0)
    values = shared["distinct_values"].get(name)
    bits = "-" if not values else str(max(1, math.ceil(math.log2(values))))
    rows.append([name, f"{size:,}", f"{100 * kept:.1f}%", values or "-", bits])
    total, kept_total = total + size, kept_total + kept * size
  rows.append(["total", f"{total:,}", f"{100 * kept_total / max(total, 1):.1f}%", "", ""])
  return ["", f"Per layer (`{shared['name']}`{seed}), as Han et al.'s tables: weights kept "
          "by pruning, distinct non-zero values left by weight sharing, and the bits an "
          "index into them needs before Huffman coding.", "",
          markup.table(["layer", "weights", "kept", "shared values", "index bits"], rows)]


def _bits(value):
  return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def _han_layers(han, what):
  """The per-layer table of `quantize.han.layers`' figures, with the kernels' bytes."""
  rows = []
  for r in han["layers"] + [dict(han["total"], layer="total")]:
    rows.append([r["layer"], f"{r['weights']:,}",
                 f"{100 * r['kept'] / max(r['weights'], 1):.1f}%",
                 "-" if r["values"] is None else r["values"],
                 " / ".join(_bits(b) for b in r["weight_bits"]),
                 " / ".join(_bits(b) for b in r["index_bits"]),
                 " / ".join(f"{100 * rate:.2f}%" for rate in r["rate"])])
  float32, (quantized, coded) = 4 * han["total"]["weights"], han["total"]["bytes"]
  return ["", f"Per layer ({what}), as Han et al.'s Tables 2-5: weights kept by pruning (P), "
          "distinct non-zero values left by weight sharing, bits per kept weight for its "
          "value and for its position (a relative index) after quantization (P+Q) and "
          "after Huffman coding (P+Q+H, each code's table included), and the stored kernel "
          "(its float32 codebook included) against its float32 size.", "",
          markup.table(["layer", "weights", "kept (P)", "shared values",
                        "weight bits (P+Q / P+Q+H)", "index bits (P+Q / P+Q+H)",
                        "stored (P+Q / P+Q+H)"], rows), "",
          f"The kernels as Han et al. count them: {float32:,} bytes of float32 -> "
          f"{quantized:,.0f} (P+Q, {float32 / max(quantized, 1):.1f}x) -> {coded:,.0f} bytes "
          f"(P+Q+H, {float32 / max(coded, 1):.1f}x); biases and the graph are not counted, "
          "as in their tables (the files above hold them)."]


def deployment(report):
  """Which files run in TFLite Micro and fit the boards, and where to use each."""
  rows = []
  for r in report.get("deployment") or []:
    boards = r.get("boards") or {}
    fit = "; ".join(f"{b}: {'fits' if v['fits'] else 'does not fit'} (RAM margin "
                    f"{v['ram_margin_bytes']:,} B, flash margin {v['flash_margin_bytes']:,} B)"
                    for b, v in boards.items())
    seed = "-" if r.get("seed") is None else r["seed"]
    use = ", ".join(r.get("recommended_for") or ()) or "-"
    if r["tflm_ok"]:
      rows.append([r["name"], seed, "yes", f"{r['tflm_arena_bytes']:,}",
                   f"{r['tflm_agreement']:.4f}", fit, use])
    else:
      rows.append([r["name"], seed, "no: " + r.get("tflm_reason", "?").replace("|", "/"), "-",
                   "-", "-", use])
  if not rows:
    return []
  return ["", "## Deployment: TFLite Micro and microcontroller budgets", "",
          markup.table(["model", "seed", "runs in TFLite Micro", "arena bytes",
                        "agreement with LiteRT", "boards", "use on"], rows),
          "", "Agreement: share of test images whose predicted class is the same in TFLite "
          "Micro and in LiteRT. Use on: per target, the smallest file within "
          "`export.tolerance` of the best validation balanced accuracy of the files that "
          "target runs (a microcontroller: TFLite Micro runs it and it fits the boards); "
          "each seed's `export/README.md` says the same."]


def _mean(values):
  values = [v for v in values if v is not None]
  return sum(values) / len(values) if values else None


def _num(value, pattern):
  return "-" if value is None else pattern.format(value)


def device(report):
  """Channel pruning as the device sees it: int8 before and after, timed side by side."""
  found = {}
  for e in report["models"]:
    if e.get("device"):
      found.setdefault(e["name"], []).append(e)
  out = []
  for name, group in found.items():
    rows = []
    for side, label in (("before", f"{group[0]['source']} (input)"), ("after", name)):
      def avg(key, side=side):
        return _mean([e["device"][side].get(key) for e in group])
      macs = _mean([e["macs_before"] if side == "before" else e["cost"]["macs"] for e in group])
      params = _mean([e["params_before"] if side == "before" else e["params"] for e in group])
      rows.append([f"{label} int8", _num(params, "{:,.0f}"), _num(macs, "{:,.0f}"),
                   _num(avg("bytes"), "{:,.0f}"), _num(avg("tflm_arena_bytes"), "{:,.0f}"),
                   _num(avg("accuracy"), "{:.4f}"),
                   f"{_num(avg('litert_ms'), '{:.4f}')} ({_num(avg('litert_iqr_ms'), '{:.4f}')})",
                   f"{_num(avg('litert_builtin_ms'), '{:.4f}')} "
                   f"({_num(avg('litert_builtin_iqr_ms'), '{:.4f}')})",
                   _num(avg("tflm_ms"), "{:.4f}")])
    ratio = {k: _mean([e["device"]["after"].get(k) for e in group])
             for k in ("bytes_ratio", "arena_ratio", "litert_speedup", "litert_builtin_speedup",
                       "tflm_speedup")}
    seeds = ", ".join(str(e["seed"]) for e in group)
    out += ["", f"## Device: channel pruning, before and after ({name}; seeds {seeds})", "",
            markup.table(["int8 model", "params", "MACs", ".tflite bytes", "TFLite Micro arena",
                          "test accuracy", "LiteRT ms (IQR), XNNPACK",
                          "LiteRT ms (IQR), built-in kernels", "TFLite Micro host ms"], rows),
            "",
            f"After / before, means over seeds: .tflite {_num(ratio['bytes_ratio'], '{:.2f}')}x "
            f"smaller, arena {_num(ratio['arena_ratio'], '{:.2f}')} of before; "
            f"{_num(ratio['litert_speedup'], '{:.2f}')}x (LiteRT XNNPACK), "
            f"{_num(ratio['litert_builtin_speedup'], '{:.2f}')}x (LiteRT built-in kernels) and "
            f"{_num(ratio['tflm_speedup'], '{:.2f}')}x (TFLite Micro) faster. Batch 1, one "
            "thread; the two files were timed in alternation in one run (medians). TFLite "
            "Micro's time is its reference kernels on this host, not an MCU's."]
    whole = group[0].get("kept_whole") or {}
    if whole:
      out += ["", "Kept whole: " + "; ".join(f"{k} ({v})" for k, v in whole.items()) + "."]
  return out


def layer_errors(report, rows_shown=5):
  """Where int8 / int16x8 lose accuracy: the layers that add the most error (first seed)."""
  found = [e for e in report["models"] if e.get("layer_errors")]
  if not found:
    return []
  out = ["", "## Per-layer quantization error (validation images)", "",
         "Each layer's output in the .tflite file against the float model: RMSE over the "
         "float output's standard deviation, accumulated up to the layer, and the part the "
         "layer adds (its figure minus its input's). RMSE / scale is the same error in "
         "steps of that tensor's quantization scale: about 0.29 (1/sqrt(12)) is plain "
         "rounding; int16x8's steps are 256 times finer, so its figures run larger for an "
         "equal error. `quantize.float_layers=N` writes an int8 file with the N worst layers "
         "kept in float."]
  seed = found[0]["seed"]
  for e in [e for e in found if e["seed"] == seed]:
    rows = [[r["layer"], f"{r['added_error']:+.4f}", f"{r['relative_rmse']:.4f}",
             f"{r['rmse_over_scale']:.2f}"] for r in e["layer_errors"][:rows_shown]]
    out += ["", f"{e['name']} (seed {seed}; the {len(rows)} that add the most):", "",
            markup.table(["layer", "added error", "error so far", "RMSE / scale"], rows)]
  return out


def search(report):
  """The budget search of each seed: every candidate, what it broke, the winner."""
  out = []
  monitor = report.get("monitor", "val_balanced_accuracy")[len("val_"):]
  for e in report["models"]:
    if not e.get("candidates"):
      continue
    limits = ", ".join(f"{k} <= {v:,}" for k, v in e["budget"].items() if v)
    front = {tuple(p) for p in e["pareto"]}
    rows = []
    for r in e["candidates"]:
      won = (r["keep"], r["mode"]) == (e["winner"]["keep"], e["winner"]["mode"])
      rows.append([f"{r['keep']:g}", r["mode"], f"{r['params']:,}", f"{r['macs']:,}",
                   f"{r['flash_bytes']:,}", _num(r["arena_bytes"], "{:,}"),
                   r["over"] or "fits",
                   _num((r.get("val") or {}).get(monitor), "{:.4f}"),
                   "winner" if won else "Pareto" if (r["keep"], r["mode"]) in front else ""])
    out += ["", f"## Search: the most accurate model that fits ({limits}; seed {e['seed']})",
            "", markup.table(["keep", "mode", "params", "MACs", ".tflite bytes", "arena bytes",
                              "budget", f"val {monitor}", ""], rows), "",
            " ".join(_winner(e, monitor))]
  return out


def _winner(e, monitor):
  """The sentences under a search table: the winner, how it was chosen, what it cost."""
  check, cost = e["tflm_verified"], e.get("cost_vs_distill")
  out = [f"Winner {e['name']}: {e['size_bytes']:,} bytes, arena {check['tflm_arena_bytes']:,} "
         f"bytes in TFLite Micro on the test images (agreement with LiteRT "
         f"{check['tflm_agreement']:.4f}); val {monitor} {e['winner']['val'][monitor]:.4f}, "
         f"test accuracy {e['accuracy']:.4f}.",
         f"The winner has the best val {monitor} of the trained candidates, the smaller file "
         "on a tie."]
  if e["winner"]["mode"] == "int4x8":
    out.append("Its convolution filters are int4, which TFLite Micro's reference kernels run, "
               "not every port's optimized kernels: check yours.")
  out.append("Candidates over the budget were measured untrained and never trained. Search "
             f"time {e['search_seconds']:.0f} s" + (f", {cost:.2f}x the distill stage's."
                                                    if cost else "."))
  return out


def sweep(report):
  """Each std-dev alpha sweep: sparsity and validation scores, the chosen alpha."""
  sweeps = [e for e in report["models"] if e.get("sweep")]
  if not sweeps:
    return []
  out = ["", "## Std-dev pruning: alpha sweep (validation set)", ""]
  classes = (report.get("dataset") or {}).get("classes") or ()
  chance = 1 / len(classes) + health.CHANCE_MARGIN if classes else -1
  for e in sweeps:
    c = e["chosen"]
    score = c.get("score", "accuracy")  # Sweeps before `prune.score` ranked by accuracy.
    rows = [[f"{r['alpha']:g}", f"{100 * r['sparsity']:.1f}%", f"{r['val_accuracy']:.4f}",
             _num(r.get("val_balanced_accuracy"), "{:.4f}"),
             "chosen" if r["alpha"] == c["alpha"] else
             "at chance" if (r.get("val_balanced_accuracy") or 1) <= chance else ""]
            for r in e["sweep"]]
    seed = "" if e["seed"] is None else f" (seed {e['seed']})"  # A member: one teacher.
    out += [f"{e['name']}{seed}, chosen on val {score.replace('_', ' ')}; "
            f"unpruned val accuracy {c['unpruned_val_accuracy']:.4f}"
            + (f", balanced accuracy {c['unpruned_val_balanced_accuracy']:.4f}"
               if "unpruned_val_balanced_accuracy" in c else "") + ":", "",
            markup.table(["alpha", "sparsity", "val accuracy", "val bal. acc", "kept"], rows),
            ""]
  return out
