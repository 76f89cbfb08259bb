"""Plug-in models ("package.module:function"), for students and teacher members alike.

A plug-in is called as fn(input_shape=..., num_classes=...) and must return a functional
tf_keras Model from raw [0, 255] pixels to `num_classes` logits. Its module is imported
from sys.path (PYTHONPATH), else from the current directory.

Example:
  check("my_models:tiny_cnn")   # InputError if it cannot be imported or called
  model = build("my_models:tiny_cnn", (28, 28, 1), 2)
"""
import importlib
import inspect
import os
import sys

from tfcompress._keras import keras
from tfcompress.errors import InputError


def is_plugin(name):
  """True for "package.module:function" names."""
  return ":" in name


def _import(module_name):
  """The module, from sys.path or else from the current directory (as `python -m` would
  find it; the tfcompress binary does not put the current directory on sys.path)."""
  try:
    return importlib.import_module(module_name)
  except ModuleNotFoundError as e:
    here = os.getcwd()
    if e.name != module_name.split(".")[0] or here in sys.path:
      raise
    sys.path.append(here)  # Last: installed modules keep their names.
    return importlib.import_module(module_name)


def _function(name, role):
  module_name, fn_name = name.split(":", 1)
  given = f"Received: name={name!r}"
  try:
    fn = getattr(_import(module_name), fn_name)
  except Exception as e:  # pylint: disable=broad-except  (any error in the user's module)
    first = str(e).splitlines()[0] if str(e) else ""
    raise InputError(f"Could not import the plug-in {role}: {type(e).__name__}: {first}. "
                     f"Check the module is on PYTHONPATH and defines {fn_name}. {given}") from None
  if not callable(fn):
    raise InputError(f"The plug-in {role} {fn_name!r} is not a function. {given}")
  return fn


def check(name, role="student"):
  """Raises InputError unless `name` is importable and callable as fn(input_shape=, num_classes=).

  Registered names (no ":") are left to the builders.
  """
  if not is_plugin(name):
    return
  fn = _function(name, role)
  try:
    inspect.signature(fn).bind(input_shape=(1, 1, 1), num_classes=2)
  except TypeError as e:
    raise InputError(f"The plug-in {role} must accept fn(input_shape=..., num_classes=...); "
                     f"{fn.__name__}{inspect.signature(fn)} does not ({e}). "
                     f"Received: name={name!r}") from None
  except ValueError:
    pass  # No signature to inspect (a builtin): left to the call.


def build(name, input_shape, num_classes, role="student"):
  """Calls the plug-in and checks it returned a tf_keras Model with `num_classes` logits."""
  model = _function(name, role)(input_shape=input_shape, num_classes=num_classes)
  if not isinstance(model, keras.Model) or tuple(model.output_shape) != (None, num_classes):
    raise InputError(f"The plug-in {role} {name!r} must return a tf_keras Model with output "
                     f"shape (None, {num_classes}). Received: {model!r}")
  return model
