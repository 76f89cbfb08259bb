"""Shipping .tflite models: C arrays, a TFLite Micro check, board budgets, Android bundles."""
from tfcompress.export.android import android_bundle
from tfcompress.export.android import description
from tfcompress.export.boards import BOARDS
from tfcompress.export.boards import check_boards
from tfcompress.export.boards import fits
from tfcompress.export.c_array import c_source
from tfcompress.export.c_array import write_c_array
from tfcompress.export.model_info import check_tflite
from tfcompress.export.model_info import model_info
from tfcompress.export.tflm import tflm_check

__all__ = ["BOARDS", "android_bundle", "c_source", "check_boards", "check_tflite", "description", "fits",
           "model_info", "tflm_check", "write_c_array"]
