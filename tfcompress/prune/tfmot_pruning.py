"""TFMOT magnitude pruning of a functional model: schedules, wrapping and stripping.

Example:
  schedule = make_schedule("polynomial", 0.8, steps=1000)
  model = prune_model(student, schedule)
  model.compile(...); model.fit(ds, callbacks=[tfmot.sparsity.keras.UpdatePruningStep()])
  student = strip(model)
"""
import tensorflow_model_optimization as tfmot

from tfcompress._keras import keras
from tfcompress.prune.stddev import PRUNABLE

sparsity = tfmot.sparsity.keras


def make_schedule(kind, target, steps, begin_step=0, frequency=None, initial=0.0):
  """A TFMOT schedule reaching `target` sparsity: `polynomial` over `steps`, or `constant`."""
  if not 0.0 < target < 1.0:
    raise ValueError(f"Argument `target` must be in (0, 1). Received: target={target}")
  frequency = frequency or max(1, steps // 20)
  if kind == "polynomial":
    return sparsity.PolynomialDecay(initial, target, begin_step, begin_step + steps,
                                    frequency=frequency)
  if kind == "constant":
    return sparsity.ConstantSparsity(target, begin_step, frequency=frequency)
  raise ValueError(f"Argument `kind` must be 'polynomial' or 'constant'. Received: kind={kind!r}")


def prune_model(model, schedule, m_by_n=None):
  """Wraps every Conv2D and Dense layer of a functional `model` in `prune_low_magnitude`.

  `m_by_n=(2, 4)` asks for structured 2:4 sparsity instead of the schedule's unstructured
  pattern (TFMOT applies it to Conv2D and Dense kernels whose input depth allows it).
  The wrapped layers share `model`'s weights, so training the result trains those too.
  """
  def wrap(layer):
    if isinstance(layer, PRUNABLE) and not isinstance(layer, keras.layers.DepthwiseConv2D):
      if m_by_n:
        return sparsity.prune_low_magnitude(layer, sparsity_m_by_n=tuple(m_by_n))
      return sparsity.prune_low_magnitude(layer, pruning_schedule=schedule)
    return layer
  return keras.models.clone_model(model, clone_function=wrap)


def strip(model):
  """The model without pruning wrappers: the deployable weights, zeros in place."""
  return sparsity.strip_pruning(model)


def update_step_callback():
  return sparsity.UpdatePruningStep()
