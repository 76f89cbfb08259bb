"""int4 weights through the LiteRT quantizer (PyPI `ai-edge-quantizer`), from a float32 file.

- `int4_weights`: weight-only int4 (the kernels are stored in 4 bits and expanded to float
  when the interpreter loads them; activations stay float). LiteRT runs it; TFLite Micro
  has no float DEQUANTIZE of int4 and refuses it.
- `int4x8`: static int8 activations and weights, with 4-bit kernels for CONV_2D. TFLite
  Micro (the PyPI `tflite-micro` build) takes int4 filters in convolutions but not in
  FULLY_CONNECTED ("filter->type != kTfLiteInt4"), so dense layers keep int8 kernels;
  the quantizer (0.10) has no int4 policy for DEPTHWISE_CONV_2D, which keeps int8 too.

Example:
  small = int4(convert(model, "float32"), "int4x8", x_train[:256])
"""
import numpy as np

from tfcompress.errors import InputError
from tfcompress.tflite_file import TFLiteModel

INT4_MODES = ("int4_weights", "int4x8")


def _recipe(mode):
  from ai_edge_quantizer import recipe  # pylint: disable=g-import-not-at-top
  from ai_edge_quantizer import recipe_manager  # pylint: disable=g-import-not-at-top
  if mode == "int4_weights":
    return recipe.weight_only_wi4_afp32()
  ops = recipe.TFLOperationName
  manager = recipe_manager.RecipeManager()
  manager.add_static_config(regex=".*", operation_name=ops.ALL_SUPPORTED,
                            activation_num_bits=8, weight_num_bits=8)
  manager.add_static_config(regex=".*", operation_name=ops.CONV_2D, activation_num_bits=8,
                            weight_num_bits=4)
  return manager.get_quantization_recipe()


def int4(float_content, mode, representative_images=None):
  """The float32 .tflite `float_content` with int4 kernels, as `mode` says.

  Args:
    float_content: a float32 .tflite file.
    mode: "int4_weights" or "int4x8".
    representative_images: raw calibration images; needed by "int4x8".

  Returns:
    The .tflite bytes.

  Raises:
    InputError: an unknown mode, or "int4x8" without calibration images.

  Example:
    int4(float_bytes, "int4_weights")
  """
  if mode not in INT4_MODES:
    raise InputError(f"Argument `mode` must be one of {', '.join(INT4_MODES)}. "
                     f"Received: mode={mode!r}")
  from ai_edge_quantizer import quantizer  # pylint: disable=g-import-not-at-top
  engine = quantizer.Quantizer(bytes(float_content))
  engine.load_quantization_recipe(_recipe(mode))
  if mode == "int4_weights":
    return bytes(engine.quantize().quantized_model)
  if representative_images is None or not len(representative_images):
    raise InputError("int4x8 quantization needs calibration data: pass "
                     "`representative_images` (a few hundred training images).")
  runner = TFLiteModel(float_content).interpreter
  signature = next(iter(runner.get_signature_list()))
  name = next(iter(runner.get_signature_runner(signature).get_input_details()))
  images = np.asarray(representative_images, np.float32)
  calibration = engine.calibrate({signature: [{name: images[i:i + 1]}
                                              for i in range(len(images))]})
  return bytes(engine.quantize(calibration).quantized_model)
