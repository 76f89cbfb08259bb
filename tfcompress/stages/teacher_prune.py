"""The teacher_prune stage (the paper's Table I): each teacher member std-dev pruned at the
alpha its own sweep picks on validation. A stage of its own, so adding it later does not
retrain the teachers; it uses the `prune` group's sweep settings."""
from tfcompress import artifacts
from tfcompress import layout
from tfcompress import prune
from tfcompress.stages import graph


def teacher_prune_stage(run):
  c, s = run.config.prune, run.splits
  products = []
  for member, _ in run.outputs("teacher"):
    if member["role"] != "member":
      continue
    model = artifacts.load_model(layout.absolute(run.workdir, member["path"]))
    rows, chosen, pruned, _ = prune.alpha_sweep(
        model, s.x_val, s.y_val, run.train_images(c.calibration_images), c.alphas, c.scope,
        c.rule, c.tolerance, c.score)
    path = artifacts.save_model(pruned, run.out(f"{member['name']}.keras"))
    product = run.product(pruned, f"{member['name']}_pruned", path, role="member",
                          source=member["name"], sweep=rows, chosen=chosen,
                          **prune.sparsity_summary(pruned))
    product.output.source_stage = "teacher"
    products.append(product)
  return products


graph.register(graph.Stage(
    name="teacher_prune", run=teacher_prune_stage, seeded=False,
    needs=lambda config: ("teacher",), curves=False, reads=("prune",),
    doc="each teacher member std-dev pruned at its own alpha (the paper's Table I)",
    trains=False))
