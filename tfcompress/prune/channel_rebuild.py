"""Channel pruning's rebuild: a new, smaller functional model with only the kept channels,
the kept slices of every weight copied."""
import numpy as np

from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.prune import channel_graph

_L = keras.layers


def _slice_weights(layer, weights, kept_in, kept_out):
  """`layer`'s weights cut to the kept input and output channels (None: all)."""
  if channel_graph.is_producer(layer):
    kernel = weights[0]
    axis_in = kernel.ndim - 2
    if kept_in is not None:
      kernel = np.take(kernel, kept_in, axis=axis_in)
    if kept_out is not None:
      kernel = kernel[..., kept_out]
    rest = [w[kept_out] if kept_out is not None else w for w in weights[1:]]
    return [kernel, *rest]
  if kept_in is None:
    return weights
  if channel_graph.is_depthwise(layer):
    return [weights[0][:, :, kept_in, :], *[w[kept_in] for w in weights[1:]]]
  if isinstance(layer, _L.BatchNormalization):
    return [w[kept_in] for w in weights]
  if weights:
    raise InputError(f"Channel pruning cannot cut the weights of layer {layer.name!r} "
                     f"({type(layer).__name__}).")
  return weights


def shrink(model, keep):
  """A new functional model with only the kept channels, the kept weights copied.

  Args:
    model: a functional tf_keras model.
    keep: {group name: kept channel indices}, e.g. from `keep_channels`; a group left out
      keeps every channel.

  Returns:
    A new tf_keras Model with the same layer names and fewer filters / units. It computes
    what `model` computes when the removed channels contribute nothing downstream (tests
    silence them to check this); otherwise fine-tune it.

  Raises:
    InputError: a group name that is not prunable, indices out of range or empty, or
      the errors of `channel_groups`.

  Example:
    smaller = shrink(model, {"conv1": [0, 2, 5], "conv2": list(range(16))})
  """
  config, inbound, groups = channel_graph.walk(model)
  prunable = {g.name: g for g in groups if g.reason is None}
  whole = {g.name: g.reason for g in groups if g.reason}
  root = {p: g.name for g in groups for p in g.producers}
  chosen = {}
  for name, idx in keep.items():
    if name not in prunable:
      why = f": {whole[name]}" if name in whole else ""
      raise InputError(f"`keep` names {name!r}, which is not a prunable group{why}. "
                       f"Prunable: {', '.join(prunable)}.")
    idx = np.unique(np.asarray(idx, np.int64))
    if not len(idx) or idx[0] < 0 or idx[-1] >= prunable[name].channels:
      raise InputError(f"`keep[{name!r}]` must hold 1 to {prunable[name].channels} channel "
                       f"indices in [0, {prunable[name].channels}). Received: {idx.tolist()}")
    chosen[name] = idx
  kept = {}  # Layer name -> kept channel indices of its output (None: all).
  for c in config["layers"]:
    name, layer = c["name"], model.get_layer(c["name"])
    c.pop("build_config", None)  # Built again from the new shapes.
    ins = [kept[i] for i in inbound[name]]
    if channel_graph.is_producer(layer):
      out = chosen.get(root[name])
      kept[name] = out
      if out is not None:
        c["config"]["filters" if "filters" in c["config"] else "units"] = len(out)
    elif isinstance(layer, _L.Concatenate):
      kept[name] = _concat(model, inbound[name], ins)
    elif isinstance(layer, _L.Flatten) and ins[0] is not None:
      shape = layer.input_shape
      positions, channels = int(np.prod(shape[1:-1])), shape[-1]
      kept[name] = (np.arange(positions)[:, None] * channels + ins[0][None, :]).reshape(-1)
    elif isinstance(layer, channel_graph.MERGE):
      kept[name] = next((k for k in ins if k is not None), None)
    else:
      kept[name] = ins[0] if ins else None
  custom = {type(layer).__name__: type(layer) for layer in model.layers}
  with keras.utils.custom_object_scope(custom):
    smaller = keras.Model.from_config(config)
  for c in config["layers"]:
    name = c["name"]
    old, new = model.get_layer(name), smaller.get_layer(name)
    ins = [kept[i] for i in inbound[name]]
    merges = (channel_graph.MERGE, _L.Concatenate)
    kept_in = ins[0] if ins and not isinstance(old, merges) else None
    kept_out = kept[name] if channel_graph.is_producer(old) else None
    new.set_weights(_slice_weights(old, old.get_weights(), kept_in, kept_out))
  return smaller


def _concat(model, names, ins):
  if all(k is None for k in ins):
    return None
  parts, offset = [], 0
  for name, k in zip(names, ins):
    width = model.get_layer(name).output_shape[-1]
    parts.append(offset + (np.arange(width) if k is None else k))
    offset += width
  return np.concatenate(parts)
