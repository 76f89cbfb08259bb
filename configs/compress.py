r"""Compress a model you already trained: prune it, quantize it, ship it. No teacher.

  tfcompress --config=configs/compress.py --config.student.model=my_model.keras \
      --config.data.path=my_data.npz --workdir=runs/mine

`student.model` is a `.keras` file saved by tf_keras or Keras 3 (a Keras 3 model of
standard layers is rebuilt in tf_keras with the same weights) or a tf_keras `.h5` file.
The model must take raw [0, 255] pixels of the data's shape (put a Rescaling layer first
if it was trained on [0, 1]) and output one logit a class (no softmax or sigmoid); both
are checked on validation images before anything runs. Keras 3 augmentation layers (RandomFlip,
...) are rebuilt too, and are off when the model predicts. The student stage takes it as
it is; pruning retrains it on the labels, and the quantize and export stages ship it.
"""
from tfcompress.config import base_config
from tfcompress.config import smoke


def get_config(arg=None):
  config = base_config()
  config.student.model = "model.keras"  # Set it: --config.student.model=FILE.
  config.stages = ("student", "prune", "quantize", "export")
  config.prune.source = "student"
  config.prune.distill = False  # No teacher.
  config.quantize.modes = ("float32", "dynamic", "float16", "int8")
  if arg == "smoke":
    smoke(config)
  elif arg:
    raise ValueError(f"Unknown variant {arg!r}; use configs/compress.py or :smoke.")
  return config
