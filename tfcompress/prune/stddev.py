"""The founding paper's pruner: zero every weight with |w| < std(w) / alpha.

Smaller alpha means a higher threshold and more zeros (alpha=0.5 zeroes about 95% of a
Gaussian layer, alpha=15 about 5%). Only kernels of Conv2D, DepthwiseConv2D and Dense
layers are pruned; biases and batch-norm parameters are kept.

Example:
  masks = stddev_masks(model, alpha=2.0)
  apply_masks(masks)
  layer_sparsity(model)   # {'conv1': 0.38, ...}
"""
import numpy as np

from tfcompress._keras import keras
from tfcompress.models.layers import leaf_layers

PRUNABLE = (keras.layers.Conv2D, keras.layers.DepthwiseConv2D, keras.layers.Dense)


def prunable_kernels(model):
  """(layer name, kernel variable) for every prunable layer, nested models included, and
  layers inside wrappers (TFMOT's `prune_low_magnitude`, whose training zeroes the
  wrapped kernel: read under the layer's own name, as after `strip_pruning`)."""
  found = []
  for layer in leaf_layers(model):
    if type(layer).__name__ == "PruneLowMagnitude":  # Others (QAT, clustering) compute
      layer = layer.layer  # the kernel they give the layer: not a variable to read.
    if isinstance(layer, PRUNABLE):
      kernel = layer.depthwise_kernel if isinstance(
          layer, keras.layers.DepthwiseConv2D) else layer.kernel
      found.append((layer.name, kernel))
  return found


def stddev_masks(model, alpha, scope="layer"):
  """Masks (kernel variable, 0/1 array) keeping |w| >= std(w) / alpha.

  Args:
    model: a Keras model; its Conv2D, DepthwiseConv2D and Dense kernels are masked,
      nested models included.
    alpha: the threshold factor (> 0); smaller prunes more.
    scope: "layer" (each layer's own std) or "global" (one std over all kernels).

  Returns:
    A list of (kernel variable, 0/1 numpy mask) pairs, for `apply_masks` or `HoldMasks`.

  Raises:
    ValueError: `alpha` <= 0, or an unknown `scope`.

  Example:
    masks = stddev_masks(model, alpha=2.0)
  """
  if alpha <= 0:
    raise ValueError(f"Argument `alpha` must be > 0. Received: alpha={alpha}")
  if scope not in ("layer", "global"):
    raise ValueError(f"Argument `scope` must be 'layer' or 'global'. Received: scope={scope!r}")
  kernels = prunable_kernels(model)
  if scope == "global":
    std = np.concatenate([k.numpy().ravel() for _, k in kernels]).std()
  masks = []
  for _, kernel in kernels:
    w = kernel.numpy()
    threshold = (w.std() if scope == "layer" else std) / alpha
    masks.append((kernel, (np.abs(w) >= threshold).astype(w.dtype)))
  return masks


def apply_masks(masks):
  """Multiplies each kernel by its mask in place.

  Args:
    masks: (kernel variable, 0/1 mask) pairs, e.g. from `stddev_masks`.

  Returns:
    None.

  Raises:
    Nothing beyond TensorFlow's own errors (a mask of another shape).

  Example:
    apply_masks(stddev_masks(model, alpha=2.0))
  """
  for kernel, mask in masks:
    kernel.assign(kernel * mask)


def layer_sparsity(model):
  """Zero fraction of each prunable kernel, by layer name."""
  return {name: float(np.mean(k.numpy() == 0)) for name, k in prunable_kernels(model)}


def sparsity_summary(model):
  """Per-layer and total sparsity of the prunable kernels, and the non-zero parameter count.

  Args:
    model: a Keras model.

  Returns:
    A dict: "layer_sparsity" ({layer name: zero fraction}), "layer_weights" ({layer
    name: kernel size}), "sparsity" (zero fraction over all prunable kernels) and
    "nonzero_params" (over all weights).

  Raises:
    Nothing.

  Example:
    sparsity_summary(model)["sparsity"]  # 0.87
  """
  kernels = prunable_kernels(model)
  zeros = sum(int(np.sum(k.numpy() == 0)) for _, k in kernels)
  size = sum(int(np.prod(k.shape)) for _, k in kernels)
  all_zero = sum(int(np.sum(w == 0)) for w in model.get_weights())
  return {
      "layer_sparsity": layer_sparsity(model),
      "layer_weights": {name: int(np.prod(k.shape)) for name, k in kernels},
      "sparsity": zeros / max(size, 1),
      "nonzero_params": int(model.count_params() - all_zero),
  }


class HoldMasks(keras.callbacks.Callback):
  """Re-applies pruning masks after every training step, so pruned weights stay zero.

  The masks are applied once more when training begins.

  Args:
    masks: (kernel variable, 0/1 mask) pairs, e.g. from `stddev_masks`.

  Raises:
    Nothing.

  Example:
    model.fit(ds, epochs=3, callbacks=[HoldMasks(masks)])
  """

  def __init__(self, masks):
    super().__init__()
    self.masks = masks

  def on_train_begin(self, logs=None):
    apply_masks(self.masks)

  def on_train_batch_end(self, batch, logs=None):
    apply_masks(self.masks)
