"""Canonical Huffman coding of integer symbols: Deep Compression's last stage.

`encode` returns self-contained bytes: the symbol count, the code-length table and the
bits, so `decode` needs nothing else. Codes are canonical (assigned in order of length,
then symbol) and at most `MAX_CODE_BITS` long; the bits are packed with numpy.

Layout: varint n; if n > 0: varint k (distinct symbols), one byte (bit 7: the symbol table
is a bitmap; bits 0-4: w), the sorted symbols (zigzag varint of the smallest, then varint
gaps or a bitmap over [min, max], whichever is smaller); if k > 1: a byte with the shortest
code length s, the k lengths minus s packed at w bits each, then the code bits, MSB first,
zero-padded to a byte. One distinct symbol costs no bits per symbol.

Example:
  data = encode(np.array([3, 3, 3, 7, 3, 9]))
  decode(data)  # array([3, 3, 3, 7, 3, 9])
"""
import heapq

import numpy as np

MAX_CODE_BITS = 20  # Longer codes are avoided by flattening the counts (see _code_lengths).
_BITMAP = 0x80
_CHUNK_BITS = 1 << 20  # Bits decoded per numpy window pass.


def write_varint(value):
  """Little-endian base-128 bytes of a non-negative int (LEB128).

  Example:
    write_varint(300)  # b'\\xac\\x02'
  """
  value = int(value)
  if value < 0:
    raise ValueError(f"A varint must be >= 0. Received: {value}")
  out = bytearray()
  while value >= 0x80:
    out.append((value & 0x7F) | 0x80)
    value >>= 7
  out.append(value)
  return bytes(out)


def read_varint(data, pos):
  """Reads a varint at `pos`; returns (value, position after it). ValueError if cut short.

  Example:
    read_varint(b'\\xac\\x02', 0)  # (300, 2)
  """
  value = shift = 0
  while True:
    if pos >= len(data):
      raise ValueError("Truncated data: a varint runs past the end.")
    byte = data[pos]
    pos += 1
    value |= (byte & 0x7F) << shift
    if byte < 0x80:
      return value, pos
    shift += 7
    if shift > 70:
      raise ValueError("Corrupt data: a varint is longer than 10 bytes.")


def _zigzag(v):
  return 2 * v if v >= 0 else -2 * v - 1


def _unzigzag(z):
  return z >> 1 if z % 2 == 0 else -(z + 1) // 2


def _huffman_lengths(counts):
  k = len(counts)
  heap = [(int(c), i) for i, c in enumerate(counts)]
  heapq.heapify(heap)
  parent = [0] * (2 * k - 1)
  node = k
  while len(heap) > 1:
    c1, a = heapq.heappop(heap)
    c2, b = heapq.heappop(heap)
    parent[a] = parent[b] = node
    heapq.heappush(heap, (c1 + c2, node))
    node += 1
  depth = [0] * (2 * k - 1)
  for i in range(2 * k - 3, -1, -1):  # A parent always has a larger id than its children.
    depth[i] = depth[parent[i]] + 1
  return np.array(depth[:k], np.int64)


def _code_lengths(counts):
  """Huffman code lengths, limited to MAX_CODE_BITS by halving the counts until they fit."""
  if len(counts) == 1:
    return np.zeros(1, np.int64)  # One symbol: zero bits each.
  counts = np.asarray(counts, np.int64)
  while True:
    lengths = _huffman_lengths(counts)
    if lengths.max() <= MAX_CODE_BITS:
      return lengths
    counts = np.maximum(counts >> 1, 1)  # All ones gives a balanced tree, so this ends.


def _canonical(lengths):
  """Codes in canonical order (by length, then symbol): order, first `top`-bit window, span."""
  order = np.lexsort((np.arange(len(lengths)), lengths))
  top = int(lengths.max())
  widths = np.left_shift(1, top - lengths[order])
  starts = np.concatenate([[0], np.cumsum(widths)[:-1]])
  if starts[-1] + widths[-1] != 1 << top:
    raise ValueError("Corrupt Huffman table: the code lengths do not form a complete code.")
  return order, starts, widths, top


def _pack(values, width):
  """Packs non-negative ints `values` into `width` bits each, MSB first."""
  if width == 0 or len(values) == 0:
    return b""
  bits = (values[:, None] >> np.arange(width - 1, -1, -1)) & 1
  return np.packbits(bits.astype(np.uint8).ravel()).tobytes()


def _unpack(data, pos, count, width):
  size = (count * width + 7) // 8
  if pos + size > len(data):
    raise ValueError("Truncated data: the Huffman code-length table runs past the end.")
  bits = np.unpackbits(np.frombuffer(data, np.uint8, size, pos))[:count * width]
  values = bits.reshape(count, width).astype(np.int64) @ (1 << np.arange(width - 1, -1, -1))
  return values, pos + size


def _symbol_table(symbols):
  head = write_varint(_zigzag(int(symbols[0])))
  gaps = b"".join(write_varint(int(d) - 1) for d in np.diff(symbols))
  span = int(symbols[-1] - symbols[0]) + 1
  if (span + 7) // 8 + len(write_varint(span)) < len(gaps):
    bitmap = np.zeros(span, np.uint8)
    bitmap[symbols - symbols[0]] = 1
    return _BITMAP, head + write_varint(span) + np.packbits(bitmap).tobytes()
  return 0, head + gaps


def _read_symbol_table(data, pos, k, bitmap):
  first, pos = read_varint(data, pos)
  first = _unzigzag(first)
  if bitmap:
    span, pos = read_varint(data, pos)
    size = (span + 7) // 8
    if pos + size > len(data):
      raise ValueError("Truncated data: the Huffman symbol bitmap runs past the end.")
    offsets = np.flatnonzero(np.unpackbits(np.frombuffer(data, np.uint8, size, pos))[:span])
    if len(offsets) != k:
      raise ValueError(f"Corrupt Huffman table: the bitmap holds {len(offsets)} symbols, "
                       f"the header says {k}.")
    return first + offsets.astype(np.int64), pos + size
  gaps = []
  for _ in range(k - 1):
    gap, pos = read_varint(data, pos)
    gaps.append(gap + 1)
  return first + np.concatenate([[0], np.cumsum(gaps, dtype=np.int64)]), pos


def _as_symbols(symbols):
  array = np.asarray(symbols)
  if array.size == 0:
    return np.zeros(0, np.int64)
  if array.dtype.kind not in "iub":
    raise ValueError(f"Huffman symbols must be integers. Received dtype {array.dtype}.")
  if array.dtype == np.uint64 and array.max() > np.iinfo(np.int64).max:
    raise ValueError("Huffman symbols must fit in int64.")
  return array.astype(np.int64).ravel()


def encode(symbols):
  """Canonical Huffman bytes of an integer array (any shape, flattened), self-contained.

  Example:
    data = encode(np.random.default_rng(0).geometric(0.3, 10000))
    len(data)  # ~ 10000 * entropy / 8 bytes plus a small table
  """
  symbols = _as_symbols(symbols)
  out = bytearray(write_varint(len(symbols)))
  if len(symbols) == 0:
    return bytes(out)
  distinct, inverse, counts = np.unique(symbols, return_inverse=True, return_counts=True)
  if len(distinct) > 1 << MAX_CODE_BITS:
    raise ValueError(f"At most 2**{MAX_CODE_BITS} distinct symbols. Received: {len(distinct)}.")
  lengths = _code_lengths(counts)
  shortest = int(lengths.min())
  width = (int(lengths.max()) - shortest).bit_length()
  mode, table = _symbol_table(distinct)
  out += write_varint(len(distinct)) + bytes([mode | width]) + table
  if len(distinct) == 1:
    return bytes(out)
  out += bytes([shortest]) + _pack(lengths - shortest, width)
  order, starts, _, top = _canonical(lengths)
  codes = np.empty_like(starts)
  codes[order] = starts >> (top - lengths[order])
  sym_lengths = lengths[inverse.ravel()]
  sym_codes = codes[inverse.ravel()]
  offsets = np.concatenate([[0], np.cumsum(sym_lengths)[:-1]])
  bits = np.zeros(int(offsets[-1] + sym_lengths[-1]), np.uint8)
  for j in range(top):  # Bit j of every code at least j + 1 long.
    has = sym_lengths > j
    bits[offsets[has] + j] = (sym_codes[has] >> (sym_lengths[has] - 1 - j)) & 1
  return bytes(out) + np.packbits(bits).tobytes()


def decode(data, count=None):
  """The int64 array that `encode` turned into `data`. ValueError if corrupt or truncated.

  `count`, if given, is the number of symbols the caller expects (checked before decoding).

  Example:
    decode(encode([5, 5, 1]))  # array([5, 5, 1])
  """
  data = bytes(data)
  n, pos = read_varint(data, 0)
  if count is not None and n != count:
    raise ValueError(f"Corrupt Huffman data: it holds {n} symbols, expected {count}.")
  if n == 0:
    if pos != len(data):
      raise ValueError(f"Corrupt Huffman data: {len(data) - pos} bytes after an empty stream.")
    return np.zeros(0, np.int64)
  k, pos = read_varint(data, pos)
  if pos >= len(data):
    raise ValueError("Truncated data: the Huffman header runs past the end.")
  flags, pos = data[pos], pos + 1
  width = flags & 0x1F
  if k == 0 or k > n or k > 1 << MAX_CODE_BITS or (k == 1 and width) or flags & 0x60:
    raise ValueError(f"Corrupt Huffman header: {n} symbols, {k} distinct, flags {flags:#x}.")
  symbols, pos = _read_symbol_table(data, pos, k, flags & _BITMAP)
  if k == 1:
    if pos != len(data):
      raise ValueError(f"Corrupt Huffman data: {len(data) - pos} bytes after a one-symbol stream.")
    return np.full(n, symbols[0], np.int64)
  if pos >= len(data):
    raise ValueError("Truncated data: the Huffman code-length table runs past the end.")
  shortest, pos = data[pos], pos + 1
  lengths, pos = _unpack(data, pos, k, width)
  lengths += shortest
  if n > 8 * (len(data) - pos):
    raise ValueError(f"Truncated Huffman data: {n} symbols need more than "
                     f"{len(data) - pos} bytes of codes.")
  if lengths.min() < 1 or lengths.max() > MAX_CODE_BITS:
    raise ValueError(f"Corrupt Huffman table: code lengths must be in 1..{MAX_CODE_BITS}.")
  order, starts, widths, top = _canonical(lengths)
  table = np.repeat(order, widths)  # Next `top` bits -> symbol index.
  step = lengths[table].astype(np.uint8)
  return symbols[table[_walk(data[pos:], n, step, top)]]


def _walk(payload, n, step, top):
  """The `top`-bit windows at the start of each of the n codes in `payload`."""
  nbits = 8 * len(payload)
  padded = np.frombuffer(payload + b"\0\0\0\0", np.uint8).astype(np.int64)
  windows = np.empty(n, np.int64)
  mask = (1 << top) - 1
  i = p = 0
  while i < n and p < nbits:
    at = np.arange(p, min(p + _CHUNK_BITS, nbits))
    byte = at >> 3
    word = (padded[byte] << 24) | (padded[byte + 1] << 16) | (padded[byte + 2] << 8) \
        | padded[byte + 3]
    window = (word >> (32 - top - (at & 7))) & mask
    lengths = step[window].tolist()
    end, start, visited = p + len(at), p, []
    while i + len(visited) < n and p < end:
      visited.append(p - start)
      p += lengths[p - start]
    windows[i:i + len(visited)] = window[visited]
    i += len(visited)
  if i < n or p > nbits:
    raise ValueError(f"Truncated Huffman data: the bits end before all {n} symbols are decoded.")
  if (p + 7) // 8 != len(payload):
    raise ValueError(f"Corrupt Huffman data: {len(payload) - (p + 7) // 8} bytes after the "
                     f"last symbol.")
  if p % 8 and payload[-1] & ((1 << (8 - p % 8)) - 1):
    raise ValueError("Corrupt Huffman data: the padding bits are not zero.")
  return windows
