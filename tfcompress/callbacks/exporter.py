"""`Exporter`: writes .tflite files and a C array when training ends."""
import os

from absl import logging

from tfcompress import artifacts
from tfcompress._keras import keras
from tfcompress.callbacks.trained import trained
from tfcompress.errors import InputError


class Exporter(keras.callbacks.Callback):
  """At the end of `fit()`, converts the model and writes what a device needs.

  Writes `OUT_DIR/NAME_MODE.tflite` for each mode and, when `c_array` is set, the first
  of the modes TFLite Micro runs (int8, int16x8, int4x8, float32, in that order) as
  `NAME.h`/`NAME.cc`. TFMOT pruning wrappers are stripped first; a Distiller is exported
  as its student. `self.paths` lists the written files.

  Args:
    out_dir: where to write.
    modes: TFLite modes, any of `tfcompress.config.MODES` (float32, dynamic, float16, int8,
      int16x8, int4_weights, int4x8).
    representative_images: raw training images to calibrate int8, int16x8 and int4x8
      (needed for those).
    c_array: also write a C array for microcontrollers.
    class_names: labels embedded in the C array.
    name: file name stem and C identifier.

  Raises:
    InputError: no or unknown `modes`, int8 without `representative_images`, or (with
      `c_array`) a `name` that is not a C identifier or no mode TFLite Micro runs; all
      before training starts.

  Example:
    model.fit(ds, epochs=5, callbacks=[
        Exporter("export", modes=("float32", "int8"), representative_images=x[:200])])
  """

  def __init__(self, out_dir, modes=("float32", "int8"), representative_images=None,
               c_array=True, class_names=(), name="model"):
    super().__init__()
    from tfcompress.config import CALIBRATED  # pylint: disable=g-import-not-at-top
    from tfcompress.config import MICRO_MODES  # pylint: disable=g-import-not-at-top
    from tfcompress.quantize import MODES  # pylint: disable=g-import-not-at-top
    unknown = [m for m in modes if m not in MODES]
    if unknown or not modes:
      raise InputError(f"Argument `modes` may name {', '.join(MODES)}. Received: {modes!r}")
    calibrated = [m for m in modes if m in CALIBRATED]
    if calibrated and representative_images is None:
      raise InputError(f"Argument `representative_images` is needed for {calibrated[0]}: "
                       "pass a few hundred raw training images.")
    from tfcompress.export import c_array as c_array_lib  # pylint: disable=g-import-not-at-top
    self.micro_mode = next((m for m in MICRO_MODES if m in modes), None)
    if c_array:
      c_array_lib._check_name(name)  # pylint: disable=protected-access  (fail before fit)
      if self.micro_mode is None:
        raise InputError(f"Argument `c_array` needs one of {', '.join(MICRO_MODES)} in "
                         "`modes`: TFLite Micro runs no dynamic-range, float16 or "
                         f"int4_weights file. Received: modes={tuple(modes)!r}; add int8, or "
                         "pass c_array=False.")
    self.out_dir = out_dir
    self.modes = tuple(modes)
    self.representative_images = representative_images
    self.c_array = c_array
    self.class_names = tuple(class_names)
    self.name = name
    self.paths = []

  def on_train_begin(self, logs=None):
    self.paths = []

  def on_train_end(self, logs=None):
    from tfcompress import export  # pylint: disable=g-import-not-at-top
    from tfcompress import prune  # pylint: disable=g-import-not-at-top
    from tfcompress import quantize  # pylint: disable=g-import-not-at-top
    model = prune.strip(trained(self.model))
    contents = {}
    for mode in self.modes:
      contents[mode] = quantize.convert(model, mode, self.representative_images)
      path = os.path.join(self.out_dir, f"{self.name}_{mode}.tflite")
      self.paths.append(artifacts.write_bytes(path, contents[mode]))
    if self.c_array:
      self.paths += export.write_c_array(contents[self.micro_mode], self.out_dir, self.name,
                                         self.class_names)
    logging.info("Exporter wrote %s", ", ".join(self.paths))
