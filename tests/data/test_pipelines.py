import numpy as np
import pytest

from tfcompress.config import base_config
from tfcompress.data import pipelines
from tfcompress.errors import InputError


def test_augment_keeps_shape_and_pixel_range():
  images = np.random.default_rng(0).uniform(0, 255, (8, 28, 28, 1)).astype(np.float32)
  out = pipelines.augment(images, flip=True, crop_scale=0.5, noise=0.1).numpy()
  assert out.shape == images.shape
  assert out.min() >= 0.0 and out.max() <= 255.0
  assert not np.allclose(out, images)


def test_photometric_jitter_shifts_brightness_and_scales_contrast_per_image():
  rng = np.random.default_rng(0)
  images = rng.uniform(100, 156, (16, 28, 28, 1)).astype(np.float32)  # Nothing clips.
  mean, std = images.mean(axis=(1, 2, 3)), images.std(axis=(1, 2, 3))
  args = dict(flip=False, crop_scale=1.0, seed=(1, 2))
  contrast = pipelines.augment(images, contrast=0.4, **args).numpy()
  np.testing.assert_allclose(contrast.mean(axis=(1, 2, 3)), mean, atol=1e-3)
  scale = contrast.std(axis=(1, 2, 3)) / std
  assert 0.6 <= scale.min() and scale.max() <= 1.4 and scale.std() > 0.05  # Per image.
  bright = pipelines.augment(images, brightness=0.1, **args).numpy()
  shift = bright.mean(axis=(1, 2, 3)) - mean
  np.testing.assert_allclose(bright.std(axis=(1, 2, 3)), std, rtol=1e-4)
  assert np.abs(shift).max() <= 25.5 + 1e-3 and shift.std() > 3


def test_photometric_jitter_leaves_flips_and_crops_as_they_were():
  """Turning the jitter on must not redraw the geometric augmentation of a seed."""
  images = np.random.default_rng(0).uniform(60, 196, (8, 28, 28, 1)).astype(np.float32)
  args = dict(flip=True, crop_scale=0.5, seed=(3, 4))
  plain = pipelines.augment(images, **args).numpy()
  jittered = pipelines.augment(images, contrast=0.3, **args).numpy()
  # Contrast is affine in each image, so it keeps each pixel's rank among its image's.
  for a, b in zip(plain, jittered):
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.99



def test_random_erase_fills_one_box_per_chosen_image_with_its_mean():
  images = np.random.default_rng(0).uniform(0, 255, (64, 28, 28, 1)).astype(np.float32)
  out = pipelines.random_erase(images, 0.5, (5, 6)).numpy()
  changed = (out != images).any(axis=(1, 2, 3))
  assert 16 <= changed.sum() <= 48  # About half the images, not none or all.
  for image, erased in zip(images[changed], out[changed]):
    rows, cols = np.nonzero((erased != image)[..., 0])
    box = np.s_[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    np.testing.assert_allclose(erased[box], image.mean(), rtol=1e-5)  # A full rectangle.
    area = erased[box].size / image.size
    assert 0.01 <= area <= 0.3  # 2-25% of the image, to the pixel.
  np.testing.assert_array_equal(out[~changed], images[~changed])
  np.testing.assert_array_equal(pipelines.random_erase(images, 0.5, (5, 6)), out)


def test_random_rotate_turns_each_image_by_its_own_angle_within_the_limit():
  bars = np.zeros((32, 29, 29, 1), np.float32)
  bars[:, 14, 4:25] = 255.0  # A horizontal bar through the centre.
  out = pipelines.random_rotate(bars, 30.0, (7, 8)).numpy()[..., 0]
  angles = []
  for image in out:
    ys, xs = np.nonzero(image > 127)
    slope = np.polyfit(xs - 14.0, ys - 14.0, 1)[0]
    angles.append(np.degrees(np.arctan(slope)))
    assert abs(ys.mean() - 14) < 1 and abs(xs.mean() - 14) < 1  # About the centre.
  angles = np.abs(angles)
  assert angles.max() <= 31 and angles.max() > 15 and angles.std() > 3  # Within 30, apart.
  np.testing.assert_array_equal(pipelines.random_rotate(bars, 30.0, (7, 8)), out[..., None])


def test_random_erase_leaves_flips_and_crops_as_they_were():
  images = np.random.default_rng(0).uniform(0, 255, (16, 28, 28, 1)).astype(np.float32)
  args = dict(flip=True, crop_scale=0.5, seed=(3, 4))
  plain = pipelines.augment(images, **args).numpy()
  erased = pipelines.augment(images, erase=1.0, **args).numpy()
  same = (plain == erased).mean(axis=(1, 2, 3))
  assert same.min() >= 0.7 and same.max() < 1.0  # Every image erased, the rest unchanged.
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
  c.path, c.class_names, c.image_size = str(tmp_path / "folder"), (), 0
  with pytest.raises(InputError, match=r"Config `data.image_size` must be > 0.* data.image_size=0"):
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
  from tests.conftest import make_images
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
