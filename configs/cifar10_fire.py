r"""CIFAR-10 (the JPEG copy, 32x32 RGB): a teacher ensemble distils a Fire-module student,
which then loses channels (through the Fire modules' concatenations), is pruned,
clustered and quantized to int8.

  tfcompress --config=configs/cifar10_fire.py --workdir=runs/cifar10
  tfcompress --config=configs/cifar10_fire.py:smoke --workdir=/tmp/cifar10_smoke

Reads ../shared/data/cifar10_jpeg.npz beside the repository by default; override with
--config.data.path=FILE.npz.
"""
import os

from tfcompress.config import base_config
from tfcompress.config import smoke

SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")


def get_config(arg=None):
  config = base_config()
  config.stages = ("teacher", "student", "distill", "channels", "prune", "cluster", "quantize",
                   "export")
  # Channels first (a smaller dense model for the device), then zeros and shared values.
  config.prune.source = "channels"
  config.data.path = os.path.normpath(os.path.join(SHARED, "cifar10_jpeg.npz"))
  config.data.class_names = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
                             "horse", "ship", "truck")  # The .npz holds labels 0-9 only.
  config.data.batch_size = 64
  config.data.crop_scale = 0.7
  # Two members that train from scratch on 2 cores in about 30 minutes (resnet50 would
  # take 4x longer per epoch); with teacher.weights="imagenet" online, pick larger ones.
  config.teacher.members = ("mobilenetv2", "efficientnetb0")
  config.teacher.epochs = 8
  config.student.model = "fire_net"
  config.student.epochs = 15
  config.distill.epochs = 15
  # The from-scratch teacher is no better than the student here (no ImageNet weights
  # offline), so the labels weigh as much as the teacher (as in configs/pneumonia.py).
  config.distill.temperature = 1.0
  config.distill.alpha = 0.5
  config.distill.beta = 0.5
  # Han's prune-retrain loop: a one-shot std-dev sweep keeps only ~20% zeros in so small
  # a network; the stem, with 864 weights, is pruned least.
  config.prune.method = "iterative"
  config.prune.target_sparsity = 0.65
  config.prune.layer_targets = "stem=0.3"
  config.prune.iterations = 3
  config.prune.epochs = 3
  config.cluster.clusters = 32
  config.quantize.per_channel = False  # One scale per kernel keeps shared values shared.
  if arg == "smoke":
    smoke(config)
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use :smoke or nothing.")
  return config
