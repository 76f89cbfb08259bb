"""Where quantization hurts: each layer's output in the .tflite file against the float model.

The shipped file is run in LiteRT with every intermediate tensor kept; each quantized
activation tensor is matched to the Keras layer whose name it carries (a fused
conv + batch norm + ReLU carries the ReLU's), dequantized and compared with that layer's
float output on the same images. LiteRT's `QuantizationDebugger` does this for int8 but
re-converts the model and, in TensorFlow 2.21, reports int8 statistics for a 16x8
converter too; reading the file itself works for both.

`selective_int8` keeps the named layers in float (through the debugger's denylist), the
fix LiteRT documents for a layer that quantizes badly.

Example:
  rows = layer_errors(int8_bytes, model, x_val[:64])
  rows[0]  # the worst: {"layer": "relu3", "added_error": 0.004, ...}
"""
import numpy as np
from ai_edge_litert import interpreter as litert

from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.errors import InputError
from tfcompress.tflite_file import check_tflite


def _layer_of(tensor_name, names):
  """The Keras layer a tensor came from: the first name part that is a layer's name."""
  for part in tensor_name.split(";")[0].split("/"):
    if part in names:
      return part
  return None


def layer_errors(content, model, images):
  """Per layer: the error its quantized output carries, worst first.

  Args:
    content: a full-integer .tflite file (int8 or int16x8) converted from `model`.
    model: the float Keras model.
    images: raw images (N, H, W, C), e.g. 64 validation images.

  Returns:
    A list of {"layer", "tensor", "dtype", "scale", "rmse", "rmse_over_scale",
    "relative_rmse", "added_error"}, from the layer that adds the most error to the
    least. `relative_rmse` is the RMSE of the layer's output over the float output's
    standard deviation: the error accumulated up to there; `added_error` is that minus
    the same figure at the layer's input (what this layer adds). `rmse_over_scale` near
    0.29 (1/sqrt(12)) is plain rounding.

  Raises:
    InputError: not a .tflite file, or images of another shape than the model's input.

  Example:
    worst = layer_errors(content, model, x_val[:64])[0]["layer"]
  """
  content = check_tflite(content)
  images = np.asarray(images, np.float32)
  if images.ndim != 4 or images.shape[1:] != tuple(model.input_shape[1:]):
    raise InputError(f"`images` must have shape (N, {tuple(model.input_shape[1:])}). "
                     f"Received: {images.shape}")
  runner = litert.Interpreter(
      model_content=content, experimental_preserve_all_tensors=True,
      experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
  source = runner.get_input_details()[0]
  runner.resize_tensor_input(source["index"], [len(images), *source["shape"][1:]])
  runner.allocate_tensors()
  scale, zero = source["quantization"]
  info = np.iinfo(source["dtype"])
  runner.set_tensor(source["index"], np.clip(np.round(images / scale + zero), info.min,
                                             info.max).astype(source["dtype"]))
  runner.invoke()
  names = {layer.name for layer in model.layers}
  output_index = runner.get_output_details()[0]["index"]
  outputs = {int(i) for op in runner._get_ops_details() for i in op["outputs"]}  # pylint: disable=protected-access
  found = {}
  for t in runner.get_tensor_details():
    t_scale, t_zero = t["quantization"]
    if (not t_scale or t["index"] not in outputs or t["index"] == source["index"]
        or len(t["shape"]) < 2):  # Activations only: no kernels, even per-tensor ones.
      continue
    layer = model.layers[-1].name if t["index"] == output_index else _layer_of(t["name"], names)
    if layer is None or t["shape"][0] != len(images):
      continue
    found[layer] = (t, (runner.get_tensor(t["index"]).astype(np.float32) - t_zero) * t_scale)
  probe = keras.Model(model.inputs, [model.get_layer(n).output for n in found])
  floats = probe(tf.constant(images), training=False)
  floats = floats if isinstance(floats, (list, tuple)) else [floats]
  rows = {}
  for (layer, (t, quantized)), exact in zip(found.items(), floats):
    exact = np.asarray(exact, np.float32).reshape(quantized.shape)
    rmse = float(np.sqrt(np.mean((quantized - exact) ** 2)))
    rows[layer] = {"layer": layer, "tensor": t["name"], "dtype": np.dtype(t["dtype"]).name,
                   "scale": float(t["quantization"][0]), "rmse": rmse,
                   "rmse_over_scale": rmse / float(t["quantization"][0]),
                   "relative_rmse": rmse / max(float(np.std(exact)), 1e-12)}
  parents = _parents(model)
  for layer, row in rows.items():
    before = parents.get(layer)
    while before is not None and before not in rows:
      before = parents.get(before)
    row["added_error"] = row["relative_rmse"] - (rows[before]["relative_rmse"] if before else 0.0)
  return sorted(rows.values(), key=lambda r: -r["added_error"])


def _parents(model):
  """{layer: the layer its first input comes from} of a functional model."""
  parents = {}
  for c in model.get_config()["layers"]:
    nodes = c.get("inbound_nodes") or []
    if nodes and nodes[0]:
      parents[c["name"]] = nodes[0][0][0]
  return parents


def selective_int8(model, representative_images, float_tensors):
  """An int8 file with the ops that output `float_tensors` left in float.

  Args:
    model: the float Keras model.
    representative_images: raw calibration images.
    float_tensors: tensor names from `layer_errors(...)["tensor"]`.

  Returns:
    The .tflite bytes (float input and output; int8 elsewhere).

  Example:
    worst = [r["tensor"] for r in layer_errors(content, model, x_val[:64])[:1]]
    mixed = selective_int8(model, x_train[:256], worst)
  """
  images = np.asarray(representative_images, np.float32)

  def dataset():
    for i in range(len(images)):
      yield [images[i:i + 1]]

  converter = tf.lite.TFLiteConverter.from_keras_model(model)
  converter.optimizations = [tf.lite.Optimize.DEFAULT]
  converter.representative_dataset = dataset
  options = tf.lite.experimental.QuantizationDebugOptions(denylisted_nodes=list(float_tensors))
  debugger = tf.lite.experimental.QuantizationDebugger(converter=converter,
                                                       debug_dataset=dataset,
                                                       debug_options=options)
  return debugger.get_nondebug_quantized_model()
