import numpy as np
import pytest

from tfcompress.report import stats


def test_describe_gives_the_t_interval():
  d = stats.describe([0.90, 0.92, 0.94])
  assert d["mean"] == pytest.approx(0.92) and d["std"] == pytest.approx(0.02)
  assert d["ci95_half_width"] == pytest.approx(4.302653 * 0.02 / np.sqrt(3), rel=1e-5)
  assert stats.describe([0.5])["ci95_half_width"] == 0.0


def test_mcnemar_counts_the_discordant_images_in_the_right_direction():
  y = np.zeros(20, int)
  a = np.zeros(20, int)
  a[:6] = 1  # a gets 6 wrong,
  b = np.zeros(20, int)
  b[5] = 1  # b only one of those: b is better on 5 images, worse on none.
  result = stats.mcnemar(y, a, b)
  assert (result["only_a"], result["only_b"]) == (0, 5)
  assert result["difference"] == pytest.approx(0.25)
  assert result["p_value"] == pytest.approx(2 * 0.5**5)


def test_paired_bootstrap_sees_a_real_difference_and_no_difference():
  rng = np.random.default_rng(1)
  y = rng.integers(0, 2, 400)
  a = [np.where(rng.random(400) < 0.8, y, 1 - y) for _ in range(3)]
  better = [np.where(rng.random(400) < 0.5, y, p) for p in a]  # Fixes half of a's errors.
  same = stats.paired_bootstrap(y, a, a, samples=2000)
  assert same["difference"] == 0.0 and same["p_value"] == 1.0
  gain = stats.paired_bootstrap(y, a, better, samples=2000)
  assert gain["difference"] > 0.05 and gain["p_value"] < 0.01 and gain["ci95"][0] > 0


def test_pairs_follow_lineage_compare_and_the_baseline():
  def e(name, stage, role="candidate", source=None, quantization=None):
    return {"name": name, "stage": stage, "role": role, "source": source,
            "quantization": quantization}
  entries = [e("student", "student", "baseline"), e("distilled", "distill"),
             e("pruned", "prune", source="distilled"),
             e("reference_float32", "quantize", "reference", "student", "float32"),
             e("pruned_float32", "quantize", source="pruned", quantization="float32"),
             e("pruned_int8", "quantize", source="pruned", quantization="int8"),
             e("pruned_qat_int8", "qat", source="pruned", quantization="int8")]
  pairs = stats._pairs(entries, {"distill": ("student",), "qat": ("quantize",)})  # pylint: disable=protected-access
  assert set(pairs) == {
      ("distill vs student", "student", "distilled"),
      ("qat vs quantize", "pruned_int8", "pruned_qat_int8"),  # Same mode only.
      ("prune", "distilled", "pruned"),
      ("quantize (float32)", "pruned", "pruned_float32"),
      ("quantize (int8)", "pruned", "pruned_int8"),
      ("qat (int8)", "pruned", "pruned_qat_int8"),
      ("baseline vs int8", "student", "pruned_int8"),
      ("baseline vs int8", "student", "pruned_qat_int8")}


def test_the_test_across_seeds_sees_seeds_that_disagree():
  """Trial 16: +0.0000, +0.0401 and +0.0096 per seed gave bootstrap p 0.0003 over images;
  over seeds the t-test's p is 0.30."""
  y = np.zeros(1000, int)
  def right(k):  # Predictions right on the first k images.
    return np.where(np.arange(1000) < k, 0, 1)
  a = [right(900), right(880), right(910)]
  b = [right(900), right(920), right(920)]  # +0.000, +0.040, +0.010.
  s = stats.seed_test(y, a, b)
  assert s["n"] == 3 and np.isclose(s["difference"], 0.05 / 3)
  from scipy import stats as scipy_stats  # pylint: disable=g-import-not-at-top
  assert np.isclose(s["p_value"], scipy_stats.ttest_1samp([0.0, 0.04, 0.01], 0).pvalue)
  assert s["p_value"] > 0.05 and s["ci95"][0] < 0 < s["ci95"][1]
  assert stats.paired_bootstrap(y, a, b)["p_value"] < 0.05  # Over images: "significant".
  same = stats.seed_test(y, a, [right(910), right(890), right(920)])  # +0.01 each seed.
  assert same["p_value"] is None and np.isclose(same["difference"], 0.01)
  # Review: 0.91 - 0.90 and 0.94 - 0.93 differ in floating point; still no spread.
  same = stats.seed_test(y, [right(900), right(910), right(930)],
                         [right(910), right(920), right(940)])
  assert same["p_value"] is None
  assert stats.seed_test(y, a[:1], b[:1])["p_value"] is None



def test_holm_steps_down_and_stays_monotone():
  """Not Bonferroni (every p times m) and not the raw step (k-th p times m - k + 1 without
  the running maximum): 0.04 alone would get 0.04."""
  assert np.allclose(stats.holm([0.01, 0.04, None, 0.03])[::3] + stats.holm(
      [0.01, 0.04, None, 0.03])[1:2], [0.03, 0.06, 0.06])
  assert stats.holm([0.01, 0.04, None, 0.03])[2] is None
  assert stats.holm([0.5, 0.9]) == [1.0, 1.0] and stats.holm([]) == []


def test_paired_tests_adjust_for_the_run_s_comparisons():
  """A bootstrap p of 0 is below 1 / samples, so its adjusted value is a bound."""
  y = np.zeros(1000, int)
  def right(k):
    return np.where(np.arange(1000) < k, 0, 1)
  entries = [{"name": n, "seed": s, "stage": n, "predictions": f"{n}{s}", "role": r,
              "source": src} for s in range(3) for n, r, src in
             [("student", "baseline", None), ("pruned", "candidate", "student"),
              ("pruned_int8", "candidate", "pruned")]]
  preds = {"student0": right(800), "student1": right(810), "student2": right(790),
           "pruned0": right(900), "pruned1": right(905), "pruned2": right(910),
           "pruned_int80": right(900), "pruned_int81": right(903), "pruned_int82": right(911)}
  results = stats.paired_tests(entries, y, lambda e: preds[e["predictions"]])
  by = {r["comparison"]: r for r in results}
  pruned, int8 = by["pruned"]["bootstrap"], by["pruned_int8"]["bootstrap"]
  assert pruned["p_value"] == 0 and pruned["p_holm_bound"]
  assert pruned["p_holm"] == 2 / stats.BOOTSTRAP_SAMPLES  # Two comparisons.
  assert int8["p_value"] > 0.05 and not int8["p_holm_bound"]
  assert int8["p_holm"] >= int8["p_value"]
  seeds = [r["across_seeds"] for r in results if r["across_seeds"]["p_value"] is not None]
  assert all(s["p_holm"] >= s["p_value"] for s in seeds)
