"""Metrics (scikit-learn) for Keras models and .tflite files."""
from tfcompress.evaluate.metrics import classification_metrics
from tfcompress.evaluate.metrics import evaluate_model
from tfcompress.evaluate.metrics import predict_logits

__all__ = ["classification_metrics", "evaluate_model", "predict_logits"]
