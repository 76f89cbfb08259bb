"""Keras model -> .tflite bytes with the native TFLiteConverter, in four modes.

- `float32`: no optimization (the reference size).
- `dynamic`: dynamic-range quantization, int8 weights, float activations ("hybrid").
- `float16`: float16 weights.
- `int8`: full integer: int8 weights, activations, input and output, calibrated on a
  representative dataset of raw training images.
- `int16x8`: full integer with int16 activations (input and output too) and int8 weights
  (LiteRT's "16x8" mode): more accurate activations for a little more arena; TFLite
  Micro runs it.
- `int4_weights`, `int4x8`: 4-bit kernels through the LiteRT quantizer (`quantize/int4.py`).

Example:
  tflite_bytes = convert(model, "int8", representative_images=x_train[:200])
"""
import contextlib

from absl import logging
import numpy as np

from tfcompress import artifacts
from tfcompress._keras import check_model
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import InputError

from tfcompress.config import MODES
from tfcompress.quantize.int4 import int4
from tfcompress.quantize.int4 import INT4_MODES


def _stripped(model):
  """`model` without TFMOT's pruning and clustering wrappers: converted with them, their
  training variables go into the file, which LiteRT then refuses to run (trial 9)."""
  from tfcompress.models.layers import leaf_layers  # pylint: disable=g-import-not-at-top
  kinds = {type(layer).__name__ for layer in leaf_layers(model)}
  if "PruneLowMagnitude" in kinds:
    from tfcompress.prune import tfmot_pruning  # pylint: disable=g-import-not-at-top
    model = tfmot_pruning.strip(model)
  if kinds & {"ClusterWeights", "ClusterWeightsMHA"}:
    from tfcompress.quantize import clustering  # pylint: disable=g-import-not-at-top
    model = clustering.strip(model)
  return model


@contextlib.contextmanager
def _positive_zeros(model):
  """Within it, the weights of `model` stored as -0.0 are +0.0: the same number in another
  bit pattern; they are put back after. A pruning mask times a negative weight gives -0.0,
  and so do TFMOT's sparsity-preserving clusters; Deep Compression's container
  (`quantize.container`), which codes a float kernel's bits, took each for a shared value
  of its own instead of a zero (LeNet-300-100's float32 container was 1.7x its int8 one)."""
  changed = []
  for weight in model.weights:
    if weight.dtype.is_floating:
      values = weight.numpy()
      negative = (values == 0) & np.signbit(values)
      if negative.any():
        weight.assign(np.where(negative, np.zeros_like(values), values))
        changed.append((weight, values))
  try:
    yield model
  finally:
    for weight, values in changed:
      weight.assign(values)


def _warn_unit_range(model, images):
  """Logs a warning when calibration images lie in [0, 1] but `model` scales its input by
  1/255 itself (it takes 0..255): the int8 input range then fits the wrong images, and
  the file answers at chance on real ones (trial 9)."""
  from tfcompress.models.layers import leaf_layers  # pylint: disable=g-import-not-at-top
  def by_255(layer):
    while isinstance(layer, keras.layers.Wrapper):  # QAT's wrapper, say.
      layer = layer.layer
    scale = getattr(layer, "scale", None) if type(layer).__name__ == "Rescaling" else None
    return scale is not None and np.size(scale) == 1 and np.isclose(
        float(np.ravel(scale)[0]), 1 / 255)
  rescales = [layer for layer in leaf_layers(model) if by_255(layer)]
  if rescales and images.size and float(images.max()) <= 1.0:
    logging.warning("The calibration images lie in [0, %.3g], but the model divides its "
                    "input by 255 (layer %s): it takes pixels in 0..255. Calibrate on the "
                    "images as the model takes them.", float(images.max()), rescales[0].name)


def convert(model, mode, representative_images=None, sparse=False, per_channel=True):
  """Returns the .tflite flatbuffer of `model` in `mode`.

  Args:
    model: a Keras model that takes raw pixels; TFMOT's pruning and clustering wrappers
      are stripped first (a copy: `model` keeps them). Weights of -0.0 are written as
      +0.0 (the same number: sparse formats see one zero); `model` keeps its own.
    mode: one of `tfcompress.config.MODES`: "float32", "dynamic", "float16", "int8",
      "int16x8", "int4_weights" or "int4x8" (the module docstring says what each is).
    representative_images: raw training images (N, H, W, C) to calibrate int8; needed
      for "int8", unused otherwise.
    sparse: add TFLite's EXPERIMENTAL_SPARSITY optimization (sparse weight format).
    per_channel: False gives int8 kernels one scale per tensor instead of one per output
      channel: after weight sharing the k shared values then stay k int8 values a layer.

  Returns:
    The .tflite file as bytes.

  Raises:
    InputError: a Keras 3 `model`, an unknown `mode`; for "int8", no
      `representative_images` or images of another shape than the model's input.

  Example:
    int8_bytes = convert(model, "int8", representative_images=x_train[:200])
  """
  if mode not in MODES:
    raise InputError(f"Unknown quantization mode {mode!r}. Use one of {', '.join(MODES)}.")
  if mode in INT4_MODES:  # The LiteRT quantizer, from the float32 file.
    return int4(convert(model, "float32"), mode, representative_images)
  model = _stripped(check_model(model))
  model = artifacts.with_policy(model, "float32")  # A mixed-precision model converts as float32.
  converter = tf.lite.TFLiteConverter.from_keras_model(model)
  optimizations = [] if mode == "float32" else [tf.lite.Optimize.DEFAULT]
  if sparse:
    optimizations.append(tf.lite.Optimize.EXPERIMENTAL_SPARSITY)
  converter.optimizations = optimizations
  if mode == "float16":
    converter.target_spec.supported_types = [tf.float16]
  if mode in ("int8", "int16x8"):
    if representative_images is None or len(representative_images) == 0:
      raise InputError(f"{mode} quantization needs calibration data: pass "
                       "`representative_images` (a few hundred training images).")
    images = np.asarray(representative_images, np.float32)
    expected = tuple(model.input_shape[1:])
    if tuple(images.shape[1:]) != expected:
      raise InputError(f"Calibration images must have shape (N, {expected}). "
                       f"Received: {images.shape}")
    _warn_unit_range(model, images)
    converter.representative_dataset = lambda: ([images[i:i + 1]] for i in range(len(images)))
    if mode == "int8":
      converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    else:
      converter.target_spec.supported_ops = [
          tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    converter.inference_input_type = converter.inference_output_type = (
        tf.int8 if mode == "int8" else tf.int16)
  if not per_channel:
    converter._experimental_disable_per_channel = True  # pylint: disable=protected-access
  with _positive_zeros(model):
    return converter.convert()
