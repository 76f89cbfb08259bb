"""`Run`: what one stage run needs (config, data, seed, the input the config picked), and
the helpers the stages share. Paths come from `layout`; stage names from the graph."""
import dataclasses
import os
from typing import Optional

from absl import logging
import numpy as np

from tfcompress import artifacts
from tfcompress import data as data_lib
from tfcompress import evaluate
from tfcompress import health
from tfcompress import layout
from tfcompress import models
from tfcompress import training
from tfcompress._keras import keras
from tfcompress.evaluate import energy
from tfcompress.evaluate.metrics import higher_is_better
from tfcompress.evaluate.metrics import validation_scores
from tfcompress.errors import CollapseError
from tfcompress.errors import InputError
from tfcompress.stages import graph


_DATASET_SEED_STEP = 10_007  # Between the data seeds of one run's datasets.


@dataclasses.dataclass
class Run:
  """One stage run: the config, the workdir, the data, the strategy, the seed.

  `stage` is the Stage being run and `source` the stage whose model it takes (picked by
  the config; None for a stage without inputs).
  """
  config: object
  workdir: str
  splits: data_lib.Splits
  strategy: object
  seed: int = 0
  stage: Optional[graph.Stage] = None
  source: Optional[str] = None
  sources: tuple = ()  # A `gather` stage's inputs.
  needs: tuple = ()  # The stages whose artifacts it reads besides its input(s).
  taught: Optional[bool] = None  # Fine-tuned through the Distiller (`teaches`).
  told: bool = False  # The log said how this stage run fine-tunes (`fitting.teaching`).
  _datasets: int = dataclasses.field(default=0, repr=False)  # train_ds calls so far.

  def folder_seed(self, name):
    """The seed in the folder of stage `name`: None for a stage that runs once."""
    return graph.get(name).folder_seed(self.seed)

  def out(self, *parts):
    """A path inside this stage's folder."""
    return os.path.join(layout.stage_dir(self.workdir, self.stage.name,
                                         self.folder_seed(self.stage.name)), *parts)

  def outputs(self, name):
    """The outputs (dicts) and metric rows of finished stage `name`, for this seed."""
    done = artifacts.read_json(layout.done_file(self.workdir, name, self.folder_seed(name)))
    return list(zip(done["outputs"], done["metrics"])) if done else []

  def input(self):
    """(output, metrics) of the model this stage takes: its source's first Keras model."""
    return next((o, m) for o, m in self.outputs(self.source) if o["kind"] == "keras")

  def input_path(self):
    return layout.absolute(self.workdir, self.input()[0]["path"])

  def descends_from(self, name):
    """True when the model this stage takes was made by stage `name` or from its model."""
    output, seen = self.input()[0], set()
    while output is not None and output["stage"] not in seen:
      if output["stage"] == name:
        return True
      seen.add(output["stage"])
      stage = output.get("source_stage")
      output = next((o for o, _ in self.outputs(stage) if o["name"] == output["source"]),
                    None) if stage else None
    return False

  def teaches(self):
    """Whether this stage fine-tunes through the Distiller: its `distill` field (True,
    False), or with None (auto) whether its input descends from the distilled student.
    Decided once per stage run (`taught`).

    A teacher that collapsed on validation teaches with True alone: None fine-tunes on
    the labels, and the log says why.
    """
    if self.taught is None:
      flag = self.stage.distill_flag(self.config)
      self.taught = self.descends_from("distill") if flag is None else bool(flag)
      why = self.teacher_collapse() if self.taught else None
      if why:
        action = (f"fine-tuning through it anyway, as `{self.stage.distill}`=True asks"
                  if flag else "fine-tuning on the labels")
        logging.warning("%s: the teacher collapsed on validation (it %s); %s.",
                        self.stage.name, why, action)
        self.taught = bool(flag)
    return self.taught

  def teacher_collapse(self):
    """Why the teacher ensemble collapsed on validation, or None (healthy, or no teacher)."""
    return next((m.get("collapsed") for o, m in self.outputs("teacher")
                 if o["role"] == "teacher" and o["kind"] == "keras"), None)

  def load_model(self, path=None):
    """A saved model (by default the input) to train: its variables made under the
    strategy, computing in the current Keras dtype policy (`train.mixed_precision`)."""
    with self.strategy.scope():
      return artifacts.with_policy(artifacts.load_model(path or self.input_path()),
                                   keras.mixed_precision.global_policy().name)

  def tensorboard(self, *sub):
    """Where this stage writes TensorBoard scalars."""
    return layout.tensorboard(self.workdir, self.stage.name,
                              self.folder_seed(self.stage.name), *sub)

  def restart(self, offset=0):
    """Starts a resumable part of a stage (a teacher member) as the pipeline starts a
    stage run: the global seed set to the run's seed (plus `offset`, e.g. for a repeated
    member), data seeds counted from it again."""
    keras.utils.set_random_seed(self.seed + offset)
    self._datasets = 0

  def train_ds(self, extra=None, noise=0.0, passes=1, keep=None):
    """The training pipeline, of the training images `keep` indexes (default all). Each
    call in a stage run gets its own data seed (the first the run's seed), so the rounds
    of iterative pruning see new orders and crops."""
    s = self.splits
    seed = self.seed + _DATASET_SEED_STEP * self._datasets
    self._datasets += 1
    x, y = (s.x_train, s.y_train) if keep is None else (s.x_train[keep], s.y_train[keep])
    if keep is not None and extra is not None:
      extra = extra[keep]
    return data_lib.train_dataset(x, y, self.config.data, extra, noise, seed, passes)

  @property
  def val(self):
    return self.splits.x_val, self.splits.y_val

  def class_weight(self):
    return data_lib.pipelines.class_weights(self.splits.y_train, self.config.data.class_weights)

  def passes(self, epochs, images=None):
    """Passes over the training set (or `images` of it) per epoch, so training reaches
    `train.min_steps`."""
    return training.passes(images or len(self.splits.y_train), self.config.data.batch_size,
                           epochs, self.config.train.min_steps)

  def steps(self, passes=1, images=None):
    return training.steps_per_epoch(passes * (images or len(self.splits.y_train)),
                                    self.config.data.batch_size)

  def train_images(self, n):
    """A seeded random subset of n training images (calibration, BN statistics)."""
    rng = np.random.default_rng(self.seed)
    keep = rng.permutation(len(self.splits.x_train))[:n]
    return self.splits.x_train[np.sort(keep)]

  def output(self, name, kind, path, role="candidate", quantization=None, source=None):
    """A typed output of this stage; `source` defaults to the model the stage took."""
    source_stage = None
    if source is None and self.source is not None:
      source, source_stage = self.input()[0]["name"], self.source
    return graph.Output(name=name, kind=kind, path=layout.relative(self.workdir, path),
                        role=role, quantization=quantization, source=source,
                        source_stage=source_stage, stage=self.stage.name,
                        seed=self.folder_seed(self.stage.name))

  def product(self, model, name, path, fitted=None, role="candidate", source=None, **extra):
    """A Keras model's output and its metrics: test and validation figures, size, cost.

    `val` holds the validation scores and `collapsed` says why the model is collapsed on
    the validation images (None when it is not); `taught` whether the stage fine-tuned it
    through the Distiller (compression stages only). The test predictions are saved beside
    the model for paired tests in the report.
    """
    out = self.output(name, "keras", path, role, source=source)
    s = self.splits
    logits = evaluate.predict_logits(model, s.x_test)
    result = evaluate.classification_metrics(s.y_test, logits)
    result.update(size_bytes=_size(path), params=int(model.count_params()),
                  cost=energy.inference_cost(model, "keras"),
                  predictions=self.save_predictions(
                      path if os.path.isdir(path) else os.path.dirname(path), name, logits),
                  **health_fields(s.y_val, evaluate.predict_logits(model, s.x_val)), **extra)
    if fitted is not None:
      result.update(history=fitted.history, selection=fitted.selection())
    if self.taught is not None:
      result["taught"] = self.taught
    logging.info("%s: test accuracy %.4f, F1 %.4f; validation balanced accuracy %.4f", name,
                 result["accuracy"], result["f1"], result["val"]["balanced_accuracy"])
    return graph.Product(out, result)

  def save_predictions(self, folder, name, logits):
    """Saves the predicted test classes in `folder`; returns the workdir-relative path."""
    out = artifacts.save_array(os.path.join(folder, f"{name}.predictions.npy"),
                               np.asarray(logits).argmax(-1).astype(np.int32))
    return layout.relative(self.workdir, out)


def health_fields(y_val, val_logits):
  """`val` scores and the `collapsed` reason (None if healthy), logged when collapsed."""
  reason = health.collapse(y_val, val_logits)
  if reason:
    logging.warning("COLLAPSED model: %s.", reason)
  return {"val": validation_scores(y_val, val_logits), "collapsed": reason}


def _size(path):
  if os.path.isdir(path):
    return sum(os.path.getsize(os.path.join(path, f)) for f in os.listdir(path)
               if f.endswith(".keras") and ".tmp" not in f)
  return os.path.getsize(path)


def load_teacher(run, paths=None):
  """The teacher ensemble: its member files (by default the teacher stage's members)."""
  if paths is None:
    paths = [layout.absolute(run.workdir, o["path"]) for o, _ in run.outputs("teacher")
             if o["role"] == "member"]
  members = [artifacts.load_model(p) for p in paths]
  return models.ensemble(members, run.config.teacher.combine)


def finished_inputs(run, candidates):
  """`candidates`, each checked to have finished (a gather stage takes them all)."""
  missing = [c for c in candidates if not run.outputs(c)]
  if missing:
    raise InputError(f"Stage `{run.stage.name}` needs the output of `{missing[0]}`, which has "
                     "not finished; add it to `stages`.")
  return tuple(candidates)


def monitor_key(config):
  """(key in a model's `val` scores, +1 or -1) of `train.monitor`: sign * score is better
  when larger."""
  monitor = config.train.monitor
  return monitor[len("val_"):], 1 if higher_is_better(monitor) else -1


def pick_source(run, candidates):
  """The candidate stage whose model `run.stage` takes: the only one, or the best on
  validation (`train.monitor`; ties go to the later stage). Never a collapsed one.
  """
  finished_inputs(run, candidates)
  done = {}
  for name in candidates:
    found = [m for o, m in run.outputs(name) if o["kind"] == "keras"]
    done[name] = found[0] if found else {}
  healthy = {k: m for k, m in done.items() if not m.get("collapsed")}
  if not healthy:
    why = "; ".join(f"{k}: {m['collapsed']}" for k, m in done.items())
    raise CollapseError(f"No model for stage `{run.stage.name}`: the {' and '.join(done)} "
                        f"model collapsed ({why}). {health.advice(done)}")
  if len(healthy) == 1:
    return next(iter(healthy))
  key, sign = monitor_key(run.config)
  order = {name: i for i, name in enumerate(candidates)}
  return max(healthy, key=lambda k: (sign * healthy[k]["val"][key], order[k]))
