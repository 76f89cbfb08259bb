"""`distill=None` (auto): compression fine-tunes through the Distiller only when the model
it takes descends from the distilled student."""
import json
import os

import pytest

from tfcompress import config as config_lib
from tfcompress import layout
from tfcompress.stages import context
from tfcompress.stages import fitting
from tfcompress.stages import graph


def _finish(workdir, stage, name, source=None, source_stage=None, role="candidate", seed=0,
            metrics=None):
  """A finished stage (by default seed 0) whose one Keras model `name` was made from
  `source`, with these `metrics`."""
  output = {"kind": "keras", "name": name, "stage": stage, "source": source,
            "source_stage": source_stage, "role": role, "seed": seed,
            "path": f"seed_{seed}/{stage}/model.keras", "quantization": None}
  path = layout.done_file(workdir, stage, seed)
  os.makedirs(os.path.dirname(path))
  with open(path, "w") as f:
    json.dump({"outputs": [output], "metrics": [metrics or {}]}, f)


def _run(workdir, stage, source, flag=None):
  config = config_lib.base_config()
  config[stage].distill = flag
  return context.Run(config, workdir, None, None, 0, graph.get(stage), source)


@pytest.fixture(name="workdir")
def _workdir(tmp_path):
  workdir = str(tmp_path)
  _finish(workdir, "student", "student")
  _finish(workdir, "distill", "distilled")
  _finish(workdir, "prune", "pruned", "distilled", "distill")  # Pruned from the distilled.
  return workdir


@pytest.mark.parametrize("stage,source,descends", [
    ("prune", "student", False),
    ("prune", "distill", True),
    ("cluster", "prune", True),  # Through the pruned model, two steps back.
])
def test_auto_teaches_what_descends_from_the_distilled_student(workdir, stage, source,
                                                                 descends):
  run = _run(workdir, stage, source)
  assert run.descends_from("distill") is descends and run.teaches() is descends
  teach = fitting.teaching(run)
  assert (teach is run.config.distill) if descends else teach is None
  assert run.taught is descends  # Recorded in the model's metrics.


@pytest.mark.parametrize("flag", [True, False])
def test_a_set_flag_wins_over_the_lineage(workdir, flag):
  run = _run(workdir, "prune", "student", flag)  # Not distilled: auto would use the labels.
  assert (fitting.teaching(run) is not None) is flag


@pytest.mark.parametrize("collapsed,flag,taught", [
    ("predicts class 1 for every validation image", None, False),  # Auto: the labels.
    ("predicts class 1 for every validation image", True, True),  # Asked for: taught.
    (None, None, True),  # A healthy teacher teaches the distilled student's descendants.
])
def test_a_collapsed_teacher_teaches_only_when_asked(workdir, collapsed, flag, taught):
  _finish(workdir, "teacher", "teacher", role="teacher", seed=None,  # It runs once.
          metrics={"collapsed": collapsed})
  run = _run(workdir, "prune", "distill", flag)
  assert run.teacher_collapse() == collapsed
  assert run.teaches() is taught
