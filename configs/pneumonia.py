r"""The founding paper's chain on PneumoniaMNIST (chest X-ray, 28x28), shipped with tfcompress.

  tfcompress --config=configs/pneumonia.py --workdir=runs/pneumonia
  tfcompress --config=configs/pneumonia.py:smoke --workdir=/tmp/smoke
"""
from tfcompress.config import base_config


def get_config(arg=None):
  config = base_config()
  if arg == "smoke":
    config.data.limit = 256
    config.teacher.members = ("mobilenetv2",)
    config.teacher.epochs = 1
    config.student.epochs = 1
    config.distill.epochs = 1
    config.prune.alphas = (0.5, 2.0)
    config.prune.epochs = 1
    config.prune.calibration_images = 64
    config.quantize.calibration_images = 32
    config.quantize.latency_repeats = 5
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use configs/pneumonia.py or :smoke.")
  return config
