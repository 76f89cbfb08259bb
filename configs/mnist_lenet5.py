r"""Deep Compression on MNIST: LeNet-5 pruned (Han's prune-retrain loop), clustered, int8.

  tfcompress --config=configs/mnist_lenet5.py --workdir=runs/lenet5
  tfcompress --config=configs/mnist_lenet5.py:smoke --workdir=/tmp/lenet5_smoke

The same recipe as configs/mnist_lenet300.py (data in ../shared/data/mnist.npz beside the
repository by default; override with --config.data.path=FILE.npz), with LeNet-5 and
Han et al.'s per-layer pruning pattern.
"""
import os
import runpy

_LENET300 = runpy.run_path(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "mnist_lenet300.py"))


def get_config(arg=None):
  config = _LENET300["get_config"](arg)
  config.student.model = "lenet5"
  if arg != "smoke":
    config.student.epochs = 20
  config.prune.layer_targets = "conv1=0.34,conv2=0.88,fc1=0.93,logits=0.81"
  return config
