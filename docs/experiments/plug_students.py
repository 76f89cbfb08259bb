"""Students tried against the paper's CNN on held-out validation images (BUILD_NOTES.md).

  PYTHONPATH=docs/experiments tfcompress --config=configs/pneumonia.py \
      --config.student.model=plug_students:drop ...

`drop`: dropout before the logits; `w15`, `w2`: the paper's CNN 1.5x and 2x as wide;
`std`: each image standardized before the first convolution; `mirror_avg`: the logits of
the image and of its mirror image averaged.
"""
from tfcompress._keras import keras
from tfcompress.models.students import paper_cnn


def drop(input_shape, num_classes, l2=1.25e-4, rate=0.25):
  """`paper_cnn` with `Dropout(rate)` between the pooled features and the logits."""
  base = paper_cnn(input_shape, num_classes, l2)
  x = keras.layers.Dropout(rate, name="dropout")(base.get_layer("gap").output)
  return keras.Model(base.input, base.get_layer("logits")(x), name="paper_cnn_dropout")


def w15(input_shape, num_classes, l2=1.25e-4):
  """`paper_cnn` with filters 24 / 48 / 48 / 96."""
  return paper_cnn(input_shape, num_classes, l2, filters=(24, 48, 48, 96))


def w2(input_shape, num_classes, l2=1.25e-4):
  """`paper_cnn` with filters 32 / 64 / 64 / 128."""
  return paper_cnn(input_shape, num_classes, l2, filters=(32, 64, 64, 128))


def std(input_shape, num_classes, l2=1.25e-4):
  """`paper_cnn` with each image scaled to zero mean and unit variance after rescaling:
  a layer normalization over height, width and channels, without learned scale or shift."""
  base = paper_cnn(input_shape, num_classes, l2)
  x = keras.layers.LayerNormalization(axis=[1, 2, 3], center=False, scale=False, epsilon=1e-3,
                                      name="standardize")(base.get_layer("rescale").output)
  for layer in base.layers[2:]:
    x = layer(x)
  return keras.Model(base.input, x, name="paper_cnn_std")


@keras.utils.register_keras_serializable("plug_students")
class MirrorLeftRight(keras.layers.Layer):
  """Each image mirrored left to right (the width axis)."""

  def call(self, images):
    return images[:, :, ::-1, :]


def mirror_avg(input_shape, num_classes, l2=1.25e-4):
  """`paper_cnn` applied to the image and to its mirror image, logits averaged: the same
  weights see both, so the model is left-right symmetric by construction (flip test-time
  augmentation inside the model, trained as it runs)."""
  base = paper_cnn(input_shape, num_classes, l2)
  image = keras.Input(input_shape, name="image")
  mirrored = MirrorLeftRight(name="mirror")(image)
  logits = keras.layers.Average(name="average")([base(image), base(mirrored)])
  return keras.Model(image, logits, name="paper_cnn_mirror_avg")
