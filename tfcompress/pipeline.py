"""`run(config, workdir)`: the chain teacher -> student -> distill, one function a stage.

Each stage reads the previous stage's saved artifacts and writes its own; a stage whose
`metrics.json` exists is skipped, so a stopped run picks up where it stopped.
"""
import dataclasses
import json
import os
import time

from absl import logging
import numpy as np

from tfcompress import artifacts
from tfcompress import config as config_lib
from tfcompress import data as data_lib
from tfcompress import distill
from tfcompress import evaluate
from tfcompress import models
from tfcompress import report
from tfcompress import training
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import InputError


@dataclasses.dataclass
class Run:
  """What every stage needs: the config, where to write, the data and the strategy."""
  config: object
  workdir: str
  splits: data_lib.Splits
  strategy: object
  seed: int = 0

  def path(self, *parts, seeded=True):
    base = os.path.join(self.workdir, f"seed_{self.seed}") if seeded else self.workdir
    return os.path.join(base, *parts)

  def train_ds(self, extra=None, noise=0.0):
    keras.utils.set_random_seed(self.seed)
    s = self.splits
    return data_lib.train_dataset(s.x_train, s.y_train, self.config.data, extra, noise,
                                  self.seed)

  def val_ds(self):
    return data_lib.eval_dataset(self.splits.x_val, self.splits.y_val)

  def class_weight(self):
    if not self.config.data.class_weights:
      return None
    return data_lib.pipelines.class_weights(self.splits.y_train)

  def steps(self):
    return training.steps_per_epoch(len(self.splits.y_train), self.config.data.batch_size)


def _entry(run, model, name, stage, path, history=None, **extra):
  s = run.splits
  result = evaluate.evaluate_model(model, s.x_test, s.y_test)
  result.update(name=name, stage=stage, format="keras", path=os.path.relpath(path, run.workdir),
                seed=run.seed, history=history or {}, **extra)
  logging.info("%s: test accuracy %.4f, F1 %.4f", name, result["accuracy"], result["f1"])
  return result


def teacher_stage(run):
  """Trains each member (new head; optional fine-tune), then scores the ensemble."""
  c = run.config.teacher
  entries = []
  for name in c.members:
    path = run.path("teacher", f"{name}.keras", seeded=False)
    done = artifacts.read_json(path + ".json")
    if done is None:
      keras.utils.set_random_seed(run.seed)
      with run.strategy.scope():
        member = models.build_member(name, run.splits.input_shape, run.splits.num_classes,
                                     c.weights, c.input_size, c.bn_momentum, c.dropout,
                                     run.config.train.l2)
        training.compile_classifier(member, training.optimizer(run.config.train, run.steps()))
      train_ds = run.train_ds(noise=run.config.data.teacher_noise)
      history = training.fit(member, train_ds, run.val_ds(), c.epochs, run.config.verbose,
                             run.class_weight())
      if c.weights and c.fine_tune_epochs:
        with run.strategy.scope():
          models.unfreeze_top(member, c.fine_tune_layers)
          training.compile_classifier(member, keras.optimizers.Adam(c.fine_tune_learning_rate))
        tuned = training.fit(member, train_ds, run.val_ds(), c.fine_tune_epochs,
                             run.config.verbose, run.class_weight())
        history = {k: history.get(k, []) + v for k, v in tuned.items()}
      artifacts.save_model(member, path)
      done = _entry(run, member, name, "teacher_member", path, history)
      artifacts.write_json(path + ".json", done)
    entries.append(done)
  teacher = load_teacher(run)
  entries.append(_entry(run, teacher, "teacher", "teacher", run.path("teacher", seeded=False),
                        combine=c.combine, members=list(c.members)))
  logits = evaluate.predict_logits(teacher, run.splits.x_train)
  artifacts.save_array(run.path("teacher", "train_logits.npy", seeded=False), logits)
  return entries


def load_teacher(run):
  members = [artifacts.load_model(run.path("teacher", f"{n}.keras", seeded=False))
             for n in run.config.teacher.members]
  return models.ensemble(members, run.config.teacher.combine)


def student_stage(run):
  """The paper's baseline: the student trained conventionally on the labels."""
  keras.utils.set_random_seed(run.seed)
  with run.strategy.scope():
    student = _build_student(run)
    training.compile_classifier(student, training.optimizer(run.config.train, run.steps()))
  timer = training.EpochTimer()
  history = training.fit(student, run.train_ds(), run.val_ds(), run.config.student.epochs,
                         run.config.verbose, run.class_weight(), [timer])
  path = artifacts.save_model(student, run.path("student", "model.keras"))
  return [_entry(run, student, "student", "student", path, history,
                 epoch_seconds=timer.seconds)]


def _build_student(run):
  return models.build_student(run.config.student.model, run.splits.input_shape,
                              run.splits.num_classes, run.config.train.l2)


def distill_stage(run):
  """The student trained by the Distiller, the teacher cached or online."""
  c = run.config.distill
  logits_path = run.path("teacher", "train_logits.npy", seeded=False)
  if not os.path.exists(logits_path):
    raise InputError(f"The distill stage needs the teacher stage's output {logits_path!r}; "
                     "add `teacher` to `stages` or run it first in this workdir.")
  keras.utils.set_random_seed(run.seed)
  with run.strategy.scope():
    student = _build_student(run)
    teacher = load_teacher(run) if c.mode == "online" else None
    distiller = distill.Distiller(student, teacher, c.temperature, c.alpha, c.beta)
    distiller.compile(optimizer=training.optimizer(run.config.train, run.steps()),
                      metrics=["accuracy"])
  extra = np.load(logits_path).astype(np.float32) if c.mode == "cached" else None
  timer = training.EpochTimer()
  history = training.fit(distiller, run.train_ds(extra=extra), run.val_ds(), c.epochs,
                         run.config.verbose, run.class_weight(), [timer])
  path = artifacts.save_model(student, run.path("distill", "model.keras"))
  return [_entry(run, student, "distilled", "distill", path, history, mode=c.mode,
                 epoch_seconds=timer.seconds)]


STAGE_FNS = {"teacher": teacher_stage, "student": student_stage, "distill": distill_stage}
SEEDED = ("student", "distill")


def _check_workdir(config, workdir):
  path = os.path.join(workdir, "config.json")
  old = artifacts.read_json(path)
  new = json.loads(config_lib.to_json(config))
  if old is not None:
    ignore = ("stages", "verbose", "repeats")
    changed = sorted(k for k in set(old) | set(new)
                     if k not in ignore and old.get(k) != new.get(k))
    if changed:
      raise InputError(f"{workdir!r} holds a run with a different config (fields: "
                       f"{', '.join(changed)}). Use a new --workdir, or delete this one.")
  artifacts.write_json(path, new)


def run(config, workdir):
  """Runs the configured stages in `workdir`, skipping finished ones; returns the report.

  Example:
    from tfcompress import config as config_lib, pipeline
    report = pipeline.run(config_lib.base_config(), "runs/pneumonia")
  """
  config_lib.check(config)
  os.makedirs(workdir, exist_ok=True)
  _check_workdir(config, workdir)
  tf.config.experimental.enable_op_determinism()
  splits = data_lib.load(config.data, config.seed)
  logging.info("Data: %d train, %d val, %d test images of shape %s, classes %s",
               len(splits.y_train), len(splits.y_val), len(splits.y_test), splits.input_shape,
               splits.class_names)
  strategy = training.strategy(config.strategy)
  seeds = [config.seed] if config.repeats == 1 else [config.seed + i for i in range(config.repeats)]
  for stage in config.stages:
    for seed in (seeds if stage in SEEDED else [config.seed]):
      run_ = Run(config, workdir, splits, strategy, seed)
      done = run_.path(stage, "metrics.json", seeded=stage in SEEDED)
      if os.path.exists(done):
        logging.info("Stage %s (seed %d) already done: %s", stage, seed, done)
        continue
      start = time.time()
      entries = STAGE_FNS[stage](run_)
      artifacts.write_json(done, {"stage": stage, "seconds": time.time() - start,
                                  "models": entries})
      logging.info("Stage %s (seed %d) done in %.0f s", stage, seed, time.time() - start)
  return report.write(workdir, config, splits)
