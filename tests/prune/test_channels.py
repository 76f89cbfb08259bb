"""Channel pruning: the rebuilt model computes what the original computes on the kept
channels, through batch norm, Concatenate, Flatten and Add."""
import numpy as np
import pytest

from tfcompress import models
from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.prune import channel_graph
from tfcompress.prune import channel_rebuild
from tfcompress.prune import channels as ch

L = keras.layers


def _residual(shape=(12, 12, 3), classes=3):
  """conv c1 and conv c2 meet in an Add (one group); a depthwise conv, a flatten, a dense."""
  i = keras.Input(shape)
  x = L.Conv2D(8, 3, padding="same", name="c1")(i)
  a = L.Conv2D(8, 3, padding="same", activation="relu", name="c2")(x)
  y = L.Add(name="add")([x, a])
  y = L.DepthwiseConv2D(3, padding="same", name="dw")(y)
  y = L.Conv2D(6, 1, name="c3")(y)
  y = L.BatchNormalization(name="bn3")(y)
  y = L.Flatten(name="flat")(y)
  return keras.Model(i, L.Dense(classes, name="out")(y))


def _randomize_batch_norm(model, rng):
  for layer in model.layers:
    if isinstance(layer, L.BatchNormalization):
      gamma, beta, mean, var = layer.get_weights()
      layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape), rng.normal(size=beta.shape),
                         rng.normal(size=mean.shape), rng.uniform(0.5, 2, var.shape)])


def _silence_removed(model, keep):
  """Makes the channels `keep` drops output exactly zero after their batch norm, so the
  original model computes what the pruned one should."""
  groups = {g.name: g for g in channel_graph.channel_groups(model)}
  for name, kept in keep.items():
    drop = np.setdiff1d(np.arange(groups[name].channels), kept)
    for producer in groups[name].producers:
      layer = model.get_layer(producer)
      weights = layer.get_weights()
      weights[0][..., drop] = 0
      for w in weights[1:]:
        w[drop] = 0
      layer.set_weights(weights)
      for node in layer._outbound_nodes:  # pylint: disable=protected-access
        if isinstance(node.outbound_layer, L.BatchNormalization):
          bn = node.outbound_layer.get_weights()
          bn[1][drop] = 0  # beta
          bn[2][drop] = 0  # moving mean
          node.outbound_layer.set_weights(bn)


@pytest.mark.parametrize("name,shape", [("paper_cnn", (28, 28, 1)), ("fire_net", (32, 32, 3)),
                                        ("lenet5", (28, 28, 1)), ("lenet_300_100", (28, 28, 1)),
                                        ("residual", (12, 12, 3))])
def test_pruned_model_computes_what_the_original_computes_on_kept_channels(name, shape):
  rng = np.random.default_rng(0)
  model = _residual(shape) if name == "residual" else models.build_student(name, shape, 3)
  _randomize_batch_norm(model, rng)
  images = rng.uniform(0, 255, (4, *shape)).astype(np.float32)
  scores = ch.channel_scores(model, "l1")
  # Random scores: kept channels scattered, so an offset error cannot go unseen.
  scores = {k: rng.uniform(size=v.shape) for k, v in scores.items()}
  keep = ch.keep_channels(model, scores, ratio=0.5)
  smaller = channel_rebuild.shrink(model, keep)
  assert smaller.count_params() < 0.7 * model.count_params()
  _silence_removed(model, keep)
  np.testing.assert_allclose(smaller(images).numpy(), model(images).numpy(), rtol=1e-4,
                             atol=1e-4)
  for group, kept in keep.items():
    assert smaller.get_layer(group).output_shape[-1] == len(kept)


def test_fire_concatenate_offsets_and_add_groups():
  model = models.build_student("fire_net", (32, 32, 3), 10)
  groups = {g.name: g for g in channel_graph.channel_groups(model)}
  assert groups["fire1_expand3x3"].reason is None
  assert groups["classifier"].reason == "its channels are the model's outputs"
  keep = {"fire1_expand1x1": [0, 31], "fire1_expand3x3": [1, 2, 3]}
  smaller = channel_rebuild.shrink(model, keep)
  assert smaller.get_layer("fire1_concat").output_shape[-1] == 5
  kernel = smaller.get_layer("fire2_squeeze").get_weights()[0]
  original = model.get_layer("fire2_squeeze").get_weights()[0]
  # Input rows: expand1x1's channels 0 and 31, then expand3x3's 1-3 at offset 32.
  np.testing.assert_array_equal(kernel[0, 0], original[0, 0][[0, 31, 33, 34, 35]])

  residual = {g.name: g for g in channel_graph.channel_groups(_residual())}
  assert residual["c1"].producers == ["c1", "c2"]


def test_an_add_with_the_input_keeps_the_branch_whole_and_says_why():
  i = keras.Input((8, 8, 4))
  x = L.Conv2D(4, 3, padding="same", name="c1")(i)
  y = L.Add(name="skip")([i, x])
  model = keras.Model(i, L.Dense(2, name="out")(L.Flatten()(y)))
  group = channel_graph.channel_groups(model)[0]
  assert group.name == "c1" and "skip" in group.reason
  with pytest.raises(InputError, match="'c1', which is not a prunable group: Add 'skip'"):
    channel_rebuild.shrink(model, {"c1": [0, 1]})


def test_a_layer_it_cannot_carry_channels_through_is_named():
  i = keras.Input((8, 8, 1))
  x = L.Conv2D(4, 3, name="c1")(i)
  x = L.Reshape((36, 4), name="reshape")(x)
  model = keras.Model(i, L.Dense(2, name="out")(L.Flatten()(x)))
  with pytest.raises(InputError, match=r"layer 'reshape' \(Reshape\)"):
    channel_graph.channel_groups(model)


def test_global_ranking_floor_and_layer_ratios():
  model = models.build_student("paper_cnn", (28, 28, 1), 2)
  scores = {"conv1": np.arange(16.0), "conv2": np.full(32, 100.0), "conv3": np.full(32, 100.0),
            "conv4": np.full(64, 100.0)}
  keep = ch.keep_channels(model, scores, ratio=0.1, floor=0.5)
  # 14 channels go, all from conv1 (lowest scores) until its floor of 8, then the others.
  assert keep["conv1"].tolist() == list(range(8, 16))
  assert sum(len(v) for v in keep.values()) == 144 - 14
  keep = ch.keep_channels(model, scores, ratio=0.5, scope="layer", layer_ratios={"conv4": 0.25})
  assert [len(keep[k]) for k in ("conv1", "conv2", "conv3", "conv4")] == [8, 16, 16, 48]
  with pytest.raises(InputError, match="`ratio` must be in"):
    ch.keep_channels(model, scores, ratio=1.0)
  with pytest.raises(InputError, match="'logits', which is not a prunable layer"):
    ch.keep_channels(model, scores, layer_ratios={"logits": 0.5})
  with pytest.raises(InputError, match="'layer=ratio"):
    ch.parse_ratios("conv1:0.5")


def test_criteria_find_the_weak_channel():
  rng = np.random.default_rng(1)
  model = models.build_student("paper_cnn", (28, 28, 1), 2)
  conv, bn = model.get_layer("conv2"), model.get_layer("bn2")
  kernel = conv.get_weights()[0]
  kernel[..., 5] *= 1e-3  # A filter with tiny weights: weak by its norm.
  conv.set_weights([kernel])
  gamma, beta, mean, var = bn.get_weights()
  beta[:] = 1.0  # Every channel alive after the ReLU ...
  gamma[7] = 1e-3  # ... but this one, which its batch norm switches off (network slimming).
  beta[7] = 0.0
  bn.set_weights([gamma, beta, mean, var])
  images = rng.uniform(0, 255, (16, 28, 28, 1)).astype(np.float32)
  assert np.argmin(ch.channel_scores(model, "l1")["conv2"]) == 5
  assert np.argmin(ch.channel_scores(model, "l2")["conv2"]) == 5
  assert np.argmin(ch.channel_scores(model, "bn_scale")["conv2"]) == 7
  assert np.argmin(ch.channel_scores(model, "activation", images)["conv2"]) == 7
  with pytest.raises(InputError, match="needs training `images`"):
    ch.channel_scores(model, "activation")
  with pytest.raises(InputError, match="`criterion` must be one of"):
    ch.channel_scores(model, "taylor")


def test_broadcast_merges_sequential_models_and_late_normalization():
  i = keras.Input((8, 8, 3))
  x = L.Conv2D(6, 3, padding="same", name="features")(i)
  gate = L.Conv2D(1, 1, activation="sigmoid", name="gate")(x)
  y = L.Multiply(name="attend")([x, gate])  # Broadcasts 1 channel over 6.
  model = keras.Model(i, L.Dense(2, name="out")(L.GlobalAveragePooling2D()(y)))
  groups = {g.name: g for g in channel_graph.channel_groups(model)}
  assert "another width" in groups["features"].reason and groups["gate"].reason
  sequential = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(4, 3), L.Flatten(),
                                 L.Dense(2)])
  with pytest.raises(InputError, match="wrap a Sequential one"):
    channel_graph.channel_groups(sequential)
  i = keras.Input((8, 8, 1))
  x = L.Normalization(axis=-1, mean=0.0, variance=1.0, name="norm")(L.Conv2D(4, 3, name="c")(i))
  with pytest.raises(InputError, match=r"layer 'norm' \(Normalization\)"):
    channel_graph.channel_groups(keras.Model(i, L.Dense(2)(L.Flatten()(x))))
