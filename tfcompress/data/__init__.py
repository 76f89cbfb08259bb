"""Data loaders (.npz, image folders, keras.datasets) and tf.data pipelines."""
from tfcompress.data.arrays import load_npz
from tfcompress.data.folders import load_image_folder
from tfcompress.data.pipelines import load

# Internals, importable as `data.<name>` by the stages; not the public API.
from tfcompress.data.arrays import Splits  # noqa: F401
from tfcompress.data.pipelines import is_image_folder  # noqa: F401
from tfcompress.data.pipelines import train_dataset  # noqa: F401

__all__ = ["load", "load_image_folder", "load_npz"]
