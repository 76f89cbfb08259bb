"""Channel (structured) pruning: whole filters and units removed, and a smaller model rebuilt.

Zeros from magnitude pruning shrink only compressed files; a microcontroller still runs
every multiply and holds every activation. Removing whole `Conv2D` filters and `Dense`
units, and everything that only carried them (the next batch norm's entries, the next
layer's input channels, the matching rows after a `Flatten`), gives a smaller dense
functional model with the kept weights copied: fewer bytes, a smaller tensor arena and
fewer multiply-accumulates.

The graph is walked once to find *groups*: the producers (Conv2D, Dense) whose output
channels must be removed together. A producer is its own group; the inputs of an `Add`
(or another element-wise merge) are joined into one group, pruned consistently. A group
stays whole, with the reason recorded, when its channels are the model's outputs or a
residual merge joins it with channels no producer owns (the input image, a concatenation).
Channels pass through element-wise layers (batch norm, activations, pooling, dropout,
padding), `DepthwiseConv2D` (depth multiplier 1), `Concatenate` (offsets kept) and
`Flatten` (every position's rows). Any other layer that receives prunable channels stops
the pruning with one line naming it.

Example:
  scores = channel_scores(model, "l1")
  keep = keep_channels(model, scores, ratio=0.5)
  smaller = shrink(model, keep)
"""
import dataclasses
import math

import numpy as np

from tfcompress._keras import keras
from tfcompress.errors import InputError

CRITERIA = ("l1", "l2", "bn_scale", "activation")
SCOPES = ("global", "layer")

_L = keras.layers
# Layers that act on each channel alone: channels pass straight through.
_ELEMENTWISE = (_L.BatchNormalization, _L.ReLU, _L.Activation, _L.LeakyReLU, _L.ELU,
                _L.MaxPooling2D, _L.AveragePooling2D, _L.GlobalAveragePooling2D,
                _L.GlobalMaxPooling2D, _L.Dropout, _L.SpatialDropout2D, _L.ZeroPadding2D,
                _L.Cropping2D, _L.UpSampling2D, _L.GaussianNoise, _L.GaussianDropout,
                _L.ActivityRegularization)
_MERGE = (_L.Add, _L.Subtract, _L.Multiply, _L.Average, _L.Maximum, _L.Minimum)


def _is_producer(layer):
  conv = isinstance(layer, _L.Conv2D) and not isinstance(layer, _L.Conv2DTranspose)
  return (conv and layer.groups == 1) or type(layer) is _L.Dense  # pylint: disable=unidiomatic-typecheck


def _is_depthwise(layer):
  return isinstance(layer, _L.DepthwiseConv2D)


@dataclasses.dataclass
class Group:
  """Producers whose output channels are removed together.

  Attributes:
    producers: layer names (one, or the branches an `Add` joins).
    channels: their output channel count.
    reason: why the group stays whole (None: it can be pruned).
  """
  producers: list
  channels: int
  reason: str = None

  @property
  def name(self):
    return self.producers[0]


def _inbound(layer_config):
  nodes = layer_config["inbound_nodes"]
  if len(nodes) > 1:
    raise InputError(f"Channel pruning cannot handle layer {layer_config['name']!r} "
                     f"({layer_config['class_name']}): it is shared by {len(nodes)} calls.")
  return [entry[0] for entry in nodes[0]] if nodes else []


def _functional(model):
  if not isinstance(model, keras.Model) or not hasattr(model, "_nested_inputs") or (
      not model._is_graph_network) or isinstance(model, keras.Sequential):  # pylint: disable=protected-access
    raise InputError("Channel pruning needs a functional tf_keras Model (keras.Model(inputs, "
                     "outputs); wrap a Sequential one as keras.Model(m.inputs, m.outputs)). "
                     f"Received: {type(model).__name__}")
  if isinstance(model.output, (list, tuple)):
    raise InputError("Channel pruning needs a model with one output.")
  return model.get_config()


def _walk(model):
  """(layer configs, {layer: inbound names}, groups) of a functional model.

  Each tensor is followed as the set of groups whose channels it carries, and the one
  group it is exactly (None after a concatenation or a flatten).
  """
  config = _functional(model)
  inbound = {c["name"]: _inbound(c) for c in config["layers"]}
  parent = {}  # Union-find over group names.

  def find(g):
    while parent[g] != g:
      g = parent[g]
    return g

  carried, single, frozen, blocked = {}, {}, {}, []
  for c in config["layers"]:
    name, layer = c["name"], model.get_layer(c["name"])
    sets = [carried[i] for i in inbound[name]]
    ones = [single[i] for i in inbound[name]]
    every = set().union(*sets) if sets else set()
    carried[name], single[name] = every, None
    if _is_producer(layer):
      parent[name] = name
      carried[name], single[name] = {name}, name
    elif isinstance(layer, _ELEMENTWISE) or (_is_depthwise(layer) and layer.depth_multiplier == 1):
      single[name] = ones[0] if ones else None
    elif isinstance(layer, _MERGE):
      widths = {model.get_layer(i).output_shape[-1] for i in inbound[name]}
      if every and all(ones) and len(widths) == 1:
        for g in ones[1:]:
          parent[find(g)] = find(ones[0])
        single[name] = ones[0]
      else:
        frozen.update({g: f"{type(layer).__name__} {name!r} joins it with channels no single "
                          "pruned layer owns, or of another width" for g in every})
    elif isinstance(layer, _L.Flatten) or (
        isinstance(layer, _L.Concatenate) and layer.axis in (-1, len(layer.output_shape) - 1)):
      pass
    elif _is_depthwise(layer):
      frozen.update({g: f"{name!r} has depth_multiplier > 1" for g in every})
    elif every:  # Rescaling, Normalization ... after a pruned layer: not carried either.
      blocked.append((name, type(layer).__name__, every))
  for out in config["output_layers"]:
    frozen.update({g: "its channels are the model's outputs" for g in carried[out[0]]})
  frozen = {find(g): why for g, why in frozen.items()}
  for name, kind, every in blocked:
    if any(find(g) not in frozen for g in every):
      raise InputError(f"Channel pruning cannot carry removed channels through layer {name!r} "
                       f"({kind}); supported: element-wise layers, Conv2D, DepthwiseConv2D, "
                       "Dense, Concatenate, Flatten and Add-like merges.")
  members = {}
  for g in parent:
    members.setdefault(find(g), []).append(g)
  groups = [Group(names, model.get_layer(names[0]).output_shape[-1], frozen.get(root))
            for root, names in members.items()]
  return config, inbound, groups


def channel_groups(model):
  """The groups of producers whose output channels are pruned together, in graph order.

  Args:
    model: a functional tf_keras model.

  Returns:
    A list of `Group`; those with a `reason` stay whole.

  Raises:
    InputError: not a functional model, a shared layer, or a layer that would receive
      pruned channels and cannot carry them (named, with its type).

  Example:
    [g.name for g in channel_groups(model) if g.reason is None]  # ["conv1", "conv2", ...]
  """
  return _walk(model)[2]


def _norms(layer, order):
  kernel = layer.get_weights()[0]
  flat = np.abs(kernel.reshape(-1, kernel.shape[-1]))
  return flat.sum(0) if order == 1 else np.sqrt((flat ** 2).sum(0))


def _follower(model, inbound, name, kinds):
  """The layer that alone consumes `name`'s output, if it is one of `kinds`."""
  users = [k for k, v in inbound.items() if name in v]
  if len(users) == 1 and isinstance(model.get_layer(users[0]), kinds):
    return users[0]
  return None


def _activation_ends(model, inbound, name):
  """The end of `name`'s element-wise chain (conv -> batch norm -> ReLU): what it feeds on."""
  end = name
  while True:
    nxt = _follower(model, inbound, end, (_L.BatchNormalization, _L.ReLU, _L.Activation,
                                          _L.LeakyReLU, _L.ELU))
    if nxt is None:
      return end
    end = nxt


def channel_scores(model, criterion="l1", images=None, batch_size=64):
  """How much each output channel of each prunable group matters (higher: keep).

  Criteria: "l1" / "l2", the norm of each filter (Li et al. 2017); "bn_scale", |gamma| of
  the batch norm right after the producer (network slimming; producers without one fall
  back to the L1 norm); "activation", the mean absolute activation of each channel after
  the producer's batch norm and activation, on `images` (data-driven).
  Scores are divided by their group's mean, so they compare across layers.

  Args:
    model: a functional tf_keras model.
    criterion: one of CRITERIA.
    images: raw training images (N, H, W, C); needed by "activation".
    batch_size: batch size for "activation".

  Returns:
    {group name: np.ndarray of one score per channel} for the prunable groups.

  Raises:
    InputError: an unknown criterion, "activation" without images, or the errors of
      `channel_groups`.

  Example:
    scores = channel_scores(model, "activation", x_train[:512])
  """
  if criterion not in CRITERIA:
    raise InputError(f"Argument `criterion` must be one of {', '.join(CRITERIA)}. "
                     f"Received: criterion={criterion!r}")
  if criterion == "activation" and (images is None or not len(images)):
    raise InputError("Criterion 'activation' needs training `images`. Received: images=None")
  _, inbound, groups = _walk(model)
  groups = [g for g in groups if g.reason is None]
  per_producer = {}
  if criterion == "activation":
    ends = {p: _activation_ends(model, inbound, p) for g in groups for p in g.producers}
    probe = keras.Model(model.inputs, [model.get_layer(e).output for e in ends.values()])
    sums = None
    for start in range(0, len(images), batch_size):
      outs = probe(np.asarray(images[start:start + batch_size], np.float32), training=False)
      outs = outs if isinstance(outs, (list, tuple)) else [outs]
      means = [np.abs(o.numpy()).reshape(-1, o.shape[-1]).sum(0) for o in outs]
      sums = means if sums is None else [a + b for a, b in zip(sums, means)]
    per_producer = dict(zip(ends, sums))
  for g in groups:
    for p in g.producers:
      if criterion == "activation":
        continue
      bn = _follower(model, inbound, p, _L.BatchNormalization)
      if criterion == "bn_scale" and bn and model.get_layer(bn).scale:
        per_producer[p] = np.abs(model.get_layer(bn).get_weights()[0])
      else:
        per_producer[p] = _norms(model.get_layer(p), 2 if criterion == "l2" else 1)
  scores = {}
  for g in groups:
    parts = [per_producer[p] / max(float(np.mean(per_producer[p])), 1e-12) for p in g.producers]
    scores[g.name] = np.sum(parts, axis=0) / len(parts)
  return scores


def parse_ratios(spec):
  """'conv1=0.25,conv4=0.75' -> {"conv1": 0.25, "conv4": 0.75} (per-layer removal ratios)."""
  ratios = {}
  for part in filter(None, (p.strip() for p in spec.split(","))):
    name, _, value = part.partition("=")
    try:
      ratios[name.strip()] = float(value)
    except ValueError:
      raise InputError(f"Argument `layer_ratios` must read 'layer=ratio,...', e.g. "
                       f"'conv1=0.25,conv4=0.75'. Received: {spec!r}") from None
    if not 0 <= ratios[name.strip()] < 1:
      raise InputError(f"Each ratio in `layer_ratios` must be in [0, 1). Received: {part!r}")
  return ratios


def keep_channels(model, scores, ratio=0.5, scope="global", floor=0.25, layer_ratios=None,
                  minimum=None):
  """Which channels of each prunable group survive.

  Args:
    model: the functional model the scores were computed on.
    scores: `channel_scores(model, ...)`.
    ratio: the fraction of prunable channels removed, in [0, 1).
    scope: "global" (channels ranked across groups) or "layer" (each group loses `ratio`).
    floor: each group keeps at least this fraction of its channels (and at least one).
    layer_ratios: {layer name: ratio} for groups pruned at their own ratio (any producer
      of a group names it); these are left out of the global ranking.
    minimum: {group name: channels} kept at least, overriding `floor` (iterative rounds
      keep the floor of the original model).

  Returns:
    {group name: sorted np.ndarray of kept channel indices}.

  Raises:
    InputError: a ratio or floor out of range, an unknown scope, or a `layer_ratios` name
      that is not a prunable producer.

  Example:
    keep = keep_channels(model, scores, ratio=0.5, floor=0.25)
  """
  if not 0 <= ratio < 1:
    raise InputError(f"Argument `ratio` must be in [0, 1). Received: ratio={ratio!r}")
  if not 0 < floor <= 1:
    raise InputError(f"Argument `floor` must be in (0, 1]. Received: floor={floor!r}")
  if scope not in SCOPES:
    raise InputError(f"Argument `scope` must be one of {', '.join(SCOPES)}. "
                     f"Received: scope={scope!r}")
  groups = {g.name: g for g in channel_groups(model) if g.reason is None}
  owner = {p: g.name for g in groups.values() for p in g.producers}
  own = {}
  for name, r in (layer_ratios or {}).items():
    if name not in owner:
      raise InputError(f"`layer_ratios` names {name!r}, which is not a prunable layer. "
                       f"Prunable: {', '.join(sorted(owner))}.")
    own[owner[name]] = r
  keep_count = {}
  for name, g in groups.items():
    low = (minimum or {}).get(name, math.ceil(floor * g.channels))
    keep_count[name] = max(1, min(g.channels, low))
  removable = {name: g.channels - keep_count[name] for name, g in groups.items()}
  kept = {name: groups[name].channels for name in groups}
  for name in groups:
    if name in own or scope == "layer":
      r = own.get(name, ratio)
      kept[name] -= min(removable[name], int(round(r * groups[name].channels)))
  ranked = [n for n in groups if n not in own]
  if scope == "global" and ranked:
    target = int(round(ratio * sum(groups[n].channels for n in ranked)))
    order = sorted((scores[n][i], n) for n in ranked for i in range(groups[n].channels))
    for _, n in order:
      if target <= 0:
        break
      if groups[n].channels - kept[n] < removable[n]:
        kept[n] -= 1
        target -= 1
  return {n: np.sort(np.argsort(-scores[n], kind="stable")[:kept[n]]) for n in groups}


def _slice_weights(layer, weights, kept_in, kept_out):
  """`layer`'s weights cut to the kept input and output channels (None: all)."""
  if _is_producer(layer):
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
  if _is_depthwise(layer):
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
  config, inbound, groups = _walk(model)
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
    if _is_producer(layer):
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
    elif isinstance(layer, _MERGE):
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
    kept_in = ins[0] if ins and not isinstance(old, (_MERGE, _L.Concatenate)) else None
    kept_out = kept[name] if _is_producer(old) else None
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


def channel_counts(model):
  """{producer name: output channels} of every Conv2D and Dense layer."""
  return {layer.name: layer.output_shape[-1] for layer in model.layers if _is_producer(layer)}


def prune_channels(model, ratio=0.5, criterion="l1", images=None, scope="global", floor=0.25,
                   layer_ratios=None):
  """Scores, chooses and removes channels in one call: `shrink(model, keep_channels(...))`.

  Args:
    model: a functional tf_keras model.
    ratio, scope, floor, layer_ratios: as in `keep_channels`.
    criterion, images: as in `channel_scores`.

  Returns:
    (the smaller model, {group name: kept channel indices}).

  Raises:
    InputError: as `channel_scores`, `keep_channels` and `shrink` do.

  Example:
    smaller, keep = prune_channels(model, ratio=0.5, criterion="bn_scale")
  """
  scores = channel_scores(model, criterion, images)
  keep = keep_channels(model, scores, ratio, scope, floor, layer_ratios)
  return shrink(model, keep), keep
