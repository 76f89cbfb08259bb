"""Small plug-in models for the tests (importable without side effects, also from the
`tfcompress` processes the tests start)."""
from tfcompress._keras import keras


def tiny_teacher(input_shape, num_classes):
  """A small CNN teacher member (plug-in) for pipeline tests: keras.applications members
  cost most of a smoke run, and their own tests build them."""
  inputs = keras.Input(input_shape, name="image")
  x = keras.layers.Rescaling(1.0 / 255)(inputs)
  for filters in (16, 32):
    x = keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = keras.layers.ReLU()(keras.layers.BatchNormalization()(x))
    x = keras.layers.MaxPooling2D()(x)
  x = keras.layers.GlobalAveragePooling2D()(x)
  return keras.Model(inputs, keras.layers.Dense(num_classes)(x))
