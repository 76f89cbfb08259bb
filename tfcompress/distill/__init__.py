"""Knowledge distillation: the kd loss and the `Distiller` model."""
from tfcompress.distill.distiller import Distiller
from tfcompress.distill.loss import kd_loss

__all__ = ["Distiller", "kd_loss"]
