"""Han et al.'s prune-retrain loop: magnitude pruning to a target in n rounds.

Round i of n prunes each layer to sparsity 1 - (1 - target) ** (i / n) by magnitude,
then retrains with the zeros held, so the last round reaches `target` exactly.

Example:
  targets = parse_targets("fc1=0.96,fc2=0.94", default=0.9, model=model)
  masks = magnitude_masks(model, targets)
"""
import numpy as np

from tfcompress.errors import InputError
from tfcompress.prune.stddev import prunable_kernels


def parse_targets(spec, default, model):
  """{layer: target sparsity} from "name=value,..." with `default` for unnamed layers."""
  names = [name for name, _ in prunable_kernels(model)]
  targets = {name: default for name in names}
  for item in filter(None, (s.strip() for s in spec.split(","))):
    name, _, value = item.partition("=")
    if name not in targets:
      raise InputError(f"Argument `spec` names layer {name!r}, which is not prunable. "
                       f"Prunable layers: {', '.join(names)}.")
    try:
      targets[name] = float(value)
    except ValueError:
      raise InputError(f"Argument `spec`: {item!r} must be name=fraction. "
                       f"Received: spec={spec!r}") from None
  bad = {k: v for k, v in targets.items() if not 0.0 <= v < 1.0}
  if bad:
    raise InputError(f"Target sparsities must be in [0, 1). Received: {bad}")
  return targets


def magnitude_masks(model, targets):
  """Masks keeping the largest-magnitude (1 - target) of each layer's kernel.

  Args:
    model: a Keras model; its Conv2D, DepthwiseConv2D and Dense kernels are masked.
    targets: {layer name: sparsity}; layers not named keep all their weights.

  Returns:
    A list of (kernel variable, 0/1 numpy mask) pairs, for `apply_masks` or `HoldMasks`.

  Raises:
    Nothing: the targets are not checked (`parse_targets` checks them).

  Example:
    masks = magnitude_masks(model, {"fc1": 0.9, "fc2": 0.8})
  """
  masks = []
  for name, kernel in prunable_kernels(model):
    w = np.abs(kernel.numpy())
    k = int(round(targets.get(name, 0.0) * w.size))
    mask = np.ones_like(w)
    if k > 0:
      order = np.argsort(w, axis=None, kind="stable")[:k]
      mask.flat[order] = 0.0
    masks.append((kernel, mask))
  return masks


def round_targets(targets, round_index, rounds):
  """The per-layer sparsity of round `round_index` (1-based) of `rounds`."""
  return {k: 1.0 - (1.0 - t) ** (round_index / rounds) for k, t in targets.items()}
