# pylint: disable=protected-access
import gzip
import os

import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.evaluate.tflite import TFLiteModel
from tfcompress.models import paper_cnn
from tfcompress.quantize import container
from tfcompress.quantize import convert

PARTS = ("weights", "positions", "codebooks", "header", "rest")


def prune_and_cluster(model, sparsity=0.8, clusters=8):
  """Zeroes the smallest `sparsity` of each kernel; the rest takes one of `clusters` values."""
  for layer in model.layers:
    if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense)):
      kernel, *rest = layer.get_weights()
      centers = np.linspace(kernel.min(), kernel.max(), clusters)
      shared = centers[np.argmin(np.abs(kernel[..., None] - centers), axis=-1)]
      shared[np.abs(kernel) < np.quantile(np.abs(kernel), sparsity)] = 0
      layer.set_weights([shared.astype(np.float32)] + rest)
  return model


@pytest.fixture(scope="module")
def images():
  return np.random.default_rng(0).uniform(0, 255, (8, 12, 12, 1)).astype(np.float32)


@pytest.fixture(scope="module")
def tflite_files(images):
  keras.utils.set_random_seed(0)
  model = prune_and_cluster(paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8)))
  return {mode: convert(model, mode, images) for mode in ("int8", "float32", "float16")}


@pytest.mark.parametrize("mode", ["int8", "float32", "float16"])
def test_round_trip_is_byte_exact_and_predicts_the_same(tflite_files, images, mode):
  content = tflite_files[mode]
  packed, parts = container.encode_tflite(content)
  assert parts["weights"] > 0 and parts["positions"] > 0 and parts["codebooks"] > 0
  decoded = container.decode_tflite(packed)
  assert decoded == content
  expected = TFLiteModel(content).predict(images)
  np.testing.assert_array_equal(TFLiteModel(decoded).predict(images), expected)


def test_int8_container_is_smaller_than_gzip(tflite_files):
  content = tflite_files["int8"]
  packed, parts = container.encode_tflite(content)
  assert len(packed) < len(gzip.compress(content, 9))
  kernels = b"".join(content[start:start + size]
                     for start, size, *_ in container._kernels(content))
  assert len(kernels) == 72 + 3 * 576 + 16  # Every conv and dense kernel, 1 byte a weight.
  coded = parts["weights"] + parts["positions"] + parts["codebooks"]
  assert coded < len(gzip.compress(kernels, 9)) and coded < 0.25 * len(kernels)


def test_parts_sum_to_the_total(tflite_files):
  for content in tflite_files.values():
    packed, parts = container.encode_tflite(content)
    assert set(parts) == set(PARTS) | {"total"}
    assert sum(parts[p] for p in PARTS) == parts["total"] == len(packed)


@pytest.mark.parametrize("max_gap", [1, 2, 7])
def test_small_max_gaps_round_trip_with_many_fillers(tflite_files, max_gap):
  content = tflite_files["int8"]
  packed, _ = container.encode_tflite(content, max_gap=max_gap)
  assert container.decode_tflite(packed) == content


def test_max_gap_must_be_positive(tflite_files):
  with pytest.raises(InputError, match="max_gap=0"):
    container.encode_tflite(tflite_files["int8"], max_gap=0)


def test_gap_stream_with_fillers():
  positions = np.array([0, 3, 4, 20, 21])
  stream = container.gap_stream(positions, 4)
  np.testing.assert_array_equal(stream, [0, 2, 0, 4, 4, 4, 3, 0])
  np.testing.assert_array_equal(container._positions(stream, 4), positions)


def test_write_and_read_a_file(tflite_files, tmp_path):
  path = str(tmp_path / "sub" / "model.dctf")
  parts = container.write_container(tflite_files["int8"], path)
  assert os.path.getsize(path) == parts["total"]
  assert container.read_container(path) == tflite_files["int8"]
  with pytest.raises(InputError, match="missing.dctf"):
    container.read_container(str(tmp_path / "missing.dctf"))


def test_not_a_tflite_file():
  with pytest.raises(InputError, match="TFL3"):
    container.encode_tflite(b"\x00" * 64)
  with pytest.raises(InputError, match="TFL3"):
    container.encode_tflite(b"")


def test_a_truncated_flatbuffer(tflite_files):
  with pytest.raises(InputError, match="Cannot parse"):
    container.encode_tflite(tflite_files["int8"][:200])


def test_not_a_container(tflite_files):
  with pytest.raises(InputError, match="DCTF"):
    container.decode_tflite(tflite_files["int8"])


def test_truncated_containers_raise(tflite_files):
  packed, _ = container.encode_tflite(tflite_files["int8"])
  for size in list(range(0, 40)) + list(range(40, len(packed), 97)) + [len(packed) - 1]:
    with pytest.raises(InputError):
      container.decode_tflite(packed[:size])
  with pytest.raises(InputError, match="after the last stream"):
    container.decode_tflite(packed + b"\x00")


def test_corrupt_bytes_raise_or_change_nothing(tflite_files):
  content = tflite_files["int8"]
  packed, _ = container.encode_tflite(content)
  rng = np.random.default_rng(1)
  for at in rng.choice(len(packed), 150, replace=False):
    corrupt = bytearray(packed)
    corrupt[at] ^= 1 << int(rng.integers(8))
    try:
      decoded = container.decode_tflite(bytes(corrupt))
    except InputError:
      continue
    assert decoded == content, at  # Only a harmless flip may decode at all.
