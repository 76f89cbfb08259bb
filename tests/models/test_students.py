import numpy as np
import pytest

from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.models import students


def test_paper_cnn_is_small_and_outputs_logits():
  model = students.paper_cnn((28, 28, 1), num_classes=2)
  assert 25_000 <= model.count_params() <= 40_000
  convs = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)]
  assert len(convs) == 4
  out = model(np.full((3, 28, 28, 1), 255.0, np.float32)).numpy()
  assert out.shape == (3, 2)
  assert model.layers[-1].activation is keras.activations.linear


def plugin(input_shape, num_classes):
  inputs = keras.Input(input_shape)
  x = keras.layers.Flatten()(inputs)
  return keras.Model(inputs, keras.layers.Dense(num_classes)(x))


def test_plugin_function_by_import_path():
  model = students.build_student("tests.models.test_students:plugin", (8, 8, 1), 3)
  assert model.output_shape == (None, 3)


def test_unknown_student_name():
  with pytest.raises(InputError, match=r"Argument `name` .*paper_cnn.* name=.tiny_cnn"):
    students.build_student("tiny_cnn", (28, 28, 1), 2)


@pytest.mark.parametrize("name,shape,params", [
    ("lenet_300_100", (28, 28, 1), 266_610),
    ("lenet5", (28, 28, 1), 431_080),
])
def test_lenets_have_han_et_al_sizes(name, shape, params):
  model = students.build_student(name, shape, 10)
  assert model.count_params() == params
  assert model(np.zeros((2,) + shape, np.float32)).shape == (2, 10)


def test_fire_net_uses_fire_modules():
  model = students.build_student("fire_net", (32, 32, 3), 10)
  squeezes = [l for l in model.layers if l.name.endswith("_squeeze")]
  assert len(squeezes) == 4 and squeezes[0].kernel.shape[:2] == (1, 1)
  concat = model.get_layer("fire1_concat")
  assert concat.output_shape == (None, 16, 16, 2 * 32)  # After SqueezeNet's stem pool.
  assert model(np.zeros((2, 32, 32, 3), np.float32)).shape == (2, 10)
  unpooled = students.fire_net((32, 32, 3), 10, stem_pool=False)
  assert unpooled.get_layer("fire1_concat").output_shape == (None, 32, 32, 64)
  assert unpooled.count_params() == model.count_params()
