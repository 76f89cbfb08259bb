"""The teacher: an ensemble of members (keras.applications, the paper's classic networks,
or plug-ins), each with a new logits head."""
import collections
import os
import re

from tfcompress import plugins
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import InputError
from tfcompress.models import classic

_apps = keras.applications
MEMBERS = {
    "densenet121": (_apps.DenseNet121, _apps.densenet.preprocess_input),
    "efficientnetb0": (_apps.EfficientNetB0, _apps.efficientnet.preprocess_input),
    "inceptionv3": (_apps.InceptionV3, _apps.inception_v3.preprocess_input),
    "mobilenetv2": (_apps.MobileNetV2, _apps.mobilenet_v2.preprocess_input),
    "resnet50": (_apps.ResNet50, _apps.resnet50.preprocess_input),
    "vgg16": (_apps.VGG16, _apps.vgg16.preprocess_input),
    "vgg19": (_apps.VGG19, _apps.vgg19.preprocess_input),
    # The founding paper's members that keras.applications lacks (trained from scratch).
    "alexnet": (classic.alexnet, classic.preprocess_input),
    "googlenet": (classic.googlenet, classic.preprocess_input),
    "resnet18": (classic.resnet18, classic.preprocess_input),
    "resnet34": (classic.resnet34, classic.preprocess_input),
}
# InceptionV3 needs at least 75x75 inputs; the others 32x32.
MIN_SIZE = {"inceptionv3": 75}


def check_member(name):
  """Raises InputError unless `name` is a known member or an importable plug-in."""
  if plugins.is_plugin(name):
    plugins.check(name, "teacher member")
  elif name not in MEMBERS:
    raise InputError(f"Argument `members` names an unknown teacher member {name!r}. "
                     f"Use any of: {', '.join(sorted(MEMBERS))}, or 'package.module:function'.")


def member_names(members):
  """A unique model and file name per member: its name (a plug-in's function name), with
  _2, _3... on repeats.

  Example:
    member_names(["resnet18", "resnet18", "my.mod:net"])  # ["resnet18", "resnet18_2", "net"]
  """
  seen, names = collections.Counter(), []
  for member in members:
    stem = re.sub(r"\W", "_", member.split(":")[-1])
    seen[stem] += 1
    names.append(stem if seen[stem] == 1 else f"{stem}_{seen[stem]}")
  return names


def is_weights_file(weights):
  """Whether `teacher.weights` names a file (not None, '' or 'imagenet')."""
  return weights not in (None, "", "imagenet")


def base_of(member):
  """A member's nested base model (None for a plug-in without one)."""
  return next((l for l in member.layers if isinstance(l, keras.Model)), None)


def check_weights(weights):
  """Raises InputError unless `weights` is None, 'imagenet' or an existing file."""
  if is_weights_file(weights) and not os.path.isfile(weights):
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
  if not is_weights_file(weights):
    try:
      return ctor(include_top=False, weights=weights or None, input_shape=shape, pooling="avg")
    except InputError:
      raise
    except Exception as e:  # pylint: disable=broad-except  (download failures vary)
      raise InputError(f"Could not get ImageNet weights for {name} ({type(e).__name__}: "
                       f"{_short(e)}). Offline, set `weights` to a local no-top "
                       "weights file, or None to train from scratch.") from None
  check_weights(weights)
  base = ctor(include_top=False, weights=None, input_shape=shape, pooling="avg")
  try:
    base.load_weights(weights)
  except Exception as e:  # pylint: disable=broad-except
    raise InputError(f"Could not load `weights`={weights!r} into {name}: {_why(e, name)} "
                     f"({_short(e)})") from None
  return base


def _short(error, limit=400):
  """The error's text on one line, cut at `limit` characters (a download's URL is whole)."""
  text = " ".join(str(error).split())
  return text if len(text) <= limit else text[:limit] + "..."


def _why(error, name):
  """What a weights file that does not load into member `name` most likely is."""
  text = str(error)
  if "file signature not found" in text:
    return "it is not an HDF5 weights file (.h5)."
  if "Layer count mismatch" in text or "layer count" in text.lower():
    return (f"it holds another network's layers, or {name}'s with its classification top: "
            f"save it from {name} built with include_top=False.")
  if "hape mismatch" in text:
    return (f"its weights have other shapes: another variant of {name} (a width multiplier "
            "such as alpha, another depth)?")
  return "it does not fit this member."


def build_member(name, input_shape, num_classes, weights=None, input_size=0,
                 bn_momentum=0.9, dropout=0.2, l2=1.25e-4, model_name=None):
  """One teacher member: Preprocess -> base -> new logits head.

  With pretrained `weights` ('imagenet' or a file) the base is frozen (transfer
  learning; see `unfreeze_top`); with None it is trained from scratch. A plug-in
  ("package.module:function") is called as for students and owns its preprocessing and
  head; only `bn_momentum` is applied to it.

  Args:
    name: a keras.applications member (densenet121, efficientnetb0, inceptionv3,
      mobilenetv2, resnet50, vgg16, vgg19), one of the paper's classic networks
      (alexnet, googlenet, resnet18, resnet34; no ImageNet weights ship for these), or
      "package.module:function".
    input_shape: (height, width, channels) of the raw images.
    num_classes: the number of logits.
    weights: None, "imagenet" (downloaded) or the path of a no-top .h5 weights file.
    input_size: the side the images are resized to; 0: the larger side of `input_shape`.
      At least 32 (inceptionv3: 75) whatever is asked.
    bn_momentum: the batch-norm momentum of the base.
    dropout: the dropout rate before the logits.
    l2: L2 weight decay of the logits layer.
    model_name: the model's name (default `name`); members of one ensemble need
      different names.

  Returns:
    A functional Keras model from raw [0, 255] pixels to logits.

  Raises:
    InputError: an unknown member, or `weights` that name no file, cannot be
      downloaded or do not fit the base.

  Example:
    member = build_member("mobilenetv2", (28, 28, 1), num_classes=2)
  """
  check_member(name)
  model_name = model_name or member_names([name])[0]
  if plugins.is_plugin(name):
    member = plugins.build(name, input_shape, num_classes, "teacher member")
    member._name = model_name  # pylint: disable=protected-access
    set_bn_momentum(member, bn_momentum)
    return member
  size = member_size(input_size, input_shape, name)
  base = _base(name, size, weights)
  base.trainable = not weights
  set_bn_momentum(base, bn_momentum)
  inputs = keras.Input(input_shape, name="image")
  x = Preprocess(name, size, name="preprocess")(inputs)
  x = base(x, training=None if not weights else False)
  x = keras.layers.Dropout(dropout, name="dropout")(x)
  reg = keras.regularizers.l2(l2) if l2 else None
  outputs = keras.layers.Dense(num_classes, kernel_regularizer=reg, name="logits")(x)
  return keras.Model(inputs, outputs, name=model_name)


def member_size(input_size, input_shape, name=None):
  """The side a keras.applications member sees: `input_size`, or with 0 the larger side of
  `input_shape` (32 when unknown), raised to what the member needs (32; inceptionv3 75).

  Example:
    member_size(0, (28, 28, 1))  # 32
    member_size(0, (64, 48, 3))  # 64
  """
  side = input_size or max((d or 0) for d in input_shape[:2]) or 32
  return max(side, MIN_SIZE.get(name, 32))


def set_bn_momentum(model, momentum):
  """Sets the moving-average momentum of every batch-norm layer, nested models included."""
  for layer in model.submodules:
    if isinstance(layer, keras.layers.BatchNormalization):
      layer.momentum = momentum


def unfreeze_top(member, num_layers):
  """Makes the top `num_layers` of a member's base trainable, batch norm kept frozen."""
  if num_layers < 0:
    raise InputError(f"`fine_tune_layers` must be >= 0. Received: {num_layers}")
  base = base_of(member)
  if base is None:  # A plug-in without a nested base: all of it trains.
    member.trainable = True
    return member
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
    member_logits = [tf.cast(l, tf.float32) for l in member_logits]
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
    out = keras.layers.Average(name="mean_logits", dtype="float32")(logits)
  else:  # float32 under mixed precision too: one_hot is float32 (review).
    out = Vote(name="vote", dtype="float32")(logits)
  return keras.Model(inputs, out, name="teacher")
