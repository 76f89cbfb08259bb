"""`BestCheckpoint`: keep the weights of the epoch that scored best on validation images."""
import math

from absl import logging

from tfcompress import health
from tfcompress._keras import keras
from tfcompress.data.checks import check_labels
from tfcompress.evaluate.metrics import higher_is_better
from tfcompress.evaluate.metrics import MONITORS
from tfcompress.evaluate.metrics import validation_scores


class BestCheckpoint(keras.callbacks.Callback):
  """Scores every epoch on (x_val, y_val) and restores the best epoch's weights at the end.

  Adds `val_loss` (plain cross-entropy), `val_accuracy`, `val_balanced_accuracy` and
  `val_auc` to the epoch logs, so History and TensorBoard record them. Ties on the
  monitored score go to the lower validation loss. With `patience`, training stops
  after that many epochs without improvement. Epochs before `first_epoch` (0-based) are
  scored but never kept, e.g. while a pruning schedule is still ramping up. With
  `score_start`, the model as training finds it is scored too, as epoch 0, and kept when
  no epoch beats it (fine-tuning a model that is already good, e.g. for QAT); with a
  `start_margin` as well, only when it beats the best epoch by more than that (a start
  chosen on the same validation images, as the pruning sweep's is, scores high by luck).

  After training, `best_epoch` (1-based; 0 for the start) and `best_score` say what was
  kept, and `collapse` why the kept weights are collapsed on the validation images (one
  class for every image, or balanced accuracy at chance: `tfcompress.health`), or None;
  with `warn_collapse` the log says so too.

  Args:
    x_val: validation images, as the model takes them.
    y_val: their integer labels.
    monitor: "val_loss", "val_accuracy", "val_balanced_accuracy" or "val_auc".
    patience: stop after this many epochs without improvement; 0 never stops early.
    first_epoch: the first (0-based) epoch that may be kept.
    batch_size: batch size of the validation predictions.
    score_start: also score (and possibly keep) the weights training starts from.
    start_margin: with `score_start`, how much better than the best epoch the start must
      score to be kept (0: ties go to the lower validation loss, as between epochs).
    warn_collapse: log a warning when the kept weights are collapsed.

  Raises:
    ValueError: an unknown `monitor`, or `patience` < 0.
    InputError: `y_val` not class indices of shape (N,) (one-hot, say), or not one a
      validation image.

  Example:
    keep = BestCheckpoint(x_val, y_val, monitor="val_auc", patience=5)
    model.fit(train_ds, epochs=30, callbacks=[keep])
    keep.best_epoch
  """

  def __init__(self, x_val, y_val, monitor="val_balanced_accuracy", patience=0, first_epoch=0,
               batch_size=256, score_start=False, start_margin=0.0, warn_collapse=True):
    super().__init__()
    if monitor not in MONITORS:
      raise ValueError(f"Argument `monitor` must be one of {', '.join(MONITORS)}. "
                       f"Received: monitor={monitor!r}")
    if patience < 0:
      raise ValueError(f"Argument `patience` must be >= 0. Received: patience={patience}")
    count = len(x_val) if hasattr(x_val, "shape") else None  # Not for a tf.data.Dataset.
    self.x_val, self.y_val = x_val, check_labels(y_val, "y_val", count=count)
    self.monitor, self.patience, self.first_epoch = monitor, patience, first_epoch
    self.batch_size, self.score_start = batch_size, score_start
    self.start_margin, self.start_scores = start_margin, None
    self.warn_collapse, self.collapse = warn_collapse, None

  def on_train_begin(self, logs=None):
    self.best_epoch, self.best_score, self._best_loss = None, None, math.inf
    self._weights, self._wait, self._start, self.collapse = None, 0, None, None
    if self.score_start:
      self.start_scores = self._scores()
      self._start_collapse = self._collapse
      if self.start_margin:
        self._start = self.model.get_weights()  # Compared with the best epoch at the end.
      else:
        self._consider(-1, self.start_scores)

  def _start_wins(self):
    """Whether the start beats the best epoch by more than `start_margin`."""
    start = self.start_scores[self.monitor]
    if self.best_score is None or not math.isfinite(self.best_score):
      return math.isfinite(start)
    if higher_is_better(self.monitor):
      return start - self.start_margin > self.best_score
    return start + self.start_margin < self.best_score

  def _better(self, score, loss):
    if self.best_score is None:
      return True
    if score == self.best_score:
      return loss < self._best_loss
    return score > self.best_score if higher_is_better(self.monitor) else score < self.best_score

  def _scores(self):
    logits = self.model.predict(self.x_val, batch_size=self.batch_size, verbose=0)
    scores = {f"val_{k}": v for k, v in validation_scores(self.y_val, logits).items()
              if k != "predicted_classes"}
    self._collapse = health.collapse(self.y_val, logits)  # Not a log entry: kept aside.
    return scores

  def on_epoch_end(self, epoch, logs=None):
    scores = self._scores()
    if logs is not None:
      logs.update(scores)
    if epoch >= self.first_epoch:
      self._consider(epoch, scores)

  def _consider(self, epoch, scores):
    """Keeps the weights when `scores` beat the best so far (`epoch` 0-based; -1: the start)."""
    score = scores[self.monitor]
    if not math.isfinite(score):
      score = -math.inf if higher_is_better(self.monitor) else math.inf
    if self._better(score, scores["val_loss"]):
      self.best_epoch, self.best_score, self._best_loss = epoch + 1, score, scores["val_loss"]
      self._weights, self.collapse = self.model.get_weights(), self._collapse
      self._wait = 0
    else:
      self._wait += 1
      if self.patience and self._wait >= self.patience:
        self.model.stop_training = True

  def on_train_end(self, logs=None):
    if self._start is not None and self._start_wins():
      self.best_epoch, self.best_score = 0, self.start_scores[self.monitor]
      self._weights, self.collapse = self._start, self._start_collapse
    self._start = None
    if self._weights is not None:
      self.model.set_weights(self._weights)
      self._weights = None
    if self.collapse and self.warn_collapse:
      logging.warning("BestCheckpoint kept epoch %s, which is collapsed: it %s. Try more "
                      "training steps, class weights (`class_weight` in fit) when the "
                      "classes are imbalanced, a lower learning rate, or check that the "
                      "labels match the images.", self.best_epoch, self.collapse)
