"""The search's candidates never share a model: training one cannot change the next."""
import numpy as np

from tfcompress import models
from tfcompress.stages import search


def test_every_candidate_is_a_new_model():
  model = models.build_student("paper_cnn", (28, 28, 1), 2)
  before = [w.copy() for w in model.get_weights()]
  for keep in (1.0, 0.5):
    candidate = search._candidate(model, keep, "l1", None)  # pylint: disable=protected-access
    assert candidate is not model
    candidate.set_weights([w + 1.0 for w in candidate.get_weights()])
  assert all(np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_over_names_each_limit_it_breaks():
  row = {"flash_bytes": 20_000, "arena_bytes": None, "macs": 10}
  text = search._over(row, {"flash_bytes": 12_288, "arena_bytes": 8_192, "macs": None})  # pylint: disable=protected-access
  assert text == "flash_bytes 20,000 > 12,288; arena_bytes None > 8,192"
