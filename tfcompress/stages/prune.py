"""The prune stage: std-dev pruning with an alpha sweep, or TFMOT; then prune-and-retrain.

Its input is the model `prune.source` names (with "best", the better of the configured
distilled and conventional students on validation). Retraining keeps the best validation
epoch; the masks are held in every epoch, so the kept weights are pruned as much as the
last ones. After the std-dev sweep, the pruned model it chose is kept instead when it
beats every retraining epoch by more than `prune.start_margin` (retraining that wrecks
it); by less, the retrained model is kept: the sweep picked that model on the same
validation images, so its score is high by luck (BUILD_NOTES).
"""
from tfcompress import artifacts
from tfcompress import callbacks as callbacks_lib
from tfcompress import layout
from tfcompress import prune
from tfcompress.errors import InputError
from tfcompress.errors import config_keys
from tfcompress.stages import fitting
from tfcompress.stages import graph
from tfcompress.stages import student


def _retrain(run, model, callbacks, first_epoch=0, log_sub=(), keep_start=False):
  c = run.config.prune
  logger = callbacks_lib.SparsityLogger(run.tensorboard(*log_sub, "sparsity"))
  fitted, _ = fitting.train_student(run, model, c.epochs, fitting.teaching(run),
                                    c.learning_rate, [*callbacks, logger], first_epoch, log_sub,
                                    keep_start=keep_start, start_margin=c.start_margin)
  return fitted


def _stddev(run, model):
  c = run.config.prune
  s = run.splits
  with run.strategy.scope():  # The copies it prunes are retrained.
    rows, chosen, pruned, masks = prune.alpha_sweep(
        model, s.x_val, s.y_val, run.train_images(c.calibration_images), c.alphas, c.scope,
        c.rule, c.tolerance, c.score)
  swept = prune.sparsity_summary(pruned)
  fitted = _retrain(run, pruned, [prune.HoldMasks(masks)], keep_start=True)
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
  if c.m_by_n:  # TFMOT holds the pattern from step 0, at its own constant schedule.
    m, n = c.m_by_n
    first, details = 0, {"target_sparsity": m / n, "schedule": f"{m}:{n}",  # m zeros of n.
                         "m_by_n": list(c.m_by_n)}
  else:  # Only epochs that end after the schedule reached its target may be kept.
    first = -(-end_step // epoch_steps) - 1
    details = {"target_sparsity": c.target_sparsity, "schedule": c.schedule, "m_by_n": []}
  fitted = _retrain(run, wrapped, [prune.update_step_callback()], first_epoch=first)
  return prune.strip(wrapped), fitted, details


def _targets(config, model):
  with config_keys(spec="prune.layer_targets"):
    return prune.parse_targets(config.prune.layer_targets, config.prune.target_sparsity, model)


def _iterative(run, model):
  c = run.config.prune
  targets = _targets(run.config, model)
  fitted = None
  for i in range(1, c.iterations + 1):
    masks = prune.magnitude_masks(model, prune.round_targets(targets, i, c.iterations))
    prune.apply_masks(masks)
    fitted = _retrain(run, model, [prune.HoldMasks(masks)],
                      log_sub=(f"round_{i}",)).after(fitted)
    prune.apply_masks(masks)
  return model, fitted, {"targets": targets, "iterations": c.iterations}


METHODS = {"stddev": _stddev, "tfmot": _tfmot, "iterative": _iterative}


def prune_stage(run):
  """Prunes the model `prune.source` picks and retrains it."""
  model = run.load_model()
  pruned, fitted, details = METHODS[run.config.prune.method](run, model)
  summary = prune.sparsity_summary(pruned)
  out = artifacts.save_model(pruned, run.out(layout.MODEL))
  return [run.product(pruned, "pruned", out, fitted, method=run.config.prune.method,
                      **summary, **details)]


def _check(config, splits):
  """Layer targets name prunable layers of the built student; m_by_n is a pair n > m."""
  c = config.prune
  if c.method == "iterative":
    _targets(config, student.build(config, splits))
  if c.method == "tfmot" and c.m_by_n and (len(c.m_by_n) != 2 or not 0 < c.m_by_n[0] < c.m_by_n[1]):
    raise InputError(f"Config `prune.m_by_n` must be () or (m, n) with 0 < m < n, e.g. (2, 4). "
                     f"Received: prune.m_by_n={tuple(c.m_by_n)!r}")


graph.register(graph.Stage(
    name="prune", run=prune_stage, distill="prune.distill",
    inputs=("student", "distill", "channels"), source="prune.source", check=_check,
    curves=False, doc="std-dev (alpha sweep), TFMOT or iterative pruning, then retraining"))
