"""Weight sharing with TFMOT clustering: k shared values per layer, fine-tuned centroids.

Example:
  wrapped = cluster_model(pruned_model, clusters=16, init="kmeans++", preserve_sparsity=True)
  wrapped.compile(...); wrapped.fit(...)          # fine-tunes the centroids
  shared = strip(wrapped)
  distinct_values(shared)   # {'fc1': 16, ...}
"""
from absl import logging
import numpy as np
import tensorflow_model_optimization as tfmot

from tfcompress._keras import check_model
from tfcompress._keras import keras

_clustering = tfmot.clustering.keras
INITS = {"linear": _clustering.CentroidInitialization.LINEAR,
         "kmeans++": _clustering.CentroidInitialization.KMEANS_PLUS_PLUS,
         "density": _clustering.CentroidInitialization.DENSITY_BASED}
_CLUSTERABLE = (keras.layers.Conv2D, keras.layers.Dense)


def cluster_model(model, clusters, init="kmeans++", preserve_sparsity=True):
  """Wraps each Conv2D / Dense layer of a functional model in TFMOT `cluster_weights`.

  The wrapped layers share `model`'s weights. Fine-tune the result, then `strip` it.

  Args:
    model: a functional Keras 2 (tf_keras) model.
    clusters: shared values per layer (>= 2; >= 3 with `preserve_sparsity`).
    init: centroid initialization: "linear", "kmeans++" or "density".
    preserve_sparsity: keep pruned zeros zero, so clustering can follow pruning.

  A layer with too few weights for `clusters` (a layer thinned by `channels` and pruned)
  gets the most that kmeans++ can seed from its weights (`seedable`), and the log says so.

  Returns:
    A new Keras model with clustering wrappers.

  Raises:
    ValueError: too few `clusters` or an unknown `init`.

  Example:
    wrapped = cluster_model(pruned, clusters=16)
  """
  if clusters < 2 + bool(preserve_sparsity):  # One of them is zero.
    raise ValueError(f"Argument `clusters` must be >= {2 + bool(preserve_sparsity)}"
                     f"{' with preserve_sparsity' if preserve_sparsity else ''}. "
                     f"Received: clusters={clusters}")
  if init not in INITS:
    raise ValueError(f"Argument `init` must be one of {', '.join(INITS)}. Received: init={init!r}")
  check_model(model)

  def wrap(layer):
    if not isinstance(layer, _CLUSTERABLE) or isinstance(layer, keras.layers.DepthwiseConv2D):
      return layer
    k = clusters
    if init == "kmeans++":  # It draws centroids from the weights: too few raise in TFMOT.
      kernel = layer.kernel.numpy()
      k = seedable(kernel, clusters, preserve_sparsity)
      if k < clusters:
        weights = np.count_nonzero(kernel) if preserve_sparsity else kernel.size
        logging.info("Clustering: layer %s has %d %sweights, too few for %d clusters: %s.",
                     layer.name, weights, "non-zero " if preserve_sparsity else "", clusters,
                     f"it gets {k}" if k else "left as it is")
    if not k:
      return layer
    return _clustering.cluster_weights(layer, number_of_clusters=k,
                                       cluster_centroids_init=INITS[init],
                                       preserve_sparsity=preserve_sparsity)
  return keras.models.clone_model(model, clone_function=wrap)


def seedable(kernel, clusters, preserve_sparsity=True):
  """The most clusters, up to `clusters`, that TFMOT's kmeans++ can seed from `kernel`;
  0 when it can seed no number TFMOT accepts (the layer is then left unclustered).

  kmeans++ draws each centroid from a distinct weight; with `preserve_sparsity` one
  centroid is zero and the others are shared out between the negative and the positive
  weights in proportion to their counts (TFMOT's `_zero_centroid_initialization`), so each
  side needs as many weights as it gets centroids, and TFMOT wants 3 clusters at least.
  More raise a TensorFlow error ("Expected num_to_sample <= points.rows()").

  Example:
    seedable(np.array([-1.0, 0.0, 0.5, 2.0]), 32)  # 4: zero, one negative, two positive.
  """
  w = np.asarray(kernel).ravel()
  if not preserve_sparsity:
    k = min(clusters, w.size)
    return int(k) if k >= 2 else 0
  neg, pos = int((w < 0).sum()), int((w > 0).sum())
  if neg + pos == 0:
    return clusters  # TFMOT keeps the zero centroid alone.
  for k in range(clusters, 2, -1):
    on_neg = round((k - 1) * (neg / (neg + pos)))  # Half to even, as tf.math.round.
    if on_neg <= neg and k - 1 - on_neg <= pos:
      return k
  return 0


def strip(model):
  """The model without clustering wrappers: kernels hold only the shared values.

  Args:
    model: a model from `cluster_model`.

  Returns:
    A new Keras model of plain layers.

  Raises:
    Nothing beyond TFMOT's own errors.

  Example:
    shared = strip(wrapped)
  """
  return _clustering.strip_clustering(model)


def distinct_values(model):
  """Number of distinct non-zero kernel values per Conv2D / Dense layer."""
  return {l.name: int(len(np.unique(l.kernel.numpy()[l.kernel.numpy() != 0])))
          for l in model.layers if isinstance(l, _CLUSTERABLE)}
