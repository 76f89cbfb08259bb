"""The student stages: conventional training (the paper's baseline) and distillation."""
from tfcompress import artifacts
from tfcompress import models
from tfcompress._keras import keras
from tfcompress.stages import context


def build(run):
  keras.utils.set_random_seed(run.seed)
  with run.strategy.scope():
    student = models.build_student(run.config.student.model, run.splits.input_shape,
                                   run.splits.num_classes, run.config.train.l2)
  for layer in student.layers:
    if isinstance(layer, keras.layers.BatchNormalization):
      layer.momentum = run.config.student.bn_momentum
  return student


def student_stage(run):
  """The student trained conventionally, on the labels alone."""
  student = build(run)
  fitted, timer = context.train_student(run, student, run.config.student.epochs, False)
  path = artifacts.save_model(student, run.path("student", "model.keras"))
  return [context.entry(run, student, "student", "student", path, fitted,
                        epoch_seconds=timer.seconds)]


def distill_stage(run):
  """The same student trained by the Distiller, the teacher cached or online."""
  context.teacher_logits(run)  # Fails early, with the fix, if the teacher stage is missing.
  student = build(run)
  fitted, timer = context.train_student(run, student, run.config.distill.epochs, True,
                                        stage="distill")
  path = artifacts.save_model(student, run.path("distill", "model.keras"))
  return [context.entry(run, student, "distilled", "distill", path, fitted,
                        mode=run.config.distill.mode, epoch_seconds=timer.seconds)]
