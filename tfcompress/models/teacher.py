"""The teacher: an ensemble of keras.applications members, each with a new logits head."""
import os

from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import InputError

_apps = keras.applications
MEMBERS = {
    "densenet121": (_apps.DenseNet121, _apps.densenet.preprocess_input),
    "efficientnetb0": (_apps.EfficientNetB0, _apps.efficientnet.preprocess_input),
    "inceptionv3": (_apps.InceptionV3, _apps.inception_v3.preprocess_input),
    "mobilenetv2": (_apps.MobileNetV2, _apps.mobilenet_v2.preprocess_input),
    "resnet50": (_apps.ResNet50, _apps.resnet50.preprocess_input),
    "vgg16": (_apps.VGG16, _apps.vgg16.preprocess_input),
    "vgg19": (_apps.VGG19, _apps.vgg19.preprocess_input),
}
# InceptionV3 needs at least 75x75 inputs; the others 32x32.
MIN_SIZE = {"inceptionv3": 75}


def check_member(name):
  """Raises InputError unless `name` is a known member."""
  if name not in MEMBERS:
    raise InputError(f"Argument `members` names an unknown teacher member {name!r}. "
                     f"Use any of: {', '.join(sorted(MEMBERS))}.")


def check_weights(weights):
  """Raises InputError unless `weights` is None, 'imagenet' or an existing file."""
  if weights not in (None, "", "imagenet") and not os.path.isfile(weights):
    raise InputError(f"Argument `weights` names no file. Use None, 'imagenet' or the path of "
                     f"a no-top .h5 weights file. Received: weights={weights!r}")


@keras.saving.register_keras_serializable(package="tfcompress")
class Preprocess(keras.layers.Layer):
  """Turns raw [0, 255] images into what member `member` expects: size, RGB, scaling."""

  def __init__(self, member, size, **kwargs):
    super().__init__(**kwargs)
    check_member(member)
    self.member = member
    self.size = size

  def call(self, images):
    images = tf.image.resize(images, (self.size, self.size))
    if images.shape[-1] == 1:
      images = tf.image.grayscale_to_rgb(images)
    return MEMBERS[self.member][1](images)

  def get_config(self):
    return {**super().get_config(), "member": self.member, "size": self.size}


def _base(name, size, weights):
  ctor = MEMBERS[name][0]
  shape = (size, size, 3)
  if weights in (None, "", "imagenet"):
    try:
      return ctor(include_top=False, weights=weights or None, input_shape=shape, pooling="avg")
    except Exception as e:  # pylint: disable=broad-except  (download failures vary)
      raise InputError(f"Could not get ImageNet weights for {name} ({type(e).__name__}: "
                       f"{str(e)[:120]}). Offline, set `weights` to a local no-top "
                       "weights file, or None to train from scratch.") from None
  check_weights(weights)
  base = ctor(include_top=False, weights=None, input_shape=shape, pooling="avg")
  try:
    base.load_weights(weights)
  except Exception as e:  # pylint: disable=broad-except
    raise InputError(f"Could not load `weights`={weights!r} into {name}: "
                     f"{str(e)[:160]}") from None
  return base


def build_member(name, input_shape, num_classes, weights=None, input_size=32,
                 bn_momentum=0.9, dropout=0.2, l2=1.25e-4):
  """One teacher member: Preprocess -> keras.applications base -> new logits head.

  With pretrained `weights` ('imagenet' or a file) the base is frozen (transfer
  learning; see `unfreeze_top`); with None it is trained from scratch.

  Args:
    name: a keras.applications member: densenet121, efficientnetb0, inceptionv3,
      mobilenetv2, resnet50, vgg16 or vgg19.
    input_shape: (height, width, channels) of the raw images.
    num_classes: the number of logits.
    weights: None, "imagenet" (downloaded) or the path of a no-top .h5 weights file.
    input_size: the side the images are resized to (inceptionv3 takes at least 75).
    bn_momentum: the batch-norm momentum of the base.
    dropout: the dropout rate before the logits.
    l2: L2 weight decay of the logits layer.

  Returns:
    A functional Keras model from raw [0, 255] pixels to logits.

  Raises:
    InputError: an unknown member, or `weights` that name no file, cannot be
      downloaded or do not fit the base.

  Example:
    member = build_member("mobilenetv2", (28, 28, 1), num_classes=2)
  """
  check_member(name)
  size = max(input_size, MIN_SIZE.get(name, 32))
  base = _base(name, size, weights)
  base.trainable = not weights
  for layer in base.layers:
    if isinstance(layer, keras.layers.BatchNormalization):
      layer.momentum = bn_momentum
  inputs = keras.Input(input_shape, name="image")
  x = Preprocess(name, size, name="preprocess")(inputs)
  x = base(x, training=None if not weights else False)
  x = keras.layers.Dropout(dropout, name="dropout")(x)
  reg = keras.regularizers.l2(l2) if l2 else None
  outputs = keras.layers.Dense(num_classes, kernel_regularizer=reg, name="logits")(x)
  return keras.Model(inputs, outputs, name=name)


def unfreeze_top(member, num_layers):
  """Makes the top `num_layers` of a member's base trainable, batch norm kept frozen."""
  if num_layers < 0:
    raise InputError(f"`fine_tune_layers` must be >= 0. Received: {num_layers}")
  base = next(l for l in member.layers if isinstance(l, keras.Model))
  base.trainable = True
  for layer in base.layers[:max(len(base.layers) - num_layers, 0)]:
    layer.trainable = False
  for layer in base.layers:
    if isinstance(layer, keras.layers.BatchNormalization):
      layer.trainable = False
  return member


@keras.saving.register_keras_serializable(package="tfcompress")
class Vote(keras.layers.Layer):
  """Majority vote of member logits, returned as log vote shares (usable as logits)."""

  def call(self, member_logits):
    votes = [tf.one_hot(tf.argmax(l, axis=-1), tf.shape(l)[-1]) for l in member_logits]
    share = tf.add_n(votes) / len(votes)
    # A tiny share of the mean softmax breaks ties and keeps the output finite.
    soft = tf.add_n([tf.nn.softmax(l) for l in member_logits]) / len(votes)
    return tf.math.log(share + 1e-3 * soft)


def ensemble(members, combine="mean"):
  """Combines members into one model: mean of logits (default) or majority vote.

  Args:
    members: Keras models with the same input shape that output logits.
    combine: "mean" (of the logits) or "vote" (log vote shares; a tiny share of the
      mean softmax breaks ties).

  Returns:
    A Keras model named "teacher" that outputs logits.

  Raises:
    InputError: an unknown `combine`.

  Example:
    teacher = ensemble([m1, m2], combine="mean")
  """
  if combine not in ("mean", "vote"):
    raise InputError(f"Argument `combine` must be 'mean' or 'vote'. Received: combine={combine!r}")
  inputs = keras.Input(members[0].input_shape[1:], name="image")
  logits = [m(inputs) for m in members]
  if len(members) == 1:
    out = logits[0]
  elif combine == "mean":
    out = keras.layers.Average(name="mean_logits")(logits)
  else:
    out = Vote(name="vote")(logits)
  return keras.Model(inputs, out, name="teacher")
