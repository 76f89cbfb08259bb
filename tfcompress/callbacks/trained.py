"""The model a callback prunes, measures or exports."""


def trained(model):
  """A Distiller's student (not its frozen teacher), else the model itself."""
  return getattr(model, "student", model)
