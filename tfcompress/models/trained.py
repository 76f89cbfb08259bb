"""A model the user already trained, from a file: tf_keras `.keras`, Keras 3 `.keras`, `.h5`.

TFMOT takes tf_keras models only, and Keras 3 `.keras` files do not load in tf_keras. A
Keras 3 model made of standard layers is therefore rebuilt layer by layer in tf_keras,
with its weights copied. Nothing in a file runs code: Keras 3 and tf_keras `.keras`
files load with `safe_mode=True`, and an `.h5` file is read as a config (a Lambda layer
is refused) plus weights.
"""
import inspect
import json
import os
import zipfile

import h5py
import numpy as np

from tfcompress import artifacts
from tfcompress._keras import keras
from tfcompress.errors import InputError

SUFFIXES = (".keras", ".h5")
_BASE_KWARGS = ("name", "trainable", "dtype", "activity_regularizer")
# Keras 3 arguments whose tf_keras name differs: (layer, Keras 3 name) -> tf_keras name.
_RENAMED = {("LeakyReLU", "negative_slope"): "alpha"}


def is_file(name):
  """True when `student.model` names a model file rather than a builder."""
  return name.endswith(SUFFIXES)


def load(path, input_shape=None, num_classes=None):
  """The trained model in `path` as a functional tf_keras model (weights included).

  Args:
    path: a `.keras` file saved by tf_keras or Keras 3, or a tf_keras `.h5` file.
    input_shape: when given, the (height, width, channels) the model must take.
    num_classes: when given, the number of logits the model must output.

  Returns:
    A functional tf_keras model.

  Raises:
    InputError: a missing file, another format, a layer tfcompress cannot rebuild
      (named, with its type), a Lambda layer, or a model that does not fit the data.

  Example:
    model = load("my_model.keras", (28, 28, 1), 2)
  """
  if os.path.isdir(path):
    raise InputError(f"{path!r} is a folder (a SavedModel?), not a model file. Give a "
                     f".keras file: in Keras, model.save('name.keras').")
  if not os.path.isfile(path):
    raise InputError(f"Model file {path!r} does not exist. Give a .keras or .h5 file "
                     "(`student.model` also takes a student's name, such as paper_cnn).")
  if path.endswith(".h5"):
    model = _from_h5(path)
  elif _keras_version(path).startswith("3."):
    model = _from_keras3(path)
  else:
    model = artifacts.load_model(path)
  if isinstance(model, keras.Sequential) or not isinstance(model, keras.Model):
    model = _functional(model)
  _check_fits(path, model, input_shape, num_classes)
  return model


def _keras_version(path):
  try:
    with zipfile.ZipFile(path) as z:
      return json.loads(z.read("metadata.json")).get("keras_version", "")
  except (zipfile.BadZipFile, KeyError, ValueError):
    raise InputError(f"{path!r} is not a Keras `.keras` zip file (no metadata.json). Save the "
                     "model with model.save('name.keras').") from None


def _from_h5(path):
  """config + weights of a tf_keras `.h5` model file, without deserializing any code."""
  with h5py.File(path, "r") as f:
    text = f.attrs.get("model_config")
    version = f.attrs.get("keras_version", "")
  version = version.decode() if isinstance(version, bytes) else str(version)
  if version.startswith("3."):
    raise InputError(f"{path!r} was saved by Keras {version} as .h5, which tf_keras cannot "
                     "read. Save it as a .keras file instead: model.save('name.keras').")
  if text is None:
    raise InputError(f"{path!r} holds no model config (a weights-only file?). Save the whole "
                     "model with model.save('name.keras').")
  text = text.decode() if isinstance(text, bytes) else text
  if '"class_name": "Lambda"' in text:
    raise InputError(f"Refusing to load {path!r}: it has a Lambda layer, whose code would run "
                     "on loading. Replace it with a standard layer.")
  try:
    model = keras.models.model_from_json(text)
  except (ValueError, TypeError) as e:
    raise InputError(f"Could not rebuild the model in {path!r}: {e}") from None
  model.load_weights(path)
  return model


def _from_keras3(path):
  """The Keras 3 model in `path`, rebuilt from tf_keras layers with its weights."""
  import keras as keras3  # pylint: disable=g-import-not-at-top  (Keras 3, only here)
  try:
    source = keras3.saving.load_model(path, compile=False, safe_mode=True)
  except (ValueError, TypeError) as e:
    raise InputError(f"Keras 3 could not load {path!r} safely: {str(e).splitlines()[0]}") from None
  config = source.get_config()
  if type(source).__name__ == "Sequential":
    return _sequential(source, config)
  tensors = {}
  for spec in config["layers"]:
    if spec["class_name"] == "InputLayer":
      shape = spec["config"]["batch_shape"]
      tensors[(spec["name"], 0, 0)] = keras.Input(batch_shape=shape, name=spec["name"],
                                                  dtype=spec["config"].get("dtype"))
      continue
    layer = _layer(spec["class_name"], spec["config"])
    for index, node in enumerate(spec["inbound_nodes"]):
      args = _substitute(node["args"], tensors, spec["name"])
      outputs = layer(*args)
      for i, out in enumerate(outputs if isinstance(outputs, (list, tuple)) else [outputs]):
        tensors[(spec["name"], index, i)] = out
  model = keras.Model(_ends(config["input_layers"], tensors),
                      _ends(config["output_layers"], tensors), name=config.get("name"))
  _copy_weights(source, model)
  return model


def _sequential(source, config):
  inputs = keras.Input(batch_shape=tuple(source.inputs[0].shape))
  x = inputs
  for spec in config["layers"]:
    if spec["class_name"] != "InputLayer":
      x = _layer(spec["class_name"], spec["config"])(x)
  model = keras.Model(inputs, x, name=config.get("name"))
  _copy_weights(source, model)
  return model


def _layer(class_name, config):
  """The tf_keras layer of a Keras 3 layer config; initializers are left out (weights are
  copied after), regularizers and constraints kept."""
  name = config.get("name")
  cls = getattr(keras.layers, class_name, None)
  if cls is None or class_name in ("Functional", "Sequential", "Model", "Lambda"):
    raise InputError(f"layer {name!r} ({class_name}) cannot be rebuilt in tf_keras: "
                     "tfcompress rebuilds Keras 3 models made of standard keras.layers (no "
                     "nested models, Lambda or custom layers). Replace it, or save the model "
                     "from tf_keras.")
  accepted = set(_BASE_KWARGS).union(*(inspect.signature(c.__init__).parameters
                                        for c in cls.__mro__ if "__init__" in vars(c)))
  kwargs = {}
  for key, value in config.items():
    if key.endswith("_initializer"):
      continue
    if key == "dtype" and isinstance(value, dict):
      value = value.get("config", {}).get("name", "float32")
    elif isinstance(value, dict) and "class_name" in value:  # Regularizers, constraints.
      value = {"class_name": value["class_name"], "config": value.get("config", {})}
    key = _RENAMED.get((class_name, key), key)
    if key in accepted:
      kwargs[key] = value
    elif value is not None and value is not False and not _keras3_default(class_name, key,
                                                                          value):
      raise InputError(f"layer {name!r} ({class_name}) sets {key}={value!r}, which tf_keras's "
                       f"{class_name} does not have; tfcompress cannot rebuild it. Leave "
                       f"`{key}` at its default, or save the model from tf_keras.")
  try:
    return cls(**kwargs)
  except (TypeError, ValueError) as e:
    raise InputError(f"layer {name!r} ({class_name}) could not be rebuilt in tf_keras: "
                     f"{e}") from None


def _keras3_default(class_name, key, value):
  """Whether `value` is Keras 3's default for `key` of its layer `class_name`: Keras 3
  writes every argument into a saved config, so a RandomFlip the user never gave
  `data_format` still holds 'channels_last' (trial 15), the only layout tf_keras's has."""
  import keras as keras3  # pylint: disable=g-import-not-at-top  (Keras 3, only here)
  if key == "data_format":
    return value == "channels_last"
  cls = getattr(keras3.layers, class_name, None)
  parameter = inspect.signature(cls).parameters.get(key) if cls else None
  if parameter is None or parameter.default is inspect.Parameter.empty:
    return False
  default = parameter.default
  return (list(default) if isinstance(default, tuple) else default) == (
      list(value) if isinstance(value, tuple) else value)


def _substitute(value, tensors, layer):
  """Keras 3 node arguments with each `__keras_tensor__` replaced by the tf_keras tensor."""
  if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
    return tensors[tuple(value["config"]["keras_history"])]
  if isinstance(value, (list, tuple)):
    return [_substitute(v, tensors, layer) for v in value]
  if isinstance(value, dict):
    raise InputError(f"layer {layer!r} is called with arguments tfcompress cannot rebuild "
                     f"({sorted(value)}).")
  return value


def _ends(spec, tensors):
  """Model inputs or outputs from [name, node, index] (or a list of them)."""
  if spec and isinstance(spec[0], str):
    return tensors[tuple(spec)]
  return [tensors[tuple(s)] for s in spec]


def _copy_weights(source, model):
  for layer in model.layers:
    if isinstance(layer, keras.layers.InputLayer):
      continue
    weights = [np.asarray(w) for w in source.get_layer(layer.name).get_weights()]
    if [w.shape for w in weights] != [tuple(w.shape) for w in layer.weights]:
      raise InputError(f"layer {layer.name!r} ({type(layer).__name__}): its Keras 3 weights "
                       f"{[w.shape for w in weights]} do not fit the tf_keras layer.")
    layer.set_weights(weights)


def _functional(model):
  """A Sequential (or subclassed) tf_keras model as a functional one, sharing its layers."""
  if not isinstance(model, keras.Sequential):
    raise InputError(f"The trained model is a subclassed {type(model).__name__}; tfcompress "
                     "compresses functional or Sequential models.")
  inputs = keras.Input(batch_shape=model.input_shape)
  x = inputs
  for layer in model.layers:
    x = layer(x)
  return keras.Model(inputs, x, name=model.name)


def _check_fits(path, model, input_shape, num_classes):
  if input_shape is not None and tuple(model.input_shape[1:]) != tuple(input_shape):
    raise InputError(f"The model in {path!r} takes inputs {tuple(model.input_shape[1:])}, but "
                     f"the data's images are {tuple(input_shape)}. Set data.image_size (the "
                     "side) or, for an image folder, data.color_mode (the channels; an .npz's "
                     "are as stored) to match, or use data of that shape.")
  if num_classes is not None and tuple(model.output_shape) != (None, num_classes):
    raise InputError(f"The model in {path!r} outputs {tuple(model.output_shape)}, but the data "
                     f"has {num_classes} classes. It must output one logit a class.")


# How far (balanced accuracy on validation) a rescaled input may beat raw pixels before a
# trained model is taken to expect rescaled inputs.
_RESCALED_MARGIN = 0.1
_SCALINGS = {"pixels / 255 (inputs in [0, 1])": lambda x: x / 255.0,
             "pixels / 127.5 - 1 (inputs in [-1, 1])": lambda x: x / 127.5 - 1.0}


def check_contract(path, model, x_val, y_val, limit=512):
  """Checks that the trained model in `path` outputs logits and takes raw 0-255 pixels, as
  tfcompress feeds it (and a device will), on up to `limit` validation images.

  The images are a seeded sample of the validation split (a val/ folder is read class by
  class); a rescaling that makes the model answer one class is no evidence. A model whose
  predicted class does not change with the scale of its input (a ReLU network without
  normalization, say) passes, though its logits are as many times too large.

  Raises:
    InputError: outputs that are probabilities (every output in [0, 1]: a softmax or a
      sigmoid), or a model that scores clearly better on rescaled pixels (x / 255, or
      x / 127.5 - 1) than on raw ones (trial 15: a model trained on [0, 1] scored 0.52
      against its own 0.82, and shipped without a word). Each names the fix.
  """
  from sklearn.metrics import balanced_accuracy_score  # pylint: disable=g-import-not-at-top
  y_val = np.asarray(y_val)
  # A seeded sample of every class: a val/ folder is read class by class.
  pick = np.random.default_rng(0).permutation(len(y_val))[:limit]
  x, y = np.asarray(x_val[pick], np.float32), y_val[pick]
  raw = np.asarray(model.predict(x, verbose=0), np.float64)
  if raw.shape[-1] > 1 and raw.min() >= 0 and raw.max() <= 1:
    raise InputError(f"The model in {path!r} outputs probabilities (every output lies in "
                     "[0, 1]: a softmax or a sigmoid). tfcompress needs logits, one a class: "
                     "remove the activation (the last Dense with activation=None, or drop the "
                     "Softmax layer) and save it again.")
  if len(np.unique(y)) < 2:
    return
  score = lambda logits: balanced_accuracy_score(y, logits.argmax(-1))
  base = score(raw)
  for how, scale in _SCALINGS.items():
    logits = np.asarray(model.predict(scale(x), verbose=0))
    if len(np.unique(logits.argmax(-1))) < 2:
      continue  # One class for every image: no evidence for this scaling.
    scaled = score(logits)
    if scaled > base + _RESCALED_MARGIN:
      raise InputError(f"The model in {path!r} scores validation balanced accuracy "
                       f"{base:.3f} on raw 0-255 pixels but {scaled:.3f} on {how}: it was "
                       "trained on rescaled images. tfcompress feeds raw pixels, as a device "
                       "will: put the rescaling inside the model as its first layer (e.g. "
                       "keras.layers.Rescaling(1 / 255)) and save it again.")

