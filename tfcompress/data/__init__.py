"""Data loaders (.npz, image folders, keras.datasets) and tf.data pipelines."""
from tfcompress.data.arrays import load_keras_dataset
from tfcompress.data.arrays import load_npz
from tfcompress.data.arrays import Splits
from tfcompress.data.folders import load_image_folder
from tfcompress.data.pipelines import augment
from tfcompress.data.pipelines import eval_dataset
from tfcompress.data.pipelines import load
from tfcompress.data.pipelines import train_dataset

__all__ = ["Splits", "augment", "eval_dataset", "load", "load_image_folder",
           "load_keras_dataset", "load_npz", "train_dataset"]
