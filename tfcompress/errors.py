"""The error users see for bad input: one line that names the value and the fix."""


class InputError(ValueError):
  """Bad user input (config, path, data). `tfcompress` prints it without a traceback."""


class CollapseError(InputError):
  """A stage's model collapsed (one class, or chance) where a usable model was needed."""
