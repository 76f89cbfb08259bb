"""Quantization and weight sharing: TFLite conversion modes, TFMOT clustering, and the
Deep Compression container (Huffman-coded cluster indices and sparse offsets)."""
from tfcompress.quantize.container import decode_tflite
from tfcompress.quantize.container import encode_tflite
from tfcompress.quantize.container import read_container
from tfcompress.quantize.container import write_container
from tfcompress.quantize.convert import convert
from tfcompress.quantize.convert import MODES

__all__ = ["MODES", "convert", "decode_tflite", "encode_tflite", "read_container",
           "write_container"]
