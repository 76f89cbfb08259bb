"""The error users see for bad input: one line that names the value and the fix."""


class InputError(ValueError):
  """Bad user input (config, path, data). `tfcompress` prints it without a traceback.

  Library functions name their own argument ("Argument `weights` must be ... Received:
  weights=..."); `config_keys` turns that into the config key the user set.

  Args:
    message: one line that names the bad value and the fix.

  Raises:
    Nothing: it is the error the library raises.

  Example:
    try:
      tfcompress.load_npz("missing.npz")
    except tfcompress.InputError as e:
      print(e)  # Argument `path` must be an existing .npz file; ...
  """


class CollapseError(InputError):
  """A stage's model collapsed (one class, or chance) where a usable model was needed.

  `tfcompress.run` raises it after writing the report, so the report shows which model.

  Args:
    message: one line that says which model collapsed and where to read more.

  Raises:
    Nothing: it is the error the pipeline raises.

  Example:
    try:
      tfcompress.run(config, "runs/x")
    except tfcompress.CollapseError as e:
      print(e)  # then read runs/x/report.md
  """


class config_keys:  # pylint: disable=invalid-name  (used as a context manager)
  """Re-raises a library's InputError with the config key of each argument it names.

  Library functions name their own arguments ("Argument `weights` ..."); the pipeline
  maps them to the config fields the user set.

  Example:
    with config_keys(weights="teacher.weights"):
      build_member("mobilenetv2", (28, 28, 1), 2, weights=config.teacher.weights)
  """

  def __init__(self, **keys):
    self.keys = keys

  def __enter__(self):
    return self

  def __exit__(self, kind, error, traceback):
    if not isinstance(error, InputError) or type(error) is not InputError:
      return False
    text = str(error)
    for argument, key in self.keys.items():
      text = text.replace(f"Argument `{argument}`", f"Config `{key}`")
      text = text.replace(f"`{argument}`=", f"`{key}`=").replace(f" {argument}=", f" {key}=")
    raise InputError(text) from None
