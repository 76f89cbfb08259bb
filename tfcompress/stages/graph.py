"""The stage graph: the one registry of stages, read by the pipeline, the checks and the report.

A stage is one module that describes itself with `Stage` and calls `register`:

  def _copy(run):
    model = artifacts.load_model(run.input_path())
    out = artifacts.save_model(model, run.out(layout.MODEL))
    return [run.product(model, "copied", out)]

  register(Stage(name="copy", run=_copy, inputs=("student", "distill")))

Its input is picked by the config, never by what the workdir holds: `Stage.source` names
the config field ("prune.source") whose value is one of `inputs`, "best" (the better on
validation of the configured ones) or "last" (the latest configured one). Stages run in
the order they were registered; a stage may only name stages registered before it.

`python -m tfcompress.stages.graph` prints the graph.
"""
import dataclasses
import difflib
import importlib
from typing import Callable, Optional

from tfcompress.errors import InputError

CHOICES = ("best", "last")  # Besides a stage name, the values of a `source` field.
_REGISTRY = {}


def _no_needs(config):
  del config
  return ()


@dataclasses.dataclass(frozen=True)
class Stage:
  """One stage of the chain.

  Attributes:
    name: its entry in `config.stages` and the name of its folder.
    run: `fn(run) -> list[Product]`, `run` a `stages.context.Run` for this stage and seed.
    seeded: runs once per seed (the students and what follows) or once (the teacher).
    inputs: the stages it can take its model from, in chain order.
    source: the config field that picks among `inputs` (e.g. "prune.source"); None: the
      latest configured one ("last").
    needs: `fn(config) -> stages` whose other artifacts it reads (the teacher's logits);
      `needed` adds the teacher for a `distill` field that is True.
    uses: stages whose artifacts it reads when they are configured or finished in the
      workdir, and does without otherwise (quantize: the conventional student, the
      reference of every compression ratio); unlike `needs`, their absence is no error.
    check: `fn(config, splits)` raising InputError; runs before the first stage trains.
    curves: its training curves belong in training_curves.png.
    compare: stages whose model the report pairs with this stage's (paired tests), besides
      the model it was made from.
    gather: takes the outputs of every configured input (`run.sources`) instead of one
      model (export: every .tflite of quantize and qat).
    doc: one line for the graph listing.
    trains: it trains a model (under the config's `strategy`, on every worker of a
      multi-worker run); False: it only converts, measures or writes (on the chief alone).
    distill: the config field ("prune.distill") that says whether it fine-tunes through
      the Distiller (`Run.teaches`); when that makes it read the teacher, the teacher is
      one of its dependencies.
    reads: other stages' config groups its results depend on, besides `data`, `train`,
      `student`, its own and, with `distill`, `distill` (channels:
      `quantize.calibration_images`); recorded with its settings, so that a change to
      them runs it again. A stage's config group may change in a finished workdir when
      every stage that records it is listed (`workdir_config`): a plug-in stage must name
      every other group it reads here, or it is left stale.

  Args:
    The attributes above, by keyword.

  Raises:
    Nothing itself; `register` checks it.

  Example:
    Stage(name="copy", run=_copy, inputs=("student", "distill"), source=None)
  """
  name: str
  run: Callable
  seeded: bool = True
  inputs: tuple = ()
  source: Optional[str] = None
  needs: Callable = _no_needs
  uses: tuple = ()
  check: Optional[Callable] = None
  curves: bool = True
  compare: tuple = ()
  gather: bool = False
  doc: str = ""
  trains: bool = True
  distill: Optional[str] = None
  reads: tuple = ()

  def distill_flag(self, config):
    """The value of its `distill` field in `config`: True, False, None (auto), or None for
    a stage without one."""
    if not self.distill:
      return None
    group, key = self.distill.split(".")
    return config[group][key]

  def needed(self, config):
    """The stages whose artifacts it reads besides its input: `needs`, and the teacher when
    its `distill` field is True (with None, the pipeline adds it per seed)."""
    return (*(("teacher",) if self.distill_flag(config) else ()), *self.needs(config))

  def folder_seed(self, seed):
    """The seed in this stage's folder name: None for a stage that runs once."""
    return seed if self.seeded else None


@dataclasses.dataclass
class Output:
  """What a stage made, as the next stages and the report find it (never by its name).

  kind: keras | tflite | deployment. role: member (of the teacher ensemble) | teacher |
  baseline (trained on labels alone) | candidate (may ship) | reference (what compression
  ratios divide). `source` and `source_stage` name the model it was made from.
  """
  name: str
  kind: str
  path: str
  role: str = "candidate"
  quantization: Optional[str] = None
  source: Optional[str] = None
  source_stage: Optional[str] = None
  stage: str = ""
  seed: Optional[int] = None

  def to_dict(self):
    return dataclasses.asdict(self)


@dataclasses.dataclass
class Product:
  """An output and its metric row (test and validation figures, sizes, details)."""
  output: Output
  metrics: dict


def register(stage):
  """Adds `stage` to the graph, after every stage registered so far.

  Args:
    stage: a `Stage`; the stages in its `inputs` must be registered already.

  Returns:
    `stage`.

  Raises:
    TypeError: `stage` is not a Stage.
    ValueError: a stage of that name exists, or an input is not registered.

  Example:
    register(Stage(name="copy", run=_copy, inputs=("student", "distill")))
    # then: config.stages = (..., "copy")
  """
  if not isinstance(stage, Stage):
    raise TypeError(f"Argument `stage` must be a Stage. Received: stage={stage!r}")
  if stage.name in _REGISTRY:
    raise ValueError(f"A stage named {stage.name!r} is registered already.")
  missing = [s for s in stage.inputs if s not in _REGISTRY]
  if missing:
    raise ValueError(f"Stage {stage.name!r} takes models from unregistered stages {missing}; "
                     "register those first.")
  _REGISTRY[stage.name] = stage
  return stage


def unregister(name):
  """Removes a stage (for tests that register a throwaway one)."""
  _REGISTRY.pop(name, None)


def stages():
  """Every registered stage, in run order (the built-in ones are loaded first)."""
  importlib.import_module("tfcompress.stages")
  return list(_REGISTRY.values())


def get(name):
  for stage in stages():
    if stage.name == name:
      return stage
  raise InputError(f"Unknown stage {name!r}. Known: {', '.join(names())}.")


def names():
  return [s.name for s in stages()]


def configured(config):
  """The stages `config.stages` names, in run order; an unknown name is an InputError."""
  unknown = [s for s in config.stages if s not in names()]
  if unknown:
    close = difflib.get_close_matches(unknown[0], names(), n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise InputError(f"Config `stages` names an unknown stage {unknown[0]!r}.{hint} Known: "
                     f"{', '.join(names())}. Received: stages={tuple(config.stages)!r}")
  return [s for s in stages() if s.name in config.stages]


def choice(stage, config):
  """The value of the stage's `source` field ("last" without one), checked."""
  if stage.source is None:
    return "last"
  value = config
  for part in stage.source.split("."):
    value = value[part]
  allowed = (*stage.inputs, *CHOICES)
  if value not in allowed:
    raise InputError(f"Config `{stage.source}` must be one of {', '.join(allowed)}. "
                     f"Received: {stage.source}={value!r}")
  return value


def candidates(stage, config, finished):
  """The stages `stage` may take its model from, as the config picks them.

  `finished(name)` says whether that stage finished in the workdir for every seed: a
  stage named outright may come from an earlier run;
  "best" and "last" look only at `config.stages` (when none of the inputs is configured,
  at the finished ones: "best" takes them all, "last" the latest in chain order). Raises InputError, before anything trains, when the pick is impossible.
  """
  if not stage.inputs:
    return ()
  if stage.gather:
    found = ([s for s in stage.inputs if s in config.stages]
             or [s for s in stage.inputs if finished(s)])
    if found:
      return tuple(found)
    raise InputError(f"Stage `{stage.name}` takes the outputs of {', '.join(stage.inputs)}, "
                     "and none is in `stages` or finished. Add one to `stages`.")
  pick = choice(stage, config)
  field = f"`{stage.source}`" if stage.source else "its input"
  listed = [s for s in stage.inputs if s in config.stages]
  if pick not in CHOICES:
    if pick in config.stages or finished(pick):
      return (pick,)
    raise InputError(f"Stage `{stage.name}` takes its model from `{pick}` ({stage.source}="
                     f"{pick!r}), which is neither in `stages` nor finished in this workdir. "
                     f"Add {pick!r} to `stages`.")
  if pick == "last" and listed:
    return (listed[-1],)
  if pick == "best" and listed:
    return tuple(listed)
  done = [s for s in stage.inputs if finished(s)]
  if pick == "best" and done:
    return tuple(done)
  if pick == "last" and done:
    return (done[-1],)
  raise InputError(f"Stage `{stage.name}` takes its model from one of "
                   f"{', '.join(stage.inputs)} ({field}={pick!r}), and none is in `stages`. "
                   f"Add one to `stages`" + (f", or name a finished one in `{stage.source}`."
                                             if stage.source else "."))


def student_sources(config, finished):
  """{stage: {"field", "setting", "candidates"}} for the listed stages whose `source` picks
  among the conventional and the distilled student (`candidates`; `finished` as there):
  what report.md says compression starts from, and what the collapsed-teacher warning
  names as pinned to the distilled student.

  Example:
    student_sources(config, lambda name: True)["prune"]["candidates"]  # ["student", "distill"]
  """
  out = {}
  for stage in stages():
    if stage.name not in config.stages or not stage.source:
      continue
    picks = candidates(stage, config, finished)
    if {"student", "distill"} & set(picks):
      out[stage.name] = {"field": stage.source, "setting": choice(stage, config),
                         "candidates": list(picks)}
  return out


def describe(config):
  """The graph as text: one line a stage, with its inputs, the field that picks, its needs
  (as `config` sets them), and "chief only" for a stage that does not train."""
  lines = []
  for s in stages():
    inputs = " | ".join(s.inputs) or "-"
    picked = (f" (picked by {s.source})" if s.source else " (all configured)" if s.gather
              else " (the latest configured)" if s.inputs else "")
    needed = f"; needs {', '.join(s.needed(config))}" if s.needed(config) else ""
    needed += f"; uses {', '.join(s.uses)} when there" if s.uses else ""
    where = "" if s.trains else "; chief only"
    lines.append(f"{s.name:<14} {'per seed' if s.seeded else 'once':<8}  from: {inputs}"
                 f"{picked}{needed}{where}. {s.doc}")
  return "\n".join(lines)


def mermaid(config):
  """The graph as a Mermaid flowchart: model inputs solid, other needs (with `config`)
  dotted."""
  lines = ["flowchart LR"]
  for s in stages():
    lines += [f"  {i} --> {s.name}" for i in s.inputs]
    lines += [f"  {n} -.-> {s.name}" for n in dict.fromkeys((*s.needed(config), *s.uses))]
  return "\n".join(lines)


def main(argv):
  """`python -m tfcompress.stages.graph [--mermaid]`: lists (or draws) the graph."""
  from tfcompress import config as config_lib  # pylint: disable=g-import-not-at-top
  from tfcompress.stages import graph  # pylint: disable=g-import-not-at-top  (the registry)
  config = config_lib.base_config()
  print(graph.mermaid(config) if "--mermaid" in argv else graph.describe(config))


if __name__ == "__main__":
  import sys  # pylint: disable=g-import-not-at-top
  main(sys.argv[1:])
