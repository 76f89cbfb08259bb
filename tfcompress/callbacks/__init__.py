"""Keras callbacks for your own `fit()`: best-on-validation, weight averaging, std-dev pruning,
sparsity, export."""
from tfcompress.callbacks.best_checkpoint import BestCheckpoint
from tfcompress.callbacks.exporter import Exporter
from tfcompress.callbacks.sparsity_logger import SparsityLogger
from tfcompress.callbacks.stddev_pruning import StdDevPruning
from tfcompress.callbacks.weight_average import WeightAverage

__all__ = ["BestCheckpoint", "Exporter", "SparsityLogger", "StdDevPruning", "WeightAverage"]
