"""Shared fixtures: small learnable datasets the tests make themselves."""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

# Two logical CPU devices, so MirroredStrategy has two replicas to split batches over
# (tests/test_distribute.py). Must happen before TensorFlow runs anything; the default
# strategy still places everything on the first.
CPU_REPLICAS = 2
tf.config.set_logical_device_configuration(
    tf.config.list_physical_devices("CPU")[0],
    [tf.config.LogicalDeviceConfiguration()] * CPU_REPLICAS)


def separable_points(n=64):
  """Two classes of 4-feature points that one Dense layer separates in a few steps."""
  rng = np.random.default_rng(0)
  y = np.arange(n) % 2
  x = rng.normal(0, 1, (n, 4)).astype(np.float32)
  x[:, 0] += 2.0 * (2 * y - 1)
  return x, y


def make_images(n, size=28, channels=1, num_classes=2, seed=0):
  """Noise images whose class sets a bright band's position and the background level
  (learnable in a few dozen steps, also by a network that pools globally)."""
  rng = np.random.default_rng(seed)
  y = np.arange(n) % num_classes
  rng.shuffle(y)
  x = rng.integers(0, 40, size=(n, size, size, channels)).astype(np.uint8)
  x += (y * (60 // max(num_classes - 1, 1))).astype(np.uint8)[:, None, None, None]
  band = size // num_classes
  for i, label in enumerate(y):
    x[i, :, label * band:(label + 1) * band, :] += 150
  if channels == 1:
    x = x[..., 0]
  return x, y.astype(np.uint8)


def write_npz(path, n_train=96, n_test=48, with_val=False, **kwargs):
  x_train, y_train = make_images(n_train, **kwargs)
  x_test, y_test = make_images(n_test, seed=1, **kwargs)
  arrays = dict(x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
  if with_val:
    arrays["x_val"], arrays["y_val"] = make_images(32, seed=2, **kwargs)
  np.savez_compressed(path, **arrays)
  return str(path)


@pytest.fixture
def tiny_npz(tmp_path):
  return write_npz(tmp_path / "tiny.npz")


@pytest.fixture
def rgb3_npz(tmp_path):
  return write_npz(tmp_path / "rgb3.npz", channels=3, num_classes=3, size=32)


@pytest.fixture
def smoke_config(tiny_npz):
  """The :smoke variant of the default config, on a tiny .npz, quiet, with a small CNN as
  the teacher and two quantization modes (a test that needs more sets them)."""
  from tfcompress.config import base_config
  from tfcompress.config import smoke
  config = smoke(base_config())
  config.data.path = tiny_npz
  config.data.limit = 0
  config.verbose = 0
  config.teacher.members = ("tests.tiny_models:tiny_teacher",)
  config.quantize.modes = ("float32", "int8")
  return config

