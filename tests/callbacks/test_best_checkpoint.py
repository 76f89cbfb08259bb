import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress.callbacks import BestCheckpoint
from tests.conftest import separable_points


def _model(learning_rate=0.5):
  keras.utils.set_random_seed(0)
  model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
  model.compile(keras.optimizers.SGD(learning_rate),
                keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  return model


class _Spoil(keras.callbacks.Callback):
  """Ruins the weights at the end of the epochs `at` (0-based), before they are scored."""

  def __init__(self, at):
    super().__init__()
    self.at = at

  def on_epoch_end(self, epoch, logs=None):
    if epoch in self.at:
      kernel, bias = self.model.get_weights()
      self.model.set_weights([-kernel, bias])  # Flips every prediction.


def test_the_best_epoch_is_restored_not_the_last():
  x, y = separable_points()
  model = _model()
  keep = BestCheckpoint(x, y, monitor="val_accuracy")
  history = model.fit(x, y, epochs=4, verbose=0, callbacks=[_Spoil(at={3}), keep])
  accuracy = history.history["val_accuracy"]
  assert accuracy[3] < 0.5 < 0.9 < max(accuracy)  # The last epoch was spoiled.
  assert accuracy[keep.best_epoch - 1] == max(accuracy) and keep.best_epoch <= 3
  assert np.mean(model.predict(x, verbose=0).argmax(-1) == y) == pytest.approx(max(accuracy))


def test_patience_stops_and_first_epoch_is_respected():
  x, y = separable_points()
  keep = BestCheckpoint(x, y, monitor="val_loss", patience=1, first_epoch=2)
  history = _model(learning_rate=0.0).fit(x, y, epochs=10, verbose=0, callbacks=[keep])
  # Nothing changes: epochs 1-2 are never kept, epoch 3 is the first candidate and
  # epoch 4, no better, uses up the patience.
  assert keep.best_epoch == 3 and len(history.history["loss"]) == 4


def _accuracy(model, x, y):
  return np.mean(model.predict(x, verbose=0).argmax(-1) == y)


def test_score_start_keeps_the_start_when_no_epoch_beats_it():
  x, y = separable_points()
  model = _model()
  model.fit(x, y, epochs=3, verbose=0)
  start = _accuracy(model, x, y)
  assert start > 0.9
  keep = BestCheckpoint(x, y, monitor="val_accuracy", score_start=True)
  history = model.fit(x, y, epochs=2, verbose=0, callbacks=[_Spoil(at={0, 1}), keep])
  assert max(history.history["val_accuracy"]) < 0.5  # Every epoch was spoiled.
  assert keep.best_epoch == 0 and keep.start_scores["val_accuracy"] == pytest.approx(start)
  assert _accuracy(model, x, y) == pytest.approx(start)


def test_score_start_gives_way_to_a_better_epoch():
  x, y = separable_points()
  model = _model()
  model.fit(x, y, epochs=3, verbose=0)
  kernel, bias = model.get_weights()
  model.set_weights([-kernel, bias])  # A bad start: every prediction flipped.
  keep = BestCheckpoint(x, y, monitor="val_accuracy", score_start=True)
  history = model.fit(x, y, epochs=3, verbose=0, callbacks=[keep])
  assert keep.start_scores["val_accuracy"] < 0.5 < 0.9 < max(history.history["val_accuracy"])
  assert keep.best_epoch >= 1 and _accuracy(model, x, y) > 0.9


class _SetWeights(keras.callbacks.Callback):
  """Sets `weights` at the end of every epoch, before they are scored."""

  def __init__(self, weights):
    super().__init__()
    self.weights = weights

  def on_epoch_end(self, epoch, logs=None):
    self.model.set_weights(self.weights)


def _worse(model, x, y, low, high):
  """The model's weights with the bias shifted until its accuracy is `low`-`high` lower."""
  kernel, bias = model.get_weights()
  accuracy = lambda b: np.mean((x @ kernel + b).argmax(-1) == y)
  for shift in np.linspace(0, 5, 501):
    worse = bias + np.float32([0, shift])
    if low < accuracy(bias) - accuracy(worse) < high:
      return [kernel, worse]
  raise AssertionError("no shift gives that drop")


@pytest.mark.parametrize("margin, kept_start", [(0.2, False), (0.05, True)])
def test_a_start_margin_keeps_the_start_only_when_it_is_that_much_better(margin, kept_start):
  x, y = separable_points()
  model = _model()
  model.fit(x, y, epochs=3, verbose=0)
  start = _accuracy(model, x, y)
  keep = BestCheckpoint(x, y, monitor="val_accuracy", score_start=True, start_margin=margin)
  epoch = _SetWeights(_worse(model, x, y, 0.07, 0.15))  # The one epoch: 0.07-0.15 below.
  history = model.fit(x, y, epochs=1, verbose=0, callbacks=[epoch, keep])
  assert 0.07 < start - history.history["val_accuracy"][0] < 0.15
  assert (keep.best_epoch == 0) == kept_start
  assert (_accuracy(model, x, y) == pytest.approx(start)) == kept_start


def test_bad_monitor_is_named():
  with pytest.raises(ValueError, match="monitor='val_f2'"):
    BestCheckpoint(np.zeros((1, 4)), np.zeros(1), monitor="val_f2")


class _OneClass(keras.callbacks.Callback):
  """Makes the model answer class 1 for every input, every epoch, before it is scored."""

  def on_epoch_end(self, epoch, logs=None):
    kernel, _ = self.model.get_weights()
    self.model.set_weights([0 * kernel, np.array([0.0, 5.0], np.float32)])


def test_a_collapsed_kept_epoch_is_named_and_a_healthy_one_is_not(monkeypatch):
  """Trial 9: in a user's own fit, a model that answered one class was kept in silence."""
  from tfcompress.callbacks import best_checkpoint  # pylint: disable=g-import-not-at-top
  warned = []
  monkeypatch.setattr(best_checkpoint.logging, "warning", lambda *a: warned.append(a))
  x, y = separable_points()
  keep = BestCheckpoint(x, y)
  _model().fit(x, y, epochs=2, verbose=0, callbacks=[_OneClass(), keep])
  assert keep.collapse == "predicts class 1 for every validation image"
  assert len(warned) == 1 and "collapsed" in warned[0][0]
  healthy = BestCheckpoint(x, y)
  _model().fit(x, y, epochs=2, verbose=0, callbacks=[healthy])
  assert healthy.collapse is None and len(warned) == 1


def test_one_hot_labels_are_refused_in_one_line():
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  x, y = separable_points()
  with pytest.raises(InputError, match=r"one-hot\? pass `y_val.argmax\(axis=1\)`"):
    BestCheckpoint(x, np.eye(2)[y])
  with pytest.raises(InputError, match="holds 3 labels for"):
    BestCheckpoint(x, y[:3])
  np.testing.assert_array_equal(BestCheckpoint(x, y[:, None].astype(float)).y_val, y)
