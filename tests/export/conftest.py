"""One tiny model converted once per session: int8, float32, dynamic-range and 16x8 files."""
import numpy as np
import pytest


@pytest.fixture(scope="session")
def images():
  return np.random.default_rng(0).uniform(0, 255, (20, 12, 12, 1)).astype(np.float32)


@pytest.fixture(scope="session")
def tflite_files(images):
  from tfcompress.models import paper_cnn
  from tfcompress.quantize import convert
  # The converter leaves weights under 1024 values in float; conv4's 3x3x8x16 = 1152 are
  # enough to make the dynamic-range file a real int8-weight "hybrid" model.
  from tfcompress._keras import keras
  keras.utils.set_random_seed(0)  # Not the seed the tests before it left: the same file
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 16))  # whatever ran first.
  return {mode: convert(model, mode, images) for mode in ("int8", "float32", "dynamic", "int16x8")}
