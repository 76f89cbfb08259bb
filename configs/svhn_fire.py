r"""SVHN (cropped digits, 32x32 RGB) from its official files: a teacher ensemble distils
a Fire-module student, which then loses channels, is pruned and quantized to int8.

  tfcompress --config=configs/svhn_fire.py --config.data.path=DIR --workdir=runs/svhn
  tfcompress --config=configs/svhn_fire.py:smoke --config.data.path=DIR --workdir=/tmp/s

DIR holds train_32x32.mat and test_32x32.mat from http://ufldl.stanford.edu/housenumbers/
(label 10 is read as the digit 0; extra_32x32.mat is not used). The settings are
configs/cifar10_fire.py's, without flips (a flipped digit is another digit) and without
clustering. They were not tuned on SVHN: this machine has no copy of it.
"""
import os
import runpy

from tfcompress.config import smoke


def _cifar10_fire():
  """configs/cifar10_fire.py beside this file (config files are loaded by path)."""
  path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cifar10_fire.py")
  return runpy.run_path(path)["get_config"]()


def get_config(arg=None):
  config = _cifar10_fire()
  config.stages = ("teacher", "student", "distill", "channels", "prune", "quantize", "export")
  config.data.path = "svhn"  # A folder with SVHN's two .mat files.
  config.data.class_names = ()  # The digits' own names, "0".."9".
  config.data.flip = False
  config.data.crop_scale = 0.8
  config.cluster.clusters = 16  # Not run; the default, as before.
  config.quantize.per_channel = True  # No clustering: one scale per output channel.
  config.quantize.modes = ("float32", "dynamic", "float16", "int8")
  if arg == "smoke":
    smoke(config)
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use :smoke or nothing.")
  return config
