"""tfcompress: distill, prune and quantize Keras image classifiers for phones and MCUs.

Names are imported on first use, so `import tfcompress` (and config files) stay free of
TensorFlow until a model is touched.

Example:
  import tfcompress
  report = tfcompress.run(tfcompress.base_config(), "runs/pneumonia")
"""
import importlib
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # Keras 2 even if TensorFlow comes next.

_EXPORTS = {
    "run": "tfcompress.pipeline",
    "base_config": "tfcompress.config",
    "InputError": "tfcompress.errors",
    "Distiller": "tfcompress.distill",
    "kd_loss": "tfcompress.distill",
    "build_member": "tfcompress.models",
    "build_student": "tfcompress.models",
    "ensemble": "tfcompress.models",
    "paper_cnn": "tfcompress.models",
    "load": "tfcompress.data",
    "load_npz": "tfcompress.data",
    "load_image_folder": "tfcompress.data",
    "classification_metrics": "tfcompress.evaluate",
    "evaluate_model": "tfcompress.evaluate",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
  if name not in _EXPORTS:
    raise AttributeError(f"module 'tfcompress' has no attribute {name!r}")
  return getattr(importlib.import_module(_EXPORTS[name]), name)
