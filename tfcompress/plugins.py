"""Plug-in students ("package.module:function") checked before anything trains.

Example:
  check_student("my_models:tiny_cnn")   # InputError if it cannot be imported or called
"""
import importlib
import inspect

from tfcompress.errors import InputError


def check_student(name):
  """Raises InputError unless `name` is importable and callable as fn(input_shape=, num_classes=).

  Registered names (no ":") are left to `models.build_student`.
  """
  if ":" not in name:
    return
  module_name, fn_name = name.split(":", 1)
  given = f"Received: name={name!r}"
  try:
    fn = getattr(importlib.import_module(module_name), fn_name)
  except Exception as e:  # pylint: disable=broad-except  (any error in the user's module)
    first = str(e).splitlines()[0] if str(e) else ""
    raise InputError(f"Could not import the plug-in student: {type(e).__name__}: {first}. "
                     f"Check the module is on PYTHONPATH and defines {fn_name}. {given}") from None
  if not callable(fn):
    raise InputError(f"The plug-in student {fn_name!r} is not a function. {given}")
  try:
    inspect.signature(fn).bind(input_shape=(1, 1, 1), num_classes=2)
  except TypeError as e:
    raise InputError(f"The plug-in student must accept fn(input_shape=..., num_classes=...); "
                     f"{fn_name}{inspect.signature(fn)} does not ({e}). {given}") from None
  except ValueError:
    pass  # No signature to inspect (a builtin): left to the call.
