import numpy as np
import pytest

from tfcompress import prune
from tfcompress._keras import keras
from tfcompress.distill import Distiller
from tfcompress.models import paper_cnn


def _data():
  rng = np.random.default_rng(0)
  return rng.uniform(0, 255, (64, 12, 12, 1)).astype(np.float32), np.arange(64) % 2


def test_schedule_reaches_target_sparsity_after_strip():
  x, y = _data()
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  wrapped = prune.prune_model(model, prune.make_schedule("polynomial", 0.6, steps=8))
  wrapped.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  wrapped.fit(x, y, batch_size=16, epochs=3, verbose=0, callbacks=[prune.update_step_callback()])
  stripped = prune.strip(wrapped)
  layers = prune.layer_sparsity(stripped)
  assert all(s >= 0.6 - 0.02 for s in layers.values()), layers
  # Trial 9: read through the wrappers while training, the sparsity was 0 (SparsityLogger).
  assert prune.layer_sparsity(wrapped) == layers


def test_two_four_structure_inside_the_distiller():
  x, y = _data()
  student = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  wrapped = prune.prune_model(student, None, m_by_n=(2, 4))
  d = Distiller(wrapped, None, 2.0, 0.5, 0.5)
  d.compile(optimizer="adam")
  d.fit((x, np.zeros((64, 2), np.float32)), y, batch_size=16, epochs=1, verbose=0,
        callbacks=[prune.update_step_callback()])
  kernel = prune.strip(wrapped).get_layer("conv2").kernel.numpy()
  groups = np.moveaxis(kernel, 2, -1).reshape(-1, 4)  # 4 consecutive input channels.
  assert np.all(np.sum(groups != 0, axis=1) <= 2)


def test_bad_schedule_arguments():
  with pytest.raises(ValueError, match="target=1.5"):
    prune.make_schedule("polynomial", 1.5, 10)
  with pytest.raises(ValueError, match="kind='cubic'"):
    prune.make_schedule("cubic", 0.5, 10)
