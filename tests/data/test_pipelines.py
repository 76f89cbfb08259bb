import numpy as np
import pytest

from tfcompress.config import base_config
from tfcompress.data import pipelines
from tfcompress.errors import InputError
from tests.conftest import make_images


def test_the_data_seed_alone_fixes_order_and_augmentation():
  """Same seeds: the same batches, whatever random ops ran before (a model built, another
  dataset made); each epoch and each data seed differ."""
  import tensorflow as tf
  c = base_config().data
  x = np.random.default_rng(0).uniform(0, 255, (40, 28, 28, 1)).astype(np.float32)
  y = np.arange(40) % 2
  def epochs(seed, ops_before=0):
    tf.random.set_seed(0)
    for _ in range(ops_before):
      tf.random.uniform([3])
    ds = pipelines.train_dataset(x, y, c, seed=seed)
    return [np.concatenate([b[0].numpy().ravel() for b in ds]) for _ in range(2)]
  first, second = epochs(3)
  again = epochs(3, ops_before=5)
  np.testing.assert_array_equal(first, again[0])
  np.testing.assert_array_equal(second, again[1])
  assert not np.allclose(first, second)  # A new order and new crops each epoch.
  assert not np.allclose(first, epochs(4)[0])


def test_train_dataset_applies_rotation_and_erasing_from_the_config():
  x = np.random.default_rng(0).uniform(0, 255, (32, 28, 28, 1)).astype(np.float32)
  y = np.arange(32) % 2
  def batch(**options):
    c = base_config().data
    c.update(dict(flip=False, crop_scale=1.0, **options))
    return next(iter(pipelines.train_dataset(x, y, c, seed=1)))[0].numpy()
  plain = batch()
  for options in (dict(rotate=20.0), dict(erase=1.0)):
    changed = batch(**options)
    assert not np.allclose(changed, plain), options
    np.testing.assert_array_equal(changed, batch(**options))
  erased = batch(erase=1.0)
  assert (erased == plain).mean() > 0.7  # Boxes, not a rotation.


def test_train_dataset_batches_images_with_extra_inputs():
  c = base_config().data
  x = np.zeros((70, 28, 28, 1), np.float32)
  y = np.arange(70) % 2
  extra = np.ones((70, 2), np.float32)
  (images, logits), labels = next(iter(pipelines.train_dataset(x, y, c, extra=extra)))
  assert images.shape == (32, 28, 28, 1) and logits.shape == (32, 2) and labels.shape == (32,)


def test_load_shipped_dataset_and_limit():
  c = base_config().data
  c.limit = 50
  s = pipelines.load(c)
  assert s.class_names == ("normal", "pneumonia")
  assert len(s.y_train) == len(s.y_val) == len(s.y_test) == 50


def _rare_class_npz(tmp_path):
  """Three classes; class 2 has 3 of 60 images in each split (val and test given)."""
  x, y = make_images(180, size=8)
  y = np.where(np.arange(180) % 20 == 7, 2, np.arange(180) % 2)
  path = str(tmp_path / "rare.npz")
  np.savez(path, x_train=x[:60], y_train=y[:60], x_val=x[60:120], y_val=y[60:120],
           x_test=x[120:], y_test=y[120:])
  return path


def test_image_size_squares_images_of_the_same_height(tmp_path):
  """Review: only the height was compared, so 8x12 images stayed 8x12 at image_size=8."""
  x, y = make_images(40, size=8)
  x = np.concatenate([x, x[:, :, :4]], axis=2)  # 8 high, 12 wide.
  np.savez(tmp_path / "wide.npz", x_train=x, y_train=y, x_test=x, y_test=y)
  c = base_config().data
  c.path, c.image_size = str(tmp_path / "wide.npz"), 8
  s = pipelines.load(c)
  assert s.input_shape[:2] == (8, 8) and "Resized from 12x8 to 8x8" in s.reading


def test_limit_keeps_every_class_in_every_split(tmp_path):
  c = base_config().data
  c.path, c.image_size = _rare_class_npz(tmp_path), 10
  assert pipelines.load(c).reading == ("Resized from 8x8 to 10x10 (`data.image_size`) with "
                                       "tf.image.resize, bilinear.")
  c.image_size, c.limit = 0, 6
  for seed in range(5):  # A plain random 6 of 60 misses a 5% class in most splits.
    s = pipelines.load(c, seed)
    for y in (s.y_train, s.y_val, s.y_test):
      assert len(y) == 6 and set(y) == {0, 1, 2}, (seed, y)
  c.limit = 2
  with pytest.raises(InputError, match=r"`data.limit` keeps 2 train examples, fewer than the "
                                       r"3 classes.*data.limit >= 3"):
    pipelines.load(c)


def test_drop_copies_that_empties_a_class_in_val_is_refused(tmp_path):
  x, y = make_images(30, size=8)
  y = np.arange(30) % 2
  x_val, y_val = x[20:25].copy(), np.array([0, 0, 0, 0, 1])
  x_val[4] = x[1]  # The one class-1 val image copies a training image.
  path = str(tmp_path / "copy.npz")
  np.savez(path, x_train=x[:20], y_train=y[:20], x_val=x_val, y_val=y_val, x_test=x[25:],
           y_test=y[25:])
  c = base_config().data
  c.path, c.drop_copies = path, True
  with pytest.raises(InputError, match=r"`data.drop_copies` would leave no val image of "
                                       r"class '1'.*or set data.drop_copies=False"):
    pipelines.load(c)


def test_class_weights_are_balanced():
  w = pipelines.class_weights(np.array([0, 0, 0, 1]))
  assert w[1] == 3 * w[0]


def test_sqrt_class_weights_are_the_root_of_balanced_with_mean_one():
  y = np.array([0] * 6 + [1] * 2 + [2])
  w = pipelines.class_weights(y, "sqrt")
  # Balanced would make class 2 weigh 6x class 0; the root makes it sqrt(6)x.
  np.testing.assert_allclose([w[2] / w[0], w[1] / w[0]], [np.sqrt(6), np.sqrt(3)])
  np.testing.assert_allclose(np.mean([w[int(label)] for label in y]), 1.0)
  np.testing.assert_allclose([w[0], w[1], w[2]], [0.7554, 1.3084, 1.8505], atol=1e-4)


def test_class_names_from_the_config(tiny_npz):
  c = base_config().data
  c.path = tiny_npz
  assert pipelines.load(c).class_names == ("0", "1")
  c.class_names = ("cat", "dog")
  assert pipelines.load(c).class_names == ("cat", "dog")
  c.class_names = ("cat", "dog", "bird")
  with pytest.raises(InputError, match=r"names 3 classes but the data has 2.*'bird'"):
    pipelines.load(c)
  for bad in (("cat", "cat"), ("cat", " "), ("cat", "big\ndog")):
    c.class_names = bad
    with pytest.raises(InputError, match="distinct, non-empty, one-line"):
      pipelines.load(c)


def test_loaders_name_their_arguments_and_load_the_config_keys(tiny_npz, tmp_path):
  from tfcompress.data import arrays
  with pytest.raises(InputError, match=r"Argument `class_names` names 3 .* class_names=\("):
    arrays.load_npz(tiny_npz, class_names=("cat", "dog", "bird"))
  with pytest.raises(InputError, match=r"Argument `path` must .* path='/.*missing.npz'"):
    arrays.load_npz(str(tmp_path / "missing.npz"))
  c = base_config().data
  c.path = str(tmp_path / "missing.npz")
  with pytest.raises(InputError, match=r"Config `data.path` not found: .* data.path='/.*missing.npz'"):
    pipelines.load(c)
  c.path, c.class_names = tiny_npz, ("cat", "dog", "bird")
  with pytest.raises(InputError, match=r"Config `data.class_names` names 3 .* data.class_names="):
    pipelines.load(c)
  (tmp_path / "folder" / "train").mkdir(parents=True)
  c.path, c.class_names, c.image_size = str(tmp_path / "folder"), (), -1
  with pytest.raises(InputError, match=r"Config `data.image_size` must be > 0.* data.image_size=-1"):
    pipelines.load(c)


def test_class_weights_auto_only_when_imbalanced():
  assert pipelines.class_weights(np.array([0, 0, 0, 1]), "auto")[1] == 2.0
  assert pipelines.class_weights(np.array([0, 0, 0, 0, 1, 1, 1]), "auto") is None  # 1.33x
  assert pipelines.class_weights(np.array([0, 0, 0, 1]), "none") is None


def test_small_data_gets_enough_steps():
  from tfcompress import training
  assert training.passes(546, 32, 15, 800) == 3  # 18 steps an epoch: 3 passes, 810 steps.
  assert training.passes(4708, 32, 15, 1000) == 1
  assert training.passes(546, 32, 15, 0) == 1


def test_drop_copies_leaves_out_held_out_images_seen_in_training(tmp_path):
  x, y = make_images(40, size=8)
  x_val, y_val, x_test, y_test = x[20:30].copy(), y[20:30], x[30:].copy(), y[30:]
  x_val[:3], x_test[:2], x_test[2] = x[:3], x[5:7], x_val[5]  # 3 + 2 from train, 1 from val.
  path = str(tmp_path / "copies.npz")
  np.savez(path, x_train=x[:20], y_train=y[:20], x_val=x_val, y_val=y_val, x_test=x_test,
           y_test=y_test)
  c = base_config().data
  c.path = path
  kept = pipelines.load(c)
  assert (len(kept.y_val), len(kept.y_test)) == (10, 10)  # Off by default: counted only.
  c.drop_copies = True
  dropped = pipelines.load(c)
  assert (len(dropped.y_val), len(dropped.y_test)) == (7, 7)
  np.testing.assert_array_equal(dropped.y_val, y_val[3:])
  np.testing.assert_array_equal(dropped.y_test, y_test[3:])
  np.savez(path, x_train=x[:20], y_train=y[:20], x_val=x_val, y_val=y_val, x_test=x[:10],
           y_test=y[:10])
  with pytest.raises(InputError, match=r"data.drop_copies` would leave no test images"):
    pipelines.load(c)
