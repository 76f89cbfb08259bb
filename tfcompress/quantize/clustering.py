"""Weight sharing with TFMOT clustering: k shared values per layer, fine-tuned centroids.

Example:
  wrapped = cluster_model(pruned_model, clusters=16, init="kmeans++", preserve_sparsity=True)
  wrapped.compile(...); wrapped.fit(...)          # fine-tunes the centroids
  shared = strip(wrapped)
  distinct_values(shared)   # {'fc1': 16, ...}
"""
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
    clusters: shared values per layer (>= 2).
    init: centroid initialization: "linear", "kmeans++" or "density".
    preserve_sparsity: keep pruned zeros zero, so clustering can follow pruning.

  Returns:
    A new Keras model with clustering wrappers.

  Raises:
    ValueError: `clusters` < 2 or an unknown `init`.

  Example:
    wrapped = cluster_model(pruned, clusters=16)
  """
  if clusters < 2:
    raise ValueError(f"Argument `clusters` must be >= 2. Received: clusters={clusters}")
  if init not in INITS:
    raise ValueError(f"Argument `init` must be one of {', '.join(INITS)}. Received: init={init!r}")
  check_model(model)

  def wrap(layer):
    if isinstance(layer, _CLUSTERABLE) and not isinstance(layer, keras.layers.DepthwiseConv2D):
      return _clustering.cluster_weights(layer, number_of_clusters=clusters,
                                         cluster_centroids_init=INITS[init],
                                         preserve_sparsity=preserve_sparsity)
    return layer
  return keras.models.clone_model(model, clone_function=wrap)


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
