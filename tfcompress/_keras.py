"""The one place that selects Keras 2 (tf_keras) for the whole package.

TFMOT only accepts Keras 2 models, so `TF_USE_LEGACY_KERAS=1` must be set before
TensorFlow is first imported. Every module imports `keras` from here.
"""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

__all__ = ["keras", "tf"]
