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
    clustering.cluster_model(model, 1)
  with pytest.raises(ValueError, match="init='median'"):
    clustering.cluster_model(model, 8, init="median")
