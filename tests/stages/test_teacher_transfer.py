"""Teacher members from a weights file: a new head, then optional fine-tuning."""
from tfcompress import pipeline


def test_fine_tuning_competes_with_the_model_before_it(smoke_config, tmp_path):
  weights = tmp_path / "base.h5"  # The plug-in member builds its own base: the file is
  weights.write_bytes(b"weights")  # only what turns fine-tuning on.
  smoke_config.stages = ("teacher",)
  smoke_config.teacher.weights = str(weights)
  smoke_config.teacher.fine_tune_epochs = 1
  smoke_config.teacher.fine_tune_learning_rate = 10.0  # Fine-tuning that can only hurt.
  report = pipeline.run(smoke_config, str(tmp_path / "run"))
  member = next(m for m in report["models"] if m.get("role") == "member")
  kept = member["selection"]  # Trial 6: a wrecked fine-tune was kept over a better head.
  assert kept["best_score"] >= kept["start_score"]
  assert member["weights"] == str(weights)
