"""Statistics a reviewer accepts: seed means with 95% intervals, and paired tests of two
models on the same test images (exact McNemar per seed, a paired bootstrap over images,
a t-test over seeds), with Holm's adjustment over a run's comparisons."""
import statistics

import numpy as np
from scipy import stats as scipy_stats

BOOTSTRAP_SAMPLES = 10_000


def describe(values):
  """Mean, sample standard deviation and the half-width of the 95% t-interval of `values`.

  Example:
    describe([0.91, 0.93, 0.92])["ci95_half_width"]  # 0.0248
  """
  values = [float(v) for v in values]
  n = len(values)
  std = statistics.stdev(values) if n > 1 else 0.0
  half = float(scipy_stats.t.ppf(0.975, n - 1) * std / np.sqrt(n)) if n > 1 else 0.0
  return {"mean": statistics.fmean(values), "std": std, "ci95_half_width": half, "values": values}


def mcnemar(y_true, pred_a, pred_b):
  """Exact McNemar test of two classifiers on the same images.

  Returns the images only `a` gets right, only `b` gets right, the accuracy difference
  b - a and the two-sided p-value of the binomial test on the discordant images.

  Example:
    mcnemar(y_test, student_pred, distilled_pred)["p_value"]
  """
  right_a = np.asarray(pred_a) == np.asarray(y_true)
  right_b = np.asarray(pred_b) == np.asarray(y_true)
  only_a, only_b = int(np.sum(right_a & ~right_b)), int(np.sum(right_b & ~right_a))
  p = 1.0 if only_a + only_b == 0 else float(
      scipy_stats.binomtest(only_b, only_a + only_b, 0.5).pvalue)
  return {"only_a": only_a, "only_b": only_b, "difference": float(right_b.mean() - right_a.mean()),
          "p_value": p}


def paired_bootstrap(y_true, preds_a, preds_b, samples=BOOTSTRAP_SAMPLES, seed=0):
  """Mean over seeds of the accuracy difference b - a, with a paired bootstrap over images.

  `preds_a` and `preds_b` hold one prediction array per seed, paired by seed. Test images
  are resampled with replacement (the same images for every seed and both models).
  Returns the difference, its 95% percentile interval and a two-sided p-value.
  """
  y = np.asarray(y_true)
  diff = np.mean([(np.asarray(b) == y).astype(float) - (np.asarray(a) == y)
                  for a, b in zip(preds_a, preds_b)], axis=0)  # Per image, mean over seeds.
  rng = np.random.default_rng(seed)
  idx = rng.integers(0, len(y), size=(samples, len(y)))
  boot = diff[idx].mean(axis=1)
  observed = float(diff.mean())
  # Two-sided: how often the centred resamples are at least as far from 0 as observed.
  p = float(np.mean(np.abs(boot - observed) >= abs(observed) - 1e-12))
  low, high = np.percentile(boot, [2.5, 97.5])
  return {"difference": observed, "ci95": [float(low), float(high)], "p_value": p}


def seed_test(y_true, preds_a, preds_b):
  """A paired t-test over seeds of the accuracy difference b - a: whether the method (the
  training that made each model, repeated with other seeds) differs, where the bootstrap
  and McNemar hold the trained models fixed and ask about the test images.

  Returns the mean difference, its 95% t-interval, the p-value (n - 1 degrees of
  freedom) and n; p and the interval are None with fewer than 2 seeds, or when every seed
  gives the same difference (no spread to test against).

  Example:
    seed_test(y_test, [a0, a1, a2], [b0, b1, b2])["p_value"]  # 0.30
  """
  y = np.asarray(y_true)
  # Counted in images, so that equal differences are equal (0.91 - 0.90 != 0.92 - 0.91).
  counts = [int(np.sum(np.asarray(b) == y)) - int(np.sum(np.asarray(a) == y))
            for a, b in zip(preds_a, preds_b)]
  diffs = [c / len(y) for c in counts]
  d = describe(diffs)
  if len(diffs) < 2 or len(set(counts)) == 1:
    return {"difference": d["mean"], "ci95": None, "p_value": None, "n": len(diffs)}
  p = float(scipy_stats.ttest_1samp(diffs, 0.0).pvalue)
  half = d["ci95_half_width"]
  return {"difference": d["mean"], "ci95": [d["mean"] - half, d["mean"] + half],
          "p_value": p, "n": len(diffs)}


def holm(p_values):
  """Holm's step-down adjustment of a family of p-values (None entries are left out of the
  family and stay None): the k-th smallest p times (m - k + 1), kept monotone and at most 1.

  Example:
    holm([0.01, 0.04, None, 0.03])  # [0.03, 0.06, None, 0.06]
  """
  given = [(p, i) for i, p in enumerate(p_values) if p is not None]
  adjusted, running = [None] * len(p_values), 0.0
  for k, (p, i) in enumerate(sorted(given)):
    running = max(running, min(1.0, (len(given) - k) * p))
    adjusted[i] = running
  return adjusted


def _pairs(entries, compare):
  """(what, a, b) name pairs to compare: each model against the model it was made from,
  each stage's model against the models of the stages it names in `compare`
  ({stage: (stage, ...)}; .tflite models only in the same quantization mode), and the baseline student against each int8 candidate."""
  names = {e["name"] for e in entries}
  pairs = []
  for e in entries:
    for other in compare.get(e["stage"], ()):
      pairs += [(f"{e['stage']} vs {other}", o["name"], e["name"]) for o in entries
                if o["stage"] == other and o.get("role") in ("baseline", "candidate")
                and o.get("quantization") == e.get("quantization")]
  for e in entries:
    if e.get("source") and e.get("role") == "candidate":
      what = e["stage"] if not e.get("quantization") else f"{e['stage']} ({e['quantization']})"
      pairs.append((what, e["source"], e["name"]))
  for e in entries:
    if e.get("quantization") == "int8" and e.get("role") == "candidate":
      pairs += [("baseline vs int8", b["name"], e["name"]) for b in entries
                if b.get("role") == "baseline"]
  seen, out = set(), []
  for what, a, b in pairs:
    if a in names and b in names and (a, b) not in seen:
      seen.add((a, b))
      out.append((what, a, b))
  return out


def paired_tests(entries, y_true, load, compare=None):
  """Paired tests for every comparison the entries allow, over the seeds that have both.

  `load(entry)` returns an entry's saved test predictions. Each result has per-seed exact
  McNemar tests and a paired bootstrap over images of the mean difference over seeds (the
  trained models fixed), and `seed_test` across seeds (the training repeated).
  """
  scored = [e for e in entries if e.get("predictions")]
  by_key = {(e["name"], e["seed"]): e for e in scored}
  results = []
  for what, a, b in _pairs(scored, compare or {}):
    seeds = sorted(s for (n, s) in by_key if n == a and (b, s) in by_key)
    if not seeds:
      continue
    pa = [load(by_key[(a, s)]) for s in seeds]
    pb = [load(by_key[(b, s)]) for s in seeds]
    per_seed = [dict(mcnemar(y_true, x, z), seed=s) for s, x, z in zip(seeds, pa, pb)]
    results.append({"comparison": what, "a": a, "b": b, "seeds": seeds, "mcnemar": per_seed,
                    "bootstrap": paired_bootstrap(y_true, pa, pb),
                    "across_seeds": seed_test(y_true, pa, pb)})
  _add_holm(results)
  return results


def _add_holm(results):
  """Holm-adjusted p-values over the run's comparisons, for the bootstrap (`p_holm`) and
  the test across seeds. A bootstrap p of 0 (no resample as far out) is below
  1 / BOOTSTRAP_SAMPLES: its adjusted value is then an upper bound (`p_holm_bound`)."""
  raw = [r["bootstrap"]["p_value"] for r in results]
  floor = 1 / BOOTSTRAP_SAMPLES
  upper, lower = holm([max(p, floor) for p in raw]), holm(raw)
  for r, hi, lo in zip(results, upper, lower):
    r["bootstrap"].update(p_holm=hi, p_holm_bound=hi != lo)
  seeds = holm([r["across_seeds"]["p_value"] for r in results])
  for r, p in zip(results, seeds):
    r["across_seeds"]["p_holm"] = p
