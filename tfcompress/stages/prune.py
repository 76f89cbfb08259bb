"""The prune stage: std-dev pruning with an alpha sweep, or TFMOT; then prune-and-retrain.

Its input is the model `prune.source` names (with "best", the better of the distilled and
the conventional student on validation). Retraining keeps the best validation epoch; the
masks are held in every epoch, so the kept weights are pruned as much as the last ones.
"""
from tfcompress import artifacts
from tfcompress import callbacks as callbacks_lib
from tfcompress import prune
from tfcompress.stages import context


def _retrain(run, model, callbacks, first_epoch=0, log_sub=()):
  c = run.config.prune
  logger = callbacks_lib.SparsityLogger(run.log_dir("prune", *log_sub, "sparsity"))
  fitted, _ = context.train_student(run, model, c.epochs, c.distill, c.learning_rate,
                                    [*callbacks, logger], "prune", first_epoch, log_sub)
  return fitted


def _stddev(run, model):
  c = run.config.prune
  s = run.splits
  rows, chosen, pruned, masks = prune.alpha_sweep(
      model, s.x_val, s.y_val, run.train_images(c.calibration_images), c.alphas, c.scope,
      c.rule, c.tolerance)
  swept = prune.sparsity_summary(pruned)
  fitted = _retrain(run, pruned, [prune.HoldMasks(masks)])
  prune.apply_masks(masks)
  details = {"sweep": rows, "chosen": chosen, "swept_layer_sparsity": swept["layer_sparsity"]}
  return pruned, fitted, details


def _tfmot(run, model):
  c = run.config.prune
  epoch_steps = run.steps(run.passes(c.epochs))
  end_step = max(1, int(c.epochs * epoch_steps * 0.7))
  schedule = prune.make_schedule(c.schedule, c.target_sparsity, end_step)
  with run.strategy.scope():
    wrapped = prune.prune_model(model, schedule, tuple(c.m_by_n) or None)
  # Only epochs that end after the schedule reached its target may be kept.
  first = -(-end_step // epoch_steps) - 1
  fitted = _retrain(run, wrapped, [prune.update_step_callback()], first_epoch=first)
  return prune.strip(wrapped), fitted, {"target_sparsity": c.target_sparsity,
                                        "schedule": c.schedule, "m_by_n": list(c.m_by_n)}


def _iterative(run, model):
  c = run.config.prune
  targets = prune.parse_targets(c.layer_targets, c.target_sparsity, model)
  history, fitted = {}, None
  for i in range(1, c.iterations + 1):
    masks = prune.magnitude_masks(model, prune.round_targets(targets, i, c.iterations))
    prune.apply_masks(masks)
    fitted = _retrain(run, model, [prune.HoldMasks(masks)], log_sub=(f"round_{i}",))
    prune.apply_masks(masks)
    history = {k: history.get(k, []) + v for k, v in fitted.history.items()}
  fitted.history = history
  return model, fitted, {"targets": targets, "iterations": c.iterations}


def prune_stage(run):
  """Prunes the model `prune.source` picks and retrains it."""
  source = context.compression_source(run)
  model = artifacts.load_model(run.path(source, "model.keras"))
  method = {"stddev": _stddev, "tfmot": _tfmot, "iterative": _iterative}[run.config.prune.method]
  pruned, fitted, details = method(run, model)
  summary = prune.sparsity_summary(pruned)
  out = artifacts.save_model(pruned, run.path("prune", "model.keras"))
  return [context.entry(run, pruned, "pruned", "prune", out, fitted,
                        method=run.config.prune.method, source=run.model_name(source),
                        **summary, **details)]
