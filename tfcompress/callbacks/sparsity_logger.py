"""`SparsityLogger`: per-layer sparsity in the epoch logs and in TensorBoard."""
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.callbacks.trained import trained
from tfcompress.prune import stddev


class SparsityLogger(keras.callbacks.Callback):
  """Adds `sparsity` and `sparsity/<layer>` to the logs at each epoch end.

  With `log_dir`, it also writes them as TensorBoard scalars. A model that trains a
  `student` (the Distiller) is logged by its student's layers.

  Args:
    log_dir: a TensorBoard folder, or None for the logs alone.

  Raises:
    Nothing.

  Example:
    model.fit(ds, epochs=5, callbacks=[SparsityLogger(log_dir="logs/sparsity")])
  """

  def __init__(self, log_dir=None):
    super().__init__()
    self.log_dir = log_dir
    self._writer = None

  def on_train_begin(self, logs=None):
    self._writer = tf.summary.create_file_writer(self.log_dir) if self.log_dir else None

  def on_epoch_end(self, epoch, logs=None):
    summary = stddev.sparsity_summary(trained(self.model))
    values = {"sparsity": summary["sparsity"]}
    values.update({f"sparsity/{k}": v for k, v in summary["layer_sparsity"].items()})
    if logs is not None:
      logs.update(values)
    if self._writer is not None:
      with self._writer.as_default():
        for name, value in values.items():
          tf.summary.scalar(name, value, step=epoch)
      self._writer.flush()

  def on_train_end(self, logs=None):
    if self._writer is not None:
      self._writer.close()
      self._writer = None
