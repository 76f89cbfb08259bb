"""The cluster stage: weight sharing (TFMOT clustering) after pruning, centroids fine-tuned."""
from tfcompress import artifacts
from tfcompress import prune
from tfcompress.quantize import clustering
from tfcompress.stages import context


def cluster_stage(run):
  """Clusters the pruned model (else the compression source) and fine-tunes the centroids."""
  c = run.config.cluster
  source, path = context.compressed_model(run, "prune")
  model = artifacts.load_model(path)
  source_name = run.model_name(source)
  with run.strategy.scope():
    wrapped = clustering.cluster_model(model, c.clusters, c.init, c.preserve_sparsity)
  fitted, _ = context.train_student(run, wrapped, c.epochs, c.distill and source != "student",
                                    c.learning_rate, stage="cluster")
  shared = clustering.strip(wrapped)
  out = artifacts.save_model(shared, run.path("cluster", "model.keras"))
  return [context.entry(run, shared, f"{source_name}_clustered", "cluster", out, fitted,
                        source=source_name, clusters=c.clusters,
                        distinct_values=clustering.distinct_values(shared),
                        **prune.sparsity_summary(shared))]
