"""TFMOT magnitude pruning of a functional model: schedules, wrapping and stripping.

Example:
  schedule = make_schedule("polynomial", 0.8, steps=1000)
  model = prune_model(student, schedule)
  model.compile(...); model.fit(ds, callbacks=[update_step_callback()])
  student = strip(model)
"""
import tensorflow_model_optimization as tfmot

from tfcompress._keras import check_model
from tfcompress._keras import keras
from tfcompress.prune.stddev import PRUNABLE

sparsity = tfmot.sparsity.keras


def make_schedule(kind, target, steps, begin_step=0, frequency=None, initial=0.0):
  """A TFMOT schedule reaching `target` sparsity: `polynomial` over `steps`, or `constant`.

  Args:
    kind: "polynomial" (ramps from `initial` to `target` over `steps`) or "constant".
    target: the final sparsity, in (0, 1).
    steps: training steps of the ramp (also sets the default `frequency`).
    begin_step: the step at which pruning starts.
    frequency: steps between mask updates; by default steps // 20 (at least 1).
    initial: the sparsity at `begin_step` (polynomial only).

  Returns:
    A `tfmot.sparsity.keras.PruningSchedule` for `prune_model`.

  Raises:
    ValueError: `target` outside (0, 1), or an unknown `kind`.

  Example:
    schedule = make_schedule("polynomial", 0.8, steps=1000)
  """
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

  The wrapped layers share `model`'s weights, so training the result trains those too.
  Train it with `update_step_callback()`, then `strip` it.

  Args:
    model: a functional Keras 2 (tf_keras) model.
    schedule: a pruning schedule, e.g. from `make_schedule`.
    m_by_n: e.g. (2, 4) for structured 2:4 sparsity instead of the schedule's
      unstructured pattern (TFMOT applies it where a kernel's input depth allows it).

  Returns:
    A new Keras model with pruning wrappers.

  Raises:
    InputError: a Keras 3 model.
    ValueError: TFMOT's, for a subclassed model, which cannot be cloned.

  Example:
    wrapped = prune_model(student, make_schedule("polynomial", 0.8, steps=1000))
    wrapped.compile(...); wrapped.fit(ds, callbacks=[update_step_callback()])
  """
  check_model(model)

  def wrap(layer):
    if isinstance(layer, PRUNABLE) and not isinstance(layer, keras.layers.DepthwiseConv2D):
      if m_by_n:
        return sparsity.prune_low_magnitude(layer, sparsity_m_by_n=tuple(m_by_n))
      return sparsity.prune_low_magnitude(layer, pruning_schedule=schedule)
    return layer
  return keras.models.clone_model(model, clone_function=wrap)


def strip(model):
  """The model without pruning wrappers: the deployable weights, zeros in place.

  Args:
    model: a model from `prune_model` (unwrapped layers pass through).

  Returns:
    A new Keras model of plain layers.

  Raises:
    Nothing beyond TFMOT's own errors.

  Example:
    student = strip(wrapped)
  """
  return sparsity.strip_pruning(model)


def update_step_callback():
  """The callback that advances TFMOT's pruning step; `fit` of a pruned model needs it.

  Returns:
    A `tfmot.sparsity.keras.UpdatePruningStep` callback.

  Raises:
    Nothing.

  Example:
    wrapped.fit(ds, epochs=3, callbacks=[update_step_callback()])
  """
  return sparsity.UpdatePruningStep()
