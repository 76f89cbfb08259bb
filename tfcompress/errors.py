"""The error users see for bad input: one line that names the value and the fix."""


class InputError(ValueError):
  """Bad user input (config, path, data). `tfcompress` prints it without a traceback."""
