import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.models import classic
from tfcompress.models import teacher


def _trainable(model):
  return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


# Trainable weights without the ImageNet classifier, from the papers' layer tables: the
# ResNets as torchvision counts them (11,689,512 and 21,797,672 less the 513,000 of fc);
# AlexNet's five convolutions and batch norms (2,470,848) and two 4096-unit layers on its
# 256 pooled features (17,833,984).
@pytest.mark.parametrize("name,count", [("resnet18", 11_176_512), ("resnet34", 21_284_672),
                                        ("alexnet", 20_304_832)])
def test_classic_bases_have_the_papers_weights(name, count):
  assert _trainable(getattr(classic, name)(input_shape=(32, 32, 3))) == count


def test_googlenet_modules_have_the_papers_depths():
  base = classic.googlenet(input_shape=(32, 32, 3))
  concats = [l.output_shape[-1] for l in base.layers if l.name.endswith("_concat")]
  assert concats == [256, 480, 512, 512, 512, 528, 832, 832, 1024]  # Szegedy et al., Table 1.
  assert base.output_shape == (None, 1024)


@pytest.mark.parametrize("name", ["alexnet", "googlenet", "resnet18"])
def test_classic_member_takes_raw_grayscale_with_configured_momentum(name):
  member = teacher.build_member(name, (28, 28, 1), 3, input_size=32, bn_momentum=0.8)
  assert member(np.zeros((2, 28, 28, 1), np.float32)).shape == (2, 3)
  bns = [l for l in member.submodules if isinstance(l, keras.layers.BatchNormalization)]
  assert bns and all(l.momentum == 0.8 for l in bns)


def test_classic_members_have_no_imagenet_weights_but_load_a_file(tmp_path):
  with pytest.raises(InputError, match="no ImageNet weights for resnet18.*weights='imagenet'"):
    teacher.build_member("resnet18", (28, 28, 1), 2, weights="imagenet")
  base = classic.resnet18(input_shape=(32, 32, 3))
  path = str(tmp_path / "resnet18_notop.h5")
  base.save_weights(path)
  member = teacher.build_member("resnet18", (28, 28, 1), 2, weights=path)
  assert not member.layers[2].trainable
  np.testing.assert_array_equal(member.layers[2].get_weights()[0], base.get_weights()[0])


def plugin_member(input_shape, num_classes):
  inputs = keras.Input(input_shape)
  x = keras.layers.BatchNormalization()(keras.layers.Flatten()(inputs))
  return keras.Model(inputs, keras.layers.Dense(num_classes)(x), name="whatever")


def test_repeated_and_plugged_in_members_get_their_own_names():
  members = ["resnet18", "tests.models.test_classic:plugin_member", "resnet18",
             "tests.models.test_classic:plugin_member"]
  names = teacher.member_names(members)
  assert names == ["resnet18", "plugin_member", "resnet18_2", "plugin_member_2"]
  built = [teacher.build_member(m, (28, 28, 1), 2, bn_momentum=0.7, model_name=n)
           for m, n in zip(members, names)]
  assert [m.name for m in built] == names
  assert built[1].layers[2].momentum == 0.7
  ensemble = teacher.ensemble(built)  # Same-named members would not build.
  assert ensemble(np.zeros((1, 28, 28, 1), np.float32)).shape == (1, 2)


def test_plugin_member_errors_name_the_plugin():
  with pytest.raises(InputError, match="plug-in teacher member.*no_such_fn"):
    teacher.check_member("tests.models.test_classic:no_such_fn")
