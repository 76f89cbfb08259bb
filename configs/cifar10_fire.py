r"""CIFAR-10 (the JPEG copy, 32x32 RGB): a teacher ensemble distils a Fire-module student,
which is then pruned, clustered and quantized to int8.

  tfcompress --config=configs/cifar10_fire.py --workdir=runs/cifar10
  tfcompress --config=configs/cifar10_fire.py:smoke --workdir=/tmp/cifar10_smoke

Reads ../shared/data/cifar10_jpeg.npz beside the repository by default; override with
--config.data.path=FILE.npz. The .npz holds no class names, so labels are 0-9 in the
report and the Android labels.txt unless named:
  --config.data.class_names="('airplane','automobile','bird','cat','deer','dog','frog','horse','ship','truck')"
"""
import os

from tfcompress.config import base_config
from tfcompress.config import smoke

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")


def get_config(arg=None):
  config = base_config()
  config.stages = ("teacher", "student", "distill", "prune", "cluster", "quantize", "export")
  config.data.path = os.path.normpath(os.path.join(SHARED, "cifar10_jpeg.npz"))
  config.data.batch_size = 64
  config.data.crop_scale = 0.7
  # Two members that train from scratch on 2 cores in about 25 minutes (resnet50 would
  # take 4x longer per epoch); with teacher.weights="imagenet" online, pick larger ones.
  config.teacher.members = ("mobilenetv2", "efficientnetb0")
  config.teacher.epochs = 8
  config.student.model = "fire_net"
  config.student.epochs = 15
  config.distill.epochs = 15
  config.distill.temperature = 4.0
  config.distill.alpha = 0.7
  config.distill.beta = 0.3
  config.prune.epochs = 3
  config.cluster.clusters = 32
  if arg == "smoke":
    smoke(config)
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use :smoke or nothing.")
  return config
