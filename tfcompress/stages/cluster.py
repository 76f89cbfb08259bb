"""The cluster stage: weight sharing (TFMOT clustering), centroids fine-tuned.

Its input is the model `cluster.source` names ("last": the latest configured of student,
distill, prune). The clustered model before fine-tuning competes with its epochs.
"""
from tfcompress import artifacts
from tfcompress import layout
from tfcompress import prune
from tfcompress import training
from tfcompress.errors import InputError
from tfcompress.quantize import clustering
from tfcompress.quantize import han
from tfcompress.stages import fitting
from tfcompress.stages import graph


def cluster_stage(run):
  """Clusters the input model and fine-tunes the centroids (taught as `cluster.distill` says)."""
  with training.precision("float32"):  # TFMOT's wrappers take float32 models only.
    return _cluster_stage(run)


def _cluster_stage(run):
  c = run.config.cluster
  model = run.load_model()
  with run.strategy.scope():
    wrapped = clustering.cluster_model(model, c.clusters, c.init, c.preserve_sparsity)
  fitted, _ = fitting.train_student(run, wrapped, c.epochs,
                                    fitting.teaching(run), c.learning_rate, keep_start=True)
  shared = clustering.strip(wrapped)
  out = artifacts.save_model(shared, run.out(layout.MODEL))
  return [run.product(shared, f"{run.input()[0]['name']}_clustered", out, fitted,
                      clusters=c.clusters, distinct_values=clustering.distinct_values(shared),
                      han=han.layers(shared),
                      **prune.sparsity_summary(shared))]


def _check(config, splits):
  del splits
  c = config.cluster
  if c.preserve_sparsity and c.clusters < 3:
    raise InputError("Config `cluster.clusters` must be >= 3 with cluster.preserve_sparsity "
                     "(one of the clusters is zero), or set cluster.preserve_sparsity=False. "
                     f"Received: cluster.clusters={c.clusters}")


graph.register(graph.Stage(
    name="cluster", run=cluster_stage, distill="cluster.distill", check=_check,
    inputs=("student", "distill", "channels", "prune"), source="cluster.source",
    doc="weight sharing (TFMOT clustering), centroids fine-tuned"))
