"""The student stages: conventional training (the paper's baseline) and distillation."""
import os

from absl import logging

from tfcompress import artifacts
from tfcompress import health
from tfcompress import layout
from tfcompress import models
from tfcompress import plugins
from tfcompress.errors import config_keys
from tfcompress.errors import InputError
from tfcompress.models import trained
from tfcompress.stages import fitting
from tfcompress.stages import graph


def build(config, splits):
  """The configured student with the configured batch-norm momentum: untrained, or the
  trained model `student.model` names as a file."""
  if models.is_trained_file(config.student.model):
    return models.load_trained(config.student.model, splits.input_shape, splits.num_classes)
  if os.path.exists(config.student.model):
    raise InputError(f"Config `student.model` names {config.student.model!r}, which is "
                     "neither a .keras nor an .h5 file (a SavedModel folder?). Give a .keras "
                     "file (in Keras: model.save('name.keras')) or a student's name.")
  with config_keys(name="student.model"):
    plugins.check(config.student.model)
    student = models.build_student(config.student.model, splits.input_shape,
                                   splits.num_classes, config.train.l2)
  models.set_bn_momentum(student, config.student.bn_momentum)
  return student


def _build(run):
  with run.strategy.scope():  # Initial weights from the seed the pipeline set.
    return build(run.config, run.splits)


def student_stage(run):
  """The student trained conventionally, on the labels alone; a trained model given as a
  file (`student.model`) is taken as it is."""
  student = _build(run)
  if models.is_trained_file(run.config.student.model):
    path = artifacts.save_model(student, run.out(layout.MODEL))
    return [run.product(student, "student", path, role="baseline",
                        trained_file=run.config.student.model)]
  fitted, timer = fitting.train_student(run, student, run.config.student.epochs, average=True)
  path = artifacts.save_model(student, run.out(layout.MODEL))
  return [run.product(student, "student", path, fitted, role="baseline",
                      epoch_seconds=timer.seconds)]


def distill_stage(run):
  """The same student trained by the Distiller, the teacher cached or online."""
  fitting.teacher_logits(run)  # Fails early, with the fix, if the teacher stage is missing.
  why = run.teacher_collapse()
  if why:
    logging.warning("distill: the teacher collapsed on validation (it %s), so the distilled "
                    "student learns from a one-class or chance-level teacher%s. Fix the "
                    "teacher first. %s", why, _who_compresses(run.config), health.ADVICE)
  student = _build(run)
  fitted, timer = fitting.train_student(run, student, run.config.distill.epochs,
                                        teach=run.config.distill, average=True)
  path = artifacts.save_model(student, run.out(layout.MODEL))
  return [run.product(student, "distilled", path, fitted, mode=run.config.distill.mode,
                      epoch_seconds=timer.seconds)]


def _who_compresses(config):
  """Whether compression may take the distilled student of a collapsed teacher: the listed
  stages whose `source` leaves them the distilled student alone (`graph.student_sources`:
  "distill", or "last" when distill is the latest listed input), else whether the prune
  stage picks by validation."""
  pinned = [f"`{s['field']}={s['setting']}`"
            for s in graph.student_sources(config, lambda name: True).values()
            if s["candidates"] == ["distill"]]
  if pinned:
    return (f"; {' and '.join(pinned)} compresses it whatever it scores ('best' lets "
            "validation choose)")
  if "prune" in config.stages and config.prune.source == "best":
    return ("; compression takes it only if it beats the conventional student on validation "
            "(`prune.source=best`)")
  return ""


def _check(config, splits):
  """The student builds on this data (a plug-in imports, takes its arguments, returns logits);
  a trained model given as a file keeps tfcompress's contract (`trained.check_contract`),
  checked here once, before anything trains, rather than at every seed's build."""
  student = build(config, splits)
  if models.is_trained_file(config.student.model):
    trained.check_contract(config.student.model, student, splits.x_val, splits.y_val)


graph.register(graph.Stage(name="student", run=student_stage, check=_check,
                           doc="the student trained on the labels alone (the baseline)"))
graph.register(graph.Stage(name="distill", run=distill_stage, check=_check,
                           needs=lambda config: ("teacher",), compare=("student",),
                           doc="the student taught by the teacher (Distiller)"))
