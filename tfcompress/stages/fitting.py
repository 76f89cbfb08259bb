"""Training a student inside a stage: on the labels, or taught by the teacher."""
from absl import logging
import numpy as np

from tfcompress import distill as distill_lib
from tfcompress import layout
from tfcompress import training
from tfcompress.errors import InputError
from tfcompress.stages import context


def teacher_logits(run):
  """The teacher's logits on the training images, saved by the teacher stage."""
  found = [o for o, _ in run.outputs("teacher") if o["kind"] == "logits"]
  if not found:
    raise InputError("Distillation needs the teacher stage's logits; add `teacher` to "
                     "`stages` (it runs once and is reused).")
  return np.load(layout.absolute(run.workdir, found[0]["path"])).astype(np.float32)


def teaching(run):
  """The distillation settings a compression stage fine-tunes with (`Run.teaches`), or None
  (the labels); logged the first time a stage run asks."""
  if not run.told:
    run.told = True
    logging.info("%s: fine-tuning %s (%s=%s).", run.stage.name,
                 "through the Distiller" if run.teaches() else "on the labels",
                 run.stage.distill, run.stage.distill_flag(run.config))
  return run.config.distill if run.teaches() else None


def train_student(run, student, epochs, teach=None, learning_rate=None, callbacks=(),
                  first_epoch=0, log_sub=(), average=False, keep_start=False,
                  start_margin=0.0):
  """Fits `student` on the labels, or through the Distiller with the settings `teach`.

  Args:
    run: the stage's `context.Run` (data, strategy, the training config).
    student: a Keras model that outputs logits.
    epochs: epochs to train (each repeats the data to reach `train.min_steps`).
    teach: None (labels alone) or distillation settings with `mode`, `temperature`,
      `alpha` and `beta` (the config's `distill` group); the teacher is cached or online.
    learning_rate: None for the config's schedule.
    callbacks: more Keras callbacks.
    first_epoch: epochs before this one may not be kept (a pruning schedule's ramp).
    log_sub: TensorBoard sub-folders under the stage's.
    average: keep the moving average of the weights (`train.ema`); not for masked models.
    keep_start: score the student as it comes too, and keep it when no epoch beats it
      (by more than `start_margin`).

  Returns:
    (training.Fitted, training.EpochTimer); the student holds the best epoch on
    validation (`train.monitor`).
  """
  passes = run.passes(epochs)
  with run.strategy.scope():
    opt = training.optimizer(run.config.train, run.steps(passes), learning_rate, epochs)
    if teach is not None:
      teacher = context.load_teacher(run) if teach.mode == "online" else None
      model = distill_lib.Distiller(student, teacher, teach.temperature, teach.alpha,
                                    teach.beta, run.config.train.label_smoothing)
      model.compile(optimizer=opt, metrics=["accuracy"])
    else:
      model = training.compile_classifier(student, opt, run.config.train.label_smoothing)
  extra = teacher_logits(run) if teach is not None and teach.mode == "cached" else None
  timer = training.EpochTimer()
  group = run.config.get(run.stage.name)
  key = f"{run.stage.name}.epochs" if group is not None and "epochs" in group else None
  faster = f"a lower `{key}` or `data.image_size` shortens it" if key else None
  fitted = training.fit(model, run.train_ds(extra=extra, passes=passes), run.val, epochs,
                        run.config.train, verbose=run.config.verbose,
                        class_weight=run.class_weight(), callbacks=[timer, *callbacks],
                        log_dir=run.tensorboard(*log_sub), first_epoch=first_epoch,
                        average=average, score_start=keep_start, faster=faster,
                        start_margin=start_margin, epochs_key=key)
  return fitted, timer
