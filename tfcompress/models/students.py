"""Student networks. Every model takes raw [0, 255] pixels and outputs logits."""
import importlib

from tfcompress._keras import keras
from tfcompress.errors import InputError


def paper_cnn(input_shape, num_classes, l2=1.25e-4, filters=(16, 32, 32, 64)):
  """The founding paper's student: four conv + batch norm layers with max pooling.

  About 33k parameters on 28x28x1 inputs with the default filters.

  Example:
    model = paper_cnn((28, 28, 1), num_classes=2)
    logits = model(images)  # images are raw pixels in [0, 255]
  """
  reg = keras.regularizers.l2(l2) if l2 else None
  inputs = keras.Input(input_shape, name="image")
  x = keras.layers.Rescaling(1.0 / 255, name="rescale")(inputs)
  for i, f in enumerate(filters):
    x = keras.layers.Conv2D(f, 3, padding="same", use_bias=False, kernel_regularizer=reg,
                            name=f"conv{i + 1}")(x)
    x = keras.layers.BatchNormalization(name=f"bn{i + 1}")(x)
    x = keras.layers.ReLU(name=f"relu{i + 1}")(x)
    if i < len(filters) - 1 and min(x.shape[1:3]) >= 2:
      x = keras.layers.MaxPooling2D(name=f"pool{i + 1}")(x)
  x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
  outputs = keras.layers.Dense(num_classes, kernel_regularizer=reg, name="logits")(x)
  return keras.Model(inputs, outputs, name="paper_cnn")


STUDENTS = {"paper_cnn": paper_cnn}


def build_student(name, input_shape, num_classes, l2=1.25e-4):
  """Builds a registered student by name, or calls "package.module:function".

  A plugged-in function is called as fn(input_shape=..., num_classes=...) and must
  return a functional keras.Model (from tfcompress._keras / tf_keras) that outputs logits.
  """
  if name in STUDENTS:
    return STUDENTS[name](input_shape, num_classes, l2=l2)
  if ":" not in name:
    raise InputError(f"Unknown student `student.model`={name!r}. Use one of "
                     f"{', '.join(sorted(STUDENTS))} or 'package.module:function'.")
  module_name, fn_name = name.split(":", 1)
  try:
    fn = getattr(importlib.import_module(module_name), fn_name)
  except (ImportError, AttributeError) as e:
    raise InputError(f"Could not import student `student.model`={name!r}: {e}") from None
  model = fn(input_shape=input_shape, num_classes=num_classes)
  if not isinstance(model, keras.Model) or tuple(model.output_shape) != (None, num_classes):
    raise InputError(f"Student function {name!r} must return a tf_keras Model with output "
                     f"shape (None, {num_classes}). Received: {model!r}")
  return model
