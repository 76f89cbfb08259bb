"""configs/pneumonia_paper.py: the paper's classic members train and are pruned (Table I)."""
import os
import runpy

from tfcompress import pipeline

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_paper_smoke_trains_and_prunes_each_member(tiny_npz, tmp_path):
  config = runpy.run_path(os.path.join(REPO, "configs", "pneumonia_paper.py"))["get_config"]("smoke")
  config.data.path, config.data.limit, config.verbose = tiny_npz, 0, 0
  config.stages = ("teacher", "teacher_prune")  # The rest is the default chain's.
  report = pipeline.run(config, str(tmp_path / "w"))
  members = {e["name"]: e for e in report["models"] if e["role"] == "member"}
  assert set(members) == {"alexnet", "googlenet", "resnet18",
                          "alexnet_pruned", "googlenet_pruned", "resnet18_pruned"}
  for name in ("alexnet", "googlenet", "resnet18"):
    assert members[f"{name}_pruned"]["sparsity"] > 0.1, name
    assert members[f"{name}_pruned"]["chosen"] in config.prune.alphas
  table = (tmp_path / "w" / "report.md").read_text().split("## Table I")[1].split("##")[0]
  assert all(name in table for name in members)
