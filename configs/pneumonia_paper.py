r"""The founding paper's cast on PneumoniaMNIST: a five-member teacher (VGG19, AlexNet,
GoogLeNet, DenseNet121, ResNet-18), each member std-dev pruned at its own alpha (Table I),
then distillation, pruning and quantization of the student as in configs/pneumonia.py.

  tfcompress --config=configs/pneumonia_paper.py --workdir=runs/pneumonia_paper
  tfcompress --config=configs/pneumonia_paper.py:smoke --workdir=/tmp/paper_smoke

Sized for 2 CPU cores (under an hour): the members see 32x32 images (the smallest that
keras.applications takes), train from scratch and keep their best epoch on validation.
Table I of `report.md` gives each member's figures before and after pruning and the share
pruned.

The paper's setting, on GPUs: Kermany's chest X-ray folders (normal, bacterial and viral
pneumonia merged into two classes) at 224x224, members trained longer. Keras ships ImageNet
weights for VGG19 and DenseNet121 only, and `teacher.weights` applies to every member, so
this ensemble trains from scratch; `--config.teacher.weights=imagenet` needs members that
all have them (e.g. `--config.teacher.members="('vgg19','densenet121')"`).

  tfcompress --config=configs/pneumonia_paper.py --workdir=runs/paper_gpu \
    --config.strategy=mirrored --config.train.mixed_precision=mixed_float16 \
    --config.data.path=chest_xray/ --config.data.image_size=224 \
    --config.data.merge_classes="normal:normal, bacterial:pneumonia, viral:pneumonia" \
    --config.teacher.epochs=30 --config.data.batch_size=64
"""
import os
import runpy

from tfcompress.config import smoke


def _pneumonia():
  """configs/pneumonia.py beside this file (config files are loaded by path, not package)."""
  path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "pneumonia.py")
  return runpy.run_path(path)["get_config"]()


def get_config(arg=None):
  config = _pneumonia()  # Its student, distillation and pruning settings.
  config.stages = ("teacher", "teacher_prune", "student", "distill", "prune", "quantize",
                   "export")
  config.teacher.members = ("vgg19", "alexnet", "googlenet", "densenet121", "resnet18")
  config.teacher.epochs = 6  # One pass each (train.min_steps=800 at 148 steps a pass).
  # VGG19 has no batch norm: from scratch at Adam 1e-3 it stayed at chance on validation
  # (balanced accuracy 0.5 for 6 epochs); at 1e-4 it reached 0.887 after one (BUILD_NOTES).
  config.teacher.learning_rate = 1e-4
  if arg == "smoke":
    smoke(config)
    # Two of the members keras.applications lacks, for a few steps each.
    config.teacher.members = ("googlenet", "resnet18")
    config.teacher.epochs = 1  # A few steps each; the students keep smoke()'s min_steps
    #                            (with 8 every student collapsed and the run stopped).
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use configs/pneumonia_paper.py or :smoke.")
  return config
