"""Channel pruning's graph analysis: which producers' output channels are removed together.

The graph is walked once to find *groups*: the producers (Conv2D, Dense) whose output
channels must be removed together. A producer is its own group; the inputs of an `Add`
(or another element-wise merge) are joined into one group, pruned consistently. A group
stays whole, with the reason recorded, when its channels are the model's outputs or a
residual merge joins it with channels no producer owns (the input image, a concatenation).
Channels pass through element-wise layers (batch norm, activations, pooling, dropout,
padding), `DepthwiseConv2D` (depth multiplier 1), `Concatenate` (offsets kept) and
`Flatten` (every position's rows). Any other layer that receives prunable channels stops
the pruning with one line naming it.
"""
import dataclasses

from tfcompress._keras import keras
from tfcompress.errors import InputError

_L = keras.layers
# Layers that act on each channel alone: channels pass straight through.
_ELEMENTWISE = (_L.BatchNormalization, _L.ReLU, _L.Activation, _L.LeakyReLU, _L.ELU,
                _L.MaxPooling2D, _L.AveragePooling2D, _L.GlobalAveragePooling2D,
                _L.GlobalMaxPooling2D, _L.Dropout, _L.SpatialDropout2D, _L.ZeroPadding2D,
                _L.Cropping2D, _L.UpSampling2D, _L.GaussianNoise, _L.GaussianDropout,
                _L.ActivityRegularization)
# Element-wise merges: the groups of their inputs are joined.
MERGE = (_L.Add, _L.Subtract, _L.Multiply, _L.Average, _L.Maximum, _L.Minimum)


def is_producer(layer):
  """Whether `layer` makes prunable channels: a Conv2D (groups 1) or a Dense."""
  conv = isinstance(layer, _L.Conv2D) and not isinstance(layer, _L.Conv2DTranspose)
  return (conv and layer.groups == 1) or type(layer) is _L.Dense  # pylint: disable=unidiomatic-typecheck


def is_depthwise(layer):
  """Whether `layer` is a DepthwiseConv2D, whose channels are its input's."""
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


def walk(model):
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
    if is_producer(layer):
      parent[name] = name
      carried[name], single[name] = {name}, name
    elif isinstance(layer, _ELEMENTWISE) or (is_depthwise(layer) and layer.depth_multiplier == 1):
      single[name] = ones[0] if ones else None
    elif isinstance(layer, MERGE):
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
    elif is_depthwise(layer):
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
  return walk(model)[2]


def channel_counts(model):
  """{producer name: output channels} of every Conv2D and Dense layer."""
  return {layer.name: layer.output_shape[-1] for layer in model.layers if is_producer(layer)}
