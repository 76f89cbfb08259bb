"""report.md's notes and warnings around the tables: how metrics average, class weights,
copies across splits, thin or shifted splits, collapsed models, lineage, the teacher
check, the constant answer, per-class recall, and the spread over seeds and paired tests."""
import numpy as np

from tfcompress import health
from tfcompress.data import checks
from tfcompress.report import markup
from tfcompress.report import stats


def averaging(classes):
  """What precision, recall and F1 mean here: one class's, or macro averages."""
  if len(classes) == 2:
    return f"Precision, recall and F1 are those of class `{classes[1]}`."
  return (f"Precision, recall and F1 are macro averages over the {len(classes)} classes; "
          "AUC is the macro average of one-vs-rest AUCs.")


def weighed(report):
  """A sentence when training weighed the classes, else empty."""
  weights = (report.get("constant_answer") or {}).get("class_weights")
  return (f" Training weighed the classes (`data.class_weights`: {weights}) against their "
          "imbalance." if weights else "")


def copies(dataset):
  """A bold line when images of one split are copies of another's, else none."""
  text = checks.describe_overlap(dataset.get("overlap") or {}, dataset["val"], dataset["test"])
  return [f"**{text}**", ""] if text else []


def thin_val(dataset):
  """The thin-validation warning in bold, when the dataset carries one; and a line when the
  data's own validation split was replaced by one carved from train + val."""
  text = dataset.get("thin_val")
  out = [f"**{text}**", ""] if text else []
  if dataset.get("val_replaced"):
    out += ["Validation was carved from train + val (`data.val_split`): the data's own "
            "validation images, too few of one class to choose on, went into train.", ""]
  return out


SHIFT = 0.05  # A class share that differs this much between val and test is reported.


def shift(dataset):
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


def collapsed(report):
  """The COLLAPSED models section: models at chance on validation, and why; one line
  saying none did when every model was checked and none is."""
  if "collapsed" not in report or not report.get("models"):
    return []
  if not report["collapsed"]:
    return ["No model collapsed: every model scored on the validation images predicts more "
            f"than one class there, with balanced accuracy above chance + "
            f"{health.CHANCE_MARGIN:g}.", ""]
  rows = [[c["name"], c["stage"], "-" if c["seed"] is None else c["seed"], c["reason"]]
          for c in report["collapsed"]]
  names = {c["name"] for c in report["collapsed"]}
  short = sorted({e["name"] for e in report["models"] if e["name"] in names and
                  e.get("role") == "member" and not e.get("weights")
                  and (e.get("selection") or {}).get("epochs_run") == 1})
  note = ([f"{', '.join(f'`{n}`' for n in short)} trained for one epoch (as `:smoke` runs "
           "do): a teacher member from scratch is often at chance after one epoch, which "
           "there says nothing about the full run.", ""] if short else [])
  return ["## COLLAPSED models", "",
          "These models predict one class, or are no better than chance, on the validation "
          "images. No compression of the student starts from them (`teacher_prune` "
          "still prunes every teacher member, for Table I).", "",
          markup.table(["model", "stage", "seed", "why"], rows), ""] + note


PER_CLASS_MAX = 20  # Up to this many classes, report.md has a per-class recall table.


def per_class(report):
  """Each model's test recall per class (mean over seeds) and the classes a model never
  predicts on test, for up to `PER_CLASS_MAX` classes: a macro average hides a class that
  a model ignores (trial 10: a teacher that never answered 2 of 5 classes)."""
  classes = report["dataset"]["classes"]
  if len(classes) > PER_CLASS_MAX:
    return []
  recalls, never = {}, {}
  for e in report["models"]:
    cm = np.asarray(e.get("confusion_matrix") or [], np.float64)
    if cm.shape != (len(classes), len(classes)):
      continue
    held = cm.sum(axis=1)
    recalls.setdefault(e["name"], []).append(
        [cm[k, k] / held[k] if held[k] else None for k in range(len(classes))])
    missing = [c for k, c in enumerate(classes) if held.sum() and not cm[:, k].sum()]
    never.setdefault(e["name"], set()).update(missing)

  def mean(values):
    values = [v for v in values if v is not None]
    return f"{np.mean(values):.4f}" if values else "-"
  rows = [[name] + [mean(column) for column in zip(*per_seed)]
          for name, per_seed in recalls.items()]
  if not rows:
    return []
  out = ["", "## Per-class recall (test)", "", markup.table(["model", *classes], rows)]
  ignored = {name: sorted(c, key=classes.index) for name, c in never.items() if c}
  if ignored:
    out += ["", "**Never predicted on test (in any seed): " + "; ".join(
        f"{name}: {', '.join(c)}" for name, c in ignored.items()) + ".** The macro averages "
        "above hide such a class. A model that never answers a class it was trained on "
        "learned too little of it: more optimizer steps (`train.min_steps`), class weights, "
        "or more images of it."]
  return out


def zeros_note(summary):
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


def lineage(report):
  """What each model was made from, one chain a line."""
  chains = [c for c in (report.get("lineage") or {}).values() if len(c) > 1]
  if not chains:
    return []
  return ["", "## Lineage: what each model was made from (stage in brackets)", ""] + [
      "- " + " <- ".join(c) for c in chains]


def teacher(report):
  """Whether the teacher ensemble beats the conventional student on validation."""
  check = report.get("teacher_vs_student")
  if not check:
    return []
  better = check["teacher_better"]
  out = ["", "## Teacher against the conventional student (validation)", "",
         f"On `{check['monitor']}` the teacher ensemble ({check['teacher']:.4f}) is "
         f"{'better than' if better else 'NO better than'} the conventional student "
         f"({check['student']:.4f})." + ("" if better else
         " Distilling from a teacher no better than the student is a known way to lose "
         "accuracy." + _compression_start(check.get("starts")))]
  return out


def _compression_start(starts):
  """What the run's compression stages start from, after a teacher that did not win."""
  said = []
  for stage, s in (starts or {}).items():
    field = f"`{s['field']}={s['setting']}`"
    if len(s["candidates"]) > 1:
      names = " and ".join(f"`{c}`" for c in s["candidates"])
      said.append(f"`{stage}` from the better of {names} on validation ({field}; on a tie, "
                  "the later stage's)")
    else:
      said.append(f"`{stage}` from `{s['candidates'][0]}` whatever it scores ({field}; "
                  "'best' lets validation choose)")
  return f" This run compresses {'; '.join(said)}." if said else ""


def in_short(report):
  """What `export` picked to ship, with its test figures and what in the report speaks
  against it (trial 17: a shipped model below the constant answer, worse than the
  uncompressed student, and far below its validation score, said only in later tables)."""
  picks, seeds = {}, set()
  for d in report.get("deployment") or []:
    seeds.add(d.get("seed"))
    for target in d.get("recommended_for") or ():
      picks.setdefault((target, d["name"]), set()).add(d.get("seed"))
  lines = []
  for target, name in sorted(picks):
    s = report["summary"].get(name)
    if not s:
      continue
    test, val = _mean(s.get("balanced_accuracy")), _mean(s.get("val_balanced_accuracy"))
    which = picks[(target, name)]
    by_seed = ("" if which == seeds else  # Seeds whose validation picked another file.
               f", the pick of seed{'s' * (len(which) > 1)} "
               f"{', '.join(str(x) for x in sorted(which))} of {len(seeds)}")
    line = (f"- **{target}: `{name}`** ({_mean(s['size_bytes']):,.0f} bytes{by_seed}): "
            f"test accuracy "
            f"{_mean(s['accuracy']):.4f}, balanced accuracy {test:.4f} (validation {val:.4f}).")
    flags = _against(report, name, test, val)
    lines.append(line + (" " + " ".join(flags) if flags else " Nothing in this report "
                         "speaks against it."))
  if not lines:
    return []
  return ["## In short", "", "What `export` recommends shipping (chosen on validation):",
          ""] + lines + [""]


def _mean(value):
  return value["mean"] if isinstance(value, dict) else value


def _against(report, name, test, val):
  """The report's findings against shipping `name`, one sentence each."""
  flags = []
  c = report.get("constant_answer") or {}
  if name in (c.get("below") or {}):
    flags.append(f"Its accuracy is below the {c['accuracy']:.4f} of answering "
                 f"`{c['class']}` for every image (\"Against the constant answer\").")
  for t in report.get("paired_tests") or []:
    b = t["bootstrap"]
    if t["b"] == name and b["difference"] < 0 and b["p_value"] < 0.05:
      holm = _holm(b, len(report["paired_tests"]), lead=", ")
      flags.append(f"It is {-b['difference']:.4f} less accurate than `{t['a']}` "
                   f"(bootstrap p {_bootstrap_p(b['p_value'])}{holm}; \"Paired tests\").")
  if val is not None and test is not None and val - test > 0.05:
    flags.append(f"Its test balanced accuracy is {val - test:.4f} below its validation one: "
                 f"the validation split ({report['dataset']['val']} images) was small or "
                 "unlike test, so expect the test figure, not the validation one.")
  return flags


def constant(report):
  """The models that score below answering the largest test class every time."""
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


def seeds(report):
  """Mean ± std and the 95% interval over seeds, for models run on several."""
  rows = []
  for name, s in report["summary"].items():
    if len(s["seeds"]) > 1 and "accuracy" in s:
      rows.append([markup.label(name, s), len(s["seeds"])] + [
          f"{s[k]['mean']:.4f} ± {s[k]['std']:.4f} "
          f"[{max(0.0, s[k]['mean'] - s[k]['ci95_half_width']):.4f}, "
          f"{min(1.0, s[k]['mean'] + s[k]['ci95_half_width']):.4f}]"
          if k in s else "-" for k in ("accuracy", "balanced_accuracy", "auc", "f1")])
  if not rows:
    return []
  fewest = min(row[1] for row in rows)
  return ["", "## Over seeds: mean ± std [95% confidence interval]", "",
          markup.table(["model", "seeds", "accuracy", "bal. acc", "auc", "f1"], rows), "",
          "The interval is the t-interval of the mean over seeds (seed-to-seed spread only), "
          "cut to [0, 1]." + (" With 2 seeds it is wide (12.7 standard errors each way): 3 "
                               "or more make it useful." if fewest == 2 else "")]


def _bootstrap_p(p):
  """A bootstrap p-value as text: 0 means none of the resamples, so below 1 / samples."""
  return f"< {1 / stats.BOOTSTRAP_SAMPLES:g}" if p == 0 else f"{p:.3g}"


def paired(report):
  """The paired tests between models on the test images: over images (bootstrap,
  McNemar), the trained models fixed, and across seeds (t-test), the training repeated."""
  rows = []
  tests = report.get("paired_tests") or []
  for t in tests:
    b = t["bootstrap"]
    per_seed = ", ".join(f"seed {m['seed']}: {m['difference']:+.4f} (p={m['p_value']:.3g})"
                         for m in t["mcnemar"])
    verdict = "significant" if b["p_value"] < 0.05 else "not significant"
    rows.append([t["comparison"], f"{t['a']} -> {t['b']}", f"{b['difference']:+.4f}",
                 f"[{b['ci95'][0]:+.4f}, {b['ci95'][1]:+.4f}]",
                 f"{_bootstrap_p(b['p_value'])} ({verdict}{_holm(b, len(tests))})",
                 _across_seeds(t, len(tests)), per_seed])
  if not rows:
    return []
  return ["", "## Paired tests on the test images", "",
          markup.table(["comparison", "a -> b", "accuracy b - a (mean over seeds)",
                        "95% bootstrap interval (images)", "bootstrap p (images)",
                        "across seeds: t-test p", "per seed: b - a (exact McNemar p)"],
                       rows), "",
          "Both models are scored on the same test images. Two questions, two kinds of test. "
          "Over images: the bootstrap resamples the test images "
          f"({stats.BOOTSTRAP_SAMPLES:,} times, the seeds kept) and averages the difference "
          "over seeds, and McNemar's exact test looks at the images exactly one of the two "
          "gets right; both hold the trained models fixed, and ask whether these models "
          "differ on these images. Across seeds: a t-test of the per-seed differences (n - 1 "
          "degrees of freedom) asks whether the training, run again with another seed, "
          "would differ; with few seeds it finds only large, consistent differences, and "
          "seeds whose McNemar tests point opposite ways say the seed matters more than the "
          "images. Claim a difference of the method only when both agree. "
          "p >= 0.05: no evidence that the two differ."
          + _family(tests)] + _retraining_caveat(report)


def _family(tests):
  """The sentence on multiple comparisons."""
  if len(tests) < 2:
    return ""
  if "p_holm" not in tests[0]["bootstrap"]:  # A report written before Holm's adjustment.
    return (f" {len(tests)} comparisons, with no correction for multiple comparisons "
            f"(Holm's would multiply the smallest p by {len(tests)}).")
  return (f" {len(tests)} comparisons: \"Holm\" is each p adjusted for all of them (Holm's "
          "step-down method, which keeps the chance of any false claim among them at 5%). "
          "A difference that is significant only before the adjustment is weak evidence.")


def _holm(test_p, family, lead="; "):
  """The text put after a p-value ("; Holm 0.0024") when the run made several comparisons."""
  adjusted = test_p.get("p_holm")
  if family < 2 or adjusted is None:
    return ""
  return f"{lead}Holm {'<= ' * bool(test_p.get('p_holm_bound'))}{adjusted:.3g}"


def _across_seeds(test, family):
  s = test.get("across_seeds")
  if not s:  # A report written before the test over seeds.
    return "-"
  if s["p_value"] is None:
    return f"- ({s['n']} seed{'s' * (s['n'] > 1)}{', no spread' * (s['n'] > 1)})"
  verdict = "significant" if s["p_value"] < 0.05 else "not significant"
  return f"{s['p_value']:.3g} ({verdict}, {s['n']} seeds{_holm(s, family)})"


# Stages whose output is the input model trained further (the others only convert it).
_RETRAINING = ("prune", "channels", "cluster", "qat", "search")


def _retraining_caveat(report):
  """Says that a gain over the student can come from the later stages' training (pruning,
  channels, clustering, QAT and the search retrain what they compress; trial 15: +0.04
  over an undertrained model given as a file; trial 16: the README credited compression
  with the retrained models' gain), when the run has such a stage after the student."""
  student = next((e for e in report["models"] if e.get("role") == "baseline"), None)
  retrained = sorted({e["stage"] for e in report["models"] if e.get("stage") in _RETRAINING})
  if student is None or not retrained:
    return []
  given = (f"`student` is the model in `{student['trained_file']}`, taken without "
           "training; " if student.get("trained_file") else "")
  verb = "retrains what it compresses" if len(retrained) == 1 else "retrain what they compress"
  return ["", f"{given}{', '.join(f'`{s}`' for s in retrained)} {verb}, so a gain over the "
          "student can come from that training rather than from compression."]
