"""Channel (structured) pruning: whole filters and units removed, and a smaller model rebuilt.

Zeros from magnitude pruning shrink only compressed files; a microcontroller still runs
every multiply and holds every activation. Removing whole `Conv2D` filters and `Dense`
units, and everything that only carried them (the next batch norm's entries, the next
layer's input channels, the matching rows after a `Flatten`), gives a smaller dense
functional model with the kept weights copied: fewer bytes, a smaller tensor arena and
fewer multiply-accumulates.

Here the channels are scored and those kept chosen; `channel_graph` finds which
channels go together and `channel_rebuild.shrink` builds the smaller model.

Example:
  scores = channel_scores(model, "l1")
  keep = keep_channels(model, scores, ratio=0.5)
  smaller = channel_rebuild.shrink(model, keep)
"""
import math

import numpy as np

from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.prune import channel_graph
from tfcompress.prune import channel_rebuild

CRITERIA = ("l1", "l2", "bn_scale", "activation")
SCOPES = ("global", "layer")

_L = keras.layers


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
  _, inbound, groups = channel_graph.walk(model)
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
  groups = {g.name: g for g in channel_graph.channel_groups(model) if g.reason is None}
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
  return channel_rebuild.shrink(model, keep), keep
