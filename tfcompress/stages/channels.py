"""The channels stage: whole filters and units removed, a smaller model fine-tuned.

Its input is the model `channels.source` names. Each of `channels.iterations` rounds
scores the channels (`channels.criterion`), removes a share of them so that after the
last round `channels.ratio` of the prunable channels are gone, and fine-tunes the smaller
model (through the Distiller as `channels.distill` says, `fitting.teaching`), keeping its
best validation epoch (the smaller model before fine-tuning competes as epoch 0). The
int8 files of the input and of the result are then measured side by side: bytes,
accuracy, TFLite Micro arena and the LiteRT and TFLite Micro latencies.
"""
import math

from absl import logging

from tfcompress import artifacts
from tfcompress import layout
from tfcompress import quantize
from tfcompress.errors import config_keys
from tfcompress.evaluate import device
from tfcompress.evaluate import energy
from tfcompress.prune import channel_graph
from tfcompress.prune import channel_rebuild
from tfcompress.prune import channels as channels_lib
from tfcompress.prune.sweep import recalibrate_batch_norm
from tfcompress.stages import fitting
from tfcompress.stages import graph
from tfcompress.stages import student


def _rounds(run, model, images):
  """Prunes and fine-tunes `model` round by round; returns (the smaller model, fitted)."""
  c = run.config.channels
  with config_keys(layer_ratios="channels.layer_ratios"):
    ratios = channels_lib.parse_ratios(c.layer_ratios)
  groups = [g for g in channel_graph.channel_groups(model) if g.reason is None]
  minimum = {g.name: max(1, math.ceil(c.floor * g.channels)) for g in groups}  # Of the input.
  keep_share = 1.0 - c.ratio
  fitted = None
  for i in range(1, c.iterations + 1):
    step = 1.0 - keep_share ** (1.0 / c.iterations)  # Of what the last round left.
    scores = channels_lib.channel_scores(model, c.criterion, images)
    with config_keys(layer_ratios="channels.layer_ratios", ratio="channels.ratio"):
      keep = channels_lib.keep_channels(
          model, scores, step, c.scope, c.floor,
          {k: 1.0 - (1.0 - r) ** (1.0 / c.iterations) for k, r in ratios.items()}, minimum)
    with run.strategy.scope():
      model = channel_rebuild.shrink(model, keep)
    recalibrate_batch_norm(model, images)
    logging.info("Channels round %d: %s", i, channel_graph.channel_counts(model))
    sub = (f"round_{i}",) if c.iterations > 1 else ()
    round_fitted, _ = fitting.train_student(run, model, c.epochs, fitting.teaching(run),
                                            c.learning_rate, log_sub=sub, keep_start=True)
    fitted = round_fitted.after(fitted)
  return model, fitted


def _on_device(run, before, after, name):
  """int8 files of the input and the result, measured side by side."""
  s = run.splits
  calibration = run.train_images(run.config.quantize.calibration_images)
  files = {}
  for label, model in (("before", before), ("after", after)):
    files[label] = quantize.convert(model, "int8", calibration,
                                    per_channel=run.config.quantize.per_channel)
    artifacts.write_bytes(run.out(f"{name}_{label}_int8.tflite"), files[label])
  rows = device.compare(files, s.x_test, s.y_test, run.config.channels.latency_repeats)
  after_row = rows["after"]
  tflm = after_row["tflm_speedup"]  # None when TFLite Micro runs neither file.
  logging.info("On device, int8: %d -> %d bytes, arena %s -> %s, LiteRT %.2fx and TFLite "
               "Micro %s faster", rows["before"]["bytes"], after_row["bytes"],
               rows["before"]["tflm_arena_bytes"], after_row["tflm_arena_bytes"],
               after_row["litert_speedup"], "-" if tflm is None else f"{tflm:.2f}x")
  return rows


def channels_stage(run):
  """Removes channels of the input model (`channels.source`) and fine-tunes the result."""
  c = run.config.channels
  model = run.load_model()
  source_name = run.input()[0]["name"]
  images = run.train_images(c.calibration_images)
  before = channel_graph.channel_counts(model)
  slim, fitted = _rounds(run, model, images)
  out = artifacts.save_model(slim, run.out(layout.MODEL))
  params_before = int(model.count_params())
  return [run.product(slim, f"{source_name}_slim", out, fitted, criterion=c.criterion,
                      ratio=c.ratio, channels_before=before,
                      channels_after=channel_graph.channel_counts(slim),
                      params_before=params_before,
                      macs_before=energy.inference_cost(model)["macs"],
                      params_ratio=params_before / max(1, slim.count_params()),
                      kept_whole={g.name: g.reason
                                  for g in channel_graph.channel_groups(model) if g.reason},
                      device=_on_device(run, model, slim, source_name))]


def check_prunable(config, splits, keep=None):
  """The configured student's channels can be pruned and the smaller model rebuilt, before
  anything trains: at the configured ratio, or every layer at share `keep`. Returns the
  smaller model (untrained)."""
  c = config.channels
  model = student.build(config, splits)
  scores = channels_lib.channel_scores(model, "l1")
  with config_keys(layer_ratios="channels.layer_ratios"):
    if keep is None:
      kept = channels_lib.keep_channels(model, scores, c.ratio, c.scope, c.floor,
                                        channels_lib.parse_ratios(c.layer_ratios))
    else:
      kept = channels_lib.keep_channels(model, scores, 1.0 - keep, "layer", keep)
  return channel_rebuild.shrink(model, kept)


def _check(config, splits):
  """The student's channels can be pruned as configured (layers it cannot carry, ratios)."""
  check_prunable(config, splits)


graph.register(graph.Stage(
    name="channels", run=channels_stage, distill="channels.distill",
    inputs=("student", "distill"), source="channels.source", check=_check, reads=("quantize",),
    doc="channel pruning: whole filters and units removed, the smaller model fine-tuned"))
