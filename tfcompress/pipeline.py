"""`run(config, workdir)`: the configured stages of the graph (`stages.graph`), then the report.

Each stage reads the saved artifacts of the stage its config picks and writes its own; a
stage whose `metrics.json` exists (with the same inputs) is skipped, so a stopped run
picks up where it stopped. Seeded stages run once per seed when `config.repeats > 1`;
the teacher runs once.
"""
import hashlib
import os
import time

from absl import logging

from tfcompress import artifacts
from tfcompress import config as config_lib
from tfcompress import data as data_lib
from tfcompress import failures
from tfcompress import fingerprint
from tfcompress import health
from tfcompress import layout
from tfcompress import report
from tfcompress import training
from tfcompress import workdir as workdir_lib
from tfcompress import workdir_config
from tfcompress.data import checks as data_checks
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import CollapseError
from tfcompress.errors import InputError
from tfcompress.stages import context
from tfcompress.stages import graph

def _finished(workdir, seeds):
  """finished(name): stage `name` finished in `workdir` for every seed (or once)."""
  def finished(name):
    stage = graph.get(name)
    return all(os.path.exists(layout.done_file(workdir, name, s))
               for s in (seeds if stage.seeded else [None]))
  return finished


def plan(config, workdir, seeds):
  """{stage: its candidate input stages}, for every configured stage, checked.

  Raises InputError naming the stage when an input or a needed stage is neither in
  `stages` nor finished in the workdir: before anything trains.
  """
  finished = _finished(workdir, seeds)
  planned = {}
  for stage in graph.configured(config):
    planned[stage.name] = graph.candidates(stage, config, finished)
    for need in stage.needed(config):
      if need not in config.stages and not finished(need):
        raise InputError(f"Stage `{stage.name}` needs the `{need}` stage's output, which is "
                         f"neither in `stages` nor finished in this workdir. Add {need!r} "
                         "to `stages`.")
  return planned


def reported(config, workdir, seeds):
  """The stages the report covers, in run order: the configured ones and, transitively,
  the stages they take models or artifacts from (finished ones outside `stages`
  included)."""
  finished = _finished(workdir, seeds)
  keep, todo = set(), list(config.stages)
  while todo:
    name = todo.pop()
    if name in keep:
      continue
    keep.add(name)
    stage = graph.get(name)
    try:
      todo += [*graph.candidates(stage, config, finished), *stage.needed(config),
               *(u for u in stage.uses if u in config.stages or finished(u))]
    except InputError:
      pass  # A finished stage outside `stages` whose own inputs are gone: itself only.
  return [s for s in graph.stages() if s.name in keep]


def compression_starts(config, workdir, seeds):
  """`graph.student_sources` for this workdir's finished stages: what report.md says
  compression starts from when the teacher did not win."""
  return graph.student_sources(config, _finished(workdir, seeds))


def _version(workdir, name, seed):
  """sha256 of the metrics.json stage `name` finished with: it changes when it reruns."""
  path = layout.done_file(workdir, name, graph.get(name).folder_seed(seed))
  with open(path, "rb") as f:
    return hashlib.sha256(f.read()).hexdigest()[:16]


def _check_stages(config, splits):
  """Every configured stage's own checks (layer names, plug-ins, boards), before training."""
  checked = set()
  for stage in graph.configured(config):
    if stage.check is not None and stage.check not in checked:  # student and distill share
      checked.add(stage.check)                                   # theirs: run it once.
      stage.check(config, splits)
  keras.backend.clear_session()  # What the checks built is gone; names start afresh.


def run(config, workdir):
  """Runs the configured stages in `workdir`, skipping finished ones; returns the report.

  Each stage takes its input from the stage its config field picks (`prune.source`, ...),
  never from whatever the workdir holds, so `config.json` alone reproduces the run. A
  finished stage is run again when the input the config picks for it changed, or when a
  stage it depends on ran again since (its `metrics.json` records the sha256 of theirs).

  Under `strategy="multi_worker_mirrored"` every worker calls `run` with the same config
  and workdir. The chief holds the workdir and writes everything in it; each other worker
  trains beside it in a private copy of the workdir (so it skips the stages the chief
  skips), skips the stages that do not train, writes no report, returns None and removes
  its copy.

  Args:
    config: a config from `base_config()` or a file in configs/.
    workdir: the folder for artifacts and the report (created if missing).

  Returns:
    The report (also written as WORKDIR/report.json and report.md); None on a worker
    that is not the chief.

  Raises:
    InputError: a config value, the data or the workdir cannot work (one line says why).
    CollapseError: after writing the report, when a model compression needs collapsed on
      the validation images (one class, or chance).

  Example:
    import tfcompress
    report = tfcompress.run(tfcompress.base_config(), "runs/pneumonia")
  """
  config_lib.check(config)
  strategy = training.strategy(config.strategy)
  if training.is_chief(strategy):
    return _run(config, workdir)
  with workdir_lib.worker_copy(workdir, training.worker_id(strategy)) as scratch:
    _run(config, scratch, chief=False)
  return None


def _data_source(data):
  """Where the data came from; `data.path` wins over `data.name`, which the log then says."""
  if data.path:
    return f"data.path={data.path!r}; data.name={data.name!r} is not used"
  return f"data.name={data.name!r}"


@workdir_lib.exclusive  # One run per workdir (WORKDIR/.lock); temporary files swept.
def _run(config, workdir, chief=True):
  seeds = [config.seed + i for i in range(config.repeats)]
  planned = plan(config, workdir, seeds)
  splits = data_lib.load(config.data, config.seed)
  _check_stages(config, splits)
  if "search" not in config.stages and any(config.target.values()):
    logging.warning("`target` is set (%s) but no stage reads it: add 'search' to `stages` to "
                    "find the most accurate model that fits it.",
                    ", ".join(f"{k}={v!r}" for k, v in config.target.items() if v))
  written, given = workdir_config.check_workdir(config, workdir, splits.input_shape,
                                                splits.val_replaced)
  data_sha256 = fingerprint.check(workdir, config, splits, workdir_config.FREE_FIELDS)
  made = {"data_sha256": data_sha256["data_sha256"], "config": given}
  artifacts.write_json(layout.file(workdir, layout.CONFIG), written)  # Both checks passed.
  tf.config.experimental.enable_op_determinism()
  logging.info("Data (%s): %d train, %d val, %d test images of shape %s, classes %s",
               _data_source(config.data), len(splits.y_train), len(splits.y_val),
               len(splits.y_test), splits.input_shape, splits.class_names)
  if not chief:
    _run_stages(config, workdir, splits, seeds, planned, made, chief)
    return None
  copies = data_checks.describe_overlap(data_checks.overlap(splits), len(splits.y_val),
                                        len(splits.y_test))
  weights = data_lib.pipelines.class_weights(splits.y_train, config.data.class_weights)
  for text in (copies,
               data_checks.describe_thin_train(splits.y_train, splits.class_names, bool(weights)),
               data_checks.describe_thin_val(splits.y_val, splits.class_names, splits.y_train)):
    if text:
      logging.warning("%s", text)
  if weights:
    mode = config.data.class_weights
    logging.info("Class weights (data.class_weights=%r%s): %s.", mode,
                 ": the classes are imbalanced, so 'balanced'" * (mode == "auto"),
                 ", ".join(f"{splits.class_names[k]} {w:.3g}" for k, w in weights.items()))
  try:
    _run_stages(config, workdir, splits, seeds, planned, made)
  except CollapseError:
    report.write(workdir, config, splits, reported(config, workdir, seeds), seeds,
                 compression_starts(config, workdir, seeds))
    raise  # After writing the report: the flags, for the user to read.
  written = report.write(workdir, config, splits, reported(config, workdir, seeds), seeds,
                         compression_starts(config, workdir, seeds))
  others = sorted(set(layout.seeds(workdir)) - set(seeds))
  if others:
    logging.warning("report.md covers seed(s) %s (`seed`=%d, `repeats`=%d); this workdir also "
                    "holds seed(s) %s, left out. Run with the `seed` and `repeats` that cover "
                    "them to report them too (finished stages are not run again).",
                    ", ".join(map(str, seeds)), config.seed, config.repeats,
                    ", ".join(map(str, others)))
  collapsed = [m for m in written["models"] if m.get("collapsed")]
  if collapsed:
    text = ", ".join(f"{m['name']} (stage {m['stage']}"
                     + ("" if m["seed"] is None else f", seed {m['seed']}") + ")"
                     for m in collapsed)
    shipped = [m for m in collapsed if m.get("role") == "candidate" and m["kind"] == "tflite"]
    if shipped:
      raise CollapseError(f"A compressed model collapsed on validation: {text}; see "
                          f"report.md. {health.ADVICE}")
    logging.warning("Collapsed on validation (not used for compression): %s. %s", text,
                    health.ADVICE)
  return written


def _stale(workdir, done, seed):
  """The stages a finished stage's record (`done`) took files from that ran again since
  (or are gone): what it holds was made from their older outputs."""
  versions = ((done or {}).get("inputs") or {}).get("versions", {})
  return [d for d, v in versions.items()
          if not os.path.exists(layout.done_file(workdir, d, graph.get(d).folder_seed(seed)))
          or _version(workdir, d, seed) != v]


def _check_unlisted(config, workdir, made, stage, unlisted, seed):
  """Refuses to take a finished stage this run does not list when it was made with other
  settings (a `teacher/` copied from another workdir, say) or from an output that was
  made again since (channels rerun for a new quantize setting, say, under an unlisted
  prune): listed, it would run again."""
  for name in unlisted:
    other = graph.get(name)
    seed_used = seed if other.seeded else config.seed
    done = artifacts.read_json(layout.done_file(workdir, name, other.folder_seed(seed)))
    changed = workdir_config.changed((done or {}).get("settings"),
                                     workdir_config.settings(made, other, seed_used))
    changed += [f"made from an earlier `{d}` output, which ran again since"
                for d in _stale(workdir, done, seed_used)]
    changed += _gone(workdir, done)
    if changed:
      raise InputError(f"Stage `{stage.name}` takes the `{name}` stage's output from {workdir!r}, "
                       f"which cannot be used as it is ({'; '.join(changed)}). Add "
                       f"{name!r} to `stages` to make it again with these settings.")
    logging.info("Stage %s takes %s from this workdir (made with these settings).",
                 stage.name, name)


def _named(stage, seed):
  """"student (seed 1)"; "teacher" for a stage that runs once."""
  return stage.name if stage.folder_seed(seed) is None else f"{stage.name} (seed {seed})"


# Stages that keep the parts they finished (teacher members, each recorded with its file)
# when they run again without a change of settings or inputs.
_RESUMES = ("teacher",)


def _gone(workdir, done):
  """"its file X is gone" for the first output a finished stage recorded that is missing
  (deleted, or a partial copy of a work directory): the stage must run again."""
  for output in (done or {}).get("outputs") or []:
    if output.get("path") and not os.path.exists(layout.absolute(workdir, output["path"])):
      return [f"its file {output['path']} is gone"]
  return []


def _run_stages(config, workdir, splits, seeds, planned, made, chief=True):
  strategy = training.strategy(config.strategy)
  for stage in graph.configured(config):
    if not (chief or stage.trains):
      continue  # Conversion, checks and export: on the chief alone.
    for seed in (seeds if stage.seeded else [config.seed]):
      failures.check_interrupted()  # A Ctrl-C Python dropped stops before the next stage.
      stage_run = context.Run(config, workdir, splits, strategy, seed, stage)
      folder_seed = stage.folder_seed(seed)
      candidates = planned[stage.name]
      if stage.gather:
        stage_run.sources = context.finished_inputs(stage_run, candidates)
      elif candidates:
        stage_run.source = context.pick_source(stage_run, candidates)
      needs = list(stage.needed(config))  # In the order metrics.json has recorded them:
      needs += [u for u in stage.uses if u not in needs and (u in config.stages or os.path.exists(
          layout.done_file(workdir, u, graph.get(u).folder_seed(seed))))]
      if stage.distill and stage_run.source and "teacher" not in needs and stage_run.teaches():
        needs.append("teacher")  # Taught because its input was distilled: reads the teacher.
      stage_run.needs = tuple(needs)
      depends = sorted({stage_run.source, *stage_run.sources, *needs} - {None})
      # What this run would take: the stages, and the exact files they finished with.
      inputs = {"source": stage_run.source, "candidates": list(candidates), "needs": needs,
                "versions": {d: _version(workdir, d, seed) for d in depends}}
      done_path = layout.done_file(workdir, stage.name, folder_seed)
      done = artifacts.read_json(done_path)
      settings = workdir_config.settings(made, stage, seed)
      gone = _gone(workdir, done)
      changed = (workdir_config.changed(done.get("settings"), settings) if done else []) + gone
      # Before "already done": an unlisted input made from an output made again since is
      # stale even when this stage's record still matches it.
      _check_unlisted(config, workdir, made, stage,
                      [d for d in depends if d not in config.stages], seed)
      if done and done.get("inputs") == inputs and "outputs" in done and not changed:
        logging.info("Stage %s already done: %s", _named(stage, seed), done_path)
        continue
      folder = os.path.dirname(done_path)
      if not done and os.path.isdir(folder) and os.listdir(folder):
        logging.info("Stage %s stopped before it finished in an earlier run: it starts "
                     "again%s.", _named(stage, seed), " and keeps the members it finished"
                     if stage.name in _RESUMES else "")
      if (done and stage.name in _RESUMES and done.get("inputs") == inputs
          and changed == gone):
        logging.warning("Stage %s runs again: %s; it keeps the members whose files are "
                        "there.", _named(stage, seed), "; ".join(changed))
        os.remove(done_path)  # A stop before the new record: "stopped before it finished".
        done = None  # Only files gone: it makes them again and keeps what is there.
      if done:  # Run again from scratch: nothing the last run left (models, files) is kept.
        logging.warning("Stage %s runs again: %s; its folder is emptied first.",
                        _named(stage, seed), "; ".join(changed) if changed else
                        "the input the config picks for it changed or ran again")
        workdir_lib.clear(os.path.dirname(done_path))
      keras.utils.set_random_seed(seed)
      start = time.time()
      with training.precision(config.train.mixed_precision if stage.trains else "float32"):
        products = stage.run(stage_run)
      for p in products:
        p.output.stage, p.output.seed = stage.name, folder_seed
      artifacts.write_json(done_path, {
          "stage": stage.name, "seconds": time.time() - start, "inputs": inputs,
          "settings": settings,
          "outputs": [p.output.to_dict() for p in products],
          "metrics": [p.metrics for p in products]})
      logging.info("Stage %s done in %.0f s", _named(stage, seed), time.time() - start)
