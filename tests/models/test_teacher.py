import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.models import teacher


def test_member_takes_raw_grayscale_and_outputs_logits():
  member = teacher.build_member("mobilenetv2", (28, 28, 1), 3, input_size=32, bn_momentum=0.9)
  assert member(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 3)
  bns = [l for l in member.layers[2].layers if isinstance(l, keras.layers.BatchNormalization)]
  assert bns and all(l.momentum == 0.9 for l in bns)
  assert member.layers[2].trainable  # from scratch: the base trains


@pytest.mark.parametrize("shape,input_size,side", [
    ((28, 28, 1), 0, 32),   # The images' size, raised to keras.applications' 32.
    ((48, 40, 1), 0, 48),   # The larger side: nothing is shrunk.
    ((48, 40, 1), 64, 64),  # As asked.
])
def test_member_sees_the_images_at_their_own_size_unless_told(shape, input_size, side):
  member = teacher.build_member("mobilenetv2", shape, 2, input_size=input_size)
  assert member.layers[2].input_shape == (None, side, side, 3)
  assert member(np.zeros((1, *shape), np.float32)).shape == (1, 2)


def test_unknown_member_lists_the_known_ones():
  with pytest.raises(InputError, match="resnet51.*densenet121"):
    teacher.build_member("resnet51", (28, 28, 1), 2)


def test_local_weights_file_loads_and_freezes_the_base(tmp_path):
  base = keras.applications.MobileNetV2(include_top=False, weights=None,
                                        input_shape=(32, 32, 3), pooling="avg")
  path = str(tmp_path / "mobilenetv2_notop.h5")
  base.save_weights(path)
  member = teacher.build_member("mobilenetv2", (28, 28, 1), 2, weights=path)
  loaded = member.layers[2]
  assert not loaded.trainable
  np.testing.assert_allclose(loaded.get_weights()[0], base.get_weights()[0])
  teacher.unfreeze_top(member, 5)
  top = loaded.layers[-5:]
  expected = [not isinstance(l, keras.layers.BatchNormalization) for l in top]
  assert loaded.trainable and [l.trainable for l in top] == expected
  assert not any(l.trainable for l in loaded.layers[:-5])
  teacher.unfreeze_top(member, 0)
  assert not any(l.trainable for l in loaded.layers)


def test_missing_weights_file():
  with pytest.raises(InputError, match=r"Argument `weights` names no file.* weights=.nope.h5"):
    teacher.build_member("mobilenetv2", (28, 28, 1), 2, weights="nope.h5")


def test_imagenet_offline_names_the_whole_url_and_the_cause(monkeypatch):
  url = "https://storage.googleapis.com/tensorflow/keras-applications/" + "x" * 120 + ".h5"
  def offline(**kwargs):
    raise Exception(f"URL fetch failure on {url}: None -- [Errno -2] Name or service not known")
  monkeypatch.setitem(teacher.MEMBERS, "mobilenetv2", (offline, teacher.MEMBERS["mobilenetv2"][1]))
  with pytest.raises(InputError) as raised:
    teacher.build_member("mobilenetv2", (32, 32, 3), 2, weights="imagenet")
  text = str(raised.value)
  assert url in text and "Name or service not known" in text and "local no-top" in text


def test_a_weights_file_that_does_not_fit_says_what_it_likely_is(tmp_path):
  text = tmp_path / "notes.h5"
  text.write_text("not weights")
  with pytest.raises(InputError, match=r"not an HDF5 weights file"):
    teacher.build_member("mobilenetv2", (28, 28, 1), 2, weights=str(text))
  with_top = tmp_path / "with_top.h5"  # The classifier kept: one layer too many.
  keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), classes=2).save_weights(
      str(with_top))
  with pytest.raises(InputError, match=r"with its classification top: .*include_top=False"):
    teacher.build_member("mobilenetv2", (28, 28, 1), 2, weights=str(with_top))


def _fixed(logits):
  inputs = keras.Input((4, 4, 1))
  x = keras.layers.Flatten()(inputs)
  out = keras.layers.Dense(len(logits), kernel_initializer="zeros",
                           bias_initializer=keras.initializers.Constant(logits))(x)
  return keras.Model(inputs, out)


def test_ensemble_mean_and_vote():
  members = [_fixed([2.0, 0.0, 0.0]), _fixed([0.0, 1.0, 0.0]), _fixed([4.0, 0.0, 0.0])]
  x = np.zeros((1, 4, 4, 1), np.float32)
  mean = teacher.ensemble(members, "mean")(x).numpy()
  np.testing.assert_allclose(mean, [[2.0, 1 / 3, 0.0]], rtol=1e-6)
  vote = teacher.ensemble(members, "vote")(x).numpy()
  shares = np.exp(vote)
  assert vote.argmax() == 0 and abs(shares[0, 0] - 2 / 3) < 0.01 and abs(shares[0, 1] - 1 / 3) < 0.01
  with pytest.raises(InputError, match="median"):
    teacher.ensemble(members, "median")


@pytest.mark.parametrize("combine", ["mean", "vote"])
def test_ensemble_under_mixed_precision(combine):
  """Review: the vote added float32 one-hot votes to a float16 softmax and raised."""
  from tfcompress import training  # pylint: disable=g-import-not-at-top
  with training.precision("mixed_float16"):
    members = [_fixed([2.0, 0.0, 0.0]), _fixed([0.0, 1.0, 0.0]), _fixed([4.0, 0.0, 0.0])]
    out = teacher.ensemble(members, combine)(np.zeros((1, 4, 4, 1), np.float32))
  assert out.dtype == "float32" and int(np.argmax(out)) == 0


def test_preprocess_config_round_trip():
  layer = teacher.Preprocess("vgg16", 48)
  clone = teacher.Preprocess.from_config(layer.get_config())
  assert (clone.member, clone.size) == ("vgg16", 48)
  assert clone(np.zeros((1, 28, 28, 1), np.float32)).shape == (1, 48, 48, 3)
