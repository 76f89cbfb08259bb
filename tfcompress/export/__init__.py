"""Shipping .tflite models: C arrays, a TFLite Micro check, board budgets, Android bundles."""
from tfcompress.export.android import android_bundle
from tfcompress.export.boards import fits
from tfcompress.export.c_array import write_c_array
from tfcompress.export.tflm import tflm_check

# Internals, importable as `export.<name>` by the stages and tests; not the public API.
from tfcompress.export.android import description  # noqa: F401
from tfcompress.export.boards import BOARDS  # noqa: F401
from tfcompress.export.boards import check_boards  # noqa: F401
from tfcompress.export.c_array import c_source  # noqa: F401
from tfcompress.export.model_info import model_info  # noqa: F401
from tfcompress.tflite_file import check_tflite  # noqa: F401

__all__ = ["android_bundle", "fits", "tflm_check", "write_c_array"]
