"""Optimizers, schedules and `fit` for every stage: the paper's Adam, halved every N epochs.

Every stage trains through `fit`, which keeps the epoch that scored best on the validation
images (`train.monitor`), can stop early (`train.patience`) and writes TensorBoard scalars.
"""
import contextlib
import dataclasses
import math
import os
import shutil
import time

from absl import logging

from tfcompress import failures
from tfcompress._keras import keras
from tfcompress.callbacks.best_checkpoint import BestCheckpoint
from tfcompress.callbacks.weight_average import WeightAverage
from tfcompress.distill import loss as losses
from tfcompress._keras import tf
from tfcompress.errors import InputError


def steps_per_epoch(num_examples, batch_size):
  """The one helper that turns epochs (configs) into steps (Keras schedules)."""
  return max(1, math.ceil(num_examples / batch_size))


def passes(num_examples, batch_size, epochs, min_steps):
  """Passes over the training set per epoch, so that `epochs` give at least `min_steps` steps.

  Small data sets (a few hundred images) give too few optimizer steps in the usual number
  of epochs; each epoch then goes over the data several times. Large ones get 1.
  """
  if epochs <= 0 or min_steps <= 0:
    return 1
  return max(1, math.ceil(min_steps / (epochs * steps_per_epoch(num_examples, batch_size))))


def optimizer(train_config, steps, learning_rate=None, epochs=0):
  """Adam on `learning_rate_schedule(train_config, steps, learning_rate, epochs)`."""
  return keras.optimizers.Adam(learning_rate_schedule(train_config, steps, learning_rate,
                                                      epochs))


def learning_rate_schedule(train_config, steps, learning_rate=None, epochs=0):
  """The learning rate of a stage of `epochs` epochs of `steps` steps, as `train.schedule` says.

  "step": `learning_rate` (default `train.learning_rate`) multiplied by `decay_rate` every
  `decay_every` epochs (the paper's; constant when `decay_every` is 0); "cosine": from
  `learning_rate` to 0 along a half cosine over the `epochs` of this training run
  (Loshchilov and Hutter 2017, without warm restarts; constant when `epochs` is 0, as
  nothing trains). Returns a float or a Keras `LearningRateSchedule` of the step.

  Example:
    lr = learning_rate_schedule(config.train, steps=148, epochs=30)
    lr(148 * 15)  # Halfway: 2.5e-4 with "step" (halved every 6), 5e-4 with "cosine".
  """
  lr = learning_rate or train_config.learning_rate
  if train_config.schedule == "cosine" and epochs > 0:
    return keras.optimizers.schedules.CosineDecay(lr, decay_steps=epochs * steps)
  if train_config.schedule == "cosine":
    return lr
  if train_config.decay_every:
    return keras.optimizers.schedules.ExponentialDecay(
        lr, decay_steps=train_config.decay_every * steps,
        decay_rate=train_config.decay_rate, staircase=True)
  return lr


def compile_classifier(model, opt, label_smoothing=0.0):
  """Compiles `model` (logits) for training on the labels: cross-entropy in float32
  whatever the model's compute dtype, with `label_smoothing` (0: off)."""
  def cross_entropy(y, logits):
    return losses.cross_entropy(y, logits, label_smoothing)

  model.compile(optimizer=opt, loss=cross_entropy, metrics=["accuracy"])
  return model


_STRATEGIES = {}  # One strategy per process: tf.distribute allows one collective setup.
POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def strategy(name):
  """The tf.distribute strategy a config names, made once per process; models that train
  are built (or loaded) inside its scope.

  `multi_worker_mirrored` must be made before TensorFlow runs anything (the tfcompress
  binary makes it first); its cluster comes from the `TF_CONFIG` environment variable.

  Raises:
    InputError: an unknown name, or a multi-worker strategy asked for too late.
  """
  if name not in _STRATEGIES:
    _STRATEGIES[name] = _make(name)
  return _STRATEGIES[name]


def _make(name):
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    return tf.distribute.MirroredStrategy()
  if name == "one_device":
    return tf.distribute.OneDeviceStrategy("/cpu:0" if not tf.config.list_logical_devices("GPU")
                                           else "/gpu:0")
  if name == "multi_worker_mirrored":
    try:
      return tf.distribute.MultiWorkerMirroredStrategy()
    except (RuntimeError, ValueError) as e:
      raise InputError(f"`strategy`='multi_worker_mirrored' could not start ({e}). It must be "
                       "made before TensorFlow runs anything: run the `tfcompress` binary, or "
                       "call tfcompress.training.strategy('multi_worker_mirrored') first in "
                       "your program; TF_CONFIG must describe the cluster.") from None
  raise InputError(f"Unknown `strategy`={name!r}. Use default, mirrored, one_device or "
                   "multi_worker_mirrored.")


def is_chief(strat):
  """True for the process that writes artifacts: the only one, or a cluster's chief."""
  return strat.extended.should_checkpoint


def worker_id(strat):
  """("worker", 1)-like (task type, index) of this process in its cluster; None alone."""
  resolver = getattr(strat, "cluster_resolver", None)
  if resolver is None or not resolver.task_type:
    return None
  return resolver.task_type, resolver.task_id


@contextlib.contextmanager
def precision(policy):
  """Sets the Keras dtype policy (`train.mixed_precision`) for the block: the models
  built in it compute in float16 or bfloat16 and keep float32 weights."""
  if policy not in POLICIES:
    raise InputError(f"Unknown `train.mixed_precision`={policy!r}. Use one of {POLICIES}.")
  old = keras.mixed_precision.global_policy()
  keras.mixed_precision.set_global_policy(policy)
  try:
    yield
  finally:
    keras.mixed_precision.set_global_policy(old)


@dataclasses.dataclass
class Fitted:
  """What `fit` did: per-epoch history and the epoch it kept."""
  history: dict
  best_epoch: int = None  # 1-based; 0: the start was kept; None: nothing was trained.
  best_score: float = None
  monitor: str = None
  epochs_run: int = 0
  start_score: float = None  # The start's score, when `fit` scored it.

  def after(self, earlier):
    """This fit as the last part of a longer training whose earlier part `earlier` (a
    Fitted, or None) made (fine-tuning after the head, pruning or channel rounds): the
    histories joined, and the kept epoch and the epochs run counted from the first epoch,
    as the curves are drawn. A kept start (0) is the epoch the earlier part kept, which
    this part started from (after this round's pruning, in rounds)."""
    if earlier is None:
      return self
    done = max((len(v) for v in earlier.history.values()), default=0)
    self.history = {k: earlier.history.get(k, []) + v for k, v in self.history.items()}
    self.epochs_run += done
    if self.best_epoch == 0:  # `done` (0) when the earlier part trained nothing.
      self.best_epoch = done if earlier.best_epoch is None else earlier.best_epoch
    elif self.best_epoch is not None:
      self.best_epoch += done
    return self

  def selection(self):
    out = {"monitor": self.monitor, "best_epoch": self.best_epoch,
           "best_score": self.best_score, "epochs_run": self.epochs_run}
    if self.start_score is not None:
      out["start_score"] = self.start_score
    return out


def fit(model, train_ds, val, epochs, train_config, *, verbose=2, class_weight=None,
        callbacks=(), log_dir=None, first_epoch=0, average=False, score_start=False,
        faster=None, start_margin=0.0, epochs_key=None):
  """Runs `model.fit` and restores the epoch that scored best on `val` = (x_val, y_val).

  `train_config` gives `monitor` and `patience`, and with `average`, `ema` (the epochs
  are then scored and kept as the weights' moving average); `log_dir` adds TensorBoard
  scalars; epochs before `first_epoch` are never kept; with `score_start` the weights
  training starts from compete too (kept: `best_epoch` 0), by `start_margin` when given
  (`BestCheckpoint`). After the first epoch the log
  says how long the others should take, and warns, naming `faster` (the settings that
  would shorten it), when that is over `SLOW_MINUTES`; when the epoch kept is one of the
  last tenth, it says so, naming `epochs_key` (the config field of `epochs`). Returns a
  `Fitted`.
  """
  if epochs <= 0:
    return Fitted({})
  keep = BestCheckpoint(val[0], val[1], train_config.monitor, train_config.patience,
                        min(first_epoch, epochs - 1), score_start=score_start,
                        start_margin=start_margin, warn_collapse=False)  # The run says it.
  if average and train_config.ema:
    callbacks = [*callbacks, WeightAverage(train_config.ema)]
  # Timers (in `callbacks`) stop before validation.
  extra = [*callbacks, keep, _Forecast(epochs, faster), _LearningRateLog(), _StopOnInterrupt()]
  if log_dir:
    if os.path.isdir(log_dir):  # An interrupted attempt's events: its steps would repeat.
      logging.info("Removing the TensorBoard events of an earlier attempt: %s", log_dir)
      shutil.rmtree(log_dir)
    extra.append(keras.callbacks.TensorBoard(log_dir, write_graph=False, profile_batch=0))
  history = model.fit(train_ds, epochs=epochs, verbose=verbose, class_weight=class_weight,
                      callbacks=extra)
  history = {k: [float(v) for v in vs] for k, vs in history.history.items()}
  ran = len(history.get("loss", []))
  if epochs_key and epochs >= 5 and ran == epochs and (keep.best_epoch or 0) > epochs - max(
      1, epochs // 10):
    logging.info("%s: kept epoch %d of %d: its best validation score came at the end, so it "
                 "may still be learning; a larger `%s` may help.", model.name, keep.best_epoch,
                 epochs, epochs_key)
  start = keep.start_scores[train_config.monitor] if keep.start_scores else None
  return Fitted(history, keep.best_epoch, keep.best_score, train_config.monitor, ran, start)


SLOW_MINUTES = 30  # `fit` warns when the epochs after the first should take longer.


class _Forecast(keras.callbacks.Callback):
  """Logs after the first epoch (scoring included) how long the other `epochs - 1` should
  take; warns, naming `faster`, when that is over `SLOW_MINUTES`. The clock starts after
  the first step, so building the graph is not counted `epochs` times."""

  _supports_tf_logs = True  # Its batch hook reads no logs: no sync per step.

  def __init__(self, epochs, faster=None):
    super().__init__()
    self.epochs, self.faster = epochs, faster

  def on_train_begin(self, logs=None):
    self._start = self._first_step = None

  def on_epoch_begin(self, epoch, logs=None):
    if epoch == 0:
      self._start = time.perf_counter()

  def on_train_batch_end(self, batch, logs=None):
    if self._first_step is None:
      self._first_step = time.perf_counter()

  def on_epoch_end(self, epoch, logs=None):
    if epoch or self.epochs < 2:
      return
    now, steps = time.perf_counter(), self.params.get("steps")
    took = now - self._start
    if steps and steps > 1 and self._first_step is not None:  # One step from the rest's pace.
      took = (now - self._first_step) * steps / (steps - 1)
    left = took * (self.epochs - 1)
    others = f"{self.epochs - 1} epoch{'s' if self.epochs > 2 else ''}"
    text = (f"{self.model.name}: the other {others} of {self.epochs} should take about "
            f"{_minutes(left)} (less if training stops early).")
    if left > SLOW_MINUTES * 60:
      logging.warning("%s That is long; %s.", text,
                      self.faster or "fewer epochs or a smaller `data.image_size` shorten it")
    else:
      logging.info("%s", text)


def _minutes(seconds):
  if seconds < 1:
    return "under 1 s"
  return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class _StopOnInterrupt(keras.callbacks.Callback):
  """Raises KeyboardInterrupt after a batch once Ctrl-C was pressed (`failures.interrupted`)."""

  _supports_tf_logs = True  # Its batch hook needs no numpy logs: no sync per step.

  def on_train_batch_end(self, batch, logs=None):
    failures.check_interrupted()


class _LearningRateLog(keras.callbacks.Callback):
  """Adds the optimizer's current `learning_rate` to the epoch logs (and so TensorBoard)."""

  def on_epoch_end(self, epoch, logs=None):
    opt = self.model.optimizer
    lr = opt.learning_rate
    if isinstance(lr, keras.optimizers.schedules.LearningRateSchedule):
      lr = lr(opt.iterations)
    if logs is not None:
      logs["learning_rate"] = float(lr.numpy() if hasattr(lr, "numpy") else lr)


class EpochTimer(keras.callbacks.Callback):
  """Records the wall-clock seconds of each training epoch in `seconds`."""

  def __init__(self):
    super().__init__()
    self.seconds = []

  def on_train_begin(self, logs=None):
    self.seconds = []
    self._start = None

  def on_epoch_begin(self, epoch, logs=None):
    self._start = time.perf_counter()

  def on_epoch_end(self, epoch, logs=None):
    self.seconds.append(time.perf_counter() - self._start)
