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
  with pytest.raises(InputError, match="tiny_cnn.*paper_cnn"):
    students.build_student("tiny_cnn", (28, 28, 1), 2)
