"""Student networks. Every model takes raw [0, 255] pixels and outputs logits."""
from tfcompress import plugins
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


def lenet_300_100(input_shape, num_classes, l2=0.0):
  """LeNet-300-100 (LeCun et al. 1998; Han et al.'s MNIST baseline): 266,610 parameters.

  Example:
    model = lenet_300_100((28, 28, 1), 10)
  """
  reg = keras.regularizers.l2(l2) if l2 else None
  inputs = keras.Input(input_shape, name="image")
  x = keras.layers.Rescaling(1.0 / 255, name="rescale")(inputs)
  x = keras.layers.Flatten(name="flatten")(x)
  x = keras.layers.Dense(300, activation="relu", kernel_regularizer=reg, name="fc1")(x)
  x = keras.layers.Dense(100, activation="relu", kernel_regularizer=reg, name="fc2")(x)
  outputs = keras.layers.Dense(num_classes, kernel_regularizer=reg, name="logits")(x)
  return keras.Model(inputs, outputs, name="lenet_300_100")


def lenet5(input_shape, num_classes, l2=0.0):
  """LeNet-5 as in Caffe and Han et al.: conv 20 / conv 50 (5x5) / fc 500: 431,080 parameters.

  Example:
    model = lenet5((28, 28, 1), 10)
  """
  reg = keras.regularizers.l2(l2) if l2 else None
  inputs = keras.Input(input_shape, name="image")
  x = keras.layers.Rescaling(1.0 / 255, name="rescale")(inputs)
  x = keras.layers.Conv2D(20, 5, kernel_regularizer=reg, name="conv1")(x)
  x = keras.layers.MaxPooling2D(name="pool1")(x)
  x = keras.layers.Conv2D(50, 5, kernel_regularizer=reg, name="conv2")(x)
  x = keras.layers.MaxPooling2D(name="pool2")(x)
  x = keras.layers.Flatten(name="flatten")(x)
  x = keras.layers.Dense(500, activation="relu", kernel_regularizer=reg, name="fc1")(x)
  outputs = keras.layers.Dense(num_classes, kernel_regularizer=reg, name="logits")(x)
  return keras.Model(inputs, outputs, name="lenet5")


def fire(x, squeeze, expand, name, reg=None):
  """SqueezeNet's Fire module: 1x1 squeeze, then 1x1 and 3x3 expands concatenated."""
  s = keras.layers.Conv2D(squeeze, 1, activation="relu", kernel_regularizer=reg,
                          name=f"{name}_squeeze")(x)
  e1 = keras.layers.Conv2D(expand, 1, activation="relu", kernel_regularizer=reg,
                           name=f"{name}_expand1x1")(s)
  e3 = keras.layers.Conv2D(expand, 3, padding="same", activation="relu", kernel_regularizer=reg,
                           name=f"{name}_expand3x3")(s)
  return keras.layers.Concatenate(name=f"{name}_concat")([e1, e3])


def fire_net(input_shape, num_classes, l2=1.25e-4, stem=32, fires=((16, 32), (16, 32),
                                                                   (32, 64), (32, 64)),
             stem_pool=True):
  """A small SqueezeNet-style network of Fire modules, pooling after the stem and after
  every second module.

  `fires` lists (squeeze, expand) per module. As in SqueezeNet, the stem convolution is
  followed by max pooling (`stem_pool=False` keeps full resolution, at more than twice the
  cost on 32x32 images) and the logits come from a 1x1 convolution and global average
  pooling.

  Example:
    model = fire_net((32, 32, 3), 10)
  """
  reg = keras.regularizers.l2(l2) if l2 else None
  inputs = keras.Input(input_shape, name="image")
  x = keras.layers.Rescaling(1.0 / 255, name="rescale")(inputs)
  x = keras.layers.Conv2D(stem, 3, padding="same", use_bias=False, kernel_regularizer=reg,
                          name="stem")(x)
  x = keras.layers.BatchNormalization(name="stem_bn")(x)
  x = keras.layers.ReLU(name="stem_relu")(x)
  if stem_pool:
    x = keras.layers.MaxPooling2D(name="stem_pool")(x)
  for i, (squeeze, expand) in enumerate(fires):
    x = fire(x, squeeze, expand, f"fire{i + 1}", reg)
    if i % 2 == 1 and min(x.shape[1:3]) >= 4:
      x = keras.layers.MaxPooling2D(name=f"pool{i + 1}")(x)
  x = keras.layers.Dropout(0.2, name="dropout")(x)
  x = keras.layers.Conv2D(num_classes, 1, kernel_regularizer=reg, name="classifier")(x)
  outputs = keras.layers.GlobalAveragePooling2D(name="logits")(x)
  return keras.Model(inputs, outputs, name="fire_net")


STUDENTS = {"paper_cnn": paper_cnn, "lenet_300_100": lenet_300_100, "lenet5": lenet5,
            "fire_net": fire_net}


def build_student(name, input_shape, num_classes, l2=1.25e-4):
  """Builds a registered student by name, or calls "package.module:function".

  A plugged-in function is called as fn(input_shape=..., num_classes=...) and must
  return a functional keras.Model (from tfcompress._keras / tf_keras) that outputs logits.

  Args:
    name: "paper_cnn", "lenet_300_100", "lenet5", "fire_net" or "package.module:function".
    input_shape: (height, width, channels) of the raw images.
    num_classes: the number of logits.
    l2: L2 weight decay of a registered student (a plugged-in function sets its own).

  Returns:
    A functional Keras model from raw [0, 255] pixels to logits.

  Raises:
    InputError: an unknown `name`, a function that cannot be imported, or one that
      returns something else than a tf_keras Model with `num_classes` outputs.

  Example:
    student = build_student("paper_cnn", (28, 28, 1), num_classes=2)
  """
  if name in STUDENTS:
    return STUDENTS[name](input_shape, num_classes, l2=l2)
  if not plugins.is_plugin(name):
    raise InputError(f"Argument `name` names an unknown student. Use one of "
                     f"{', '.join(sorted(STUDENTS))} or 'package.module:function'. "
                     f"Received: name={name!r}")
  return plugins.build(name, input_shape, num_classes)
