"""A .tflite model as C++ source for TFLite Micro firmware (ESP32, Arduino).

The bytes become an `alignas(16)` array (TFLM reads the flatbuffer in place, so it must
be aligned), next to the constants firmware needs to feed it: input and output shape,
dtype, scale and zero point, and the class names.

Example:
  write_c_array(content, "firmware/main", "pneumonia_model", ("normal", "pneumonia"))
  # -> ["firmware/main/pneumonia_model.h", "firmware/main/pneumonia_model.cc"]
"""
import hashlib
import os
import re
import textwrap

import numpy as np

from tfcompress import artifacts
from tfcompress.errors import InputError
from tfcompress.export.model_info import class_labels
from tfcompress.export.model_info import input_formula
from tfcompress.export.model_info import model_info
from tfcompress.export.model_info import pixels_reading
from tfcompress.tflite_file import check_tflite

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KEYWORDS = frozenset("""
    alignas alignof and and_eq asm auto bitand bitor bool break case catch char char8_t
    char16_t char32_t class compl concept const consteval constexpr constinit const_cast
    continue co_await co_return co_yield decltype default delete do double dynamic_cast
    else enum explicit export extern false float for friend goto if inline int long
    mutable namespace new noexcept not not_eq nullptr operator or or_eq private protected
    public register reinterpret_cast requires restrict return short signed sizeof static
    static_assert static_cast struct switch template this thread_local throw true try
    typedef typeid typename union unsigned using virtual void volatile wchar_t while xor
    xor_eq""".split())
_BYTES_PER_LINE = 12


def _check_name(name):
  if not isinstance(name, str) or not _IDENTIFIER.match(name) or name in _KEYWORDS:
    raise InputError(f"The C array name must be a C identifier (letters, digits and _, "
                     f"not starting with a digit, not a keyword), e.g. 'g_model'. "
                     f"Received: name={name!r}")


def _c_string(text):
  """A C string literal; anything but printable ASCII becomes 3-digit octal escapes."""
  out = []
  for byte in str(text).encode("utf-8"):
    char = chr(byte)
    if 32 <= byte < 127 and char not in '"\\?':
      out.append(char)
    else:
      out.append(f"\\{byte:03o}")
  return '"' + "".join(out) + '"'


def _c_float(value):
  text = str(np.float32(value))
  return text + ("f" if any(c in text for c in ".e") else ".0f")


def _hex_lines(content):
  lines = []
  for i in range(0, len(content), _BYTES_PER_LINE):
    lines.append("  " + ", ".join(f"0x{b:02x}" for b in content[i:i + _BYTES_PER_LINE]) + ",")
  return "\n".join(lines)


def _tensor_constants(name, kind, tensor):
  p = f"{name}_{kind}"
  shape = ", ".join(str(d) for d in tensor["shape"])
  elements = int(np.prod(tensor["shape"]))
  return [
      f"constexpr int {p}_dims = {len(tensor['shape'])};",
      f"constexpr int {p}_shape[{p}_dims] = {{{shape}}};",
      f"constexpr int {p}_elements = {elements};",
      f"constexpr const char* {p}_dtype = \"{tensor['dtype']}\";",
      f"constexpr float {p}_scale = {_c_float(tensor['scale'])};  // 0 for float tensors.",
      f"constexpr int {p}_zero_point = {tensor['zero_point']};",
  ]


# Builtin ops whose MicroMutableOpResolver method is not the CamelCase of their name.
_RESOLVER_NAMES = {"PADV2": "PadV2", "CUMSUM": "CumSum", "BATCH_MATMUL": "BatchMatMul",
                   "UNIDIRECTIONAL_SEQUENCE_LSTM": "UnidirectionalSequenceLSTM"}


def resolver_call(op):
  """The `tflite::MicroMutableOpResolver` call that registers builtin op `op`.

  Example:
    resolver_call("MAX_POOL_2D")  # 'AddMaxPool2D()'
  """
  camel = _RESOLVER_NAMES.get(op) or "".join(
      p if p[:1].isdigit() else p.capitalize() for p in op.split("_"))  # 2D, Nd, L2.
  return f"Add{camel}()"


def _quantization_note(source, target):
  """How firmware turns a pixel into the model's input (dtype `source`), and its output
  (dtype `target`) into scores."""
  if source in ("int8", "int16"):
    into = f"// {source} input: {input_formula(source)}; "
  else:
    into = f"// {source} input: the pixels as they are; "
  if target in ("int8", "int16"):
    return into + f"{target} output: real = scale * (q - zero_point)."
  return into + f"{target} output: the scores as they are."


def _pixels_note(shape, reading=None):
  """What the input's pixels are: colour, and how the training images were made from their
  files (`reading`: `Splits.reading`, "" for images taken as stored; None: unknown, so how
  tfcompress reads each kind of data)."""
  if len(shape) != 4:
    return []
  _, height, width, channels = shape
  color = {1: "// Grayscale, 1 channel.", 3: "// RGB, in R, G, B order (not a camera's BGR)."}
  reading = pixels_reading(width, height, reading)
  return [color[channels]] * (channels in color) + [
      "// " + line for line in textwrap.wrap(reading, 88)]


def _header(name, content, info, class_names, definitions, arena_bytes=None, reading=None):
  guard = f"TFCOMPRESS_{name.upper()}_H_"
  digest = hashlib.sha256(content).hexdigest()
  lines = [
      f"// Generated by tfcompress.export.c_source from a {len(content)}-byte .tflite model",
      f"// sha256 {digest}",
      "// Do not edit; regenerate instead.",
      "// C++ (constexpr), as TFLite Micro's API is: include it from a .cc / .cpp file.",
      "// Input: raw pixels 0-255 (the model rescales inside), HWC order.",
      *_pixels_note(info["input"]["shape"], reading),
      _quantization_note(info["input"]["dtype"], info["output"]["dtype"]),
  ]
  if info.get("int4_tensors"):
    lines.append(f"// {info['int4_tensors']} int4 tensors (4-bit filters): TFLite Micro's "
                 "reference kernels run them; check that your port's optimized kernels do "
                 "(e.g. ESP-NN, CMSIS-NN) or use the int8 variant.")
  if info.get("ops"):
    lines.append(f"// Ops a tflite::MicroMutableOpResolver<{len(info['ops'])}> must add: "
                 f"{', '.join(info['ops'])}:")
    lines.append(f"//   static tflite::MicroMutableOpResolver<{name}_ops_count> resolver;")
    lines += [f"//   resolver.{resolver_call(op)};" for op in info["ops"]]
  if arena_bytes:
    lines.append(f"// Tensor arena: {name}_arena_bytes is the smallest that ran it in the "
                 "TFLite Micro interpreter on the build machine; leave a margin.")
  if definitions:
    lines.append("// Include this header in one .cc file only: each includer gets its own copy.")
  lines += [f"#ifndef {guard}", f"#define {guard}", ""]
  if definitions:
    lines += definitions
  else:
    lines += [f"extern const unsigned char {name}[];", f"extern const unsigned int {name}_len;"]
    if class_names:
      lines.append(f"extern const char* const {name}_labels[];")
  lines += [""] + _tensor_constants(name, "input", info["input"])
  lines += [""] + _tensor_constants(name, "output", info["output"])
  lines += ["", f"constexpr int {name}_labels_count = {len(class_names)};"]
  if info.get("ops"):
    lines.append(f"constexpr int {name}_ops_count = {len(info['ops'])};")
  if arena_bytes:
    lines.append(f"constexpr int {name}_arena_bytes = {int(arena_bytes)};")
  lines += ["", f"#endif  // {guard}", ""]
  return "\n".join(lines)


def _definitions(name, content, class_names):
  lines = [f"alignas(16) const unsigned char {name}[] = {{", _hex_lines(content), "};",
           f"const unsigned int {name}_len = {len(content)};"]
  if class_names:
    lines.append(f"const char* const {name}_labels[] = {{")
    lines += [f"  {_c_string(label)}," for label in class_names]
    lines.append("};")
  return lines


def c_source(content, name, class_names=(), single_header=False, arena_bytes=None,
             reading=None):
  """C++ source holding a .tflite model and its tensor constants, as {filename: text}.

  The header's comments list the ops the model uses (what the op resolver must add).

  Args:
    content: the .tflite bytes.
    name: a C identifier; the array is `name`, its length `name_len`, the labels
      `name_labels` (only when `class_names` is given) and `name_labels_count`.
    class_names: one per model output, in output order.
    single_header: one `name.h` with the definitions instead of a `name.h`/`name.cc` pair.
    arena_bytes: the tensor arena TFLite Micro needed (`tflm_check`), as
      `name_arena_bytes`; None leaves it out.
    reading: how the training images' pixels were made from their files
      (`Splits.reading`; "" taken as stored), said in the header so that firmware makes
      its frames alike; None says how tfcompress reads each kind of data.

  Example:
    files = c_source(content, "g_model", ("cat", "dog"))
    print(files["g_model.h"])
  """
  content = check_tflite(content)
  _check_name(name)
  info = model_info(content)
  class_names = class_labels(class_names, info["output"]["shape"][-1], required=False)
  definitions = _definitions(name, content, class_names)
  if single_header:
    return {f"{name}.h": _header(name, content, info, class_names, definitions, arena_bytes,
                                 reading)}
  source = "\n".join([f"// Generated by tfcompress.export.c_source; see {name}.h.",
                      f'#include "{name}.h"', ""] + definitions + [""])
  return {f"{name}.h": _header(name, content, info, class_names, None, arena_bytes, reading),
          f"{name}.cc": source}


def write_c_array(content, out_dir, name, class_names=(), single_header=False,
                  arena_bytes=None, reading=None):
  """Writes `c_source(...)` into `out_dir` atomically; returns the paths written.

  Args:
    content: the .tflite bytes.
    out_dir: the folder (created if missing), e.g. firmware/main.
    name: a C identifier: the array, and the stem of the file names.
    class_names: one per model output, in output order, or () for none.
    single_header: one `name.h` with the definitions instead of a `name.h`/`name.cc` pair.
    arena_bytes: the tensor arena TFLite Micro needed, as `name_arena_bytes` (None: left
      out).
    reading: as for `c_source`.

  Returns:
    The paths written, sorted: `name.cc` (unless `single_header`) and `name.h`.

  Raises:
    InputError: `content` is not a .tflite file LiteRT can read, `name` is not a C
      identifier, or `class_names` is a string or does not match the model's outputs.

  Example:
    paths = write_c_array(content, "firmware/main", "g_model", ("cat", "dog"))
  """
  files = c_source(content, name, class_names, single_header, arena_bytes, reading)
  return [artifacts.write_bytes(os.path.join(out_dir, filename), text.encode())
          for filename, text in sorted(files.items())]
