import numpy as np
import pytest

from tfcompress import prune
from tfcompress._keras import keras
from tfcompress.models import paper_cnn
from tfcompress.quantize import clustering


def test_clusters_after_pruning_keep_the_zeros_and_k_values():
  keras.utils.set_random_seed(0)
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  prune.apply_masks(prune.stddev_masks(model, 1.0))
  before = prune.layer_sparsity(model)
  wrapped = clustering.cluster_model(model, clusters=4, init="linear")
  wrapped.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  x = np.random.default_rng(0).uniform(0, 255, (32, 12, 12, 1)).astype(np.float32)
  wrapped.fit(x, np.arange(32) % 2, epochs=1, batch_size=8, verbose=0)
  shared = clustering.strip(wrapped)
  assert all(n <= 4 for n in clustering.distinct_values(shared).values())
  after = prune.layer_sparsity(shared)
  assert all(after[k] >= before[k] - 1e-9 for k in before)


def test_bad_arguments():
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  with pytest.raises(ValueError, match="clusters=1"):
    clustering.cluster_model(model, 1, preserve_sparsity=False)
  with pytest.raises(ValueError, match=">= 3 with preserve_sparsity. Received: clusters=2"):
    clustering.cluster_model(model, 2)  # TFMOT's own error came from deep inside.
  with pytest.raises(ValueError, match="init='median'"):
    clustering.cluster_model(model, 8, init="median")


def test_a_layer_with_few_weights_gets_the_clusters_kmeans_can_seed():
  # Before: TFMOT's kmeans++ raised "Expected num_to_sample <= points.rows(). 12 vs 8" on
  # a layer thinned by channels and pruning (trial 11, configs/cifar10_fire.py:smoke).
  keras.utils.set_random_seed(0)
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  conv = next(l for l in reversed(model.layers) if isinstance(l, keras.layers.Conv2D))
  kernel = np.zeros(conv.kernel.shape, np.float32)  # 3x3x8x8: 20 weights left non-zero,
  kernel.flat[:20] = np.r_[-np.arange(1, 9), np.arange(1, 13)] / 10  # 8 below, 12 above 0.
  conv.kernel.assign(kernel)
  assert clustering.seedable(kernel, 32) == 21  # 20 non-zero centroids + zero: 8 and 12.
  assert clustering.seedable(kernel, 8) == 8 and clustering.seedable(kernel, 32, False) == 32
  assert clustering.seedable(np.array([-1.0, 0.0, 0.5, 2.0]), 32) == 4
  assert clustering.seedable(np.array([0.0, 0.5]), 32) == 0  # TFMOT wants 3 or more.
  wrapped = clustering.cluster_model(model, clusters=32, init="kmeans++")
  shared = clustering.strip(wrapped)
  assert clustering.distinct_values(shared)[conv.name] <= 20
  assert np.count_nonzero(shared.get_layer(conv.name).kernel.numpy()) <= 20
  # One non-zero weight: no number of clusters TFMOT accepts; the layer stays as it is.
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  conv = next(l for l in reversed(model.layers) if isinstance(l, keras.layers.Conv2D))
  kernel[:] = 0
  kernel.flat[0] = 0.5
  conv.kernel.assign(kernel)
  wrapped = clustering.cluster_model(model, clusters=32, init="kmeans++")
  names = [l.name for l in wrapped.layers]
  assert conv.name in names and f"cluster_{conv.name}" not in names and "cluster_conv1" in names
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))  # TFMOT wraps the layers given.
  model.get_layer(conv.name).kernel.assign(kernel)
  linear = clustering.cluster_model(model, clusters=4, init="linear")  # Not capped.
  assert f"cluster_{conv.name}" in [l.name for l in linear.layers]


def test_the_cluster_stage_refuses_two_clusters_that_keep_the_zeros():
  from tfcompress.config import base_config  # pylint: disable=g-import-not-at-top
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  from tfcompress.stages import graph  # pylint: disable=g-import-not-at-top
  config = base_config()
  config.cluster.clusters = 2
  with pytest.raises(InputError, match=r"`cluster.clusters` must be >= 3 with "
                                       r"cluster.preserve_sparsity.*clusters=2"):
    graph.get("cluster").check(config, None)
  config.cluster.preserve_sparsity = False
  graph.get("cluster").check(config, None)
