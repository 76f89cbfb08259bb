"""Quantization-aware training (TFMOT): fake-quantized int8 training, then an int8 .tflite.

`qat_model` annotates every layer TFMOT's default 8-bit scheme knows (batch norm after a
convolution is folded into it), gives element-wise preprocessing TFMOT does not know
(`Rescaling`) an output quantizer, and applies the scheme; with `preserve` the
collaborative schemes keep pruned zeros (PQAT), shared cluster values (CQAT) or both
(PCQAT). Any other layer TFMOT cannot quantize is an InputError that names it.

Example:
  with quantize_scope():
    wrapped = qat_model(pruned, preserve="sparsity")
    calibrate(wrapped, x_train[:256])
  wrapped.compile(...); wrapped.fit(...)
  int8 = convert(wrapped, "int8", representative_images=x_train[:256])
"""
import re
from unittest import mock

import numpy as np
import tensorflow_model_optimization as tfmot
from tensorflow_model_optimization.python.core.quantization.keras import quant_ops
from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (  # pylint: disable=g-multiple-import
    default_8bit_quantize_configs as _configs)

from tfcompress._keras import check_model
from tfcompress._keras import keras
from tfcompress.errors import InputError

_q = tfmot.quantization.keras
PRESERVE = ("none", "sparsity", "clusters", "both")
_OUTPUT_ONLY = (keras.layers.Rescaling,)  # Element-wise: only the output is quantized.


def quantize_scope():
  """The scope in which QAT models are built, trained and have weights loaded."""
  return _q.quantize_scope(
      {"Default8BitOutputQuantizeConfig": _configs.Default8BitOutputQuantizeConfig})


def scheme(preserve="none"):
  """TFMOT's quantization scheme that keeps what `preserve` names through QAT.

  Args:
    preserve: none | sparsity (PQAT) | clusters (CQAT) | both (PCQAT).

  Returns:
    A `tfmot` QuantizeScheme, or None for the default 8-bit one.

  Raises:
    InputError: `preserve` is not one of PRESERVE.
  """
  if preserve not in PRESERVE:
    raise InputError(f"Argument `preserve` must be one of {', '.join(PRESERVE)}. "
                     f"Received: preserve={preserve!r}")
  combine = tfmot.experimental.combine
  return {"none": None,
          "sparsity": combine.Default8BitPrunePreserveQuantizeScheme(),
          "clusters": combine.Default8BitClusterPreserveQuantizeScheme(preserve_sparsity=False),
          "both": combine.Default8BitClusterPreserveQuantizeScheme(preserve_sparsity=True),
          }[preserve]


def _annotate(layer):
  if isinstance(layer, _OUTPUT_ONLY):
    return _q.quantize_annotate_layer(
        layer, quantize_config=_configs.Default8BitOutputQuantizeConfig())
  return layer


def qat_model(model, preserve="none"):
  """A copy of functional `model` with fake int8 quantization, ready to fine-tune.

  Call it inside `quantize_scope()`; the copy starts from `model`'s weights.

  Args:
    model: a functional tf_keras model that outputs logits.
    preserve: none | sparsity | clusters | both: what the collaborative scheme keeps.

  Returns:
    The quantization-aware Keras model (TFMOT wrappers); `convert(..., "int8")` turns it
    into an int8 .tflite.

  Raises:
    InputError: a layer TFMOT cannot quantize (named with its type), or a bad `preserve`.
  """
  chosen = scheme(preserve)
  copy = keras.models.clone_model(check_model(model), clone_function=_annotate)
  copy.set_weights(model.get_weights())
  try:
    annotated = _q.quantize_annotate_model(copy)
    return _q.quantize_apply(annotated, chosen) if chosen else _q.quantize_apply(annotated)
  except RuntimeError as e:
    found = re.search(r"Layer (\S+?):<class '([\w.]+)'>", str(e))
    what = f"layer {found.group(1)!r} ({found.group(2).rsplit('.', 1)[-1]})" if found else str(e)
    raise InputError(f"Argument `model` has {what}, which TFMOT's int8 quantization-aware "
                     "training cannot quantize. Leave QAT out (post-training int8 in the "
                     "quantize stage still works) or replace the layer.") from None


def calibrate(model, images):
  """Sets every quantization range of QAT `model` to what it sees on `images`.

  TFMOT starts each activation range at [-6, 6] and moves it 0.1% a training step (a
  moving average with decay 0.999), and weight ranges are set only in training steps:
  before fine-tuning the model's logits are about 0, and after a few hundred steps its
  activation ranges are still mostly the initial guess. One pass over `images` with the
  model in inference mode (batch norm on its moving statistics, no dropout) and the
  range ops set to observe instead makes each activation range the observed min and max
  (including 0, as TFLite requires) and each weight range the weights' own, as
  post-training calibration does. Nothing else changes.

  Args:
    model: a model from `qat_model` (call inside `quantize_scope()`).
    images: a batch of inputs, as the model takes them (e.g. a few hundred training images).

  Example:
    calibrate(wrapped, x_train[:256])
  """
  ranges = [v for v in model.weights if v.name.endswith(("_min:0", "_max:0"))]
  before = [v.numpy() for v in ranges]
  def observing(op, **fixed):
    return lambda *args, **kwargs: op(*args, **{**kwargs, "is_training": True, **fixed})
  with mock.patch.object(quant_ops, "LastValueQuantize",
                         observing(quant_ops.LastValueQuantize)), \
       mock.patch.object(quant_ops, "MovingAvgQuantize",
                         observing(quant_ops.MovingAvgQuantize, ema_decay=0.0)), \
       mock.patch.object(quant_ops, "AllValuesQuantize",
                         observing(quant_ops.AllValuesQuantize)):
    model(np.asarray(images, np.float32), training=False)
  if ranges and all(np.array_equal(b, v.numpy()) for b, v in zip(before, ranges)):
    # The patch reaches TFMOT's quantizers through `quant_ops`; a TFMOT that imports
    # those ops by name would leave every range at its initial [-6, 6] (review).
    raise RuntimeError(f"QAT calibration moved no quantization range: TFMOT "
                       f"{tfmot.__version__} no longer calls `quant_ops` as 0.8 does. Pin "
                       "tensorflow-model-optimization==0.8.1 (setup.cfg) or leave out `qat`.")
