r"""The founding paper's chain on PneumoniaMNIST (chest X-ray, 28x28), shipped with tfcompress.

  tfcompress --config=configs/pneumonia.py --workdir=runs/pneumonia
  tfcompress --config=configs/pneumonia.py:smoke --workdir=/tmp/smoke
"""
from tfcompress.config import base_config
from tfcompress.config import smoke


def get_config(arg=None):
  config = base_config()
  # The best of four (T, alpha, beta) settings on the validation split, seeds 0-1
  # (BUILD_NOTES.md): this from-scratch teacher is weaker than the student, so the labels
  # weigh as much as its soft targets, at T=1.
  config.distill.temperature = 1.0
  config.distill.alpha = 0.5
  config.distill.beta = 0.5
  if arg == "smoke":
    smoke(config)
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use configs/pneumonia.py or :smoke.")
  return config
