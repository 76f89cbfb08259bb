"""report.md: the founding paper's Tables I-IV in form, from a report dict."""
from tfcompress import health
from tfcompress.data import checks
from tfcompress.report import stats

METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "auc")


def _row(cells):
  return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header, rows):
  if not rows:
    return "(no models for this table in this run)"
  return "\n".join([_row(header), _row(["---"] * len(header))] + [_row(r) for r in rows])


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


def _label(name, s):
  """The model's name, marked when it collapsed on validation in any seed."""
  seeds = [str(seed) for seed in s.get("collapsed_seeds") or [] if seed is not None]
  if s.get("collapsed_seeds"):
    return f"{name} **COLLAPSED**" + (f" (seed {', '.join(seeds)})" if seeds else "")
  return name


def _metric_rows(summary, names):
  rows = []
  for name in names:
    s = summary[name]
    rows.append([_label(name, s), len(s["seeds"])] + [fmt(s.get(k)) for k in METRICS]
                + [fmt(s.get("val_balanced_accuracy")), fmt(s.get("val_auc")),
                   ", ".join(s.get("kept_epochs") or ["-"]),
                   fmt(s.get("params"), kind="bytes"), fmt(s.get("sparsity"), kind="pct")])
  return rows


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
         f"stage kept its best epoch on the validation split. {_averaging(d['classes'])}"
         + _weighed(report),
         ""] + _copies(d) + _thin_val(d) + _shift(d) + _collapsed(report) + [
         "## Table I: teacher members" + (", before and after pruning" if any(
             n.endswith("_pruned") for n in members) else ""), "",
         _table(header, _metric_rows(summary, members)),
         "", "## Table II: teacher and students (Keras models)", "",
         _table(header, _metric_rows(summary, [n for n in keras_models if n not in members])),
         "", "## Table III: quantization (.tflite, scored by the LiteRT interpreter)", ""]
  rows = []
  for name, s in summary.items():
    if s["format"] == "tflite":
      rows.append([_label(name, s), s["quantization"], fmt(s.get("accuracy")),
                   fmt(s.get("balanced_accuracy")), fmt(s.get("auc")), fmt(s.get("f1")),
                   fmt(s.get("size_bytes"), kind="bytes"), fmt(s.get("gzip_bytes"), kind="bytes"),
                   fmt(s.get("compression_ratio"), kind="ratio"),
                   fmt(s.get("latency_ms"), digits=3)])
  out.append(_table(["model", "mode", "accuracy", "bal. acc", "auc", "f1", "bytes", "gzip -9 bytes",
                     "compression", "latency ms (batch 1)"], rows))
  out += ["", "Compression is against `reference_float32`: the float32 .tflite of the "
          "uncompressed conventional student (of the compressed model's source when the "
          "`student` stage was not run)." + _zeros_note(summary), "",
          "## Table IV: every model by size", ""]
  ranked = sorted((s["size_bytes"]["mean"], name) for name, s in summary.items()
                  if "size_bytes" in s)
  costs = {e["name"]: e.get("cost") for e in report["models"]}
  out.append(_table(["model", "format", "bytes", "accuracy", "f1", "MACs",
                     "energy µJ (SRAM / DRAM weights)"],
                    [[n, summary[n]["format"], f"{b:,.0f}", fmt(summary[n]["accuracy"]),
                      fmt(summary[n]["f1"])] + _cost(costs.get(n)) for b, n in ranked]))
  out += ["", "Energy: one inference under the Horowitz 45 nm cost model "
          "(`tfcompress.evaluate.energy` states its assumptions)."]
  out += _lineage(report) + _teacher(report) + _constant(report)
  out += _seeds(report) + _paired(report)
  out += _deep_compression(report) + _deployment(report) + _layer_errors(report)
  out += _device(report) + _search(report)
  out += _sweep(report)
  out += _speed(report)
  out += _times(report) + _benchmark(report) + _plots(report)
  return "\n".join(out) + "\n"


def _zeros_note(summary):
  """Says, when a .tflite holds pruned zeros, that a dense file stores them as numbers."""
  pruned = [s["sparsity"]["mean"] for s in summary.values()
            if s["format"] == "tflite" and (s.get("sparsity") or {}).get("mean", 0) > 0]
  if not pruned:
    return ""
  return (f" Pruning's zeros ({100 * max(pruned):.1f}% of the weights at most here) take as "
          "many bytes as any weight in a dense .tflite: they shrink the file under gzip, in "
          "TFLite's sparse format (tried from `quantize.sparse_format_min_sparsity` zeros on) "
          "and in the Deep Compression container (below); fewer channels (`channels`) "
          "shrink what the device runs.")


def _collapsed(report):
  if not report.get("collapsed"):
    return []
  rows = [[c["name"], c["stage"], "-" if c["seed"] is None else c["seed"], c["reason"]]
          for c in report["collapsed"]]
  names = {c["name"] for c in report["collapsed"]}
  short = sorted({e["name"] for e in report["models"] if e["name"] in names and
                  e.get("role") == "member" and (e.get("selection") or {}).get("epochs_run") == 1})
  note = ([f"{', '.join(f'`{n}`' for n in short)} trained for one epoch (as `:smoke` runs "
           "do): a teacher member from scratch is often at chance after one epoch, which "
           "there says nothing about the full run.", ""] if short else [])
  return ["## COLLAPSED models", "",
          "These models predict one class, or are no better than chance, on the validation "
          "images. Compression never starts from them.", "",
          _table(["model", "stage", "seed", "why"], rows), ""] + note


def _teacher(report):
  check = report.get("teacher_vs_student")
  if not check:
    return []
  better = check["teacher_better"]
  out = ["", "## Teacher against the conventional student (validation)", "",
         f"On `{check['monitor']}` the teacher ensemble ({check['teacher']:.4f}) is "
         f"{'better than' if better else 'NO better than'} the conventional student "
         f"({check['student']:.4f})." + ("" if better else
         " Distilling from a weaker teacher is a known way to lose accuracy; with "
         "`prune.source=best` compression starts from whichever student is better on "
         "validation (on a tie, the later stage's: the distilled one).")]
  return out


def _averaging(classes):
  if len(classes) == 2:
    return f"Precision, recall and F1 are those of class `{classes[1]}`."
  return (f"Precision, recall and F1 are macro averages over the {len(classes)} classes; "
          "AUC is the macro average of one-vs-rest AUCs.")


def _constant(report):
  c = report.get("constant_answer")
  if not c or not c["below"]:
    return []
  names = ", ".join(f"{name} {accuracy:.4f}" for name, accuracy in c["below"].items())
  text = (f"Answering `{c['class']}` for every test image scores {c['accuracy']:.4f} "
          f"accuracy; these models score less: {names}.")
  weights = c.get("class_weights")
  if weights:
    how = ("make every class count the same" if weights == "balanced"
           else "lean towards the smaller classes")
    text += (f" The class weights (`data.class_weights`, {weights} here) {how}, and each "
             f"stage kept its best epoch on `{report['monitor']}`: that trades accuracy on "
             "the largest class for recall on the others (see balanced accuracy). If plain "
             "accuracy matters more, try "
             + ("`--config.data.class_weights=sqrt` (a milder weighting), or " if
                weights == "balanced" else "")
             + "`--config.data.class_weights=none` with `--config.train.monitor=val_accuracy`.")
  else:
    text += (" With no class weights, that is worse than the constant answer. "
             + health.ADVICE)
  return ["", "## Against the constant answer (test)", "", text]


SHIFT = 0.05  # A class share that differs this much between val and test is reported.


def _shift(dataset):
  """A bold line when a class's share differs by `SHIFT` or more between val and test."""
  shares = dataset.get("class_shares")
  if not shares:
    return []
  gaps = [abs(v - t) for v, t in zip(shares["val"], shares["test"])]
  i = max(range(len(gaps)), key=gaps.__getitem__)
  if round(gaps[i], 4) < SHIFT:
    return []
  return [f"**Class shares differ between val and test: `{dataset['classes'][i]}` is "
          f"{shares['val'][i]:.1%} of val and {shares['test'][i]:.1%} of test (train "
          f"{shares['train'][i]:.1%}). Every setting was chosen on val; test accuracy weighs "
          "the classes as test holds them, balanced accuracy weighs each class alike.**", ""]


def _weighed(report):
  weights = (report.get("constant_answer") or {}).get("class_weights")
  return (f" Training weighed the classes (`data.class_weights`: {weights}) against their "
          "imbalance." if weights else "")


def _thin_val(dataset):
  text = dataset.get("thin_val")
  return [f"**{text}**", ""] if text else []


def _copies(dataset):
  text = checks.describe_overlap(dataset.get("overlap") or {}, dataset["val"], dataset["test"])
  return [f"**{text}**", ""] if text else []


def _lineage(report):
  chains = [c for c in (report.get("lineage") or {}).values() if len(c) > 1]
  if not chains:
    return []
  return ["", "## Lineage: what each model was made from (stage in brackets)", ""] + [
      "- " + " <- ".join(c) for c in chains]


def _seeds(report):
  rows = []
  for name, s in report["summary"].items():
    if len(s["seeds"]) > 1 and "accuracy" in s:
      rows.append([_label(name, s), len(s["seeds"])] + [
          f"{s[k]['mean']:.4f} ± {s[k]['std']:.4f} "
          f"[{max(0.0, s[k]['mean'] - s[k]['ci95']):.4f}, "
          f"{min(1.0, s[k]['mean'] + s[k]['ci95']):.4f}]"
          if k in s else "-" for k in ("accuracy", "balanced_accuracy", "auc", "f1")])
  if not rows:
    return []
  fewest = min(row[1] for row in rows)
  return ["", "## Over seeds: mean ± std [95% confidence interval]", "",
          _table(["model", "seeds", "accuracy", "bal. acc", "auc", "f1"], rows), "",
          "The interval is the t-interval of the mean over seeds (seed-to-seed spread only), "
          "cut to [0, 1]." + (" With 2 seeds it is wide (12.7 standard errors each way): 3 "
                               "or more make it useful." if fewest == 2 else "")]


def _paired(report):
  rows = []
  for t in report.get("paired_tests") or []:
    b = t["bootstrap"]
    per_seed = ", ".join(f"seed {m['seed']}: {m['difference']:+.4f} (p={m['p_value']:.3g})"
                         for m in t["mcnemar"])
    verdict = "significant" if b["p_value"] < 0.05 else "not significant"
    rows.append([t["comparison"], f"{t['a']} -> {t['b']}", f"{b['difference']:+.4f}",
                 f"[{b['ci95'][0]:+.4f}, {b['ci95'][1]:+.4f}]", f"{b['p_value']:.3g} ({verdict})",
                 per_seed])
  if not rows:
    return []
  return ["", "## Paired tests on the test images", "",
          _table(["comparison", "a -> b", "accuracy b - a (mean over seeds)",
                  "95% bootstrap interval", "bootstrap p", "per seed: b - a (exact McNemar p)"],
                 rows), "",
          "Both models are scored on the same test images. The bootstrap resamples images "
          f"({stats.BOOTSTRAP_SAMPLES:,} times) and averages the difference over seeds; McNemar's exact test "
          "looks at the images exactly one of the two gets right. p >= 0.05: no evidence "
          "that the two differ."]


def _cost(cost):
  if not cost:
    return ["-", "-"]
  e = cost["energy_uj"]
  return [f"{cost['macs']:,}", f"{e['sram']:.3f} / {e['dram']:.3f}"]


# Han, Mao, Dally, "Deep Compression" (ICLR 2016), Table 1: stored weights, top-1 error.
HAN = {"lenet_300_100": ("1070 KB", "27 KB", "40x", "1.64%", "1.58%"),
       "lenet5": ("1720 KB", "44 KB", "39x", "0.80%", "0.74%")}


def _deep_compression(report):
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
         "", _table(["model", "seed", "test error", ".tflite", "gzip -9", "sparse .tflite",
                     "container (parts)", "compression (smallest)"], rows)]
  han = HAN.get(report.get("student_model"))
  if han:
    out += ["", f"Han et al. for {report['student_model']}: {han[0]} -> {han[1]} ({han[2]}), "
            f"top-1 error {han[3]} -> {han[4]} (their stored weights; ours are whole files "
            "that run)."]
  return out


def _deployment(report):
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
          _table(["model", "seed", "runs in TFLite Micro", "arena bytes",
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


def _device(report):
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
            _table(["int8 model", "params", "MACs", ".tflite bytes", "TFLite Micro arena",
                    "test accuracy", "LiteRT ms (IQR), XNNPACK", "LiteRT ms (IQR), built-in kernels",
                    "TFLite Micro host ms"], rows), "",
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


def _layer_errors(report, rows_shown=5):
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
            _table(["layer", "added error", "error so far", "RMSE / scale"], rows)]
  return out


def _search(report):
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
    cost = e.get("cost_vs_distill")
    check = e["tflm_verified"]
    out += ["", f"## Search: the most accurate model that fits ({limits}; seed {e['seed']})",
            "", _table(["keep", "mode", "params", "MACs", ".tflite bytes", "arena bytes",
                        "budget", f"val {monitor}", ""], rows), "",
            f"Winner {e['name']}: {e['size_bytes']:,} bytes, arena {check['tflm_arena_bytes']:,} "
            f"bytes in TFLite Micro on the test images (agreement with LiteRT "
            f"{check['tflm_agreement']:.4f}); val {monitor} {e['winner']['val'][monitor]:.4f}, "
            f"test accuracy {e['accuracy']:.4f}. Candidates over the budget were measured "
            f"untrained and never trained. Search time {e['search_seconds']:.0f} s"
            + (f", {cost:.2f}x the distill stage's." if cost else ".")]
  return out


def _sweep(report):
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
    out += [f"{e['name']} (seed {e['seed']}), chosen on val {score.replace('_', ' ')}; "
            f"unpruned val accuracy {c['unpruned_val_accuracy']:.4f}"
            + (f", balanced accuracy {c['unpruned_val_balanced_accuracy']:.4f}"
               if "unpruned_val_balanced_accuracy" in c else "") + ":", "",
            _table(["alpha", "sparsity", "val accuracy", "val bal. acc", "kept"], rows), ""]
  return out


def _speed(report):
  speed = report.get("distill_speed")
  if not speed:
    return []
  return ["", "## Cost of distillation", "",
          f"Median epoch: conventional {speed['student_epoch_seconds']:.2f} s, distilled "
          f"{speed['distill_epoch_seconds']:.2f} s: ratio {speed['ratio']:.2f}x."
          + (" Timed on first epochs only, which include building the graph: not a measure "
             "of the cost; train two epochs or more to time it." if speed.get("first_epochs_only")
             else "")]


def _minutes(seconds):
  return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def _times(report):
  times = report.get("stage_seconds") or []
  if not times:
    return []
  rows = [[r["stage"], "-" if r["seed"] is None else r["seed"], _minutes(r["seconds"])]
          for r in times]
  total = sum(r["seconds"] for r in times)
  return ["", "## Time per stage (this machine, wall clock)", "",
          _table(["stage", "seed", "min:s"], rows), "",
          f"Total {_minutes(total)}, data loading and the report not included."]


def _benchmark(report):
  bench = report.get("benchmark")
  if not bench:
    return []
  sizes = bench["batch_sizes"]
  header = ["model", "format"] + [f"batch {b}: ms/image (IQR)" for b in sizes] + [
      "TFLite Micro batch 1 ms"]
  rows = []
  for r in bench["models"]:
    cells = [f"{r[f'batch{b}']['median_ms'] / b:.4f} ({r[f'batch{b}']['iqr_ms'] / b:.4f})"
             for b in sizes]
    tflm = r.get("tflm_batch1")
    rows.append([r["name"], r["format"]] + cells + [f"{tflm['median_ms']:.4f}" if tflm else "-"])
  out = ["", "## Latency (`tfcompress-bench`)", "",
         f"{bench['machine']}, {bench['threads']} thread(s), median of {bench['repeats']} "
         "timed runs after warm-up, per image.", "", _table(header, rows)]
  ratio = bench.get("teacher_to_int8_student")
  if ratio:
    out += ["", "Teacher ensemble (Keras) time per image over the int8 student's (LiteRT): "
            + ", ".join(f"{k} {v:.0f}x" for k, v in ratio.items() if k != "student") + "."]
  return out


def _plots(report):
  if not report.get("plots"):
    return []
  return ["", "## Plots", ""] + [f"![{name}]({path})" for name, path in report["plots"].items()]
