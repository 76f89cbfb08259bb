import json
import os

import pytest

from tfcompress.report import compression
from tfcompress.report import notes
from tfcompress.report import plots
from tfcompress.report import tables
from tfcompress.report import timing
from tfcompress.report import writer


def _entry(name, seed, acc, size=100, stage="student", fmt="keras", role="baseline"):
  return {"name": name, "seed": seed, "stage": stage, "format": fmt, "role": role,
          "accuracy": acc,
          "precision": acc, "recall": acc, "f1": acc, "auc": None, "size_bytes": size,
          "params": 10, "epoch_seconds": [9.0, 2.0, 2.0]}


def test_summary_over_seeds_and_markdown():
  entries = [_entry("student", 0, 0.8), _entry("student", 1, 0.9),
             dict(_entry("distilled", 0, 0.9, stage="distill", role="candidate"), mode="cached", epoch_seconds=[9.0, 3.0, 3.0])]
  summary = writer.summarize(entries)
  acc = summary["student"]["accuracy"]
  assert acc["mean"] == pytest.approx(0.85) and acc["std"] == pytest.approx(0.0707, abs=1e-3)
  assert "auc" not in summary["student"]  # Undefined AUC is left out, not averaged.
  speed = writer.epoch_time_ratio(entries)
  assert speed["ratio"] == pytest.approx(1.5)  # First epochs (9 s) are left out.
  text = tables.markdown({"dataset": {"name": "x", "train": 1, "val": 1, "test": 1,
                                      "input_shape": [2, 2, 1], "classes": ["a", "b"]},
                          "models": entries, "summary": summary, "distill_speed": speed})
  assert "0.8500 ± 0.0707" in text and "ratio 1.50x" in text and "first epochs" not in text
  assert "0.8500 ± 0.0707 [0.2147, 1.0000]" in text  # 0.85 + 0.635: cut to 1.
  assert "With 2 seeds it is wide" in text
  one = [dict(e, epoch_seconds=e["epoch_seconds"][:1]) for e in entries]  # One epoch each:
  speed = writer.epoch_time_ratio(one)  # the graph building, timed.
  assert speed["ratio"] == pytest.approx(1.0) and speed["first_epochs_only"]
  assert "Timed on first epochs only" in tables.markdown(
      {"dataset": {"name": "x", "train": 1, "val": 1, "test": 1, "input_shape": [2, 2, 1],
                   "classes": ["a", "b"]}, "models": one, "summary": summary,
       "distill_speed": speed})
  assert "copies" not in text  # No overlap recorded: nothing said.
  copies = {"val_in_train": 0, "test_in_train": 3, "test_in_val": 0, "train_conflicts": 0}
  text = tables.markdown({"dataset": {"name": "x", "train": 1, "val": 1, "test": 9,
                                      "input_shape": [2, 2, 1], "classes": ["a", "b"],
                                      "overlap": copies},
                          "models": entries, "summary": summary, "distill_speed": speed})
  assert "**Data: 3 of the 9 test images are copies of training images." in text


def test_class_shares_per_split_and_the_val_test_shift_line():
  import numpy as np
  from tfcompress.data.arrays import Splits
  x = np.zeros((1, 2, 2, 1), np.float32)
  def splits(test_pneumonia):  # Train and val 3 of 4 pneumonia; test 100 images.
    y_test = np.array([1] * test_pneumonia + [0] * (100 - test_pneumonia))
    return Splits(x.repeat(4, 0), np.array([0, 1, 1, 1]), x.repeat(4, 0), np.array([1, 0, 1, 1]),
                  x.repeat(100, 0), y_test, ("normal", "pneumonia"))
  def line(test_pneumonia):
    dataset = {"name": "x", "train": 4, "val": 4, "test": 100, "input_shape": [2, 2, 1],
               "classes": ["normal", "pneumonia"],
               "class_shares": writer.class_shares(splits(test_pneumonia))}
    text = tables.markdown({"dataset": dataset, "models": [], "summary": {}})
    return [t for t in text.splitlines() if "Class shares differ" in t]
  assert writer.class_shares(splits(62)) == {"train": [0.25, 0.75], "val": [0.25, 0.75],
                                             "test": [0.38, 0.62]}
  shifted, = line(62)
  assert "`normal` is 25.0% of val and 38.0% of test (train 25.0%)" in shifted
  assert line(71) == []  # 4 points apart: below the 5 that are reported.
  assert line(70) != []
  text = tables.markdown({"dataset": {"name": "x", "train": 4, "val": 4, "test": 4,
                                      "input_shape": [2, 2, 1], "classes": ["a", "b"],
                                      "thin_val": "Validation holds 1 image of class `b`."},
                          "models": [], "summary": {},
                          "constant_answer": {"below": {}, "class_weights": "balanced"}})
  assert "**Validation holds 1 image of class `b`.**" in text
  assert "Training weighed the classes (`data.class_weights`: balanced)" in text


def test_pareto_front():
  points = [(10, 0.9, "a"), (5, 0.8, "b"), (20, 0.85, "c"), (5, 0.7, "d"), (30, 0.95, "e")]
  assert [p[2] for p in plots.pareto_front(points)] == ["b", "a", "e"]


def test_stage_times_from_metrics_files(tmp_path):
  def done(folder, **fields):
    os.makedirs(tmp_path / folder)
    with open(tmp_path / folder / "metrics.json", "w") as f:
      json.dump(dict(outputs=[], metrics=[], **fields), f)
  done("teacher", seconds=125.0)
  done("seed_0/student", seconds=61.5)
  done("seed_0/export", seconds=3.0)
  done("seed_0/prune")  # Written before stages recorded their time: left out.
  os.makedirs(tmp_path / "seed_old")  # Not a seed folder: ignored.
  from tfcompress.stages import graph
  times = writer.stage_times(str(tmp_path), graph.stages())
  assert times == [{"stage": "teacher", "seed": None, "seconds": 125.0},
                   {"stage": "student", "seed": 0, "seconds": 61.5},
                   {"stage": "export", "seed": 0, "seconds": 3.0}]
  text = "\n".join(timing.times({"stage_seconds": times}))
  assert "| teacher | - | 2:05 |" in text and "| student | 0 | 1:01 |" in text
  assert "Total 3:09," in text


def test_teacher_no_better_than_student_is_said():
  summary = {"teacher": {"role": "teacher", "val_balanced_accuracy": {"mean": 0.90}},
             "student": {"role": "baseline", "val_balanced_accuracy": {"mean": 0.95}}}
  check = writer.teacher_check(summary, "val_balanced_accuracy")
  assert check["teacher_better"] is False
  text = "\n".join(notes.teacher({"teacher_vs_student": check, "summary": {}}))
  assert "NO better than the conventional student (0.9500)" in text
  assert "This run compresses" not in text  # No compression stage listed: nothing said.
  # Trial 14: pneumonia_tiny's channels stage is pinned to the distilled student.
  pinned = {"channels": {"field": "channels.source", "setting": "distill",
                         "candidates": ["distill"]}}
  check = writer.teacher_check(summary, "val_balanced_accuracy", pinned)
  text = "\n".join(notes.teacher({"teacher_vs_student": check, "summary": {}}))
  assert ("This run compresses `channels` from `distill` whatever it scores "
          "(`channels.source=distill`;") in text
  assert "prune.source" not in text and "the better of" not in text
  best = {"prune": {"field": "prune.source", "setting": "best",
                    "candidates": ["student", "distill"]}}
  check = writer.teacher_check(summary, "val_balanced_accuracy", best)
  text = "\n".join(notes.teacher({"teacher_vs_student": check, "summary": {}}))
  assert ("`prune` from the better of `student` and `distill` on validation "
          "(`prune.source=best`; on a tie, the later stage's).") in text
  # On val_loss lower is better: a teacher with the lower loss is the better one.
  summary = {"teacher": {"role": "teacher", "val_loss": {"mean": 0.2}},
             "student": {"role": "baseline", "val_loss": {"mean": 0.3}}}
  assert writer.teacher_check(summary, "val_loss")["teacher_better"] is True


def test_lineage_says_on_which_seeds_a_stage_was_taught():
  entries = [{"name": "student", "stage": "student", "seed": s} for s in (0, 1)] + [
      {"name": "pruned", "stage": "prune", "seed": s, "source": "student", "taught": t}
      for s, t in ((0, True), (1, False))] + [
      {"name": "pruned_int8", "stage": "quantize", "seed": s, "source": "pruned"} for s in (0, 1)]
  assert writer.lineage(entries)["pruned_int8"] == [
      "pruned_int8 (quantize)", "pruned (prune, taught on seed 0)", "student (student)"]
  entries[3]["taught"] = True  # Every seed taught.
  assert writer.lineage(entries)["pruned"][0] == "pruned (prune, taught)"


def test_lineage_names_each_source_when_seeds_differ():
  entries = [{"name": n, "stage": n, "seed": s} for n in ("student", "distilled")
             for s in (0, 1, 2)] + [
      {"name": "pruned", "stage": "prune", "seed": s, "source": src, "taught": s == 1}
      for s, src in ((0, "student"), (1, "distilled"), (2, "student"))]
  assert writer.lineage(entries)["pruned"] == [
      "pruned (prune, from student on seeds 0, 2, distilled on seed 1, taught on seed 1)",
      "student (student)"]


def test_models_below_the_constant_answer_are_named_with_the_reason():
  class Splits:  # Test split: 3 of class "a", 1 of "b"; train imbalanced, so weighted.
    class_names = ("a", "b")
    y_test = [0, 0, 0, 1]
    y_train = [0, 0, 0, 0, 1]
  summary = writer.summarize([_entry("student", 0, 0.70), _entry("pruned", 0, 0.80),
                              _entry("teacher", 0, 0.75, role="teacher")])
  check = writer.constant_answer(Splits, summary, "auto")
  assert check["class"] == "a" and check["accuracy"] == 0.75
  assert check["below"] == {"student": 0.70} and check["class_weights"] == "balanced"
  report = {"constant_answer": check, "monitor": "val_balanced_accuracy"}

  def text(**changes):
    return "\n".join(notes.constant(dict(report, constant_answer=dict(check, **changes))))

  balanced = text()
  assert "Answering `a` for every test image scores 0.7500" in balanced
  assert "student 0.7000" in balanced and "pruned" not in balanced
  assert "class_weights=sqrt" in balanced and "worse than the constant answer" not in balanced
  sqrt = text(class_weights="sqrt")  # Already the milder weighting: not offered again.
  assert "class_weights=sqrt" not in sqrt and "class_weights=none" in sqrt
  assert writer.constant_answer(Splits, summary, "sqrt")["class_weights"] == "sqrt"
  assert writer.constant_answer(Splits, summary, "none")["class_weights"] is None
  unweighted = text(class_weights=None)
  assert "worse than the constant answer" in unweighted and "sqrt" not in unweighted
  nobody = writer.constant_answer(Splits, writer.summarize([_entry("student", 0, 0.9)]), "auto")
  assert notes.constant(dict(report, constant_answer=nobody)) == []


def test_sweep_table_reads_sweeps_written_before_prune_score():
  old = {"name": "pruned", "seed": 0, "chosen": {"alpha": 2.0, "unpruned_val_accuracy": 0.9},
         "sweep": [{"alpha": 2.0, "sparsity": 0.5, "val_accuracy": 0.88}]}
  text = "\n".join(compression.sweep({"models": [old]}))
  assert "chosen on val accuracy; unpruned val accuracy 0.9000:" in text
  assert "| 2 | 50.0% | 0.8800 | - | chosen |" in text
  swept = dict(old, sweep=[{"alpha": 2.0, "sparsity": 0.5, "val_accuracy": 0.88,
                            "val_balanced_accuracy": 0.86},
                           {"alpha": 0.5, "sparsity": 0.97, "val_accuracy": 0.74,
                            "val_balanced_accuracy": 0.5}])
  text = "\n".join(compression.sweep({"models": [swept], "dataset": {"classes": ["a", "b"]}}))
  assert "| alpha | sparsity | val accuracy | val bal. acc | kept |" in text
  assert "| 0.5 | 97.0% | 0.7400 | 0.5000 | at chance |" in text


def test_header_says_what_precision_recall_and_f1_average():
  assert "class `pneumonia`" in notes.averaging(["normal", "pneumonia"])
  three = notes.averaging(["a", "b", "c"])
  assert "macro averages over the 3 classes" in three and "one-vs-rest" in three


def test_collapsed_section_names_one_epoch_teacher_members():
  member = dict(_entry("mobilenetv2", None, 0.6, stage="teacher", role="member"),
                selection={"epochs_run": 1})
  report = {"dataset": {"name": "x", "train": 1, "val": 1, "test": 1, "input_shape": [2, 2, 1],
                        "classes": ["a", "b"]}, "models": [member], "summary": {},
            "collapsed": [{"name": "mobilenetv2", "stage": "teacher", "seed": None,
                           "reason": "predicts class 1 for every validation image"}]}
  text = tables.markdown(report)
  assert "## COLLAPSED models" in text and "`mobilenetv2` trained for one epoch" in text
  member["selection"]["epochs_run"] = 6  # A full run's member at chance: no excuse made.
  assert "trained for one epoch" not in tables.markdown(report)
  assert "No model collapsed" not in text
  report["collapsed"] = []
  healthy = tables.markdown(report)
  assert "No model collapsed: every model scored" in healthy and "COLLAPSED" not in healthy
  assert "Validation was carved" not in healthy
  report["dataset"]["val_replaced"] = True  # Trial 13: only the log said so.
  assert "Validation was carved from train + val (`data.val_split`)" in tables.markdown(report)


def test_table_iii_says_pruned_zeros_take_bytes_in_a_dense_file():
  pruned = {"format": "tflite", "sparsity": {"mean": 0.358}}
  assert "Pruning's zeros (35.8% of the weights" in notes.zeros_note({"p": pruned})
  dense = {"format": "tflite", "sparsity": {"mean": 0.0}}
  assert notes.zeros_note({"d": dense, "k": {"format": "keras"}}) == ""


def test_per_class_recall_and_the_classes_a_model_never_predicts():
  """Trial 10: a teacher that never answered 2 of 5 classes showed only macro averages."""
  report = {"dataset": {"classes": ["a", "b", "c"]}, "models": [
      {"name": "teacher", "confusion_matrix": [[0, 5, 0], [0, 5, 0], [0, 0, 5]]},
      {"name": "student", "confusion_matrix": [[4, 1, 0], [0, 5, 0], [1, 0, 4]]},
      {"name": "student", "confusion_matrix": [[5, 0, 0], [0, 5, 0], [0, 0, 3]]}]}
  text = "\n".join(notes.per_class(report))
  assert "| teacher | 0.0000 | 1.0000 | 1.0000 |" in text
  assert "| student | 0.9000 | 1.0000 | 0.9000 |" in text  # c: 4/5 and 3/3, averaged.
  assert "Never predicted on test (in any seed): teacher: a." in text
  assert "student:" not in text.split("Never predicted")[1]
  many = dict(report, dataset={"classes": [str(k) for k in range(notes.PER_CLASS_MAX + 1)]})
  assert notes.per_class(many) == []  # Too wide a table: left out.


def test_table_iii_shows_each_variant_s_validation_score_the_export_pick_rests_on():
  def variant(name, acc, val):
    return dict(_entry(name, 0, acc, fmt="tflite", stage="quantize"), quantization=name,
                val={"balanced_accuracy": val})
  entries = [variant("int8", 0.875, 0.9333), variant("int4x8", 0.56, 0.5625)]
  text = tables.markdown({"dataset": {"name": "x", "train": 1, "val": 1, "test": 1,
                                      "input_shape": [2, 2, 1], "classes": ["a", "b"]},
                          "models": entries, "summary": writer.summarize(entries)})
  table = text.split("## Table III")[1].split("## Table IV")[0]
  assert "| val bal. acc |" in table and "export.tolerance" not in table  # No export run.
  assert "| int4x8 | int4x8 | 0.5600 |" in table and "| 0.5625 |" in table
  assert "| 0.9333 |" in table
  exported = tables.markdown({"dataset": {"name": "x", "train": 1, "val": 1, "test": 1,
                                          "input_shape": [2, 2, 1], "classes": ["a", "b"]},
                              "models": entries, "summary": writer.summarize(entries),
                              "deployment": [{"name": "int8", "seed": 0, "tflm_ok": False,
                                              "tflm_reason": "hybrid"}]})
  assert "within `export.tolerance` of the best" in exported.split("## Table IV")[0]


def test_deep_compression_section_has_han_s_per_layer_view():
  clustered = {"name": "pruned_clustered", "seed": 0, "format": "keras",
               "layer_weights": {"fc1": 235_200, "logits": 1_000},
               "layer_sparsity": {"fc1": 0.91, "logits": 0.74},
               "distinct_values": {"fc1": 15, "logits": 16}}
  tflite = {"name": "pruned_clustered_int8", "seed": 0, "accuracy": 0.9819,
            "size_bytes": 270_784, "gzip_bytes": 33_844, "container_bytes": 25_850,
            "container_parts": {"weights": 10_495, "positions": 13_296, "codebooks": 48,
                                "rest": 2_011}, "smallest_ratio": 41.4,
            "smallest_kind": "container"}
  text = "\n".join(compression.deep_compression(
      {"models": [clustered, tflite], "student_model": "lenet_300_100"}))
  assert "## Deep Compression: real files" in text and "41.4x (container)" in text
  assert "Per layer (`pruned_clustered`, seed 0)" in text
  assert "| fc1 | 235,200 | 9.0% | 15 | 4 |" in text  # 15 values: 4-bit indices.
  assert "| logits | 1,000 | 26.0% | 16 | 4 |" in text
  assert "| total | 236,200 | 9.1% |" in text  # (21,168 + 260) / 236,200.
  assert compression.layers({"models": [tflite]}) == []


def test_han_s_coded_bits_and_sizes_are_shown_when_recorded():
  """The cluster stage records `quantize.han.layers`: the table then has Han et al.'s P+Q
  and P+Q+H columns and the kernels' stored bytes; a layer may be called "total"."""
  row = {"layer": "total", "weights": 1_000, "kept": 100, "values": 15,
         "weight_bits": [4, 3.5], "index_bits": [8.0, 5.0], "bytes": [160, 120],
         "rate": [0.04, 0.03]}
  clustered = {"name": "pruned_clustered", "seed": 0, "layer_weights": {"total": 1_000},
               "layer_sparsity": {"total": 0.9}, "distinct_values": {"total": 15},
               "han": {"layers": [row], "total": dict(row, values=None, layer=None,
                                                     weight_bits=[11 / 3, 3.5])}}
  text = "\n".join(compression.layers({"models": [clustered]}))
  assert "| total | 1,000 | 10.0% | 15 | 4 / 3.5 | 8 / 5 | 4.00% / 3.00% |" in text
  assert "| total | 1,000 | 10.0% | - | 3.7 / 3.5 | 8 / 5 |" in text
  assert "4,000 bytes of float32 -> 160 (P+Q, 25.0x) -> 120 bytes (P+Q+H, 33.3x)" in text


def test_a_gain_over_a_given_model_is_not_credited_to_compression():
  """Trial 15: the report's "prune: student -> pruned +0.04" came from 15 epochs of
  retraining an undertrained model, which nothing said; trial 16: the same for a trained
  student, and the bootstrap's p called a seed-dependent gain significant."""
  test = {"comparison": "prune", "a": "student", "b": "pruned",
          "bootstrap": {"difference": 0.04, "ci95": [0.02, 0.06], "p_value": 0.001},
          "mcnemar": [{"seed": 0, "difference": 0.04, "p_value": 0.0002}],
          "across_seeds": {"difference": 0.0166, "ci95": [-0.04, 0.07], "p_value": 0.30,
                           "n": 3}}
  pruned = {"name": "pruned", "stage": "prune"}
  given = {"paired_tests": [test], "models": [
      {"name": "student", "role": "baseline", "trained_file": "m.keras"}, pruned]}
  text = "\n".join(notes.paired(given))
  assert "the model in `m.keras`, taken without training" in text
  assert "| 0.3 (not significant, 3 seeds) |" in text and "0.001 (significant)" in text
  assert "comparisons, with no correction" not in text  # One comparison.
  assert "2 comparisons, with no correction for multiple comparisons" in "\n".join(
      notes.paired(dict(given, paired_tests=[test, test])))
  adjusted = dict(test, bootstrap=dict(test["bootstrap"], p_holm=0.002, p_holm_bound=False),
                  across_seeds=dict(test["across_seeds"], p_holm=0.6))
  text = "\n".join(notes.paired(dict(given, paired_tests=[adjusted, adjusted])))
  assert "0.001 (significant; Holm 0.002)" in text and "3 seeds; Holm 0.6)" in text
  assert "2 comparisons: \"Holm\" is each p adjusted" in text
  assert "Holm <= 0.002" in "\n".join(notes.paired(dict(given, paired_tests=[
      dict(adjusted, bootstrap=dict(adjusted["bootstrap"], p_holm_bound=True))] * 2)))
  assert "Holm" not in "\n".join(notes.paired(dict(given, paired_tests=[adjusted])))
  trained = {"paired_tests": [test], "models": [{"name": "student", "role": "baseline"},
                                                pruned]}
  text = "\n".join(notes.paired(trained))
  assert "taken without training" not in text
  assert "`prune` retrains what they compress" not in text  # One stage: "retrains".
  assert "`prune` retrains what it compresses" in text and "from that training" in text
  converted = {"paired_tests": [test], "models": [{"name": "student", "role": "baseline"},
                                                  {"name": "s_int8", "stage": "quantize"}]}
  assert "can come from that training" not in "\n".join(notes.paired(converted))


def test_latency_per_image_divides_by_the_images_timed():
  """Review: 8 test images at batch 32 were timed as 8 and divided by 32."""
  timed = {"median_ms": 8.0, "iqr_ms": 0.8}
  bench = {"batch_sizes": [1, 32], "machine": "x86_64, 2 cores", "threads": 1, "repeats": 3,
           "models": [{"name": "m", "format": "tflite", "batch1": dict(timed, images=1),
                       "batch32": dict(timed, images=8)}]}
  text = "\n".join(timing.benchmark({"benchmark": bench}))
  assert "| m | tflite | 8.0000 (0.8000) | 1.0000 (0.1000) | - |" in text
  del bench["models"][0]["batch32"]["images"]  # A file from before: the batch size.
  assert "| 8.0000 (0.8000) | 0.2500 (0.0250) |" in "\n".join(
      timing.benchmark({"benchmark": bench}))


def test_in_short_names_what_ships_and_what_speaks_against_it():
  """Trial 17: the shipped int8 file was below the constant answer, 0.0675 worse than the
  student and 0.106 below its validation score; the report said so only in later tables."""
  def figures(accuracy, balanced, val):
    return {"accuracy": {"mean": accuracy}, "balanced_accuracy": {"mean": balanced},
            "val_balanced_accuracy": {"mean": val}, "size_bytes": {"mean": 41_352}}
  report = {
      "dataset": {"val": 120},
      "deployment": [{"name": "s_int8", "recommended_for": ["microcontroller"], "seed": 0},
                     {"name": "s_dynamic", "recommended_for": ["phone"], "seed": 0},
                     {"name": "s_float16", "recommended_for": [], "seed": 0}],
      "summary": {"s_int8": figures(0.5725, 0.6550, 0.7611),
                  "s_dynamic": figures(0.90, 0.88, 0.90)},
      "constant_answer": {"accuracy": 0.75, "class": "dog", "below": {"s_int8": 0.5725}},
      "paired_tests": [{"comparison": "baseline vs int8", "a": "student", "b": "s_int8",
                        "bootstrap": {"difference": -0.0675, "p_value": 0.0014}}]}
  text = "\n".join(notes.in_short(report))
  assert "- **microcontroller: `s_int8`** (41,352 bytes): test accuracy 0.5725" in text
  assert "below the 0.7500 of answering `dog`" in text
  assert "0.0675 less accurate than `student` (bootstrap p 0.0014; \"Paired" in text
  assert "0.1061 below its validation one" in text and "120 images" in text
  assert "- **phone: `s_dynamic`** (41,352 bytes): test accuracy 0.9000, balanced accuracy " \
         "0.8800 (validation 0.9000). Nothing in this report speaks against it." in text
  assert "s_float16" not in text
  assert notes.in_short(dict(report, deployment=[])) == []
  # Second review: a phone pick's own loss was "nothing against it"; seeds that picked
  # other files were not said.
  loss = {"comparison": "quantize (dynamic)", "a": "s", "b": "s_dynamic",
          "bootstrap": {"difference": -0.05, "p_value": 0.0, "p_holm": 0.0002,
                        "p_holm_bound": True}}
  seed1 = {"name": "t_int8", "recommended_for": ["microcontroller"], "seed": 1}
  text = "\n".join(notes.in_short(dict(
      report, paired_tests=report["paired_tests"] + [loss],
      deployment=report["deployment"] + [seed1])))
  assert "`s_dynamic`** (41,352 bytes, the pick of seed 0 of 2)" in text
  assert "0.0500 less accurate than `s` (bootstrap p < 0.0001, Holm <= 0.0002;" in text
