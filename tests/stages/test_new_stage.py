"""A stage added from outside the package, and inputs picked by the config, not the disk."""
import json
import os

import pytest

from tfcompress import artifacts
from tfcompress import layout
from tfcompress import pipeline
from tfcompress.errors import InputError
from tfcompress.stages import graph

CHECKED = []


def _halve(run):
  """A throwaway stage: the input model with its logits halved (same predictions)."""
  model = artifacts.load_model(run.input_path())
  last = model.layers[-1]
  kernel, bias = last.get_weights()
  last.set_weights([kernel / 2, bias / 2])
  path = artifacts.save_model(model, run.out(layout.MODEL))
  return [run.product(model, f"{run.input()[0]['name']}_halved", path, factor=0.5)]


def _check(config, splits):
  CHECKED.append(splits.input_shape)
  if config.student.epochs > 3:
    raise InputError("Config `student.epochs` must be <= 3 for the halve stage. "
                     f"Received: student.epochs={config.student.epochs}")


@pytest.fixture
def halve():
  stage = graph.register(graph.Stage(name="halve", run=_halve, inputs=("student", "distill"),
                                     check=_check, doc="logits halved"))
  CHECKED.clear()
  yield stage
  graph.unregister("halve")


def test_a_stage_registered_from_a_test_file(halve, smoke_config, tmp_path):
  del halve
  smoke_config.stages = ("student", "halve")
  workdir = str(tmp_path / "w")
  # Checked before anything trains: a failing check leaves no stage folder behind.
  smoke_config.student.epochs = 4
  with pytest.raises(InputError, match="halve stage"):
    pipeline.run(smoke_config, workdir)
  assert CHECKED and not os.path.exists(os.path.join(workdir, "seed_0"))

  smoke_config.student.epochs = 1
  report = pipeline.run(smoke_config, workdir)
  by_name = {m["name"]: m for m in report["models"]}
  halved = by_name["student_halved"]
  assert halved["stage"] == "halve" and halved["factor"] == 0.5
  assert halved["source"] == "student" and halved["source_stage"] == "student"
  assert halved["accuracy"] == by_name["student"]["accuracy"]  # Same argmax.
  assert report["lineage"]["student_halved"] == ["student_halved (halve)", "student (student)"]
  assert any(t["stage"] == "halve" for t in report["stage_seconds"])
  with open(os.path.join(workdir, "report.md")) as f:
    text = f.read()
  assert "| student_halved |" in text.split("## Table II")[1].split("## Table III")[0]
  with open(os.path.join(workdir, "report.json")) as f:
    assert "student_halved" in {m["name"] for m in json.load(f)["models"]}

  # Resumed: finished, it is skipped; its result removed, it alone runs again.
  model = layout.model_file(workdir, "halve", 0)
  before = os.stat(model).st_mtime_ns
  student_before = os.stat(layout.model_file(workdir, "student", 0)).st_mtime_ns
  assert pipeline.run(smoke_config, workdir)["models"] == report["models"]
  assert os.stat(model).st_mtime_ns == before
  os.remove(layout.done_file(workdir, "halve", 0))
  again = pipeline.run(smoke_config, workdir)
  assert os.stat(model).st_mtime_ns != before
  assert os.stat(layout.model_file(workdir, "student", 0)).st_mtime_ns == student_before
  assert again["models"][-1]["accuracy"] == halved["accuracy"]


_KEEP = ("name", "stage", "source", "source_stage", "role", "accuracy", "f1", "auc",
         "confusion_matrix", "size_bytes", "sparsity")


def _models(report):
  return [{k: m.get(k) for k in _KEEP} for m in report["models"]]


def test_the_same_config_gives_the_same_run_in_a_used_workdir(smoke_config, tmp_path):
  """Config C compresses the pruned student. A workdir where a run with clustering went
  first (quantize took the clustered model there) must still give C's models."""
  smoke_config.prune.distill = False
  smoke_config.prune.alphas = (1.0, 3.0)
  smoke_config.cluster.distill = False
  smoke_config.cluster.clusters = 4
  smoke_config.quantize.modes = ("int8",)
  smoke_config.stages = ("student", "prune", "quantize")
  fresh = pipeline.run(smoke_config, str(tmp_path / "fresh"))
  assert fresh["models"][-1]["name"] == "pruned_int8"

  used = str(tmp_path / "used")
  smoke_config.stages = ("student", "prune", "cluster", "quantize")
  before = pipeline.run(smoke_config, used)
  assert before["models"][-1]["source"] == "pruned_clustered"
  smoke_config.stages = ("student", "prune", "quantize")
  same = pipeline.run(smoke_config, used)
  quantized = [m for m in same["models"] if m["stage"] == "quantize"]
  assert [m["name"] for m in quantized] == ["pruned_int8"]
  assert quantized[0]["source"] == "pruned" and quantized[0]["source_stage"] == "prune"
  assert _models(same) == _models(fresh)
  assert same["lineage"] == fresh["lineage"]
