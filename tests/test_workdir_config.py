"""The config a workdir was made with, compared with the one given."""
import os

import pytest

from tfcompress import workdir_config


@pytest.mark.parametrize("mode,shape,folder,compared", [
    ("auto", (28, 28, 1), True, "grayscale"),  # As the mode "auto" picked.
    ("auto", (32, 32, 3), True, "rgb"),
    ("grayscale", (32, 32, 3), True, "grayscale"),  # Then differs from "auto": refused.
    ("grayscale", (32, 32, 3), False, None),  # Not an image folder: not compared.
])
def test_color_mode_is_compared_as_read_and_only_for_image_folders(mode, shape, folder,
                                                                   compared):
  flat = workdir_config.given({"data": {"color_mode": mode}}, shape, folder)
  assert flat.get("data.color_mode") == compared


def test_a_model_file_is_compared_by_its_sha256_not_its_path():
  def given(model):
    return workdir_config.given({"student": {"model": model}}, (28, 28, 1), False)
  assert given("mine.keras") == given("/elsewhere/mine.keras") == given("copy.h5")
  assert given("paper_cnn") != given("lenet5")  # Builders are compared by name.
  # A stage finished before the marker recorded the path: not a change, not rerun.
  made = {"data_sha256": "d", "seed": 0, "config": given("/elsewhere/mine.keras")}
  recorded = dict(made, config={"student.model": "mine.keras"})
  assert workdir_config.changed(recorded, made) == []
  assert workdir_config.changed(dict(made, config={"student.model": "paper_cnn"}), made)


def test_a_teacher_weights_file_is_compared_by_its_bytes(tmp_path):
  def given(path):
    return workdir_config.given({"teacher": {"weights": str(path)}}, (28, 28, 1), False)
  first, copy = tmp_path / "a.h5", tmp_path / "b.h5"
  first.write_bytes(b"one")
  copy.write_bytes(b"one")
  assert given(first) == given(copy) != given("imagenet")  # Another path, the same bytes.
  before = given(first)
  first.write_bytes(b"two")  # Other weights under the same path (trial 6: reused silently).
  os.utime(first, ns=(0, os.stat(first).st_mtime_ns + 1))
  assert given(first) != before


def test_quantize_settings_may_change_only_when_every_finished_reader_runs_again(tmp_path):
  """A changed quantize.* field is refused while a stage that read it would keep its old
  files: not listed, finished for a seed this run leaves out, or made before it recorded
  the field (review of trial 8's change)."""
  from tfcompress import artifacts
  from tfcompress import layout
  workdir = str(tmp_path)
  record = {"settings": {"config": {"quantize.modes": ["int8"]}}}
  for seed in (0, 1):
    artifacts.write_json(layout.done_file(workdir, "quantize", seed), record)
  blockers = lambda stages, seeds, key="quantize.modes": workdir_config._blockers(
      workdir, key, stages, seeds)
  assert blockers(("student",), [0]) == ["add 'quantize' to `stages`"]
  assert blockers(("quantize",), [0]) == [
      "'quantize' finished for seed 1 too: set `repeats` to 2 or more to cover it"]
  assert blockers(("quantize",), [0, 1]) == []
  assert blockers(("quantize",), [0, 1], "quantize.float_layers") == [
      "'quantize' was made before it recorded `quantize.float_layers`: delete "
      f"{os.path.join(workdir, 'seed_0', 'quantize')!r} to make it again"]
  artifacts.write_json(layout.done_file(workdir, "export", 0), record)  # Its files too.
  assert blockers(("quantize",), [0, 1]) == ["add 'export' to `stages`"]
  assert blockers(("quantize", "export"), [0, 1]) == []
  assert blockers(("student",), [0], "train.epochs") is None  # Not a field that may change.
  # A stage's own group: nothing finished or left behind reads cluster.*, so it may change
  # (trial 11: cluster crashed, and the fix, fewer clusters, was refused).
  assert blockers(("cluster",), [0], "cluster.clusters") == []
  left = os.path.join(workdir, "seed_0", "cluster")
  os.makedirs(left)
  open(os.path.join(left, "part.keras"), "w").close()
  assert blockers(("cluster",), [0], "cluster.clusters") == [
      f"'cluster' stopped before it finished: delete {left!r} (what it left was made with "
      "the old value)"]
  # target.* is search's (trial 14: a budget for a search that never ran was refused).
  assert blockers(("search",), [0], "target.flash_bytes") == []
  artifacts.write_json(layout.done_file(workdir, "search", 0), record)
  assert blockers(("export",), [0], "target.flash_bytes") == ["add 'search' to `stages`"]
  # student.* is recorded by every stage after the teacher: quantize's files block it too.
  artifacts.write_json(layout.done_file(workdir, "student", 0), record)
  reasons = blockers(("student",), [0, 1], "student.epochs")
  assert reasons[0] == ("'student' was made before it recorded `student.epochs`: delete "
                        f"{os.path.join(workdir, 'seed_0', 'student')!r} to make it again")
  assert "add 'quantize' to `stages`" in reasons and "add 'export' to `stages`" in reasons
  assert any(r.startswith("'cluster' stopped before it finished") for r in reasons)


# Config groups a stage's module reads that its results do not depend on: a check or a
# log line (student.py's distill stage reads distill.*, its own group).
_NOT_RESULTS = {"teacher": {"distill"}, "student": {"prune", "distill"}}


@pytest.mark.parametrize("name", ["teacher", "teacher_prune", "student", "channels", "prune",
                                  "cluster", "quantize", "qat", "search", "export"])
def test_every_config_group_a_stage_reads_is_one_it_records(name):
  """A stage's own config group may change in a finished workdir when every stage that
  records it runs again: a stage reading a group it does not record would be left stale
  (review: teacher_prune read prune.*, search channels.*, the taught stages distill.*)."""
  import re  # pylint: disable=g-import-not-at-top
  from tfcompress.stages import graph  # pylint: disable=g-import-not-at-top
  with open(os.path.join(os.path.dirname(graph.__file__), f"{name}.py")) as f:
    source = f.read()
  groups = set(re.findall(r"\bconfig\.([a-z_]+)\b", source)) & {
      *(s.name for s in graph.stages()), "data", "train", "target"}
  if re.search(r"\bfitting\.teaching\(", source):  # Trains through run.config.distill.
    groups.add("distill")
  stage = graph.get(name)
  unrecorded = {g for g in groups - _NOT_RESULTS.get(name, set())
                if not workdir_config._records(stage, g)}  # pylint: disable=protected-access
  assert not unrecorded, unrecorded


def test_val_split_is_compared_as_what_it_did(tmp_path):
  """A workdir made before `data.val_split` kept the data's own validation split: 'auto'
  resumes it only where 'auto' keeps that split too (review: a thin own split, replaced,
  would have resumed with training images as validation)."""
  import json  # pylint: disable=g-import-not-at-top
  from tfcompress import config as config_lib  # pylint: disable=g-import-not-at-top
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  assert workdir_config.given({"data": {"val_split": "auto"}}, (8, 8, 1), False,
                              val_replaced=True) == {"data.val_split": "carve"}
  assert workdir_config.given({"data": {"val_split": "auto"}}, (8, 8, 1), False) == {
      "data.val_split": "own"}
  config = config_lib.base_config()
  old = json.loads(config_lib.to_json(config))
  del old["data"]["val_split"]  # As written before the field existed.
  (tmp_path / "config.json").write_text(json.dumps(old))
  (tmp_path / "student").mkdir()
  (tmp_path / "student" / "model.keras").write_text("")
  workdir_config.check_workdir(config, str(tmp_path), (8, 8, 1))  # 'auto' kept it: resumes.
  with pytest.raises(InputError, match=r"data.val_split: 'own' -> 'carve'.*new --workdir"):
    workdir_config.check_workdir(config, str(tmp_path), (8, 8, 1), val_replaced=True)
  config.data.val_split = "own"  # Or keep the split the workdir was made with.
  workdir_config.check_workdir(config, str(tmp_path), (8, 8, 1), val_replaced=False)
