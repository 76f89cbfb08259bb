import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress.distill import Distiller
from tfcompress.distill import kd_loss
from tfcompress.models import paper_cnn


def _data(n=64):
  rng = np.random.default_rng(0)
  y = np.arange(n) % 2
  x = rng.uniform(0, 50, (n, 12, 12, 1)).astype(np.float32)
  x[y == 1, :, :6] += 200
  return x, y


def test_config_round_trip_keeps_every_argument():
  student = paper_cnn((12, 12, 1), 2, filters=(4, 4, 4, 4))
  teacher = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  d = Distiller(student, teacher, temperature=7.0, alpha=0.3, beta=0.6, label_smoothing=0.2,
                name="kd")
  clone = Distiller.from_config(d.get_config())
  assert (clone.temperature, clone.alpha, clone.beta, clone.label_smoothing,
          clone.name) == (7.0, 0.3, 0.6, 0.2, "kd")
  assert clone.student.count_params() == student.count_params()
  assert clone.teacher.count_params() == teacher.count_params()
  assert Distiller.from_config(Distiller(student).get_config()).teacher is None


def test_bad_temperature_is_named():
  with pytest.raises(ValueError, match="temperature=0"):
    Distiller(paper_cnn((12, 12, 1), 2), temperature=0)
  with pytest.raises(ValueError, match="label_smoothing=1"):
    Distiller(paper_cnn((12, 12, 1), 2), label_smoothing=1)


def test_label_smoothing_reaches_the_hard_loss_only():
  x, y = _data(8)
  student = paper_cnn((12, 12, 1), 2, filters=(4, 4, 4, 4))
  logits = student(x)
  teacher_logits = logits.numpy() + np.array([1.0, -1.0], np.float32)
  plain = Distiller(student, None, 2.0, 0.5, 0.5)
  smooth = Distiller(student, None, 2.0, 0.5, 0.5, label_smoothing=0.4)
  _, hard, soft = plain._loss_terms(y, logits, teacher_logits, None)
  _, hard_s, soft_s = smooth._loss_terms(y, logits, teacher_logits, None)
  np.testing.assert_allclose(float(soft_s), float(soft), rtol=1e-6)
  log_p = np.log(keras.activations.softmax(logits).numpy())
  expected = -((np.eye(2)[y] * 0.6 + 0.2) * log_p).sum(axis=1).mean()
  np.testing.assert_allclose(float(hard_s), expected, rtol=1e-5)
  assert abs(float(hard_s) - float(hard)) > 1e-3


def _sharp_teacher():
  """A fixed linear teacher: confident class 1 where the left half is bright."""
  kernel = np.zeros((12, 12, 2), np.float32)
  kernel[:, :6, 1], kernel[:, 6:, 1] = 1.0, -1.0
  kernel = kernel.reshape(144, 2) / 2000.0
  inputs = keras.Input((12, 12, 1))
  dense = keras.layers.Dense(2)
  model = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
  dense.set_weights([kernel, np.array([0.0, -4.0], np.float32)])
  return model


@pytest.mark.parametrize("mode", ["cached", "online"])
def test_fit_trains_student_and_tracks_both_losses(mode):
  keras.utils.set_random_seed(0)
  x, y = _data()
  teacher = _sharp_teacher()
  student = paper_cnn((12, 12, 1), 2, filters=(4, 4, 4, 4))
  before = [w.copy() for w in student.get_weights()]
  if mode == "cached":
    inputs, d = (x, teacher.predict(x, verbose=0)), Distiller(student, None, 2.0, 0.5, 0.5)
  else:
    inputs, d = x, Distiller(student, teacher, 2.0, 0.5, 0.5)
  teacher_before = [w.copy() for w in teacher.get_weights()]
  targets = teacher.predict(x, verbose=0)
  gap_before = float(kd_loss(targets, student.predict(x, verbose=0), 2.0))
  d.compile(optimizer=keras.optimizers.Adam(1e-2), metrics=["accuracy"])
  history = d.fit(inputs, y, epochs=8, batch_size=16, verbose=0).history
  assert {"student_loss", "distillation_loss", "loss", "accuracy"} <= set(history)
  assert float(kd_loss(targets, student.predict(x, verbose=0), 2.0)) < gap_before
  assert any(not np.allclose(a, b) for a, b in zip(before, student.get_weights()))
  assert all(np.allclose(a, b) for a, b in zip(teacher_before, teacher.get_weights()))
  np.testing.assert_allclose(d.predict(x[:4], verbose=0), student.predict(x[:4], verbose=0))


def test_cached_mode_needs_teacher_logits():
  d = Distiller(paper_cnn((12, 12, 1), 2))
  d.compile(optimizer="adam")
  x, y = _data(8)
  with pytest.raises(ValueError, match="teacher_logits"):
    d.fit(x, y, epochs=1, verbose=0)
