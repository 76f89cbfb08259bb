"""The config schema: every field a run reads, with its default.

Experiment files in `configs/` start from `base_config()` and change fields; the
schema is locked, so a misspelled key is an error that names it. This module imports
no TensorFlow.

Example:
  config = base_config()
  config.distill.temperature = 4.0
  check(config)
"""
import difflib
import json

import ml_collections
from ml_collections import config_dict

from tfcompress.config_checks import check_numbers
from tfcompress.errors import InputError

PAPER_ALPHAS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0, 15.0)
MODES = ("float32", "dynamic", "float16", "int8", "int16x8", "int4_weights", "int4x8")
CALIBRATED = ("int8", "int16x8", "int4x8")  # The modes that need representative images.
MICRO_MODES = ("int8", "int16x8", "int4x8", "float32")  # What TFLite Micro runs, preferred first.


def base_config():
  """The locked default config: the paper's chain on PneumoniaMNIST, every field with its
  default and meaning.

  Returns:
    An `ml_collections.ConfigDict`, locked: setting a key it lacks raises.

  Raises:
    Nothing; `check(config)` validates values once they are changed.

  Example:
    config = base_config()
    config.stages = ("student", "prune", "quantize")
    config.prune.distill = False  # No teacher stage to distill from.
    report = tfcompress.run(config, "runs/mine")
  """
  c = ml_collections.ConfigDict()
  c.seed = 0  # Of the data splits, initial weights and data order; repeats add 1, 2, ...
  c.repeats = 1  # Student stages run once per seed: seed, seed + 1, ...
  # tf.distribute: default | mirrored (the GPUs of one machine) | one_device |
  # multi_worker_mirrored (machines named by TF_CONFIG). `data.batch_size` is global.
  c.strategy = "default"
  # The stages to run, by name (`python -m tfcompress.stages.graph` lists them); they run
  # in the graph's order whatever the order here.
  c.stages = ("teacher", "student", "distill", "prune", "quantize", "export")
  c.verbose = 2  # Keras fit verbosity: 0 silent, 1 progress bar, 2 one line an epoch.

  c.data = ml_collections.ConfigDict()
  # Used when `path` is empty: shipped, keras.datasets, or "tfds:<name>" (TensorFlow
  # Datasets; pip install '.[tfds]' in the tfcompress repository).
  c.data.name = "pneumoniamnist"
  # An .npz file, an image folder root/{train,val,test}/<class>/ or root/<class>/, or
  # SVHN's official files (a folder with train_32x32.mat and test_32x32.mat, or the train file).
  c.data.path = ""
  c.data.image_size = 0  # Resize to this square size; 0 keeps arrays as stored.
  c.data.color_mode = "auto"  # Image folders: auto (RGB if they have colour), grayscale, rgb.
  c.data.val_fraction = 0.1  # Stratified split of train when there is no val split.
  # auto: the data's own val split, unless a class has under 10 images there and carving
  # `val_fraction` of train + val gives its smallest class more (Kaggle's chest_xray val/
  # holds 16); own: the data's val split always; carve: always carved from train + val.
  c.data.val_split = "auto"
  c.data.test_fraction = 0.2  # Image folders without test/: of train, held out for test.
  c.data.class_names = ()  # Names of labels 0, 1, ... (default: the data's, else numbers).
  # Map source classes (by name or label) to new ones, e.g. Kermany's three folders to the
  # paper's two: "NORMAL:normal, BACTERIA:pneumonia, VIRUS:pneumonia". "" keeps them.
  c.data.merge_classes = ""
  c.data.limit = 0  # Keep this many train/val/test examples each, every class among them; 0: all.
  # Leave out val and test images whose pixels equal a training image's (test: or a val
  # one's); off, the log and report.md count them (data.checks.overlap).
  c.data.drop_copies = False
  c.data.batch_size = 32  # Global: each of N replicas takes batch_size / N per step.
  c.data.flip = True  # Random horizontal flip.
  c.data.crop_scale = 0.8  # Random resized crop: smallest kept area (1.0: off).
  c.data.brightness = 0.0  # Random brightness shift, up to this fraction of 255 (0: off).
  c.data.contrast = 0.0  # Random contrast scale in [1 - contrast, 1 + contrast] (0: off).
  c.data.rotate = 0.0  # Random rotation, up to this many degrees either way (0: off).
  c.data.erase = 0.0  # Random erasing: share of images given a box of their mean (0: off).
  c.data.teacher_noise = 0.03  # Gaussian noise std for the teacher, as a fraction of 255.
  c.data.class_weights = "auto"  # balanced (inverse class frequency) | sqrt | none | auto: balanced
  # when the largest class has 1.5x the images of the smallest (data.pipelines.IMBALANCED).

  c.train = ml_collections.ConfigDict()
  c.train.learning_rate = 1e-3  # Adam.
  # Epochs between learning-rate decays, in every training stage. Halved every 6 over the
  # student's 30: on held-out validation images this beat every 3 over 15 in 6 runs of 6,
  # and 30 epochs with every 3 gained nothing (BUILD_NOTES).
  c.train.decay_every = 6
  c.train.decay_rate = 0.5  # The learning rate is multiplied by this at each decay.
  # step: the decay above | cosine: a half cosine from the stage's learning rate to 0 over
  # each training run's epochs (decay_every and decay_rate unused).
  c.train.schedule = "step"
  c.train.l2 = 1.25e-4  # L2 on student kernels and teacher heads.
  # Targets 1 - s + s / K on the label, s / K elsewhere, in every loss on the labels (the
  # Distiller's hard loss too); 0: off.
  c.train.label_smoothing = 0.0
  # Every training stage keeps the epoch that scores best on the validation split.
  c.train.monitor = "val_balanced_accuracy"  # | val_auc | val_accuracy | val_loss.
  c.train.patience = 0  # Stop after this many epochs without improvement (0: never).
  c.train.min_steps = 800  # Small data: each epoch repeats the data to reach this many steps.
  # Teacher members, student and distill validate, keep and ship an exponential moving
  # average of their weights with this decay per step (0: the raw weights).
  c.train.ema = 0.0
  # Keras dtype policy of the models the training stages build or load: float32 |
  # mixed_float16 (GPUs) | mixed_bfloat16 (TPUs; on the CPU measured it slowed
  # MobileNetV2 1.8x: docs/scale_out.md). Weights and losses stay float32, every saved model too.
  c.train.mixed_precision = "float32"

  c.teacher = ml_collections.ConfigDict()
  c.teacher.members = ("mobilenetv2", "densenet121")  # Names (docs/data.md) or module:fn.
  c.teacher.weights = config_dict.placeholder(str)  # None, "imagenet" or a file.
  # Members see the images resized to this side (>= 32; 0: the images' own larger side,
  # at least 32: 28x28 images are seen at 32x32, 64x64 ones at 64x64).
  c.teacher.input_size = 0
  c.teacher.bn_momentum = 0.9  # 0.999 (stock) collapses from-scratch training here.
  c.teacher.dropout = 0.2  # Before each member's new head.
  c.teacher.epochs = 6  # Each member's training (the head alone, with pretrained weights).
  c.teacher.learning_rate = 0.0  # Adam's for the members; 0: train.learning_rate.
  c.teacher.fine_tune_epochs = 0  # With pretrained weights: then unfreeze the top.
  c.teacher.fine_tune_layers = 30  # Top layers of the base unfrozen (of every kind).
  c.teacher.fine_tune_learning_rate = 1e-4  # Adam's, constant.
  c.teacher.combine = "mean"  # mean (of logits) | vote (majority).
  # Cross-fitting: member i trains without fold i % folds of the training images, and the
  # cached logits of each image come from the members that did not see it (0: every member
  # sees every image, and the logits are the ensemble's on images it learned).
  c.teacher.folds = 0

  c.student = ml_collections.ConfigDict()
  # A registered name, "package.module:function", or a trained model file (.keras from
  # tf_keras or Keras 3, or .h5) that the student stage takes as it is.
  c.student.model = "paper_cnn"
  c.student.epochs = 30  # The conventional student's training.
  c.student.bn_momentum = 0.9  # Batch-norm moving averages (Keras' 0.99 lags on small data).

  c.distill = ml_collections.ConfigDict()
  c.distill.mode = "cached"  # cached (teacher logits once) | online (every batch).
  c.distill.temperature = 4.0  # Softens the teacher's and student's logits (Hinton's T).
  c.distill.alpha = 0.9  # Weight of the soft (teacher) loss.
  c.distill.beta = 0.1  # Weight of the hard (label) loss.
  c.distill.epochs = 30  # The distilled student's training.
  # The compression stages' `distill` fields (channels, prune, cluster, qat, search): True
  # fine-tunes through the Distiller (the teacher keeps teaching), False on the labels, and
  # None (the default) decides per seed: the Distiller when the model the stage takes
  # descends from the distilled student (which `source="best"` picks only when it beat the
  # conventional student on validation), the labels when it does not.

  c.channels = ml_collections.ConfigDict()  # Channel (structured) pruning, stage `channels`.
  c.channels.source = "best"  # distill | student | best (on validation, not collapsed).
  c.channels.criterion = "l1"  # l1 | l2 (filter norms) | bn_scale | activation (on images).
  c.channels.ratio = 0.5  # Share of the prunable channels removed.
  c.channels.scope = "global"  # global (ranked across layers) | layer (each loses `ratio`).
  c.channels.floor = 0.25  # Each layer keeps at least this share of its channels.
  c.channels.layer_ratios = ""  # Per-layer ratios, "conv1=0.25,conv4=0.75" (not ranked).
  c.channels.iterations = 1  # Prune-and-fine-tune rounds (1: one shot).
  # Fine-tuning per round; 10 epochs at 1e-3 scored best on validation (BUILD_NOTES).
  c.channels.epochs = 10
  c.channels.learning_rate = 1e-3  # Adam's, at the start of each round.
  c.channels.distill = config_dict.placeholder(bool)  # None: auto (see the `distill` group).
  c.channels.calibration_images = 512  # Activation scores and batch-norm statistics.
  c.channels.latency_repeats = 200  # Side-by-side LiteRT timing rounds, before vs after.

  c.prune = ml_collections.ConfigDict()
  c.prune.source = "best"  # distill | student | channels | best (on validation, not collapsed).
  c.prune.method = "stddev"  # stddev (the paper's) | tfmot | iterative (Han et al.).
  c.prune.alphas = PAPER_ALPHAS  # stddev: threshold std(w) / alpha; small alpha prunes more.
  c.prune.scope = "layer"  # stddev: each layer's own std | one global std.
  c.prune.rule = "tolerance"  # tolerance: most pruned within `tolerance` of the best val
  c.prune.tolerance = 0.01  # score | best: the paper's (the best score, then most pruned).
  # The sweep's validation score: balanced_accuracy (every class counts the same, so a
  # candidate drifting to the largest class never looks as good) | accuracy (the paper's).
  c.prune.score = "balanced_accuracy"
  c.prune.calibration_images = 512  # Re-estimate batch-norm statistics per candidate.
  c.prune.schedule = "polynomial"  # tfmot: polynomial | constant.
  c.prune.target_sparsity = 0.75  # tfmot and iterative.
  c.prune.layer_targets = ""  # iterative: per-layer targets, "fc1=0.96,fc2=0.94".
  c.prune.iterations = 3  # iterative: prune-retrain rounds.
  c.prune.m_by_n = ()  # tfmot: (2, 4) for structured 2:4 sparsity (M zeros in every N).
  # Retraining with the zeros held (per round when iterative). 15 beat 5 on held-out
  # validation images in 5 runs of 6, and 30 gained nothing over 15 (BUILD_NOTES).
  c.prune.epochs = 15
  c.prune.learning_rate = 5e-4  # Adam's, at the start of retraining.
  # stddev: the swept model is kept instead of the retrained one only when it scores this
  # much better (validation `train.monitor`; for val_loss, this much lower): retraining
  # that wrecks it. Smaller margins
  # kept luckier-looking starts that lost on held-out images (BUILD_NOTES).
  c.prune.start_margin = 0.05
  c.prune.distill = config_dict.placeholder(bool)  # None: auto (see the `distill` group).

  c.cluster = ml_collections.ConfigDict()  # Weight sharing (TFMOT), stage `cluster`.
  c.cluster.source = "last"  # student | distill | channels | prune | best | last (latest in
  # `stages`).
  c.cluster.clusters = 16
  c.cluster.init = "kmeans++"  # kmeans++ | linear | density.
  c.cluster.preserve_sparsity = True  # Zero weights stay zero (sparsity-preserving clustering).
  c.cluster.epochs = 2  # Fine-tuning of the centroids.
  c.cluster.learning_rate = 1e-4  # Adam's, fine-tuning the centroids.
  c.cluster.distill = config_dict.placeholder(bool)  # None: auto (see the `distill` group).

  c.quantize = ml_collections.ConfigDict()
  c.quantize.source = "last"  # student | distill | channels | prune | cluster | best | last.
  c.quantize.modes = MODES  # The .tflite files written; tfcompress.config.MODES lists them.
  c.quantize.calibration_images = 256  # Representative dataset for int8.
  c.quantize.latency_repeats = 50  # LiteRT timing rounds per file (batch 1).
  c.quantize.sparse_format_min_sparsity = 0.5  # Try EXPERIMENTAL_SPARSITY from here on.
  c.quantize.per_channel = True  # False: one int8 scale per kernel (keeps shared values).
  # Selective quantization: also write an int8 file with this many layers kept in float,
  # those that add the most error (report.md's per-layer table); 0: none.
  c.quantize.float_layers = 0

  c.qat = ml_collections.ConfigDict()  # Quantization-aware training, stage `qat`.
  c.qat.source = "last"  # student | distill | channels | prune | cluster | best | last.
  c.qat.preserve = "auto"  # none | sparsity | clusters | both | auto (what the input has).
  c.qat.epochs = 2  # Fine-tuning with fake quantization.
  c.qat.learning_rate = 1e-4  # Adam's.
  c.qat.distill = config_dict.placeholder(bool)  # None: auto (see the `distill` group).

  c.target = ml_collections.ConfigDict()  # The device budget of stage `search` (0: no limit).
  c.target.board = ""  # A board of tfcompress.export.boards fills flash and arena.
  c.target.flash_bytes = 0  # The .tflite file.
  c.target.arena_bytes = 0  # The TFLite Micro tensor arena.
  c.target.macs = 0  # Multiply-accumulates per image.

  c.search = ml_collections.ConfigDict()  # Stage `search`: the best model that fits `target`.
  c.search.source = "best"  # student | distill | best (on validation, not collapsed).
  # Widths: the share of every layer's channels kept. Untrained candidates cost a
  # conversion and a TFLite Micro run each (about a second), so the grid can be fine.
  c.search.keep = (1.0, 0.875, 0.75, 0.625, 0.5, 0.4375, 0.375, 0.3125, 0.25, 0.1875, 0.125)
  c.search.modes = ("int8",)  # int8 | int16x8 | int4x8 | float32: what TFLite Micro runs.
  c.search.trials = 3  # The widest candidates that fit are fine-tuned, this many at most.
  c.search.epochs = 3  # Fine-tuning per candidate (channels.criterion picks the channels).
  c.search.learning_rate = 5e-4  # Adam's, fine-tuning each candidate.
  c.search.distill = config_dict.placeholder(bool)  # None: auto (see the `distill` group).

  c.export = ml_collections.ConfigDict()
  c.export.boards = ("esp32", "esp32s3")  # Flash and RAM budgets checked for int8 models.
  # export/README.md names per target the smallest file within this of the best validation
  # balanced accuracy (as `prune.tolerance` picks alpha).
  c.export.tolerance = 0.01

  c.lock()
  return c


def smoke(config):
  """Shrinks `config` to a one-minute end-to-end run (the `:smoke` variant of every config)."""
  config.data.limit = 256
  config.train.min_steps = 60  # A few dozen steps, so even a one-epoch model learns.
  config.teacher.members = tuple(config.teacher.members[:1])
  for group in config.values():  # Every group with epochs: one epoch.
    if isinstance(group, ml_collections.ConfigDict) and "epochs" in group:
      group.epochs = 1
  config.prune.alphas = (0.5, 2.0)
  config.prune.iterations = min(config.prune.iterations, 2)
  config.prune.calibration_images = 64
  config.quantize.calibration_images = 32
  config.quantize.latency_repeats = 5
  config.channels.calibration_images = 64
  config.channels.latency_repeats = 5
  config.search.trials = min(config.search.trials, 2)
  return config


_CHOICES = {
    "strategy": ("default", "mirrored", "one_device", "multi_worker_mirrored"),
    "data.color_mode": ("auto", "grayscale", "rgb"),
    "data.val_split": ("auto", "own", "carve"),
    "train.mixed_precision": ("float32", "mixed_float16", "mixed_bfloat16"),
    "teacher.combine": ("mean", "vote"),
    "distill.mode": ("cached", "online"),
    "prune.method": ("stddev", "tfmot", "iterative"),
    "data.class_weights": ("auto", "balanced", "sqrt", "none"),
    "train.monitor": ("val_balanced_accuracy", "val_auc", "val_accuracy", "val_loss"),
    "train.schedule": ("step", "cosine"),
    "prune.score": ("balanced_accuracy", "accuracy"),
    "cluster.init": ("kmeans++", "linear", "density"),
    "qat.preserve": ("auto", "none", "sparsity", "clusters", "both"),
    "prune.scope": ("layer", "global"),
    "channels.criterion": ("l1", "l2", "bn_scale", "activation"),
    "channels.scope": ("global", "layer"),
    "prune.rule": ("tolerance", "best"),
    "prune.schedule": ("polynomial", "constant"),
}


def _get(config, dotted):
  value = config
  for part in dotted.split("."):
    value = value[part]
  return value


def check(config):
  """Raises InputError naming the first field whose value cannot work."""
  check_numbers(config)  # Every numeric field: finite and in range (config_checks._RANGES);
  # what follows are the checks a range cannot say.
  for key, allowed in _CHOICES.items():
    if _get(config, key) not in allowed:
      raise InputError(f"Config `{key}` must be one of {', '.join(allowed)}. "
                       f"Received: {key}={_get(config, key)!r}")
  if not all(isinstance(s, str) and s for s in config.stages):
    raise InputError("Config `stages` must name at least one stage. "
                     f"Received: stages={tuple(config.stages)!r}")
  if config.teacher.input_size != 0 and config.teacher.input_size < 32:
    raise InputError("Config `teacher.input_size` must be >= 32 (keras.applications "
                     "needs it), or 0 for the images' own size. "
                     f"Received: teacher.input_size={config.teacher.input_size}")
  bad_modes = [m for m in config.quantize.modes if m not in MODES]
  if bad_modes or not config.quantize.modes:
    raise InputError(f"Config `quantize.modes` may name {', '.join(MODES)}. "
                     f"Received: quantize.modes={tuple(config.quantize.modes)!r}")
  if not config.prune.alphas:  # Each one's range: check_numbers.
    raise InputError("Config `prune.alphas` must be positive numbers. "
                     f"Received: prune.alphas={tuple(config.prune.alphas)!r}")
  if not config.teacher.members:
    raise InputError("Config `teacher.members` must name at least one model.")
  return config


# Fields that are gone, and what replaced them.
_REMOVED = {"prune.teacher": "teacher pruning is now a stage: add 'teacher_prune' to `stages`"}


def update(config, values, prefix=""):
  """Sets nested `values` (a dict) on the locked `config`, naming any unknown key."""
  for key, value in values.items():
    name = prefix + key
    if name in _REMOVED:
      raise InputError(f"Config key `{name}` is gone: {_REMOVED[name]}.")
    if key not in config:
      close = difflib.get_close_matches(key, list(config.keys()), n=1)
      hint = f" Did you mean `{prefix}{close[0]}`?" if close else ""
      raise InputError(f"Unknown config key `{name}`.{hint}")
    if isinstance(config[key], ml_collections.ConfigDict):
      if not isinstance(value, dict):
        raise InputError(f"Config `{name}` is a group of fields. Received: {value!r}")
      update(config[key], value, prefix=name + ".")
      continue
    if isinstance(config[key], tuple) and isinstance(value, list):
      value = tuple(value)
    try:
      setattr(config, key, value)
    except TypeError as e:
      raise InputError(f"Config `{name}` has the wrong type: {e}") from None
  return config


def from_json(path):
  """Loads a `config.json` written by a run onto the schema, so it reproduces the run."""
  try:
    with open(path) as f:
      values = json.load(f)
  except FileNotFoundError:
    raise InputError(f"Config file not found: {path!r}.") from None
  except json.JSONDecodeError as e:
    raise InputError(f"Config file {path!r} is not valid JSON: {e}") from None
  return check(update(base_config(), values))


def to_json(config):
  return json.dumps(config.to_dict(), indent=2, sort_keys=True)
