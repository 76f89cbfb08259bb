r"""PneumoniaMNIST for the smallest microcontrollers: the distilled student with half of its
channels removed, fine-tuned by the teacher, shipped as an int8 file of at most 16 KB.

  tfcompress --config=configs/pneumonia_tiny.py --workdir=runs/pneumonia_tiny
  tfcompress --config=configs/pneumonia_tiny.py:smoke --workdir=/tmp/tiny_smoke

The report's "Device" section sets the int8 file of the unpruned distilled student beside
the channel-pruned one: bytes, TFLite Micro arena, accuracy and latency, timed side by side.
"""
import os
import runpy

from tfcompress.config import smoke


def _pneumonia():
  """configs/pneumonia.py beside this file (config files are loaded by path, not package)."""
  path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pneumonia.py")
  return runpy.run_path(path)["get_config"]()


def get_config(arg=None):
  config = _pneumonia()  # Its distillation settings, chosen on validation.
  config.stages = ("teacher", "student", "distill", "channels", "quantize", "export")
  # The distilled student is the unpruned model the tiny one is measured against.
  config.channels.source = "distill"
  # Half of every layer's channels: paper_cnn's int8 file goes from 41,064 to 14,720 bytes
  # and its arena from 19,488 to 11,072 (each layer pruned alike keeps the first layer,
  # which sets the arena, at half). Criterion and fine-tuning chosen on validation over
  # 3 seeds (BUILD_NOTES.md, "Channel pruning and the budget search").
  config.channels.ratio = 0.5
  config.channels.scope = "layer"
  config.channels.criterion = "l1"
  config.quantize.modes = ("float32", "int8")
  config.export.boards = ("esp32", "arduino_nano_33_ble")
  if arg == "smoke":
    smoke(config)
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use configs/pneumonia_tiny.py or :smoke.")
  return config
