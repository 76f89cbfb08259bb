
import numpy as np
import pytest

from tfcompress.quantize import huffman


def entropy_bits(symbols):
  _, counts = np.unique(symbols, return_counts=True)
  p = counts / counts.sum()
  return float(-(p * np.log2(p)).sum())


def table_allowance(symbols):
  """Generous bytes for the header and code-length table: 3 per distinct symbol + 16."""
  return 3 * len(np.unique(symbols)) + 16


@pytest.mark.parametrize("dtype", [np.int8, np.uint16, np.int32, np.int64])
def test_round_trip_of_skewed_data(dtype):
  rng = np.random.default_rng(0)
  symbols = np.clip(rng.geometric(0.2, (100, 30)) - 3, 0, 120).astype(dtype)
  if np.issubdtype(dtype, np.signedinteger):
    symbols = symbols - 3  # Negative symbols too.
  decoded = huffman.decode(huffman.encode(symbols))
  assert decoded.dtype == np.int64 and decoded.shape == (symbols.size,)
  np.testing.assert_array_equal(decoded, symbols.ravel())


def test_empty_input():
  data = huffman.encode(np.zeros(0, np.int32))
  assert data == b"\x00"
  decoded = huffman.decode(data)
  assert decoded.shape == (0,) and decoded.dtype == np.int64
  assert huffman.decode(huffman.encode([])).size == 0


@pytest.mark.parametrize("n", [1, 1000])
def test_one_distinct_symbol_costs_no_bits(n):
  data = huffman.encode(np.full(n, -7))
  assert len(data) <= 6
  np.testing.assert_array_equal(huffman.decode(data), np.full(n, -7))


def test_all_distinct_symbols_of_a_two_to_the_16_alphabet():
  symbols = np.random.default_rng(1).permutation(1 << 16).astype(np.uint16)
  data = huffman.encode(symbols)
  np.testing.assert_array_equal(huffman.decode(data), symbols)
  assert len(data) <= (1 << 16) * 2 + (1 << 16) // 8 + 16  # 16 bits each + a bitmap.


def test_sparse_large_symbols():
  symbols = np.array([0, 10**12, -(10**9), 10**12, 65535, 0, 0])
  np.testing.assert_array_equal(huffman.decode(huffman.encode(symbols)), symbols)


def test_size_is_within_one_bit_per_symbol_of_the_entropy():
  symbols = np.random.default_rng(2).geometric(0.3, 20000)
  size = len(huffman.encode(symbols))
  assert size <= len(symbols) * (entropy_bits(symbols) + 1) / 8 + table_allowance(symbols)
  assert size >= len(symbols) * entropy_bits(symbols) / 8  # Shannon's bound holds.


def test_size_is_close_to_the_shannon_bound():
  symbols = np.round(np.random.default_rng(3).normal(0, 10, 50000)).astype(np.int64)
  shannon = len(symbols) * entropy_bits(symbols) / 8
  size = len(huffman.encode(symbols))
  assert shannon <= size <= 1.02 * shannon + table_allowance(symbols)


def test_code_lengths_are_limited_for_very_skewed_counts():
  fib = [1, 1]
  while len(fib) < 25:  # Unlimited Huffman codes would be 24 bits long.
    fib.append(fib[-1] + fib[-2])
  symbols = np.random.default_rng(4).permutation(np.repeat(np.arange(25), fib))
  data = huffman.encode(symbols)
  np.testing.assert_array_equal(huffman.decode(data), symbols)
  shannon = len(symbols) * entropy_bits(symbols) / 8
  assert len(data) <= 1.1 * shannon + table_allowance(symbols)


def test_300k_symbols_round_trip():
  symbols = np.random.default_rng(5).geometric(0.1, 300000)
  np.testing.assert_array_equal(huffman.decode(huffman.encode(symbols)), symbols)


def test_every_truncation_raises():
  data = huffman.encode(np.random.default_rng(6).geometric(0.4, 200))
  for size in range(len(data)):
    with pytest.raises(ValueError, match="Truncated|Corrupt"):
      huffman.decode(data[:size])


def test_trailing_bytes_and_wrong_count_raise():
  data = huffman.encode([1, 2, 2, 3, 3, 3])
  with pytest.raises(ValueError, match="after the last symbol"):
    huffman.decode(data + b"\x00")
  with pytest.raises(ValueError, match="expected 7"):
    huffman.decode(data, count=7)
  with pytest.raises(ValueError, match="after an empty stream"):
    huffman.decode(b"\x00\x01")


def test_corrupt_code_lengths_raise():
  data = bytearray(huffman.encode([0, 1, 2, 3]))
  # n=4, k=4, flags, bitmap table (min, span, bits), shortest length 2 (all codes), 1 byte.
  assert data[-2] == 2
  data[-2] = 3  # Four 3-bit codes leave half the code space unused.
  with pytest.raises(ValueError, match="complete code"):
    huffman.decode(bytes(data))


def test_nonzero_padding_bits_raise():
  data = bytearray(huffman.encode([0, 1, 0]))  # 3 bits of codes in the last byte.
  data[-1] |= 1
  with pytest.raises(ValueError, match="padding"):
    huffman.decode(bytes(data))


def test_bad_symbols_raise():
  with pytest.raises(ValueError, match="integers.*float64"):
    huffman.encode(np.array([0.5, 1.5]))


def test_varints():
  for value in (0, 1, 127, 128, 300, 2**40):
    data = huffman.write_varint(value) + b"tail"
    assert huffman.read_varint(data, 0) == (value, len(data) - 4)
  with pytest.raises(ValueError, match="Truncated"):
    huffman.read_varint(b"\x80", 0)
  with pytest.raises(ValueError, match=">= 0"):
    huffman.write_varint(-1)
