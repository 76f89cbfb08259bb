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
from tfcompress.evaluate import health
from tfcompress.evaluate.metrics import higher_is_better
from tfcompress.evaluate.metrics import validation_scores
from tfcompress._keras import keras
from tfcompress.errors import CollapseError
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

  def train_ds(self, extra=None, noise=0.0, passes=1):
    keras.utils.set_random_seed(self.seed)
    s = self.splits
    return data_lib.train_dataset(s.x_train, s.y_train, self.config.data, extra, noise,
                                  self.seed, passes)

  @property
  def val(self):
    return self.splits.x_val, self.splits.y_val

  def class_weight(self):
    return data_lib.pipelines.class_weights(self.splits.y_train, self.config.data.class_weights)

  def passes(self, epochs):
    """Passes over the training set per epoch, so training reaches `train.min_steps`."""
    return training.passes(len(self.splits.y_train), self.config.data.batch_size, epochs,
                           self.config.train.min_steps)

  def steps(self, passes=1):
    return training.steps_per_epoch(passes * len(self.splits.y_train),
                                    self.config.data.batch_size)

  def log_dir(self, stage, *sub, seeded=True):
    """Where a training stage writes TensorBoard scalars: WORKDIR/tensorboard/<stage>/..."""
    seed = (f"seed_{self.seed}",) if seeded else ()
    return os.path.join(self.workdir, "tensorboard", stage, *seed, *sub)

  def train_images(self, n):
    """A seeded random subset of n training images (calibration, BN statistics)."""
    rng = np.random.default_rng(self.seed)
    keep = rng.permutation(len(self.splits.x_train))[:n]
    return self.splits.x_train[np.sort(keep)]

  def model_name(self, stage):
    """The name of the model a finished stage wrote (its first report entry)."""
    return artifacts.read_json(self.path(stage, "metrics.json"))["models"][0]["name"]


def entry(run, model, name, stage, path, fitted=None, **extra):
  """A report entry: test and validation metrics of a Keras model, its file, its origin.

  `val` holds the validation scores and `collapsed` says why the model is collapsed on
  the validation images (None when it is not). The test predictions are saved beside
  the model for paired tests in the report.
  """
  s = run.splits
  logits = evaluate.predict_logits(model, s.x_test)
  result = evaluate.classification_metrics(s.y_test, logits)
  val_logits = evaluate.predict_logits(model, s.x_val)
  result.update(name=name, stage=stage, format="keras", path=os.path.relpath(path, run.workdir),
                seed=run.seed, size_bytes=_size(path), params=int(model.count_params()),
                cost=energy.inference_cost(model, "keras"),
                predictions=save_predictions(
                    run, path if os.path.isdir(path) else os.path.dirname(path), name, logits),
                **health_fields(s.y_val, val_logits), **extra)
  if fitted is not None:
    result.update(history=fitted.history, selection=fitted.selection())
  logging.info("%s: test accuracy %.4f, F1 %.4f; validation balanced accuracy %.4f", name,
               result["accuracy"], result["f1"], result["val"]["balanced_accuracy"])
  return result


def health_fields(y_val, val_logits):
  """`val` scores and the `collapsed` reason (None if healthy), logged when collapsed."""
  reason = health.collapse(y_val, val_logits)
  if reason:
    logging.warning("COLLAPSED model: it %s.", reason)
  return {"val": validation_scores(y_val, val_logits), "collapsed": reason}


def save_predictions(run, folder, name, logits):
  """Saves the predicted test classes in `folder`; returns the workdir-relative path."""
  out = artifacts.save_array(os.path.join(folder, f"{name}.predictions.npy"),
                             np.asarray(logits).argmax(-1).astype(np.int32))
  return os.path.relpath(out, run.workdir)


def _size(path):
  if os.path.isdir(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)
               if f.endswith(".keras") and ".tmp" not in f)
  return os.path.getsize(path)


def load_teacher(run):
  members = [artifacts.load_model(run.path("teacher", f"{n}.keras", seeded=False))
             for n in run.config.teacher.members]
  return models.ensemble(members, run.config.teacher.combine)


def train_student(run, student, epochs, use_teacher, learning_rate=None, callbacks=(),
                  stage="student", first_epoch=0, log_sub=()):
  """Fits `student` on the labels, or through the Distiller when `use_teacher`.

  Keeps the best epoch on validation (`train.monitor`); returns (Fitted, EpochTimer).
  The teacher is cached or online as `distill.mode` says.
  """
  c = run.config.distill
  passes = run.passes(epochs)
  with run.strategy.scope():
    opt = training.optimizer(run.config.train, run.steps(passes), learning_rate)
    if use_teacher:
      teacher = load_teacher(run) if c.mode == "online" else None
      model = distill.Distiller(student, teacher, c.temperature, c.alpha, c.beta)
      model.compile(optimizer=opt, metrics=["accuracy"])
    else:
      model = training.compile_classifier(student, opt)
  extra = teacher_logits(run) if use_teacher and c.mode == "cached" else None
  timer = training.EpochTimer()
  fitted = training.fit(model, run.train_ds(extra=extra, passes=passes), run.val, epochs,
                        run.config.train, run.config.verbose, run.class_weight(),
                        [timer, *callbacks], run.log_dir(stage, *log_sub), first_epoch)
  return fitted, timer


def compressed_model(run, *stages):
  """(stage, model path): the first finished of `stages`, else `compression_source`."""
  for stage in stages:
    path = run.path(stage, "model.keras")
    if os.path.exists(run.path(stage, "metrics.json")) and os.path.exists(path):
      return stage, path
  source = compression_source(run)
  return source, run.path(source, "model.keras")


def compression_source(run):
  """The stage whose model compression starts from: `prune.source`, or with "best" the
  better on validation of `distill` and `student` (`train.monitor`). Never a collapsed one.
  """
  choice = run.config.prune.source
  candidates = [choice] if choice != "best" else ["distill", "student"]
  done = {}
  for stage in candidates:
    metrics = artifacts.read_json(run.path(stage, "metrics.json"))
    if metrics is not None:
      done[stage] = metrics["models"][0]
  if not done:
    raise InputError(f"Compression needs the `{'` or `'.join(candidates)}` stage's model "
                     f"(prune.source={choice!r}); add it to `stages`.")
  healthy = {k: e for k, e in done.items() if not e.get("collapsed")}
  if not healthy:
    why = "; ".join(f"{k}: {e['collapsed']}" for k, e in done.items())
    raise CollapseError(f"No model to compress: the {' and '.join(done)} model collapsed "
                        f"({why}). {health.ADVICE}")
  monitor = run.config.train.monitor
  key, sign = monitor[len("val_"):], 1 if higher_is_better(monitor) else -1
  return max(healthy, key=lambda k: (sign * healthy[k]["val"][key], k == "distill"))


def teacher_logits(run):
  path = run.path("teacher", "train_logits.npy", seeded=False)
  if not os.path.exists(path):
    raise InputError(f"Distillation needs the teacher stage's output {path!r}; add `teacher` "
                     "to `stages` (it runs once and is reused).")
  return np.load(path).astype(np.float32)
