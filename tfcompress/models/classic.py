"""The founding paper's members that keras.applications lacks: AlexNet, GoogLeNet
(Inception v1), ResNet-18 and ResNet-34.

Each builder has keras.applications' signature, so `teacher.build_member` treats them
alike: `fn(include_top=False, weights=None, input_shape=..., pooling="avg")` returns a
functional base from preprocessed images to features. Every convolution is followed by
batch normalization (AlexNet's local response normalization and GoogLeNet's auxiliary
heads are left out, as in most re-implementations), and pooling pads, so inputs from 32x32
work. No ImageNet weights ship with Keras for these: `weights` is None or a no-top
weights file of the same builder.

Example:
  base = resnet18(input_shape=(64, 64, 3))   # features of shape (None, 512)
"""
from tfcompress._keras import keras
from tfcompress.errors import InputError

layers = keras.layers


def _conv_bn(x, filters, size, strides=1, name="", relu=True):
  x = layers.Conv2D(filters, size, strides, padding="same", use_bias=False, name=f"{name}_conv")(x)
  x = layers.BatchNormalization(epsilon=1e-5, name=f"{name}_bn")(x)
  return layers.ReLU(name=f"{name}_relu")(x) if relu else x


def _base(features, inputs, pooling, name):
  if pooling == "avg":
    features = layers.GlobalAveragePooling2D(name="avg_pool")(features)
  elif pooling == "max":
    features = layers.GlobalMaxPooling2D(name="max_pool")(features)
  return keras.Model(inputs, features, name=name)


def _check(name, include_top, weights, input_shape):
  if include_top:
    raise InputError(f"{name} is built without its ImageNet top: use include_top=False and a "
                     "new head (teacher.build_member adds one).")
  if weights is not None:
    raise InputError(f"Keras ships no ImageNet weights for {name}. Give `weights` as None "
                     f"(train from scratch) or a no-top weights file saved from a {name} "
                     f"member. Received: weights={weights!r}")
  if input_shape is None or min(input_shape[:2]) < 32 or input_shape[-1] != 3:
    raise InputError(f"{name} needs an input_shape of at least (32, 32, 3). "
                     f"Received: input_shape={input_shape!r}")


def alexnet(include_top=False, weights=None, input_shape=None, pooling="avg"):
  """AlexNet (Krizhevsky et al. 2012) in its one-tower form: five convolutions (64, 192, 384,
  256, 256 filters) and two 4096-unit fully connected layers with dropout (2.5M + 17.8M
  weights)."""
  _check("alexnet", include_top, weights, input_shape)
  inputs = keras.Input(input_shape, name="image")
  x = _conv_bn(inputs, 64, 11, 4, name="conv1")
  x = layers.MaxPooling2D(3, 2, padding="same", name="pool1")(x)
  x = _conv_bn(x, 192, 5, name="conv2")
  x = layers.MaxPooling2D(3, 2, padding="same", name="pool2")(x)
  x = _conv_bn(x, 384, 3, name="conv3")
  x = _conv_bn(x, 256, 3, name="conv4")
  x = _conv_bn(x, 256, 3, name="conv5")
  x = layers.MaxPooling2D(3, 2, padding="same", name="pool5")(x)
  x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
  for i in (6, 7):
    x = layers.Dropout(0.5, name=f"drop{i}")(x)
    x = layers.Dense(4096, activation="relu", name=f"fc{i}")(x)
  return keras.Model(inputs, x, name="alexnet")


def _inception(x, c1, c3r, c3, c5r, c5, pool, name):
  b1 = _conv_bn(x, c1, 1, name=f"{name}_1x1")
  b3 = _conv_bn(_conv_bn(x, c3r, 1, name=f"{name}_3x3r"), c3, 3, name=f"{name}_3x3")
  b5 = _conv_bn(_conv_bn(x, c5r, 1, name=f"{name}_5x5r"), c5, 5, name=f"{name}_5x5")
  bp = layers.MaxPooling2D(3, 1, padding="same", name=f"{name}_pool")(x)
  bp = _conv_bn(bp, pool, 1, name=f"{name}_poolproj")
  return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


# GoogLeNet's modules (Szegedy et al. 2014, Table 1): 1x1, 3x3 reduce, 3x3, 5x5 reduce, 5x5,
# pool projection; a max pooling after 3b and 4e.
_INCEPTIONS = (("3a", (64, 96, 128, 16, 32, 32)), ("3b", (128, 128, 192, 32, 96, 64)),
               ("4a", (192, 96, 208, 16, 48, 64)), ("4b", (160, 112, 224, 24, 64, 64)),
               ("4c", (128, 128, 256, 24, 64, 64)), ("4d", (112, 144, 288, 32, 64, 64)),
               ("4e", (256, 160, 320, 32, 128, 128)), ("5a", (256, 160, 320, 32, 128, 128)),
               ("5b", (384, 192, 384, 48, 128, 128)))


def googlenet(include_top=False, weights=None, input_shape=None, pooling="avg"):
  """GoogLeNet (Inception v1, Szegedy et al. 2014) without its auxiliary heads: 6.0M weights,
  1024 features."""
  _check("googlenet", include_top, weights, input_shape)
  inputs = keras.Input(input_shape, name="image")
  x = _conv_bn(inputs, 64, 7, 2, name="conv1")
  x = layers.MaxPooling2D(3, 2, padding="same", name="pool1")(x)
  x = _conv_bn(x, 64, 1, name="conv2r")
  x = _conv_bn(x, 192, 3, name="conv2")
  x = layers.MaxPooling2D(3, 2, padding="same", name="pool2")(x)
  for name, widths in _INCEPTIONS:
    x = _inception(x, *widths, name=f"inception{name}")
    if name in ("3b", "4e"):
      x = layers.MaxPooling2D(3, 2, padding="same", name=f"pool_{name}")(x)
  x = layers.Dropout(0.4, name="drop")(x)
  return _base(x, inputs, pooling, "googlenet")


def _basic_block(x, filters, strides, name):
  shortcut = x
  if strides != 1 or x.shape[-1] != filters:
    shortcut = _conv_bn(x, filters, 1, strides, name=f"{name}_down", relu=False)
  x = _conv_bn(x, filters, 3, strides, name=f"{name}_1")
  x = _conv_bn(x, filters, 3, name=f"{name}_2", relu=False)
  x = layers.Add(name=f"{name}_add")([shortcut, x])
  return layers.ReLU(name=f"{name}_out")(x)


def _resnet(blocks, name, input_shape, pooling):
  inputs = keras.Input(input_shape, name="image")
  x = _conv_bn(inputs, 64, 7, 2, name="conv1")
  x = layers.MaxPooling2D(3, 2, padding="same", name="pool1")(x)
  for stage, (filters, count) in enumerate(zip((64, 128, 256, 512), blocks)):
    for i in range(count):
      strides = 2 if i == 0 and stage > 0 else 1
      x = _basic_block(x, filters, strides, name=f"conv{stage + 2}_block{i + 1}")
  return _base(x, inputs, pooling, name)


def resnet18(include_top=False, weights=None, input_shape=None, pooling="avg"):
  """ResNet-18 (He et al. 2016): basic blocks 2-2-2-2, 11.2M weights, 512 features."""
  _check("resnet18", include_top, weights, input_shape)
  return _resnet((2, 2, 2, 2), "resnet18", input_shape, pooling)


def resnet34(include_top=False, weights=None, input_shape=None, pooling="avg"):
  """ResNet-34 (He et al. 2016): basic blocks 3-4-6-3, 21.3M weights, 512 features."""
  _check("resnet34", include_top, weights, input_shape)
  return _resnet((3, 4, 6, 3), "resnet34", input_shape, pooling)


def preprocess_input(images):
  """Raw [0, 255] pixels to [-1, 1], the scaling these from-scratch members train with."""
  return images / 127.5 - 1.0
