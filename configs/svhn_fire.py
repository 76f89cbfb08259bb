r"""SVHN (cropped digits, 32x32 RGB) from its official files: a teacher ensemble distils
a Fire-module student, which then loses channels, is pruned and quantized to int8.

  tfcompress --config=configs/svhn_fire.py --config.data.path=DIR --workdir=runs/svhn
  tfcompress --config=configs/svhn_fire.py:smoke --config.data.path=DIR --workdir=/tmp/s

DIR holds train_32x32.mat and test_32x32.mat from http://ufldl.stanford.edu/housenumbers/
(label 10 is read as the digit 0; extra_32x32.mat is not used). The settings are
configs/cifar10_fire.py's, without flips (a flipped digit is another digit). They were
not tuned on SVHN: this machine has no copy of it.
"""
from tfcompress.config import base_config
from tfcompress.config import smoke


def get_config(arg=None):
  config = base_config()
  config.stages = ("teacher", "student", "distill", "channels", "prune", "quantize", "export")
  config.prune.source = "channels"
  config.data.path = "svhn"  # A folder with SVHN's two .mat files.
  config.data.flip = False
  config.data.batch_size = 64
  config.data.crop_scale = 0.8
  config.teacher.members = ("mobilenetv2", "efficientnetb0")
  config.teacher.epochs = 8
  config.student.model = "fire_net"
  config.student.epochs = 15
  config.distill.epochs = 15
  config.distill.temperature = 1.0
  config.distill.alpha = 0.5
  config.distill.beta = 0.5
  config.prune.method = "iterative"
  config.prune.target_sparsity = 0.65
  config.prune.layer_targets = "stem=0.3"
  config.prune.iterations = 3
  config.prune.epochs = 3
  config.quantize.modes = ("float32", "dynamic", "float16", "int8")
  if arg == "smoke":
    smoke(config)
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use :smoke or nothing.")
  return config
