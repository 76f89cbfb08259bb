"""Random augmentation of image batches: the paper's flips and crops, Gaussian noise, and
optional photometric jitter, rotation and erasing. Stateless: a seed decides every draw."""
import numpy as np

from tfcompress._keras import tf


def random_resized_crop(images, min_scale, seed):
  """Crops each image to a random box of area in [min_scale, 1] and resizes it back.

  `seed`: a stateless seed (shape [2]); the same seed gives the same crops.
  """
  batch = tf.shape(images)[0]
  keys = tf.random.experimental.stateless_split(seed, 4)
  scale = tf.random.stateless_uniform([batch], keys[0], min_scale, 1.0)
  log_ratio = tf.random.stateless_uniform([batch], keys[1], np.log(3 / 4), np.log(4 / 3))
  ratio = tf.exp(log_ratio)
  h = tf.minimum(tf.sqrt(scale / ratio), 1.0)
  w = tf.minimum(tf.sqrt(scale * ratio), 1.0)
  y0 = tf.random.stateless_uniform([batch], keys[2]) * (1.0 - h)
  x0 = tf.random.stateless_uniform([batch], keys[3]) * (1.0 - w)
  boxes = tf.stack([y0, x0, y0 + h, x0 + w], axis=1)
  size = tf.shape(images)[1:3]
  return tf.image.crop_and_resize(images, boxes, tf.range(batch), size)


def random_rotate(images, degrees, seed):
  """Rotates each image about its centre by a uniform draw in [-degrees, degrees]
  (bilinear; the corners reflect the image, as Keras' RandomRotation does).

  `seed`: a stateless seed (shape [2]); the same seed gives the same angles.

  Example:
    random_rotate(images, 10.0, (1, 2))  # Each image turned by up to 10 degrees.
  """
  images = tf.convert_to_tensor(images, tf.float32)
  shape = tf.shape(images)
  angle = tf.random.stateless_uniform([shape[0]], seed, -degrees, degrees) * (np.pi / 180)
  h, w = tf.cast(shape[1] - 1, tf.float32), tf.cast(shape[2] - 1, tf.float32)
  cos, sin = tf.cos(angle), tf.sin(angle)
  x_offset = (w - (cos * w - sin * h)) / 2.0
  y_offset = (h - (sin * w + cos * h)) / 2.0
  zeros = tf.zeros_like(angle)
  transforms = tf.stack([cos, -sin, x_offset, sin, cos, y_offset, zeros, zeros], axis=1)
  rotated = tf.raw_ops.ImageProjectiveTransformV3(
      images=images, transforms=transforms, output_shape=shape[1:3], fill_value=0.0,
      interpolation="BILINEAR", fill_mode="REFLECT")
  rotated.set_shape(images.shape)
  return rotated


def random_erase(images, prob, seed):
  """Random erasing (Zhong et al., 2017): each image, with probability `prob`, gets one box
  of 2-25% of its area (height / width 0.3-3.3 in pixels) filled with the image's mean
  pixel (per channel).

  `seed`: a stateless seed (shape [2]); the same seed erases the same boxes.

  Example:
    random_erase(images, 0.5, (1, 2))  # About half the images get a box.
  """
  images = tf.convert_to_tensor(images, tf.float32)
  shape = tf.shape(images)
  batch = shape[0]
  keys = tf.random.experimental.stateless_split(seed, 5)
  area = tf.random.stateless_uniform([batch], keys[0], 0.02, 0.25)
  ratio = tf.exp(tf.random.stateless_uniform([batch], keys[1], np.log(0.3), np.log(1 / 0.3)))
  ratio *= tf.cast(shape[2], tf.float32) / tf.cast(shape[1], tf.float32)  # Of the sides' shares.
  h = tf.minimum(tf.sqrt(area * ratio), 1.0)
  w = tf.minimum(tf.sqrt(area / ratio), 1.0)
  y0 = tf.random.stateless_uniform([batch], keys[2]) * (1.0 - h)
  x0 = tf.random.stateless_uniform([batch], keys[3]) * (1.0 - w)
  erased = tf.random.stateless_uniform([batch], keys[4]) < prob

  def inside(start, size, pixels):  # [batch, pixels]: pixel centres within the box's side.
    centres = (tf.range(pixels, dtype=tf.float32) + 0.5) / tf.cast(pixels, tf.float32)
    return (centres >= start[:, None]) & (centres < (start + size)[:, None])

  box = inside(y0, h, shape[1])[:, :, None] & inside(x0, w, shape[2])[:, None, :]
  box = box & erased[:, None, None]
  mean = tf.reduce_mean(images, axis=[1, 2], keepdims=True)
  return tf.where(box[..., None], mean, images)


def augment(images, flip=True, crop_scale=1.0, noise=0.0, seed=(0, 0), brightness=0.0,
            contrast=0.0, rotate=0.0, erase=0.0):
  """The paper's augmentation on a batch of [0, 255] images, with optional photometric jitter,
  random erasing and rotation.

  `brightness`: each image shifts by a uniform draw in [-brightness, brightness] x 255.
  `contrast`: each image's contrast scales by a uniform draw in [1 - contrast, 1 + contrast].
  `rotate`: each image turns by up to this many degrees either way (`random_rotate`).
  `erase`: each image gets a box filled with its mean with this probability (`random_erase`).
  Stateless: `seed` (shape [2]) alone decides the random draws, whatever TensorFlow's
  global seed, so a dataset's augmentation is fixed by the seed it was made with.
  """
  seed = tf.cast(seed, tf.int64)
  keys = tf.random.experimental.stateless_split(seed, 3)
  if flip:
    images = tf.image.stateless_random_flip_left_right(images, keys[0])
  if crop_scale < 1.0:
    images = random_resized_crop(images, crop_scale, keys[1])
  if brightness > 0 or contrast > 0:
    # Keys of their own, so turning the jitter on leaves the flips and crops as they were.
    images = _photometric(images, brightness, contrast,
                          tf.random.experimental.stateless_fold_in(seed, 3))
  if rotate > 0:
    images = random_rotate(images, rotate, tf.random.experimental.stateless_fold_in(seed, 5))
  if erase > 0:
    images = random_erase(images, erase, tf.random.experimental.stateless_fold_in(seed, 4))
  if noise > 0:
    images = images + tf.random.stateless_normal(tf.shape(images), keys[2],
                                                 stddev=noise * 255.0)
  if noise > 0 or brightness > 0 or contrast > 0:
    images = tf.clip_by_value(images, 0.0, 255.0)
  return images


def _photometric(images, brightness, contrast, seed):
  """Per-image random brightness shift and contrast scale (unclipped)."""
  keys = tf.random.experimental.stateless_split(seed, 2)
  shape = tf.stack([tf.shape(images)[0], 1, 1, 1])
  if contrast > 0:
    factor = tf.random.stateless_uniform(shape, keys[0], 1.0 - contrast, 1.0 + contrast)
    mean = tf.reduce_mean(images, axis=[1, 2, 3], keepdims=True)
    images = (images - mean) * factor + mean
  if brightness > 0:
    images = images + tf.random.stateless_uniform(shape, keys[1], -brightness,
                                                  brightness) * 255.0
  return images
