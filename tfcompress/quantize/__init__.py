"""Quantization with the TFLite converter: float32, dynamic range, float16 and int8."""
from tfcompress.quantize.convert import convert
from tfcompress.quantize.convert import MODES

__all__ = ["MODES", "convert"]
