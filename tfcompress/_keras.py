"""The one place that selects Keras 2 (tf_keras) for the whole package.

TFMOT only accepts Keras 2 models, so `TF_USE_LEGACY_KERAS=1` must be set before
TensorFlow is first imported. Every module imports `keras` from here.
"""
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
import tf_keras as keras  # noqa: E402

__all__ = ["keras", "tf", "check_model"]


def check_model(model, name="model", allow_none=False):
  """Raises InputError when `model` is not a tf_keras model (a Keras 3 one, or None
  unless `allow_none`), which TFMOT and this package cannot use; returns `model`.

  Example:
    check_model(student, "student")
  """
  if isinstance(model, keras.Model) or (model is None and allow_none):
    return model
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  kind = f"{type(model).__module__}.{type(model).__name__}"
  if kind.startswith("keras."):
    raise InputError(f"Argument `{name}` is a Keras 3 model ({kind}); tfcompress works "
                     "with Keras 2 (tf_keras) models, as TFMOT does. Save it "
                     "(`model.save('m.keras')`) and load it with "
                     "`tfcompress.load_trained('m.keras')`, or build it with "
                     "`import tf_keras as keras`.")
  raise InputError(f"Argument `{name}` must be a tf_keras model. Received: {kind}")
