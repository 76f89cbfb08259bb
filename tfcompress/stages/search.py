"""The search stage: the most accurate model that fits a device budget (`target`).

Candidates are the input model at several widths (`search.keep`: the share of every
prunable layer's channels kept, chosen by `channels.criterion`) in each mode of
`search.modes`. Size, tensor arena and multiply-accumulates do not depend on the weights,
so every candidate is converted and measured in TFLite Micro first, untrained, and those
over the budget are never trained. The widest `search.trials` that fit are fine-tuned
briefly (through the Distiller as `search.distill` says) and scored as .tflite files on the
validation split (never test). The winner is checked again in TFLite Micro, on the test
images, against the budget, and becomes the stage's .tflite output (export ships it).

Each trained candidate is a folder with its model, its file and `result.json` (written
last): a search that is interrupted picks up the finished candidates.

KerasTuner (1.4, which honours TF_USE_LEGACY_KERAS and so runs tf_keras) was considered:
its oracles search open spaces; this one is a short list of widths, most of it ruled out
by size before any training, and resumed per candidate like every other artifact here.
"""
import hashlib
import json
import os
import time

from absl import logging

from tfcompress import artifacts
from tfcompress import export
from tfcompress import layout
from tfcompress import quantize
from tfcompress._keras import keras
from tfcompress.config import MICRO_MODES
from tfcompress.errors import InputError
from tfcompress.evaluate import energy
from tfcompress.evaluate.metrics import validation_scores
from tfcompress.prune import channel_rebuild
from tfcompress.prune import channels as channels_lib
from tfcompress.report import plots
from tfcompress.stages import channels as channels_stage
from tfcompress.stages import context
from tfcompress.stages import fitting
from tfcompress.stages import graph
from tfcompress.stages import quantize as quantize_stage
from tfcompress.tflite_file import TFLiteModel

_PROBE_IMAGES = 16  # Images the untrained candidates run in TFLite Micro (arena only).


def budget(config):
  """{"flash_bytes", "arena_bytes", "macs"}: the `target` limits (None: no limit); a board
  fills flash and arena, and an explicit field overrides it."""
  t = config.target
  limits = {"flash_bytes": None, "arena_bytes": None, "macs": None}
  if t.board:
    with_board = export.BOARDS[t.board]
    limits.update(flash_bytes=with_board["flash_budget_bytes"],
                  arena_bytes=with_board["ram_budget_bytes"])
  for key in limits:
    if t[key]:
      limits[key] = int(t[key])
  return limits


def _over(row, limits):
  """The limits `row` breaks, as text (empty: it fits)."""
  over = [f"{k} {row[k] if row[k] is None else format(row[k], ',')} > {v:,}"
          for k, v in limits.items() if v is not None and (row[k] is None or row[k] > v)]
  return "; ".join(over)


def _none_fits(rows, limits, when=""):
  """The error for a search none of whose measured `rows` fits `limits`."""
  row = min(rows, key=lambda r: r["flash_bytes"])
  return InputError(f"No candidate fits the target {limits}: the smallest (keep "
                    f"{row['keep']:g}, {row['mode']}) has {row.get('over') or _over(row, limits)}"
                    f"{when}. Relax `target`; smaller widths in `search.keep` help only while "
                    "the layers, not the file's fixed part, fill it.")


def _candidate(model, keep, criterion, images):
  """A new model at width `keep` (at 1.0 a copy): training one never touches `model`."""
  if keep >= 1.0:
    copy = keras.models.clone_model(model)
    copy.set_weights(model.get_weights())
    return copy
  scores = channels_lib.channel_scores(model, criterion, images)
  kept = channels_lib.keep_channels(model, scores, 1.0 - keep, scope="layer", floor=keep)
  return channel_rebuild.shrink(model, kept)


def _measure(config, splits, slim, keep, mode, calibration):
  """The file of `slim` in `mode` and its row: bytes, arena, MACs (none depend on the
  weights, so an untrained model measures as its trained self)."""
  content = quantize.convert(slim, mode, calibration, per_channel=config.quantize.per_channel)
  probe = export.tflm_check(content, splits.x_val[:_PROBE_IMAGES])
  return content, {"keep": keep, "mode": mode, "flash_bytes": len(content),
                   "arena_bytes": probe["tflm_arena_bytes"],
                   "macs": energy.inference_cost(slim, mode)["macs"],
                   "params": int(slim.count_params()), "tflm_ok": probe["tflm_ok"]}


def _settings(run):
  """What a trained candidate depends on besides its width and mode."""
  s = run.config.search
  source = json.dumps(run.input()[1], sort_keys=True, default=str).encode()
  teach = run.teaches()
  teacher = [m for _, m in run.outputs("teacher")] if teach else []
  teacher_files = json.dumps(teacher, sort_keys=True, default=str).encode()
  return {"epochs": s.epochs, "learning_rate": s.learning_rate, "distill": teach,
          "criterion": run.config.channels.criterion, "seed": run.seed,
          "source": run.input()[0]["path"], "source_sha256": hashlib.sha256(source).hexdigest(),
          "teacher_sha256": hashlib.sha256(teacher_files).hexdigest(),
          "per_channel": run.config.quantize.per_channel,
          "calibration_images": run.config.quantize.calibration_images}


def _train(run, row, model, calibration, images):
  """Fine-tunes one candidate, or reads it back when it finished before; adds val scores."""
  s = run.config.search
  folder = run.out("candidates", f"keep{row['keep']:g}_{row['mode']}")
  result_path = os.path.join(folder, "result.json")
  settings = _settings(run)
  done = artifacts.read_json(result_path)
  if done and done.get("settings") == settings:
    logging.info("Search candidate %s already trained.", folder)
    return dict(done["row"], reused=True)
  run.restart()  # The same data order whichever candidates ran before.
  start = time.time()
  with run.strategy.scope():
    slim = _candidate(model, row["keep"], run.config.channels.criterion, images)
  fitted, _ = fitting.train_student(run, slim, s.epochs, fitting.teaching(run),
                                    s.learning_rate,
                                    log_sub=(f"keep{row['keep']:g}_{row['mode']}",),
                                    keep_start=True)
  content = quantize.convert(slim, row["mode"], calibration,
                             per_channel=run.config.quantize.per_channel)
  val = validation_scores(run.splits.y_val, TFLiteModel(content).predict(run.splits.x_val))
  artifacts.save_model(slim, os.path.join(folder, layout.MODEL))
  path = artifacts.write_bytes(os.path.join(folder, "model.tflite"), content)
  row = dict(row, trained=True, val=val, seconds=time.time() - start,
             kept_epoch=fitted.selection().get("best_epoch"),
             tflite=layout.relative(run.workdir, path))
  artifacts.write_json(result_path, {"settings": settings, "row": row})
  return row


def search_stage(run):
  """Measures every width and mode, trains the widest that fit, ships the best on val."""
  c = run.config
  limits = budget(c)
  model = run.load_model()
  source_name = run.input()[0]["name"]
  calibration = run.train_images(c.quantize.calibration_images)
  images = run.train_images(c.channels.calibration_images)
  start = time.time()
  rows = []
  for keep in sorted(set(c.search.keep), reverse=True):
    slim = _candidate(model, keep, c.channels.criterion, images)
    for mode in c.search.modes:
      _, row = _measure(c, run.splits, slim, keep, mode, calibration)
      row["over"] = _over(row, limits) or (None if row["tflm_ok"] else "TFLite Micro refuses it")
      rows.append(row)
      logging.info("Search: keep %g %s: %d bytes, arena %s, %d MACs: %s", keep, mode,
                   row["flash_bytes"], row["arena_bytes"], row["macs"],
                   row["over"] or "fits")
  fitting_rows = [r for r in rows if not r["over"]][:c.search.trials]
  if not fitting_rows:
    raise _none_fits(rows, limits)
  monitor, sign = context.monitor_key(c)
  trained = []
  for row in fitting_rows:
    row.update(_train(run, row, model, calibration, images))
    row["score"] = sign * row["val"][monitor]
    trained.append(row)
  winner = max(trained, key=lambda r: (r["score"], -r["flash_bytes"]))
  with open(layout.absolute(run.workdir, winner["tflite"]), "rb") as f:
    content = f.read()
  check = export.tflm_check(content, run.splits.x_test)
  verified = dict(winner, flash_bytes=len(content), arena_bytes=check["tflm_arena_bytes"])
  broken = _over(verified, limits) or check["tflm_reason"]
  if not check["tflm_ok"] or broken:
    raise InputError(f"The search's winner (keep {winner['keep']:g}, {winner['mode']}) failed "
                     f"its final check in TFLite Micro: {broken}. Relax `target` a little.")
  # Time spent here, plus the training of candidates read back from an earlier run.
  seconds = time.time() - start + sum(r["seconds"] for r in trained if r.get("reused"))
  name = f"{source_name}_w{round(100 * winner['keep'])}_{winner['mode']}"  # keep 0.25: w25
  path = artifacts.write_bytes(run.out(f"{name}.tflite"), content)
  slim = artifacts.load_model(layout.absolute(
      run.workdir, os.path.join(os.path.dirname(winner["tflite"]), layout.MODEL)))
  reference_name, reference_model = quantize_stage.reference(run)
  reference = quantize.convert(reference_model, "float32")
  product = quantize_stage.tflite_product(run, content, name, winner["mode"], path,
                                          len(reference), slim)
  product.metrics.update(
      budget=limits, candidates=rows,
      pareto=[(r["keep"], r["mode"]) for _, _, r in plots.pareto_front(
          [(r["flash_bytes"], r["score"], r) for r in trained])],
      winner={k: winner[k] for k in ("keep", "mode", "flash_bytes", "macs", "val")},
      tflm_verified=check, search_seconds=seconds, params=winner["params"],
      cost_vs_distill=_cost_ratio(run, seconds), reference=reference_name, taught=run.teaches())
  logging.info("Search: %s fits (%d bytes, arena %d), val %s %.4f, test accuracy %.4f",
               name, len(content), check["tflm_arena_bytes"], monitor, winner["val"][monitor],
               product.metrics["accuracy"])
  return [product]


def _cost_ratio(run, seconds):
  """Search time over the distill stage's time (one distillation of the full student)."""
  done = artifacts.read_json(layout.done_file(run.workdir, "distill", run.seed))
  return seconds / done["seconds"] if done and done.get("seconds") else None


def _check(config, splits):
  t = config.target
  if t.board and t.board not in export.BOARDS:
    raise InputError(f"Config `target.board` must be one of {', '.join(sorted(export.BOARDS))} "
                     f"or ''. Received: target.board={t.board!r}")
  if not any(budget(config).values()):
    raise InputError("Stage `search` needs a budget: set `target.flash_bytes`, "
                     "`target.arena_bytes`, `target.macs` or `target.board`.")
  bad = [m for m in config.search.modes if m not in MICRO_MODES]
  if bad or not config.search.modes:
    raise InputError(f"Config `search.modes` may name {', '.join(MICRO_MODES)} (what TFLite "
                     f"Micro runs). Received: search.modes={tuple(config.search.modes)!r}")
  if not config.search.keep or not all(0 < k <= 1 for k in config.search.keep):
    raise InputError("Config `search.keep` must list shares in (0, 1], e.g. (1.0, 0.5, 0.25). "
                     f"Received: search.keep={tuple(config.search.keep)!r}")
  slim = channels_stage.check_prunable(config, splits, min(config.search.keep))
  rows = [_measure(config, splits, slim, min(config.search.keep), mode,
                   splits.x_train[:_PROBE_IMAGES])[1] for mode in config.search.modes]
  limits = budget(config)  # Size and arena do not depend on the weights: known now.
  if all(_over(row, limits) for row in rows):
    raise _none_fits(rows, limits, ", measured before anything trains")


graph.register(graph.Stage(
    name="search", run=search_stage, distill="search.distill",
    inputs=("student", "distill"), source="search.source",
    check=_check, curves=False,
    uses=("student",), reads=("quantize", "channels", "target"),
    doc="the most accurate width and mode that fits `target` (flash, arena, MACs), on val"))
