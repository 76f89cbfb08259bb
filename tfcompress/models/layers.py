"""Walking models that nest other models (teacher ensembles, keras.applications bases)."""
from tfcompress._keras import keras


def leaf_layers(model):
  """Every layer of `model` that is not itself a model, depth first, in order."""
  for layer in model.layers:
    if isinstance(layer, keras.Model):
      yield from leaf_layers(layer)
    else:
      yield layer
