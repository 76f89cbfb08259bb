"""The range of every numeric config field, in one table, and the check that reads it.

A field added to `base_config()` needs a line here: a test fails until it has one.
Intervals are written as in mathematics: "[0, 1)" includes 0 and excludes 1. This module
imports no TensorFlow.

Example:
  check_numbers(base_config())   # passes
  config.distill.temperature = float("nan")
  check_numbers(config)          # InputError naming distill.temperature
"""
import math
import numbers

from tfcompress.errors import InputError

INF = math.inf

# key: (interval, what the value means when that helps the reader).
_RANGES = {
    "seed": ("[0, 2147483647]", "a non-negative integer"),
    "repeats": ("[1, inf)", "runs of the student stages"),
    "verbose": ("[0, 2]", "Keras fit verbosity"),
    "data.image_size": ("[0, inf)", "0 keeps the stored size"),
    "data.val_fraction": ("(0, 1)", "a fraction of train"),
    "data.test_fraction": ("(0, 1)", "a fraction of an image folder without test/"),
    "data.limit": ("[0, inf)", "0 keeps every example"),
    "data.batch_size": ("[1, inf)", ""),
    "data.crop_scale": ("(0, 1]", "1 turns cropping off"),
    "data.brightness": ("[0, 1]", "a fraction of 255; 0 turns it off"),
    "data.contrast": ("[0, 1)", "0 turns it off"),
    "data.rotate": ("[0, 180]", "degrees either way; 0 turns it off"),
    "data.erase": ("[0, 1]", "the share of images erased; 0 turns it off"),
    "data.teacher_noise": ("[0, 1]", "a fraction of 255"),
    "train.learning_rate": ("(0, inf)", ""),
    "train.decay_every": ("[0, inf)", "epochs; 0 turns decay off"),
    "train.decay_rate": ("(0, 1]", ""),
    "train.l2": ("[0, inf)", ""),
    "train.label_smoothing": ("[0, 1)", "0 turns it off"),
    "train.patience": ("[0, inf)", "epochs; 0 never stops early"),
    "train.min_steps": ("[0, inf)", "0 trains exactly the configured epochs"),
    "train.ema": ("[0, 1)", "0 turns weight averaging off"),
    "teacher.input_size": ("[0, inf)", "0: the images' size; else keras.applications needs >= 32"),
    "teacher.bn_momentum": ("[0, 1)", ""),
    "teacher.dropout": ("[0, 1)", ""),
    "teacher.epochs": ("[0, inf)", ""),
    "teacher.learning_rate": ("[0, inf)", "0 takes train.learning_rate"),
    "teacher.fine_tune_epochs": ("[0, inf)", ""),
    "teacher.fine_tune_layers": ("[0, inf)", ""),
    "teacher.folds": ("[0, inf)", "0 turns cross-fitting off"),
    "teacher.fine_tune_learning_rate": ("(0, inf)", ""),
    "student.epochs": ("[0, inf)", ""),
    "student.bn_momentum": ("(0, 1)", ""),
    "distill.temperature": ("(0, inf)", ""),
    "distill.alpha": ("[0, inf)", "weight of the soft loss"),
    "distill.beta": ("[0, inf)", "weight of the hard loss"),
    "distill.epochs": ("[0, inf)", ""),
    "channels.ratio": ("[0, 1)", "share of the prunable channels removed"),
    "channels.floor": ("(0, 1]", "share of each layer's channels kept at least"),
    "channels.iterations": ("[1, inf)", ""),
    "channels.epochs": ("[0, inf)", ""),
    "channels.learning_rate": ("(0, inf)", ""),
    "channels.calibration_images": ("[1, inf)", ""),
    "channels.latency_repeats": ("[2, inf)", ""),
    "target.flash_bytes": ("[0, inf)", "bytes; 0: no limit"),
    "target.arena_bytes": ("[0, inf)", "bytes; 0: no limit"),
    "target.macs": ("[0, inf)", "0: no limit"),
    "search.keep": ("(0, 1]", "each share of channels kept"),
    "search.trials": ("[1, inf)", ""),
    "search.epochs": ("[0, inf)", ""),
    "search.learning_rate": ("(0, inf)", ""),
    "prune.alphas": ("(0, inf)", "each alpha"),
    "prune.tolerance": ("[0, 1]", "a drop in the sweep's score, `prune.score`"),
    "prune.start_margin": ("[0, 1]", "how much better the swept model must score"),
    "export.tolerance": ("[0, 1]", "a drop in validation balanced accuracy"),
    "prune.calibration_images": ("[1, inf)", ""),
    "prune.target_sparsity": ("(0, 1)", ""),
    "prune.iterations": ("[1, inf)", ""),
    "prune.m_by_n": ("[1, inf)", "each of M and N"),
    "prune.epochs": ("[0, inf)", ""),
    "prune.learning_rate": ("(0, inf)", ""),
    "cluster.clusters": ("[2, inf)", ""),
    "cluster.epochs": ("[0, inf)", ""),
    "cluster.learning_rate": ("(0, inf)", ""),
    "qat.epochs": ("[0, inf)", ""),
    "qat.learning_rate": ("(0, inf)", ""),
    "quantize.calibration_images": ("[1, inf)", ""),
    "quantize.latency_repeats": ("[2, inf)", ""),
    "quantize.sparse_format_min_sparsity": ("[0, 1]", ""),
    "quantize.float_layers": ("[0, inf)", "layers kept in float; 0: none"),
}


def parse_interval(text):
  """'[0, 1)' -> (0.0, True, 1.0, False): low, low included, high, high included."""
  low, high = (part.strip() for part in text[1:-1].split(","))
  return float(low), text[0] == "[", float(high), text[-1] == "]"


def describe(text):
  """'[0, inf)' -> '>= 0'; '(0, 1]' -> 'in (0, 1]'."""
  low, low_in, high, _ = parse_interval(text)
  if high == INF:
    return f"{'>=' if low_in else '>'} {low:g}"
  return f"in {text}"


def _inside(value, text):
  low, low_in, high, high_in = parse_interval(text)
  above = value >= low if low_in else value > low
  below = value <= high if high_in else value < high
  return above and below


def _get(config, dotted):
  for part in dotted.split("."):
    config = config[part]
  return config


def numeric_fields(config, prefix=""):
  """Dotted names of the fields that hold a number or a tuple of numbers (not booleans)."""
  names = []
  for key, value in config.items():
    name = prefix + key
    if hasattr(value, "items"):
      names += numeric_fields(value, name + ".")
    elif _is_number(value) or (isinstance(value, tuple) and value
                               and all(_is_number(v) for v in value)):
      names.append(name)
  return names


def _is_number(value):
  return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_numbers(config):
  """Raises InputError naming the first numeric field that is not finite or out of range."""
  for key, (interval, meaning) in _RANGES.items():
    value = _get(config, key)
    for item in (value if isinstance(value, tuple) else (value,)):
      if not _is_number(item) or not math.isfinite(item) or not _inside(item, interval):
        what = f" ({meaning})" if meaning else ""
        raise InputError(f"Config `{key}` must be a finite number {describe(interval)}"
                         f"{what}. Received: {key}={value!r}")
  if not config.stages:
    raise InputError("Config `stages` must name at least one stage, e.g. "
                     "stages=('student',). Received: stages=()")
  return config
