"""tfcompress: distill, prune and quantize Keras image classifiers for phones and MCUs.

Names are imported on first use, so `import tfcompress` (and config files) stay free of
TensorFlow until a model is touched. Everything else lives in the subpackages.

Example:
  import tfcompress
  s = tfcompress.load(tfcompress.base_config().data)  # the shipped PneumoniaMNIST
  student = tfcompress.build_student("paper_cnn", s.input_shape, s.num_classes)
  distiller = tfcompress.Distiller(student, teacher, temperature=4.0)  # teacher: any logits model
  distiller.compile(optimizer="adam", metrics=["accuracy"])
  distiller.fit(s.x_train, s.y_train, epochs=10)
  rows, chosen, pruned, masks = tfcompress.alpha_sweep(student, s.x_val, s.y_val)
  int8_bytes = tfcompress.convert(pruned, "int8", representative_images=s.x_train[:200])
  report = tfcompress.run(tfcompress.base_config(), "runs/api")  # or all of it at once
"""
import importlib
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")  # Keras 2 even if TensorFlow comes next.

# Public name -> "module:attribute" it is imported from on first use.
_EXPORTS = {
    "run": "tfcompress.pipeline:run",
    "base_config": "tfcompress.config:base_config",
    "InputError": "tfcompress.errors:InputError",
    "CollapseError": "tfcompress.errors:CollapseError",
    "Stage": "tfcompress.stages.graph:Stage",
    "register": "tfcompress.stages.graph:register",
    "Distiller": "tfcompress.distill:Distiller",
    "kd_loss": "tfcompress.distill:kd_loss",
    "prune_model": "tfcompress.prune.tfmot_pruning:prune_model",
    "strip_pruning": "tfcompress.prune.tfmot_pruning:strip",
    "make_schedule": "tfcompress.prune.tfmot_pruning:make_schedule",
    "update_step_callback": "tfcompress.prune.tfmot_pruning:update_step_callback",
    "stddev_masks": "tfcompress.prune.stddev:stddev_masks",
    "apply_masks": "tfcompress.prune.stddev:apply_masks",
    "HoldMasks": "tfcompress.prune.stddev:HoldMasks",
    "sparsity_summary": "tfcompress.prune.stddev:sparsity_summary",
    "alpha_sweep": "tfcompress.prune.sweep:alpha_sweep",
    "prune_channels": "tfcompress.prune.channels:prune_channels",
    "channel_scores": "tfcompress.prune.channels:channel_scores",
    "keep_channels": "tfcompress.prune.channels:keep_channels",
    "shrink": "tfcompress.prune.channel_rebuild:shrink",
    "magnitude_masks": "tfcompress.prune.iterative:magnitude_masks",
    "cluster_model": "tfcompress.quantize.clustering:cluster_model",
    "strip_clustering": "tfcompress.quantize.clustering:strip",
    "convert": "tfcompress.quantize.convert:convert",
    "encode_tflite": "tfcompress.quantize.container:encode_tflite",
    "decode_tflite": "tfcompress.quantize.container:decode_tflite",
    "write_c_array": "tfcompress.export:write_c_array",
    "tflm_check": "tfcompress.export:tflm_check",
    "android_bundle": "tfcompress.export:android_bundle",
    "fits": "tfcompress.export:fits",
    "BestCheckpoint": "tfcompress.callbacks:BestCheckpoint",
    "Exporter": "tfcompress.callbacks:Exporter",
    "SparsityLogger": "tfcompress.callbacks:SparsityLogger",
    "StdDevPruning": "tfcompress.callbacks:StdDevPruning",
    "WeightAverage": "tfcompress.callbacks:WeightAverage",
    "build_student": "tfcompress.models:build_student",
    "load_trained": "tfcompress.models.trained:load",
    "TFLiteModel": "tfcompress.tflite_file:TFLiteModel",
    "build_member": "tfcompress.models:build_member",
    "ensemble": "tfcompress.models:ensemble",
    "load": "tfcompress.data:load",
    "load_npz": "tfcompress.data:load_npz",
    "load_image_folder": "tfcompress.data:load_image_folder",
    "classification_metrics": "tfcompress.evaluate:classification_metrics",
    "evaluate_model": "tfcompress.evaluate:evaluate_model",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
  if name not in _EXPORTS:
    raise AttributeError(f"module 'tfcompress' has no attribute {name!r}")
  module, attribute = _EXPORTS[name].split(":")
  return getattr(importlib.import_module(module), attribute)
