"""`StdDevPruning`: the paper's pruner as a callback for your own `fit()`."""
from absl import logging

from tfcompress._keras import keras
from tfcompress.callbacks.trained import trained
from tfcompress.prune import stddev


class StdDevPruning(keras.callbacks.Callback):
  """Prunes |w| < std(w) / alpha at the start of epoch `start_epoch`, then holds the zeros.

  A model that trains a `student` (the Distiller) has its student pruned, not its teacher.

  Args:
    alpha: the threshold factor; smaller prunes more (the paper sweeps 0.5 ... 15).
    start_epoch: the (0-based) epoch at which to prune; train a few epochs first.
    scope: "layer" (each layer's own std) or "global" (one std over all kernels).

  Raises:
    ValueError: `alpha` <= 0 or `start_epoch` < 0; an unknown `scope` when it prunes.

  Example:
    model.fit(ds, epochs=8, callbacks=[StdDevPruning(alpha=1.5, start_epoch=5)])
  """

  def __init__(self, alpha, start_epoch=0, scope="layer"):
    super().__init__()
    if alpha <= 0:
      raise ValueError(f"Argument `alpha` must be > 0. Received: alpha={alpha}")
    if start_epoch < 0:
      raise ValueError(f"Argument `start_epoch` must be >= 0. Received: start_epoch={start_epoch}")
    self.alpha = alpha
    self.start_epoch = start_epoch
    self.scope = scope
    self.masks = None

  def on_train_begin(self, logs=None):
    self.masks = None

  def on_epoch_begin(self, epoch, logs=None):
    if epoch == self.start_epoch and self.masks is None:
      self.masks = stddev.stddev_masks(trained(self.model), self.alpha, self.scope)
      stddev.apply_masks(self.masks)
      logging.info("StdDevPruning: alpha %g pruned %.1f%% of the kernels", self.alpha,
                   100 * stddev.sparsity_summary(trained(self.model))["sparsity"])

  def on_train_batch_end(self, batch, logs=None):
    if self.masks is not None:
      stddev.apply_masks(self.masks)
