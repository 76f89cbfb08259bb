"""`run(config, workdir)`: the configured stages of the graph (`stages.graph`), then the report.

Each stage reads the saved artifacts of the stage its config picks and writes its own; a
stage whose `metrics.json` exists (with the same inputs) is skipped, so a stopped run
picks up where it stopped. Seeded stages run once per seed when `config.repeats > 1`;
the teacher runs once.
"""
import hashlib
import json
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
from tfcompress import models
from tfcompress import report
from tfcompress import training
from tfcompress import workdir as workdir_lib
from tfcompress.data import checks as data_checks
from tfcompress.models import trained
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import CollapseError
from tfcompress.errors import InputError
from tfcompress.stages import context
from tfcompress.stages import graph

# Fields that may change between runs in one workdir: they do not change any result.
_FREE_FIELDS = ("stages", "verbose", "repeats")


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
      todo += [*graph.candidates(stage, config, finished), *stage.needed(config)]
    except InputError:
      pass  # A finished stage outside `stages` whose own inputs are gone: itself only.
  return [s for s in graph.stages() if s.name in keep]


def _version(workdir, name, seed):
  """sha256 of the metrics.json stage `name` finished with: it changes when it reruns."""
  path = layout.done_file(workdir, name, graph.get(name).folder_seed(seed))
  with open(path, "rb") as f:
    return hashlib.sha256(f.read()).hexdigest()[:16]


def _check_stages(config, splits):
  """Every configured stage's own checks (layer names, plug-ins, boards), before training."""
  for stage in graph.configured(config):
    if stage.check is not None:
      stage.check(config, splits)
  keras.backend.clear_session()  # What the checks built is gone; names start afresh.


def _flat(values, prefix=""):
  """{"distill": {"alpha": 0.5}} -> {"distill.alpha": 0.5}."""
  flat = {}
  for key, value in values.items():
    if isinstance(value, dict):
      flat.update(_flat(value, f"{prefix}{key}."))
    else:
      flat[f"{prefix}{key}"] = value
  return flat


_TEACHER_SIZE = "teacher.input_size"
_TEACHER_GROUPS = ("data", "train", "teacher")  # The config groups the teacher reads.
_COLOR_MODE = "data.color_mode"
_DATA_PATH = "data.path"
_STUDENT_MODEL = "student.model"


def _mark_model_file(flat):
  """`student.model` naming a trained model file -> one marker, whatever its path."""
  if trained.is_file(str(flat.get(_STUDENT_MODEL, ""))):
    flat[_STUDENT_MODEL] = "(a model file: compared by its sha256)"
  return flat


def _given(values, input_shape, folder):
  """A config's values (a dict, as config.json holds them) flat, with fields compared as
  what they give on these images (`input_shape`); `data.color_mode` only for an image
  `folder` (it reads nothing else); `data.path` not at all, nor the path of a model file
  in `student.model`: their sha256 (`fingerprint.check`) compares what they name, so the
  same file under another path (absolute, relative, a copy) is the same data."""
  flat = _flat(values)
  flat.pop(_DATA_PATH, None)
  _mark_model_file(flat)
  if isinstance(flat.get(_TEACHER_SIZE), int):
    flat[_TEACHER_SIZE] = models.member_size(flat[_TEACHER_SIZE], input_shape)
  if not folder:
    flat.pop(_COLOR_MODE, None)
  elif flat.get(_COLOR_MODE) == "auto":
    flat[_COLOR_MODE] = "grayscale" if input_shape[-1] == 1 else "rgb"
  return flat


def _keep_teacher(workdir, changed):
  """How to keep the teacher when the `changed` fields leave it as it was."""
  groups = {k.split(".")[0] for k in changed}
  teacher = layout.stage_dir(workdir, "teacher", None)
  if groups & {*_TEACHER_GROUPS, "seed"} or not os.path.isdir(teacher):
    return ""
  return (f" The teacher does not depend on that: copy {teacher!r} into the new --workdir "
          "first and it is reused, not trained again.")


def _check_workdir(config, workdir, input_shape):
  """Refuses a workdir whose artifacts (any, finished or not) came from another config;
  returns (what `config.json` is to hold, written only once the data passed too; the
  config as compared, `_given`, which every stage's settings are taken from).

  `teacher.input_size` is compared as the side it gives on the images (`input_shape`; the
  workdir's as `fingerprint.json` recorded it, when it did), so 0 (the default since
  d3b34db) matches the 32 that runs before it recorded for 28x28 images;
  `data.color_mode='auto'` (the default since the grayscale one) as the mode it picked,
  and only for an image folder.
  """
  old = artifacts.read_json(layout.file(workdir, layout.CONFIG))
  new = json.loads(config_lib.to_json(config))
  folder = data_lib.is_image_folder(config.data.path)
  new_flat = _given(new, input_shape, folder)
  if old is not None and workdir_lib.has_artifacts(workdir):
    try:  # Fields added to the schema since that run read as their defaults.
      old = json.loads(config_lib.to_json(config_lib.update(config_lib.base_config(), old)))
    except InputError:
      pass  # It names a field this version lacks: compared as written, so it differs.
    old = _given(old, fingerprint.input_shape(workdir) or input_shape, folder)
    changed = [k for k in sorted(set(old) | set(new_flat))
               if k.split(".")[0] not in _FREE_FIELDS and old.get(k) != new_flat.get(k)]
    if changed:
      shown = "; ".join(f"{k}: {old.get(k, '(absent)')!r} -> {new_flat.get(k, '(absent)')!r}"
                        for k in changed)
      raise InputError(f"{workdir!r} holds a run with a different config ({shown}). Use a new "
                       f"--workdir, or delete this one.{_keep_teacher(workdir, changed)}")
  # Files as absolute paths, so that `--config=WORKDIR/config.json` and tfcompress-bench
  # find them from any directory (their spelling is not compared: their sha256 is).
  if new["data"]["path"] and not os.path.isabs(new["data"]["path"]):
    new["data"]["path"] = os.path.abspath(new["data"]["path"])
  if trained.is_file(new["student"]["model"]):  # A trained model, not a builder's name.
    new["student"]["model"] = os.path.abspath(new["student"]["model"])
  return new, new_flat


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


@workdir_lib.exclusive  # One run per workdir (WORKDIR/.lock); temporary files swept.
def _run(config, workdir, chief=True):
  seeds = [config.seed + i for i in range(config.repeats)]
  planned = plan(config, workdir, seeds)
  splits = data_lib.load(config.data, config.seed)
  _check_stages(config, splits)
  written, given = _check_workdir(config, workdir, splits.input_shape)
  made = {"data_sha256": fingerprint.check(workdir, config, splits, _FREE_FIELDS)["data_sha256"],
          "config": given}
  artifacts.write_json(layout.file(workdir, layout.CONFIG), written)  # Both checks passed.
  tf.config.experimental.enable_op_determinism()
  logging.info("Data: %d train, %d val, %d test images of shape %s, classes %s",
               len(splits.y_train), len(splits.y_val), len(splits.y_test), splits.input_shape,
               splits.class_names)
  if not chief:
    _run_stages(config, workdir, splits, seeds, planned, made, chief)
    return None
  copies = data_checks.describe_overlap(data_checks.overlap(splits), len(splits.y_val),
                                        len(splits.y_test))
  for text in (copies, data_checks.describe_thin_val(splits.y_val, splits.class_names)):
    if text:
      logging.warning("%s", text)
  weights = data_lib.pipelines.class_weights(splits.y_train, config.data.class_weights)
  if weights:
    logging.info("Class weights (data.class_weights=%r): %s.", config.data.class_weights,
                 ", ".join(f"{splits.class_names[k]} {w:.3g}" for k, w in weights.items()))
  try:
    _run_stages(config, workdir, splits, seeds, planned, made)
  except CollapseError:
    report.write(workdir, config, splits, reported(config, workdir, seeds), seeds)
    raise  # After writing the report: the flags, for the user to read.
  written = report.write(workdir, config, splits, reported(config, workdir, seeds), seeds)
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


def _settings(made, stage, seed):
  """What a stage's artifacts depend on besides its inputs: the data, the seed and the
  config groups it reads, from `made` (the data's sha256 and the whole config as `_given`).
  Recorded in its metrics.json, so that a folder copied from another workdir (a teacher,
  say) is not taken for this config's."""
  groups = (set(_TEACHER_GROUPS) if stage.name == "teacher" else
            {"data", "train", "student", stage.name})
  return {"data_sha256": made["data_sha256"], "seed": seed,
          "config": {k: v for k, v in made["config"].items() if k.split(".")[0] in groups}}


def _changed(old, new):
  """The settings that differ from those a stage recorded (`old`; None before they were
  recorded: trusted). Fields one side lacks (added to the schema since) are not compared."""
  if not old:
    return []
  changed = [k for k in ("data_sha256", "seed") if old.get(k) != new[k]]
  was, now = _mark_model_file(dict(old.get("config", {}))), new["config"]  # Paths, as before.
  return changed + [f"{k}: {was[k]!r} -> {now[k]!r}" for k in sorted(set(was) & set(now))
                    if was[k] != now[k]]


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
      needs = list(stage.needed(config))
      if stage.distill and stage_run.source and "teacher" not in needs and stage_run.teaches():
        needs.append("teacher")  # Taught because its input was distilled: reads the teacher.
      depends = sorted({stage_run.source, *stage_run.sources, *needs} - {None})
      # What this run would take: the stages, and the exact files they finished with.
      inputs = {"source": stage_run.source, "candidates": list(candidates), "needs": needs,
                "versions": {d: _version(workdir, d, seed) for d in depends}}
      done_path = layout.done_file(workdir, stage.name, folder_seed)
      done = artifacts.read_json(done_path)
      settings = _settings(made, stage, seed)
      changed = _changed(done.get("settings"), settings) if done else []
      if done and done.get("inputs") == inputs and "outputs" in done and not changed:
        logging.info("Stage %s (seed %d) already done: %s", stage.name, seed, done_path)
        continue
      if done:  # Run again from scratch: nothing the last run left (models, files) is kept.
        logging.warning("Stage %s (seed %d) runs again: %s; its folder is emptied first.",
                        stage.name, seed, "; ".join(changed) if changed else
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
      logging.info("Stage %s (seed %d) done in %.0f s", stage.name, seed, time.time() - start)
