import numpy as np

from tfcompress._keras import tf
from tfcompress.data import augment


def test_augment_keeps_shape_and_pixel_range():
  images = np.random.default_rng(0).uniform(0, 255, (8, 28, 28, 1)).astype(np.float32)
  out = augment.augment(images, flip=True, crop_scale=0.5, noise=0.1).numpy()
  assert out.shape == images.shape
  assert out.min() >= 0.0 and out.max() <= 255.0
  assert not np.allclose(out, images)


def test_photometric_jitter_shifts_brightness_and_scales_contrast_per_image():
  rng = np.random.default_rng(0)
  images = rng.uniform(100, 156, (16, 28, 28, 1)).astype(np.float32)  # Nothing clips.
  mean, std = images.mean(axis=(1, 2, 3)), images.std(axis=(1, 2, 3))
  args = dict(flip=False, crop_scale=1.0, seed=(1, 2))
  contrast = augment.augment(images, contrast=0.4, **args).numpy()
  np.testing.assert_allclose(contrast.mean(axis=(1, 2, 3)), mean, atol=1e-3)
  scale = contrast.std(axis=(1, 2, 3)) / std
  assert 0.6 <= scale.min() and scale.max() <= 1.4 and scale.std() > 0.05  # Per image.
  bright = augment.augment(images, brightness=0.1, **args).numpy()
  shift = bright.mean(axis=(1, 2, 3)) - mean
  np.testing.assert_allclose(bright.std(axis=(1, 2, 3)), std, rtol=1e-4)
  assert np.abs(shift).max() <= 25.5 + 1e-3 and shift.std() > 3


def test_photometric_jitter_leaves_flips_and_crops_as_they_were():
  """Turning the jitter on must not redraw the geometric augmentation of a seed."""
  images = np.random.default_rng(0).uniform(60, 196, (8, 28, 28, 1)).astype(np.float32)
  args = dict(flip=True, crop_scale=0.5, seed=(3, 4))
  plain = augment.augment(images, **args).numpy()
  jittered = augment.augment(images, contrast=0.3, **args).numpy()
  # Contrast is affine in each image, so it keeps each pixel's rank among its image's.
  for a, b in zip(plain, jittered):
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.99


def test_random_erase_fills_one_box_per_chosen_image_with_its_mean():
  images = np.random.default_rng(0).uniform(0, 255, (64, 28, 28, 1)).astype(np.float32)
  out = augment.random_erase(images, 0.5, (5, 6)).numpy()
  changed = (out != images).any(axis=(1, 2, 3))
  assert 16 <= changed.sum() <= 48  # About half the images, not none or all.
  for image, erased in zip(images[changed], out[changed]):
    rows, cols = np.nonzero((erased != image)[..., 0])
    box = np.s_[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    np.testing.assert_allclose(erased[box], image.mean(), rtol=1e-5)  # A full rectangle.
    area = erased[box].size / image.size
    assert 0.015 <= area <= 0.28  # 2-25% of the image, to the pixel.
  np.testing.assert_array_equal(out[~changed], images[~changed])
  np.testing.assert_array_equal(augment.random_erase(images, 0.5, (5, 6)), out)


def test_random_rotate_turns_each_image_by_its_own_angle_within_the_limit():
  bars = np.zeros((32, 29, 29, 1), np.float32)
  bars[:, 14, 4:25] = 255.0  # A horizontal bar through the centre.
  out = augment.random_rotate(bars, 30.0, (7, 8)).numpy()[..., 0]
  angles = []
  for image in out:
    ys, xs = np.nonzero(image > 127)
    slope = np.polyfit(xs - 14.0, ys - 14.0, 1)[0]
    angles.append(np.degrees(np.arctan(slope)))
    assert abs(ys.mean() - 14) < 1 and abs(xs.mean() - 14) < 1  # About the centre.
  angles = np.abs(angles)
  assert angles.max() <= 31 and angles.max() > 15 and angles.std() > 3  # Within 30, apart.
  np.testing.assert_array_equal(augment.random_rotate(bars, 30.0, (7, 8)), out[..., None])


def test_random_erase_leaves_flips_and_crops_as_they_were():
  images = np.random.default_rng(0).uniform(0, 255, (16, 28, 28, 1)).astype(np.float32)
  args = dict(flip=True, crop_scale=0.5, seed=(3, 4))
  plain = augment.augment(images, **args).numpy()
  erased = augment.augment(images, erase=1.0, **args).numpy()
  same = (plain == erased).mean(axis=(1, 2, 3))
  assert same.min() >= 0.7 and same.max() < 1.0  # Every image erased, the rest unchanged.


def test_random_erase_fills_each_channel_with_its_own_mean_on_any_shape():
  images = np.empty((64, 20, 40, 3), np.float32)
  images[:] = np.random.default_rng(1).uniform(0, 50, (64, 20, 40, 3)) + [200, 5, 120]
  out = augment.random_erase(images, 1.0, (2, 3)).numpy()
  aspects = []
  for image, erased in zip(images, out):
    rows, cols = np.nonzero((erased != image).any(axis=-1))
    box = erased[rows.min():rows.max() + 1, cols.min():cols.max() + 1]
    np.testing.assert_allclose(box, np.broadcast_to(image.mean(axis=(0, 1)), box.shape),
                               rtol=1e-5)
    aspects.append(box.shape[0] / box.shape[1])
  assert 0.2 <= min(aspects) and max(aspects) <= 4.5  # 0.3-3.3 in pixels, to the pixel.


def test_random_rotate_is_keras_random_rotation_on_any_shape():
  from tf_keras.src.layers.preprocessing import image_preprocessing
  images = np.random.default_rng(2).uniform(0, 255, (6, 20, 31, 3)).astype(np.float32)
  out = augment.random_rotate(images, 40.0, (4, 5)).numpy()
  angles = tf.random.stateless_uniform([6], tf.constant([4, 5], tf.int64), -40.0, 40.0)
  expected = image_preprocessing.transform(
      images, image_preprocessing.get_rotation_matrix(angles * np.pi / 180, 20, 31),
      fill_mode="reflect", interpolation="bilinear").numpy()
  np.testing.assert_allclose(out, expected, atol=1e-3)
  assert not np.allclose(out, images)


def test_random_rotate_leaves_flips_and_crops_as_they_were():
  images = np.random.default_rng(0).uniform(0, 255, (8, 28, 28, 1)).astype(np.float32)
  args = dict(flip=True, crop_scale=0.5, seed=(3, 4))
  rotated = augment.augment(images, rotate=15.0, **args).numpy()
  seed = tf.random.experimental.stateless_fold_in(tf.constant([3, 4], tf.int64), 5)
  np.testing.assert_array_equal(
      rotated, augment.random_rotate(augment.augment(images, **args), 15.0, seed))
