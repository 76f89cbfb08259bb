"""The stage graph: the config, not the workdir, picks each stage's input."""
import pytest

from tfcompress import config as config_lib
from tfcompress.errors import InputError
from tfcompress.stages import graph


def _config(stages, **sources):
  config = config_lib.base_config()
  config.stages = stages
  for key, value in sources.items():
    config[key].source = value
  return config


def _finished(*names):
  return lambda name: name in names


@pytest.mark.parametrize("stages,sources,finished,expected", [
    # "best": the configured students only, whatever else the workdir holds.
    (("student", "distill", "prune"), {}, (), ("student", "distill")),
    (("student", "prune"), {}, ("distill",), ("student",)),
    # Nothing configured: "best" takes the finished inputs.
    (("prune",), {}, ("student", "distill"), ("student", "distill")),
    (("prune",), {}, ("distill", "channels"), ("distill", "channels")),
    # Named outright: configured, or finished in an earlier run.
    (("student", "distill", "prune"), {"prune": "student"}, (), ("student",)),
    (("prune",), {"prune": "distill"}, ("distill",), ("distill",)),
])
def test_prune_candidates(stages, sources, finished, expected):
  prune = graph.get("prune")
  assert graph.candidates(prune, _config(stages, **sources), _finished(*finished)) == expected


def test_last_is_the_latest_configured_input_else_the_latest_finished():
  quantize = graph.get("quantize")
  config = _config(("student", "prune", "quantize"))
  assert graph.candidates(quantize, config, _finished("cluster")) == ("prune",)
  config.stages = ("student", "prune", "cluster", "quantize")
  assert graph.candidates(quantize, config, _finished()) == ("cluster",)
  # None configured (`quantize` run again alone): the latest finished one.
  config.stages = ("quantize",)
  assert graph.candidates(quantize, config, _finished("student", "prune")) == ("prune",)


def test_a_single_input_may_come_from_an_earlier_run():
  export = graph.get("export")
  assert graph.candidates(export, _config(("export",)), _finished("quantize")) == ("quantize",)
  with pytest.raises(InputError, match="none is in `stages`"):
    graph.candidates(export, _config(("export",)), _finished())


@pytest.mark.parametrize("stages,sources,finished,match", [
    (("prune",), {}, (), "none is in `stages`"),
    (("student", "prune"), {"prune": "distill"}, (), "neither in `stages` nor finished"),
    (("quantize",), {}, (), "none is in `stages`"),
    (("student", "prune"), {"prune": "cluster"}, (), "prune.source` must be one of"),
])
def test_impossible_inputs_are_one_line_errors(stages, sources, finished, match):
  prune_or_quantize = graph.get(stages[-1])
  with pytest.raises(InputError, match=match):
    graph.candidates(prune_or_quantize, _config(stages, **sources), _finished(*finished))


def test_unknown_stage_names_the_closest():
  with pytest.raises(InputError, match="'destill'. Did you mean 'distill'"):
    graph.configured(_config(("teacher", "destill")))


def test_stages_run_in_graph_order_whatever_the_config_order():
  config = _config(("export", "quantize", "student", "teacher"))
  assert [s.name for s in graph.configured(config)] == ["teacher", "student", "quantize",
                                                         "export"]


def test_register_refuses_unknown_inputs_and_twins():
  with pytest.raises(ValueError, match="unregistered"):
    graph.register(graph.Stage(name="x", run=print, inputs=("nope",)))
  with pytest.raises(ValueError, match="already"):
    graph.register(graph.Stage(name="student", run=print))


def test_listing_names_every_stage_and_its_inputs():
  text = graph.describe(config_lib.base_config())
  for stage in graph.stages():
    assert stage.name in text
  drawn = graph.mermaid(config_lib.base_config())
  assert "prune.source" in text and "distill --> prune" in drawn
  assert "teacher -.-> distill" in drawn


def test_docs_show_the_graph_the_registry_draws():
  """docs/architecture.md is regenerated from `python -m tfcompress.stages.graph`."""
  import pathlib
  docs = (pathlib.Path(__file__).parents[2] / "docs" / "architecture.md").read_text()
  config = config_lib.base_config()
  assert graph.describe(config) in docs and graph.mermaid(config) in docs


def test_a_collapsed_teacher_warning_names_the_stages_that_take_its_student_anyway():
  from tfcompress.stages import student  # pylint: disable=g-import-not-at-top
  config = config_lib.base_config()
  assert "only if it beats the conventional student" in student._who_compresses(config)
  config.stages = (*config.stages, "channels")
  config.channels.source = "distill"  # configs/pneumonia_tiny.py (trial 11).
  said = student._who_compresses(config)
  assert "`channels.source=distill` compresses it whatever it scores" in said
  assert "only if" not in said
  config.stages = ("teacher", "student", "distill")
  assert student._who_compresses(config) == ""
  config.stages = ("teacher", "student", "distill", "cluster")  # cluster.source='last'.
  assert "`cluster.source=last` compresses it" in student._who_compresses(config)
