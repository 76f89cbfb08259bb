import pytest

from tfcompress import training
from tfcompress.config import base_config


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
