"""`run(config, workdir)`: teacher -> student -> distill -> prune -> quantize -> report.

Each stage reads the previous stage's saved artifacts and writes its own; a stage whose
`metrics.json` exists is skipped, so a stopped run picks up where it stopped. The
student stages run once per seed when `config.repeats > 1`; the teacher runs once.
"""
import json
import os
import time

from absl import logging

from tfcompress import artifacts
from tfcompress import config as config_lib
from tfcompress import data as data_lib
from tfcompress import export
from tfcompress import fingerprint
from tfcompress import models
from tfcompress import plugins
from tfcompress import report
from tfcompress import training
from tfcompress import workdir as workdir_lib
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import CollapseError
from tfcompress.errors import InputError
from tfcompress.evaluate import health
from tfcompress.stages.cluster import cluster_stage
from tfcompress.stages.context import Run
from tfcompress.stages.export import export_stage
from tfcompress.stages.prune import prune_stage
from tfcompress.stages.quantize import quantize_stage
from tfcompress.stages.student import distill_stage
from tfcompress.stages.student import student_stage
from tfcompress.stages.teacher import teacher_stage

STAGE_FNS = {"teacher": teacher_stage, "student": student_stage, "distill": distill_stage,
             "prune": prune_stage, "cluster": cluster_stage, "quantize": quantize_stage,
             "export": export_stage}
SEEDED = ("student", "distill", "prune", "cluster", "quantize", "export")
# Fields that may change between runs in one workdir: they do not change any result.
_FREE_FIELDS = ("stages", "verbose", "repeats")


def _check_names(config):
  """Names that only the TensorFlow side knows, checked before any stage runs."""
  for name in config.teacher.members:
    models.teacher.check_member(name)
  plugins.check_student(config.student.model)
  if config.student.model not in models.students.STUDENTS and ":" not in config.student.model:
    raise InputError(f"Unknown student `student.model`={config.student.model!r}. Use one of "
                     f"{', '.join(sorted(models.students.STUDENTS))} or 'package.module:function'.")
  unknown = [b for b in config.export.boards if b not in export.BOARDS]
  if unknown:
    raise InputError(f"Unknown board(s) {unknown} in `export.boards`. Known: "
                     f"{', '.join(sorted(export.BOARDS))}.")


def _flat(values, prefix=""):
  """{"distill": {"alpha": 0.5}} -> {"distill.alpha": 0.5}."""
  flat = {}
  for key, value in values.items():
    if isinstance(value, dict):
      flat.update(_flat(value, f"{prefix}{key}."))
    else:
      flat[f"{prefix}{key}"] = value
  return flat


def _check_workdir(config, workdir):
  """Refuses a workdir whose artifacts (any, finished or not) came from another config."""
  path = os.path.join(workdir, "config.json")
  old = artifacts.read_json(path)
  new = json.loads(config_lib.to_json(config))
  finished = workdir_lib.has_artifacts(workdir)
  if old is not None and finished:
    try:  # Fields added to the schema since that run read as their defaults.
      old = json.loads(config_lib.to_json(config_lib.update(config_lib.base_config(), old)))
    except InputError:
      pass  # It names a field this version lacks: compared as written, so it differs.
    old, new_flat = _flat(old), _flat(new)
    changed = [f"{k}: {old.get(k, '(absent)')!r} -> {new_flat.get(k, '(absent)')!r}"
               for k in sorted(set(old) | set(new_flat))
               if k.split(".")[0] not in _FREE_FIELDS and old.get(k) != new_flat.get(k)]
    if changed:
      raise InputError(f"{workdir!r} holds a run with a different config ({'; '.join(changed)}"
                       "). Use a new --workdir, or delete this one.")
  artifacts.write_json(path, new)


@workdir_lib.exclusive  # One run per workdir (WORKDIR/.lock); temporary files swept.
def run(config, workdir):
  """Runs the configured stages in `workdir`, skipping finished ones; returns the report.

  Raises CollapseError, after writing the report, when a model collapsed on the
  validation images (one class, or chance).

  Example:
    from tfcompress import config as config_lib, pipeline
    report = pipeline.run(config_lib.base_config(), "runs/pneumonia")
  """
  config_lib.check(config)
  _check_names(config)
  splits = data_lib.load(config.data, config.seed)
  _check_workdir(config, workdir)
  fingerprint.check(workdir, config, splits, _FREE_FIELDS)
  tf.config.experimental.enable_op_determinism()
  logging.info("Data: %d train, %d val, %d test images of shape %s, classes %s",
               len(splits.y_train), len(splits.y_val), len(splits.y_test), splits.input_shape,
               splits.class_names)
  seeds = [config.seed + i for i in range(config.repeats)]
  try:
    _run_stages(config, workdir, splits, seeds)
  except CollapseError:
    report.write(workdir, config, splits, seeds)  # The flags, for the user to read.
    raise
  written = report.write(workdir, config, splits, seeds)
  collapsed = [m for m in written["models"] if m.get("collapsed")]
  if collapsed:
    text = ", ".join(f"{m['name']} (stage {m['stage']}, seed {m['seed']})" for m in collapsed)
    shipped = [m for m in collapsed if m["stage"] == "quantize" and m.get("source")]
    if shipped:
      raise CollapseError(f"A compressed model collapsed on validation: {text}; see "
                          f"report.md. {health.ADVICE}")
    logging.warning("Collapsed on validation (not used for compression): %s. %s", text,
                    health.ADVICE)
  return written


def _run_stages(config, workdir, splits, seeds):
  strategy = training.strategy(config.strategy)
  rerun = set()  # Seeds whose later stages must run again: an earlier one just ran.
  for stage in config_lib.STAGES:
    if stage not in config.stages:
      continue
    for seed in (seeds if stage in SEEDED else [config.seed]):
      stage_run = Run(config, workdir, splits, strategy, seed)
      done = stage_run.path(stage, "metrics.json", seeded=stage in SEEDED)
      if os.path.exists(done) and seed not in rerun:
        logging.info("Stage %s (seed %d) already done: %s", stage, seed, done)
        continue
      rerun.update(seeds if stage == "teacher" else [seed])
      keras.utils.set_random_seed(seed)
      start = time.time()
      entries = STAGE_FNS[stage](stage_run)
      artifacts.write_json(done, {"stage": stage, "seconds": time.time() - start,
                                  "models": entries})
      logging.info("Stage %s (seed %d) done in %.0f s", stage, seed, time.time() - start)
