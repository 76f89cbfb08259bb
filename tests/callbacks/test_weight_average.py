import numpy as np
import pytest

from tfcompress import distill
from tfcompress import training
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.callbacks import WeightAverage
from tfcompress.config import base_config
from tests.conftest import separable_points


def _model(strategy=None):
  keras.utils.set_random_seed(0)
  with (strategy or tf.distribute.get_strategy()).scope():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3),
                              keras.layers.BatchNormalization(), keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.5),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  return model


class _Record(keras.callbacks.Callback):
  """The raw weights after every batch, and what the model holds at each epoch's start
  and end (listed after WeightAverage, it sees what WeightAverage left)."""

  def on_train_begin(self, logs=None):
    self.start, self.batches, self.epoch_start, self.epoch_end = (
        self.model.get_weights(), [], [], [])

  def on_train_batch_end(self, batch, logs=None):
    self.batches.append(self.model.get_weights())

  def on_epoch_begin(self, epoch, logs=None):
    self.epoch_start.append(self.model.get_weights())

  def on_epoch_end(self, epoch, logs=None):
    self.epoch_end.append(self.model.get_weights())


@pytest.mark.parametrize("strategy", ["default", "mirrored"])
def test_the_model_holds_the_average_between_epochs_and_trains_on_from_the_raw_weights(strategy):
  # Under `mirrored` (two replicas, conftest.py) the weights are mirrored variables and the
  # batch-norm statistics sync-on-read ones: the average is read and put back across both.
  x, y = separable_points()
  model, record = _model(training.strategy(strategy)), _Record()
  decay = 0.8
  model.fit(x, y, batch_size=16, epochs=2, verbose=0, shuffle=False,
            callbacks=[_Record(), WeightAverage(decay), record])
  # The same average by hand: warm-up (1 + n) / (10 + n), then `decay`; the batch-norm
  # moving statistics are averaged too.
  average = record.start
  for n, raw in enumerate(record.batches[:4]):  # Epoch 1: 64 / 16 = 4 batches.
    d = min(decay, (1 + n) / (10 + n))
    average = [d * a + (1 - d) * w for a, w in zip(average, raw)]
  for got, want in zip(record.epoch_end[0], average):
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
  assert not all(np.allclose(got, raw)  # Not the last step's weights.
                 for got, raw in zip(record.epoch_end[0], record.batches[3]))
  for got, raw in zip(record.epoch_start[1], record.batches[3]):
    np.testing.assert_array_equal(got, raw)  # Epoch 2 starts from the raw weights.


def test_fit_keeps_the_average_only_when_asked():
  x, y = separable_points()
  config = base_config().train
  config.monitor, config.ema = "val_loss", 0.9
  kept = {}
  for average in (False, True):
    model = _model()
    train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    training.fit(model, train_ds, (x, y), 2, config, verbose=0, average=average)
    kept[average] = model.get_weights()
  assert not all(np.allclose(a, b) for a, b in zip(kept[False], kept[True]))


def test_a_distiller_averages_the_student_not_its_teacher_or_loss_counters():
  x, y = separable_points()
  student, teacher = _model(), _model()
  teacher_weights = teacher.get_weights()
  model = distill.Distiller(student, teacher, temperature=2.0, alpha=0.5, beta=0.5)
  model.compile(keras.optimizers.SGD(0.5), metrics=["accuracy"])
  ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
  average = WeightAverage(0.9)
  history = model.fit(ds, epochs=2, verbose=0, callbacks=[average])
  assert {id(w) for w in average._weights} == {id(w) for w in student.weights}
  for got, want in zip(teacher.get_weights(), teacher_weights):
    np.testing.assert_array_equal(got, want)  # The frozen teacher is untouched.
  assert all(np.isfinite(v).all() for v in history.history.values())


def test_bad_decay_is_named():
  with pytest.raises(ValueError, match="decay=1.0"):
    WeightAverage(1.0)
