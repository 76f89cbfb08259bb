"""Optimizers, schedules and `fit` for every stage: the paper's Adam, halved every N epochs."""
import math
import time

from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import InputError


def steps_per_epoch(num_examples, batch_size):
  """The one helper that turns epochs (configs) into steps (Keras schedules)."""
  return max(1, math.ceil(num_examples / batch_size))


def optimizer(train_config, steps, learning_rate=None):
  """Adam with the learning rate multiplied by `decay_rate` every `decay_every` epochs."""
  lr = learning_rate or train_config.learning_rate
  if train_config.decay_every:
    lr = keras.optimizers.schedules.ExponentialDecay(
        lr, decay_steps=train_config.decay_every * steps,
        decay_rate=train_config.decay_rate, staircase=True)
  return keras.optimizers.Adam(lr)


def compile_classifier(model, opt):
  model.compile(optimizer=opt,
                loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                metrics=["accuracy"])
  return model


def strategy(name):
  """The tf.distribute strategy a config names; models are built inside its scope."""
  if name == "default":
    return tf.distribute.get_strategy()
  if name == "mirrored":
    return tf.distribute.MirroredStrategy()
  if name == "one_device":
    return tf.distribute.OneDeviceStrategy("/cpu:0" if not tf.config.list_logical_devices("GPU")
                                           else "/gpu:0")
  if name == "multi_worker_mirrored":
    return tf.distribute.MultiWorkerMirroredStrategy()
  raise InputError(f"Unknown `strategy`={name!r}. Use default, mirrored, one_device or "
                   "multi_worker_mirrored.")


def fit(model, train_ds, val_ds, epochs, verbose=2, class_weight=None, callbacks=()):
  """Runs `model.fit` and returns its per-epoch history as a plain dict of lists."""
  if epochs <= 0:
    return {}
  history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, verbose=verbose,
                      class_weight=class_weight, callbacks=list(callbacks))
  return {k: [float(v) for v in vs] for k, vs in history.history.items()}


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
