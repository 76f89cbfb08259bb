"""Deep Compression's storage format for .tflite files: sparse, shared, Huffman-coded kernels.

The constant kernels of CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED ops
(int8/uint8, float16 or float32 raw values, also behind DEQUANTIZE or DENSIFY) are cut out
of the file and stored as in Han, Mao & Dally (2016): a codebook of the distinct non-zero values
(per tensor, or per output channel for per-channel int8 kernels when that is smaller); the
non-zeros as codebook indices, Huffman-coded ("weights"); their positions as relative
offsets, Huffman-coded ("positions"): the zeros before each non-zero, 0..max_gap-1, with a
filler symbol max_gap per max_gap zeros of a longer gap (max_gap=255: the paper's 8 bits).
The rest of the file (graph, biases, scales, names) is compressed with raw DEFLATE-9 or raw
LZMA2-9e, whichever is smaller. A kernel that coding would not shrink stays in the rest.
Zeros are zero bits: a float kernel's -0.0 is coded as a shared value (`quantize.convert`
writes +0.0 instead, the same number).
Decoding splices the kernels back: the .tflite returns byte for byte (CRC-32 checked).

Layout: b"DCTF", version, codec, CRC-32; varints: .tflite size, max_gap, rest size, kernel
count; per kernel: varints (gap after the previous kernel, element bytes, element count,
channels, stride), codebook (a varint size per channel, the raw values), varint sizes of
its two streams; then the compressed rest; then the streams.

Example:
  container, parts = encode_tflite(open("student_int8.tflite", "rb").read())
  parts  # {"weights": 118, "positions": 209, "codebooks": 22, "header": 49, "rest": 1280,
         #  "total": 1678}
  tflite_bytes = decode_tflite(container)
"""
import lzma
import os
import zlib

from ai_edge_litert import schema_py_generated as schema_fb
import numpy as np

from tfcompress.artifacts import write_bytes
from tfcompress.errors import InputError
from tfcompress.quantize import huffman
from tfcompress.tflite_file import check_tflite

MAGIC = b"DCTF"
VERSION = 1
MAX_GAP = 255
_OPS = {schema_fb.BuiltinOperator.CONV_2D, schema_fb.BuiltinOperator.DEPTHWISE_CONV_2D,
        schema_fb.BuiltinOperator.TRANSPOSE_CONV, schema_fb.BuiltinOperator.FULLY_CONNECTED}
_FOLLOW = {schema_fb.BuiltinOperator.DEQUANTIZE, schema_fb.BuiltinOperator.DENSIFY}
_T = schema_fb.TensorType
_ELEMENT_BYTES = {_T.FLOAT32: 4, _T.FLOAT16: 2, _T.INT8: 1, _T.UINT8: 1}
_UINT = {1: np.dtype("u1"), 2: np.dtype("<u2"), 4: np.dtype("<u4")}
_LZMA = [{"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME}]


def _deflate(data):
  packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
  return packer.compress(data) + packer.flush()


_CODECS = {0: (_deflate, lambda data: zlib.decompress(data, -15)),
           1: (lambda data: lzma.compress(data, lzma.FORMAT_RAW, filters=_LZMA),
               lambda data: lzma.decompress(data, lzma.FORMAT_RAW, filters=_LZMA))}


def _varints(*values):
  return b"".join(huffman.write_varint(v) for v in values)


def _kernels(content):
  """(start, length, element bytes, channels, stride) of each kernel buffer, by start."""
  check_tflite(content)
  try:
    return _find_kernels(schema_fb.Model.GetRootAs(content, 0), len(content))
  except Exception as e:  # flatbuffers raises whatever indexing a bad offset raises.
    raise InputError(f"Cannot parse the TFLite flatbuffer: {type(e).__name__}: {e}") from e


def _find_kernels(model, size):
  codes = [model.OperatorCodes(i) for i in range(model.OperatorCodesLength())]
  codes = [max(c.BuiltinCode(), c.DeprecatedBuiltinCode()) for c in codes]
  found = {}
  for s in range(model.SubgraphsLength()):
    graph = model.Subgraphs(s)
    ops = [graph.Operators(i) for i in range(graph.OperatorsLength())]
    producer = {int(t): op for op in ops for t in op.OutputsAsNumpy()}
    for op in ops:
      inputs = op.InputsAsNumpy()
      if codes[op.OpcodeIndex()] not in _OPS or len(inputs) < 2 or inputs[1] < 0:
        continue
      tensor = int(inputs[1])
      source = producer.get(tensor)
      if source is not None and codes[source.OpcodeIndex()] in _FOLLOW:
        tensor = int(source.InputsAsNumpy()[0])
      kernel = _kernel(model, graph.Tensors(tensor), size)
      if kernel:
        found[kernel[0]] = kernel
  kernels, end = [], 0
  for start in sorted(found):
    if start >= end:  # Overlapping ranges would be a broken file; keep the first.
      kernels.append(found[start])
      end = start + found[start][1]
  return kernels


def _kernel(model, tensor, size):
  element = _ELEMENT_BYTES.get(tensor.Type())
  buffer = model.Buffers(tensor.Buffer())
  if element is None or buffer is None:
    return None
  if buffer.Offset() > 1:  # Large models keep the data outside the flatbuffer.
    start, length = buffer.Offset(), buffer.Size()
  elif buffer.DataLength():
    table = buffer._tab  # pylint: disable=protected-access  # Where the data vector starts.
    start, length = table.Vector(table.Offset(4)), buffer.DataLength()
  else:
    return None
  if start + length > size or length % element:
    raise ValueError(f"a weight buffer of {length} bytes at {start} does not fit the file")
  shape, quant, channels, stride = tensor.ShapeAsNumpy(), tensor.Quantization(), 1, 0
  if (quant is not None and quant.ScaleLength() > 1 and element == 1
      and isinstance(shape, np.ndarray) and int(np.prod(shape)) == length):
    axis = quant.QuantizedDimension()
    channels, stride = int(shape[axis]), int(np.prod(shape[axis + 1:]))
  return start, length, element, channels, stride


def gap_stream(positions, max_gap):
  """Zeros before each non-zero, with a filler `max_gap` per `max_gap` zeros of a long gap."""
  gaps = np.diff(positions, prepend=-1) - 1
  fillers = gaps // max_gap
  stream = np.full(len(gaps) + int(fillers.sum()), max_gap, np.int64)
  stream[np.cumsum(fillers + 1) - 1] = gaps % max_gap
  return stream


def _positions(stream, max_gap):
  real = stream != max_gap
  return np.cumsum(np.where(real, stream + 1, max_gap))[real] - 1


def _code(values, channels, stride, max_gap):
  """(codebook bytes, index stream, position stream) of a raw kernel."""
  positions = np.flatnonzero(values)
  channel = (positions // stride) % channels if channels > 1 else np.zeros_like(positions)
  keys = (channel << 32) | values[positions].astype(np.int64)
  distinct, index = np.unique(keys, return_inverse=True)
  index = index.ravel() - np.searchsorted(distinct >> 32, channel)
  sizes = np.bincount(distinct >> 32, minlength=channels)
  codebook = _varints(*sizes)
  codebook += (distinct & 0xFFFFFFFF).astype(values.dtype).tobytes()
  return codebook, huffman.encode(index), huffman.encode(gap_stream(positions, max_gap))


def encode_tflite(content, max_gap=MAX_GAP):
  """(container bytes, {part: bytes}) of a .tflite: Deep Compression's storage format.

  Args:
    content: the .tflite bytes.
    max_gap: the largest relative offset coded directly (255: the paper's 8 bits).

  Returns:
    (container, parts): the container bytes, and the bytes of each part: "weights"
    (Huffman-coded codebook indices), "positions" (Huffman-coded relative offsets),
    "codebooks", "rest" (the compressed remainder of the file, biases included),
    "header", and "total" == len(container), which the first five sum to.

  Raises:
    InputError: `content` is a path (str) or not a .tflite flatbuffer, or `max_gap` is
      not an int >= 1.

  Example:
    container, parts = encode_tflite(tflite_bytes)
    print(f"{len(tflite_bytes)} -> {parts['total']} bytes")
  """
  if isinstance(content, str):
    raise InputError(f"Argument `content` must be the bytes of a .tflite file, not a path. "
                     f"Received: content={content[:80]!r}")
  if not isinstance(max_gap, (int, np.integer)) or max_gap < 1:
    raise InputError(f"Argument `max_gap` must be an int >= 1. Received: max_gap={max_gap!r}")
  content, max_gap = bytes(content), int(max_gap)
  meta, streams, rest, end = [], [], [], 0
  parts = dict.fromkeys(["weights", "positions", "codebooks", "header", "rest"], 0)
  for start, length, element, channels, stride in _kernels(content):
    values = np.frombuffer(content, _UINT[element], length // element, start)
    options = [(1, 0)] + ([(channels, stride)] if channels > 1 else [])
    coded = [(c, s) + _code(values, c, s, max_gap) for c, s in options]
    c, s, codebook, weights, positions = min(coded, key=lambda x: sum(map(len, x[2:])))
    head = _varints(start - end, element, length // element, c, s)
    tail = _varints(len(weights), len(positions))
    if len(head) + len(tail) + len(codebook) + len(weights) + len(positions) >= length:
      continue  # Not worth it: leave the raw bytes in the rest.
    meta.append(head + codebook + tail)
    streams += [weights, positions]
    rest.append(content[end:start])
    end = start + length
    for part, blob in zip(parts, (weights, positions, codebook, head + tail)):
      parts[part] += len(blob)
  rest.append(content[end:])
  packed = {codec: fns[0](b"".join(rest)) for codec, fns in _CODECS.items()}
  codec = min(packed, key=lambda c: len(packed[c]))
  head = MAGIC + bytes([VERSION, codec]) + zlib.crc32(content).to_bytes(4, "little")
  head += _varints(len(content), max_gap, len(packed[codec]), len(meta))
  parts["header"] += len(head)
  parts["rest"] = len(packed[codec])
  container = head + b"".join(meta) + packed[codec] + b"".join(streams)
  parts["total"] = len(container)
  assert sum(v for k, v in parts.items() if k != "total") == parts["total"]
  return container, parts


class _Reader:
  """Reads a container front to back; every shortfall is an InputError naming the part."""

  def __init__(self, data):
    self.data, self.pos = data, 0

  def varint(self, what):
    try:
      value, self.pos = huffman.read_varint(self.data, self.pos)
    except ValueError as e:
      raise InputError(f"Corrupt compressed container: {what} is cut short ({e})") from e
    return value

  def take(self, size, what):
    if self.pos + size > len(self.data):
      raise InputError(f"Corrupt compressed container: {what} needs {size} bytes, only "
                       f"{len(self.data) - self.pos} are left (truncated file?).")
    self.pos += size
    return self.data[self.pos - size:self.pos]


def _read_kernel(reader, max_gap):
  """(gap before it in the rest, its bytes) of the next kernel; streams are read later."""
  gap, element, count, channels, stride = (reader.varint("a kernel header") for _ in range(5))
  if element not in _UINT or channels < 1 or (channels > 1 and stride < 1):
    raise InputError(f"Corrupt compressed container: a kernel of {element}-byte elements "
                     f"in {channels} channels (stride {stride}).")
  sizes = np.array([reader.varint("a codebook size") for _ in range(channels)], np.int64)
  codebook = np.frombuffer(reader.take(int(sizes.sum()) * element, "a codebook"), _UINT[element])
  stream_sizes = reader.varint("a stream size"), reader.varint("a stream size")

  def values(weights, positions):
    try:
      if huffman.read_varint(positions, 0)[0] > count + count // max_gap:
        raise ValueError(f"more offsets than a {count}-element kernel can have")
      gaps = huffman.decode(positions)
      if len(gaps) and (gaps.min() < 0 or gaps.max() > max_gap):
        raise ValueError(f"offsets must be in 0..{max_gap}")
      where = _positions(gaps, max_gap)
      index = huffman.decode(weights, count=len(where))
    except ValueError as e:
      raise InputError(f"Corrupt compressed container: a Huffman stream is bad ({e}).") from e
    if len(where) and where[-1] >= count:
      raise InputError(f"Corrupt compressed container: a weight position is outside the "
                       f"{count}-element kernel.")
    channel = (where // stride) % channels if channels > 1 else np.zeros_like(where)
    if len(index) and np.any((index < 0) | (index >= sizes[channel])):
      raise InputError("Corrupt compressed container: a codebook index is out of range.")
    out = np.zeros(count, codebook.dtype)
    out[where] = codebook[(np.cumsum(sizes) - sizes)[channel] + index]
    return out.tobytes()

  return gap, count * element, stream_sizes, values


def decode_tflite(container):
  """The .tflite bytes stored in a container from `encode_tflite`, byte for byte.

  Args:
    container: the bytes `encode_tflite` returned.

  Returns:
    The .tflite file as bytes (its CRC-32 checked).

  Raises:
    InputError: the bytes are not a container, or it is truncated or corrupt.

  Example:
    tflite_bytes = decode_tflite(container)
    TFLiteModel(tflite_bytes).predict(images)
  """
  reader = _Reader(bytes(container))
  if reader.take(4, "the magic number") != MAGIC:
    raise InputError(f"Not a compressed container: it starts with {bytes(container[:4])!r}, "
                     f"expected {MAGIC!r}.")
  version, codec = reader.take(2, "the header")
  if version != VERSION or codec not in _CODECS:
    raise InputError(f"Unsupported compressed container: version {version}, codec {codec} "
                     f"(this reader knows version {VERSION}, codecs {sorted(_CODECS)}).")
  crc = int.from_bytes(reader.take(4, "the checksum"), "little")
  size, max_gap, rest_size, n = (reader.varint("the header") for _ in range(4))
  if max_gap < 1:
    raise InputError(f"Corrupt compressed container: max_gap is {max_gap}.")
  kernels = [_read_kernel(reader, max_gap) for _ in range(n)]
  try:
    rest = _CODECS[codec][1](reader.take(rest_size, "the compressed rest"))
  except (zlib.error, lzma.LZMAError) as e:
    raise InputError(f"Corrupt compressed container: the rest does not decompress ({e}).") \
        from e
  if len(rest) + sum(k[1] for k in kernels) != size or sum(k[0] for k in kernels) > len(rest):
    raise InputError(f"Corrupt compressed container: its parts do not add up to the "
                     f"{size}-byte .tflite it records.")
  out, used = [], 0
  for gap, _, (weight_size, position_size), values in kernels:
    weights = reader.take(weight_size, "a weight stream")
    out += [rest[used:used + gap], values(weights, reader.take(position_size, "a position stream"))]
    used += gap
  if reader.pos != len(reader.data):
    raise InputError(f"Corrupt compressed container: {len(reader.data) - reader.pos} bytes "
                     f"after the last stream.")
  content = b"".join(out) + rest[used:]
  if zlib.crc32(content) != crc:
    raise InputError("Corrupt compressed container: the decoded .tflite fails its CRC-32 check.")
  return content


def write_container(content, path, max_gap=MAX_GAP):
  """Writes `encode_tflite(content)` to `path` atomically; returns its parts.

  Example:
    parts = write_container(tflite_bytes, "workdir/student_int8.dctf")
  """
  container, parts = encode_tflite(content, max_gap)
  write_bytes(path, container)
  assert os.path.getsize(path) == parts["total"]
  return parts


def read_container(path):
  """The .tflite bytes stored in the container file at `path`.

  Example:
    tflite_bytes = read_container("workdir/student_int8.dctf")
  """
  if not os.path.isfile(path):
    raise InputError(f"No compressed container at {path!r}. Write one with write_container.")
  with open(path, "rb") as f:
    return decode_tflite(f.read())
