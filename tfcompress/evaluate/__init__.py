"""Metrics (scikit-learn) for Keras models and .tflite files."""
from tfcompress.evaluate.metrics import classification_metrics
from tfcompress.evaluate.metrics import evaluate_model

# Internal, importable as `evaluate.predict_logits` by the stages; not the public API.
from tfcompress.evaluate.metrics import predict_logits  # noqa: F401

__all__ = ["classification_metrics", "evaluate_model"]
