"""Quantization and weight sharing: TFLite conversion modes, TFMOT clustering, and the
Deep Compression container (Huffman-coded cluster indices and sparse offsets)."""
from tfcompress.quantize.container import decode_tflite
from tfcompress.quantize.container import encode_tflite
from tfcompress.quantize.convert import convert

# Internals, importable as `quantize.<name>` by the container CLI and callbacks.
from tfcompress.quantize.container import read_container  # noqa: F401
from tfcompress.quantize.container import write_container  # noqa: F401
from tfcompress.quantize.convert import MODES  # noqa: F401
from tfcompress.quantize.int4 import INT4_MODES  # noqa: F401

__all__ = ["convert", "decode_tflite", "encode_tflite"]
