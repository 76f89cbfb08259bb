import os
import re
import time

import pytest

from tfcompress import training
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.config import base_config
from tests.conftest import separable_points


def _rates(schedule, epochs=30, steps=10):
  c = base_config().train
  c.schedule = schedule
  lr = training.learning_rate_schedule(c, steps, epochs=epochs)
  return [float(lr(epoch * steps)) for epoch in (0, 6, 15, 30)]


def test_step_schedule_halves_every_decay_every_epochs():
  assert _rates("step") == pytest.approx([1e-3, 5e-4, 2.5e-4, 3.125e-5])


def test_cosine_schedule_falls_along_a_half_cosine_to_zero_over_the_stage():
  # Epoch 6 of 30: (1 + cos(pi / 5)) / 2; the middle half the start; the end 0.
  assert _rates("cosine") == pytest.approx([1e-3, 9.045e-4, 5e-4, 0.0], abs=1e-6)
  assert _rates("cosine", epochs=60)[3] == pytest.approx(5e-4)  # The stage's own epochs.


def test_cosine_schedule_of_a_stage_that_trains_no_epoch_is_constant():
  c = base_config().train
  c.schedule = "cosine"
  assert training.learning_rate_schedule(c, 10, epochs=0) == 1e-3  # e.g. qat.epochs=0.
  assert training.optimizer(c, 10, epochs=0) is not None


def test_optimizer_follows_the_schedule():
  c = base_config().train
  c.schedule = "cosine"
  opt = training.optimizer(c, 10, epochs=30)
  assert opt.get_config()["learning_rate"]["class_name"] == "CosineDecay"


class _SlowStart(keras.callbacks.Callback):
  """The first step takes 2 s more (as building the graph does), epoch 1 0.5 s more."""

  def on_train_batch_end(self, batch, logs=None):
    if batch == 0 and not self.model.optimizer.iterations.numpy() > 1:
      time.sleep(2.0)

  def on_epoch_end(self, epoch, logs=None):
    if epoch == 0:
      time.sleep(0.5)


@pytest.mark.parametrize("slow_minutes, warned", [(0.01, True), (30, False)])
def test_fit_forecasts_the_other_epochs_after_the_first_and_warns_when_long(
    monkeypatch, slow_minutes, warned):
  x, y = separable_points()
  keras.utils.set_random_seed(0)
  model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="tiny")
  training.compile_classifier(model, keras.optimizers.SGD(0.1))
  said = {"info": [], "warning": []}
  for level in said:
    monkeypatch.setattr(training.logging, level,
                        lambda fmt, *a, level=level: said[level].append(fmt % a))
  monkeypatch.setattr(training, "SLOW_MINUTES", slow_minutes)
  training.fit(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(16), (x, y), 3,
               base_config().train, verbose=0, callbacks=[_SlowStart()],
               faster="a lower `teacher.input_size` shortens it")
  line, = said["warning"] if warned else said["info"]
  left = float(re.search(r"tiny: the other 2 epochs of 3 should take about (\d+) s", line)
               .group(1))
  # Epoch 1 at the pace of its last 3 of 4 steps: 2 x 0.5 s x 4 / 3, and little more; the
  # first step's 2 s counted in would make it at least 2 x 2.5 s.
  assert 1 <= left <= 3
  assert ("a lower `teacher.input_size` shortens it" in line) == warned


@pytest.mark.parametrize("learning_rate, said", [(0.05, True), (0.0, False)])
def test_fit_says_when_the_epoch_kept_is_one_of_the_last(monkeypatch, learning_rate, said):
  x, y = separable_points()
  keras.utils.set_random_seed(0)
  model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="tiny")
  training.compile_classifier(model, keras.optimizers.SGD(learning_rate))
  lines = []
  monkeypatch.setattr(training.logging, "info", lambda fmt, *a: lines.append(fmt % a))
  fitted = training.fit(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(16), (x, y), 6,
                        base_config().train, verbose=0, epochs_key="student.epochs")
  # Learning, the loss falls to the end; frozen, every epoch ties and the first is kept.
  assert fitted.best_epoch == (6 if said else 1)
  assert any("tiny: kept epoch 6 of 6" in l and "a larger `student.epochs` may help" in l
             for l in lines) == said


def test_a_later_round_s_kept_epoch_counts_from_the_first_epoch():
  """Review: fine-tuning after the head (and pruning or channel rounds) joined the curves
  but kept the last part's epoch numbers, so "kept 2/3" pointed at the head's epoch 2; a
  kept start is the epoch the head kept (restored at its end), not its last one."""
  from tfcompress.training import Fitted  # pylint: disable=g-import-not-at-top
  head = Fitted({"loss": [3.0, 2.0, 1.0, 0.9], "val_loss": [3.0, 1.0, 2.0, 2.5]},
                best_epoch=2, epochs_run=4)
  tuned = Fitted({"loss": [0.8, 0.7, 0.6], "val_loss": [0.9, 0.8, 0.85]}, best_epoch=2,
                 epochs_run=3).after(head)
  assert tuned.history["val_loss"] == [3.0, 1.0, 2.0, 2.5, 0.9, 0.8, 0.85]
  assert (tuned.best_epoch, tuned.epochs_run) == (6, 7)
  start = Fitted({"loss": [1.0]}, best_epoch=0, epochs_run=1).after(head)
  assert (start.best_epoch, start.epochs_run) == (2, 5)  # Not 4: the head kept epoch 2.
  assert Fitted({"loss": []}, best_epoch=None).after(head).best_epoch is None
  # Third review: after a part that trained nothing, a kept start stays 0, not None.
  assert Fitted({"loss": [1.0]}, best_epoch=0, epochs_run=1).after(Fitted({})).best_epoch == 0
  assert Fitted({"loss": [1.0]}, best_epoch=1, epochs_run=1).after(None).best_epoch == 1


def test_fit_starts_its_tensorboard_folder_afresh(tmp_path):
  """Trial 17: a run killed mid-stage and resumed left both attempts' events, and
  TensorBoard drew every step twice."""
  from tensorboard.backend.event_processing import event_accumulator  # pylint: disable=g-import-not-at-top
  x, y = separable_points()
  log_dir = str(tmp_path / "tb")
  for epochs in (2, 3):  # The killed attempt, then the rerun.
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    training.compile_classifier(model, keras.optimizers.SGD(0.05))
    training.fit(model, tf.data.Dataset.from_tensor_slices((x, y)).batch(16), (x, y), epochs,
                 base_config().train, verbose=0, log_dir=log_dir)
  events = event_accumulator.EventAccumulator(os.path.join(log_dir, "validation")).Reload()
  assert [e.step for e in events.Tensors("epoch_loss")] == [0, 1, 2]
