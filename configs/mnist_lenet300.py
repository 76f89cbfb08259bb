r"""Deep Compression on MNIST: LeNet-300-100 pruned (Han's prune-retrain loop), clustered, int8.

  tfcompress --config=configs/mnist_lenet300.py --workdir=runs/lenet300
  tfcompress --config=configs/mnist_lenet300.py:smoke --workdir=/tmp/lenet300_smoke
  tfcompress --config=configs/mnist_lenet300.py:taught --workdir=runs/lenet300_taught

Reads ../shared/data/mnist.npz beside the repository by default; override with
--config.data.path=FILE.npz. No teacher: Han et al. compress the network alone.

`:taught` goes further than Han et al.: a LeNet-5 teacher teaches LeNet-300-100 through
distillation, pruning, clustering and quantization-aware training that keeps the zeros
and the 16 shared values (PCQAT); the int8 file is its `qat` stage's.
"""
import os

from tfcompress.config import base_config
from tfcompress.config import smoke

VARIANTS = ("taught",)  # Besides :smoke.
SHARED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "data")


def get_config(arg=None):
  config = base_config()
  config.stages = ("student", "prune", "cluster", "quantize", "export")
  config.data.path = os.path.normpath(os.path.join(SHARED, "mnist.npz"))
  config.data.batch_size = 128
  config.data.flip = False  # Digits are not mirror-symmetric.
  config.data.crop_scale = 0.85  # Small random zooms and shifts.
  config.train.l2 = 0.0
  config.student.model = "lenet_300_100"
  config.student.epochs = 30
  config.train.decay_every = 6
  config.prune.method = "iterative"
  config.prune.target_sparsity = 0.92
  config.prune.layer_targets = "fc1=0.91,fc2=0.9,logits=0.74"
  config.prune.iterations = 4
  config.prune.epochs = 4
  config.prune.distill = False
  config.cluster.clusters = 16
  config.cluster.epochs = 3
  config.cluster.distill = False
  config.quantize.modes = ("float32", "int8")
  config.quantize.per_channel = False  # Per-tensor int8 keeps the 16 shared values per layer.
  if arg == "taught":
    taught(config)
  elif arg == "smoke":
    smoke(config)
    config.data.limit = 512
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use :taught, :smoke or nothing.")
  return config


def taught(config):
  """The teacher teaches through every stage; pruned harder (targets chosen on validation,
  BUILD_NOTES.md "Deep Compression notes")."""
  config.stages = ("teacher", "student", "distill", "prune", "cluster", "quantize", "qat",
                   "export")
  config.teacher.members = ("tfcompress.models.students:lenet5",)  # A plug-in member.
  config.teacher.epochs = 10
  config.distill.epochs = config.student.epochs
  config.prune.distill = config.cluster.distill = config.qat.distill = True
  config.prune.layer_targets = "fc1=0.95,fc2=0.92,logits=0.75"
  config.prune.epochs = 8
  config.qat.epochs = 4
  return config
