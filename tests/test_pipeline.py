"""End to end: the real pipeline on tiny data, resumed, and its reports."""
import json
import os

import pytest

from tfcompress import pipeline
from tfcompress.errors import InputError


def test_run_writes_models_report_and_resumes(smoke_config, tmp_path):
  workdir = str(tmp_path / "run")
  report = pipeline.run(smoke_config, workdir)
  names = [m["name"] for m in report["models"]]
  assert names == ["mobilenetv2", "teacher", "student", "distilled"]
  for m in report["models"]:
    assert {"name", "stage", "format", "accuracy", "precision", "recall", "f1", "auc",
            "params", "path"} <= set(m)
    assert os.path.exists(os.path.join(workdir, m["path"]))
  assert report["models"][2]["params"] == report["models"][3]["params"] < 40_000
  with open(os.path.join(workdir, "config.json")) as f:
    assert json.load(f)["data"]["path"] == smoke_config.data.path
  assert os.path.exists(os.path.join(workdir, "report.md"))
  assert report["distill_speed"] is None or report["distill_speed"]["ratio"] > 0

  # A second run skips every finished stage: no model file is rewritten.
  model_file = os.path.join(workdir, "seed_0", "distill", "model.keras")
  before = os.stat(model_file).st_mtime_ns
  again = pipeline.run(smoke_config, workdir)
  assert os.stat(model_file).st_mtime_ns == before
  assert again["models"] == report["models"]

  # A stage whose result is missing (as after a crash) is run again.
  os.remove(os.path.join(workdir, "seed_0", "distill", "metrics.json"))
  third = pipeline.run(smoke_config, workdir)
  assert [m["name"] for m in third["models"]] == names


def test_workdir_with_another_config_is_refused(smoke_config, tmp_path):
  workdir = str(tmp_path / "run")
  smoke_config.stages = ("student",)
  pipeline.run(smoke_config, workdir)
  smoke_config.distill.temperature = 9.0
  with pytest.raises(InputError, match="different config.*distill"):
    pipeline.run(smoke_config, workdir)


def test_three_class_rgb_npz_runs_unchanged(smoke_config, rgb3_npz, tmp_path):
  smoke_config.data.path = rgb3_npz
  smoke_config.distill.mode = "online"
  smoke_config.teacher.combine = "vote"
  report = pipeline.run(smoke_config, str(tmp_path / "rgb"))
  assert len(report["dataset"]["classes"]) == 3
  assert report["dataset"]["input_shape"] == [32, 32, 3]
  assert report["models"][-1]["confusion_matrix"] and len(report["models"][-1]["confusion_matrix"]) == 3


def test_distill_without_teacher_says_what_to_run(smoke_config, tmp_path):
  smoke_config.stages = ("distill",)
  with pytest.raises(InputError, match="teacher"):
    pipeline.run(smoke_config, str(tmp_path / "d"))


@pytest.mark.parametrize("field,value,match", [
    ("path", "/no/such/data.npz", "not found"),
    ("name", "imagenet21k", "Unknown dataset"),
])
def test_bad_data_config(smoke_config, tmp_path, field, value, match):
  setattr(smoke_config.data, field, value)
  if field == "name":
    smoke_config.data.path = ""
  with pytest.raises(InputError, match=match):
    pipeline.run(smoke_config, str(tmp_path / "bad"))


def test_unknown_teacher_member(smoke_config, tmp_path):
  smoke_config.teacher.members = ("mobilenetv3",)
  with pytest.raises(InputError, match="mobilenetv3"):
    pipeline.run(smoke_config, str(tmp_path / "bad"))
