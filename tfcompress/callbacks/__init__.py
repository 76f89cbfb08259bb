"""Keras callbacks for your own `fit()`: std-dev pruning, sparsity logging, export."""
from tfcompress.callbacks.exporter import Exporter
from tfcompress.callbacks.sparsity_logger import SparsityLogger
from tfcompress.callbacks.stddev_pruning import StdDevPruning

__all__ = ["Exporter", "SparsityLogger", "StdDevPruning"]
