"""`Run`: what every stage needs, and helpers shared by the stages."""
import dataclasses
import os

from absl import logging
import numpy as np

from tfcompress import artifacts
from tfcompress import data as data_lib
from tfcompress import distill
from tfcompress import evaluate
from tfcompress import models
from tfcompress import training
from tfcompress.evaluate import energy
from tfcompress._keras import keras
from tfcompress.errors import InputError


@dataclasses.dataclass
class Run:
  """The config, where to write, the data, the tf.distribute strategy and this seed."""
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

  def train_images(self, n):
    """A seeded random subset of n training images (calibration, BN statistics)."""
    rng = np.random.default_rng(self.seed)
    keep = rng.permutation(len(self.splits.x_train))[:n]
    return self.splits.x_train[np.sort(keep)]

  def model_name(self, stage):
    """The name of the model a finished stage wrote (its first report entry)."""
    return artifacts.read_json(self.path(stage, "metrics.json"))["models"][0]["name"]

  def stage_model(self, *stages):
    """(stage, model path) of the first of `stages` that has finished for this seed."""
    for stage in stages:
      path = self.path(stage, "model.keras")
      if os.path.exists(self.path(stage, "metrics.json")) and os.path.exists(path):
        return stage, path
    raise InputError(f"This stage needs a model from one of the stages {', '.join(stages)} "
                     f"in {self.workdir!r}; add one of them to `stages`.")


def entry(run, model, name, stage, path, history=None, **extra):
  """A report entry: test metrics of a Keras model, its file and what produced it."""
  s = run.splits
  result = evaluate.evaluate_model(model, s.x_test, s.y_test)
  result.update(name=name, stage=stage, format="keras", path=os.path.relpath(path, run.workdir),
                seed=run.seed, history=history or {}, size_bytes=_size(path),
                cost=energy.inference_cost(model, "keras"), **extra)
  logging.info("%s: test accuracy %.4f, F1 %.4f", name, result["accuracy"], result["f1"])
  return result


def _size(path):
  if os.path.isdir(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)
               if f.endswith(".keras"))
  return os.path.getsize(path)


def load_teacher(run):
  members = [artifacts.load_model(run.path("teacher", f"{n}.keras", seeded=False))
             for n in run.config.teacher.members]
  return models.ensemble(members, run.config.teacher.combine)


def train_student(run, student, epochs, use_teacher, learning_rate=None, callbacks=()):
  """Fits `student` on the labels, or through the Distiller when `use_teacher`.

  Returns (history, EpochTimer). The teacher is cached or online as `distill.mode` says.
  """
  c = run.config.distill
  with run.strategy.scope():
    opt = training.optimizer(run.config.train, run.steps(), learning_rate)
    if use_teacher:
      teacher = load_teacher(run) if c.mode == "online" else None
      model = distill.Distiller(student, teacher, c.temperature, c.alpha, c.beta)
      model.compile(optimizer=opt, metrics=["accuracy"])
    else:
      model = training.compile_classifier(student, opt)
  extra = teacher_logits(run) if use_teacher and c.mode == "cached" else None
  timer = training.EpochTimer()
  history = training.fit(model, run.train_ds(extra=extra), run.val_ds(), epochs,
                         run.config.verbose, run.class_weight(), [timer, *callbacks])
  return history, timer


def teacher_logits(run):
  path = run.path("teacher", "train_logits.npy", seeded=False)
  if not os.path.exists(path):
    raise InputError(f"Distillation needs the teacher stage's output {path!r}; add `teacher` "
                     "to `stages` (it runs once and is reused).")
  return np.load(path).astype(np.float32)
