"""TensorFlow Datasets through `data.name="tfds:<name>"`, on TFDS's mock data (no download)."""
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tests.conftest import make_images
from tfcompress import pipeline
from tfcompress._keras import tf
from tfcompress.config import base_config
from tfcompress.config import smoke
from tfcompress.data import load
from tfcompress.errors import InputError


def _mock(n=96):
  return tfds.testing.mock_data(num_examples=n, policy=tfds.testing.MockPolicy.USE_CODE)


def _learnable(n_train=200, n_test=60):
  """TFDS mock data whose MNIST-shaped images have a learnable class (two digits)."""
  def as_dataset(self, split, *args, **kwargs):  # pylint: disable=unused-argument
    x, y = make_images(n_train if "train" in str(split) else n_test,
                       seed=0 if "train" in str(split) else 1)
    return tf.data.Dataset.from_tensor_slices({"image": x[..., None], "label": y.astype(np.int64)})
  return tfds.testing.mock_data(as_dataset_fn=as_dataset, policy=tfds.testing.MockPolicy.USE_CODE)


def test_a_tfds_data_set_loads_with_its_class_names_and_a_val_split():
  config = base_config().data
  config.name = "tfds:mnist"
  with _mock():
    splits = load(config)
  assert splits.x_train.shape[1:] == (28, 28, 1) and splits.class_names[:2] == ("0", "1")
  assert len(splits.y_train) + len(splits.y_val) == 96 and len(splits.y_test) == 96
  assert splits.x_train.dtype == np.float32 and splits.x_train.max() <= 255


def test_an_unknown_tfds_name_is_one_line():
  config = base_config().data
  config.name = "tfds:no_such_set"
  with pytest.raises(InputError, match="TFDS has no data set 'no_such_set'"):
    load(config)


def test_offline_tfds_says_how_to_use_a_local_file(tmp_path, monkeypatch):
  def fail(*args, **kwargs):
    raise ConnectionError("no network")
  monkeypatch.setattr(tfds.core.DatasetBuilder, "download_and_prepare", fail)
  config = base_config().data
  config.name = "tfds:mnist"
  with pytest.raises(InputError, match=r"Could not download.*ConnectionError.*data.path=FILE.npz"):
    load(config)


def test_a_smoke_run_on_tfds_mock_data(tmp_path):
  config = smoke(base_config())
  config.data.name = "tfds:mnist"
  config.data.limit = 0
  config.verbose = 0
  config.stages = ("student", "prune", "quantize")
  config.prune.distill = False
  config.quantize.modes = ("int8",)
  with _learnable():
    report = pipeline.run(config, str(tmp_path / "run"))
  by_name = {m["name"]: m for m in report["models"]}
  assert by_name["student"]["accuracy"] > 0.75 and by_name["pruned_int8"]["accuracy"] > 0.75
