"""The prune stage: std-dev pruning with an alpha sweep, or TFMOT; then prune-and-retrain."""
from tfcompress import artifacts
from tfcompress import prune
from tfcompress.stages import context

NAMES = {"distill": "distilled_pruned", "student": "student_pruned"}


def _stddev(run, model):
  c = run.config.prune
  s = run.splits
  rows, chosen, pruned, masks = prune.alpha_sweep(
      model, s.x_val, s.y_val, run.train_images(c.calibration_images), c.alphas, c.scope,
      c.rule, c.tolerance)
  swept = prune.sparsity_summary(pruned)
  history, _ = context.train_student(run, pruned, c.epochs, c.distill, c.learning_rate,
                                     [prune.HoldMasks(masks)])
  details = {"sweep": rows, "chosen": chosen, "swept_layer_sparsity": swept["layer_sparsity"]}
  return pruned, history, details


def _tfmot(run, model):
  c = run.config.prune
  steps = c.epochs * run.steps()
  schedule = prune.make_schedule(c.schedule, c.target_sparsity, max(1, int(steps * 0.7)))
  with run.strategy.scope():
    wrapped = prune.prune_model(model, schedule, tuple(c.m_by_n) or None)
  history, _ = context.train_student(run, wrapped, c.epochs, c.distill, c.learning_rate,
                                     [prune.update_step_callback()])
  return prune.strip(wrapped), history, {"target_sparsity": c.target_sparsity,
                                         "schedule": c.schedule, "m_by_n": list(c.m_by_n)}


def _iterative(run, model):
  c = run.config.prune
  targets = prune.parse_targets(c.layer_targets, c.target_sparsity, model)
  history = {}
  for i in range(1, c.iterations + 1):
    masks = prune.magnitude_masks(model, prune.round_targets(targets, i, c.iterations))
    prune.apply_masks(masks)
    more, _ = context.train_student(run, model, c.epochs, c.distill, c.learning_rate,
                                    [prune.HoldMasks(masks)])
    history = {k: history.get(k, []) + v for k, v in more.items()}
  return model, history, {"targets": targets, "iterations": c.iterations}


def prune_stage(run):
  """Prunes the distilled student (else the conventional one) and retrains it."""
  source, path = run.stage_model("distill", "student")
  model = artifacts.load_model(path)
  method = {"stddev": _stddev, "tfmot": _tfmot, "iterative": _iterative}[run.config.prune.method]
  pruned, history, details = method(run, model)
  summary = prune.sparsity_summary(pruned)
  out = artifacts.save_model(pruned, run.path("prune", "model.keras"))
  return [context.entry(run, pruned, NAMES[source], "prune", out, history,
                        method=run.config.prune.method, source=source, **summary, **details)]
