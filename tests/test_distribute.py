"""tf.distribute: the Distiller's step on two replicas equals the single-device step, the
chain runs under MirroredStrategy, and two worker processes on loopback write one report.

conftest.py splits the CPU into two logical devices, so `mirrored` has two replicas.
"""
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from tests.cli_runner import REPO
from tests.cli_runner import SMOKE
from tests.cli_runner import run_main
from tfcompress import artifacts
from tfcompress import pipeline
from tfcompress import training
from tfcompress._keras import keras
from tfcompress._keras import tf
from tfcompress.distill import Distiller


def _student():
  """No batch norm or dropout: its step does not depend on how the batch is split."""
  inputs = keras.Input((8, 8, 1))
  x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
  x = keras.layers.Flatten()(x)
  outputs = keras.layers.Dense(3, kernel_regularizer=keras.regularizers.l2(0.05))(x)
  return keras.Model(inputs, outputs)


def _batch(n=8):
  rng = np.random.default_rng(0)
  return (rng.normal(size=(n, 8, 8, 1)).astype(np.float32),
          (3 * rng.normal(size=(n, 3))).astype(np.float32),  # Cached teacher logits.
          rng.integers(0, 3, size=n), rng.uniform(0.2, 3.0, size=n).astype(np.float32))


def _one_step(strategy, weights, batch):
  """(logged losses, weights after one SGD step with learning rate 1: minus the gradient)."""
  x, logits, y, w = batch
  with strategy.scope():
    student = _student()
    student.set_weights(weights)
    distiller = Distiller(student, None, temperature=3.0, alpha=0.7, beta=0.3)
    distiller.compile(optimizer=keras.optimizers.SGD(1.0), metrics=["accuracy"])
  history = distiller.fit((x, logits), y, sample_weight=w, batch_size=len(y), epochs=1,
                          shuffle=False, verbose=0)
  return {k: v[0] for k, v in history.history.items()}, student.get_weights()


def test_distiller_step_on_two_replicas_equals_one_device():
  mirrored = training.strategy("mirrored")
  assert mirrored.num_replicas_in_sync == 2
  start = _student().get_weights()
  batch = _batch()
  one, after_one = _one_step(tf.distribute.get_strategy(), start, batch)
  two, after_two = _one_step(mirrored, start, batch)
  for key in ("loss", "student_loss", "distillation_loss"):
    # Per-replica means, or trackers fed one replica's share, give 2x or 0.5x here.
    assert two[key] == pytest.approx(one[key], rel=1e-5), key
  for a, b, w0 in zip(after_one, after_two, start):
    assert np.abs(a - w0).max() > 1e-3  # The step moved every weight tensor.
    np.testing.assert_allclose(b, a, rtol=1e-4, atol=1e-6)  # Same gradients.


def test_distiller_in_mixed_float16_keeps_float32_losses_and_saves_float32(tmp_path):
  x, logits, y, w = _batch(16)
  with training.precision("mixed_float16"):
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.Dense(3)(keras.layers.Flatten()(inputs))
    student = keras.Model(inputs, outputs)
    distiller = Distiller(student, None, temperature=3.0, alpha=0.7, beta=0.3)
    distiller.compile(optimizer=keras.optimizers.SGD(0.1), metrics=["accuracy"])
    assert isinstance(distiller.optimizer, keras.mixed_precision.LossScaleOptimizer)
    assert student(x).dtype == tf.float16
    history = distiller.fit((x, logits), y, sample_weight=w, batch_size=16, epochs=3,
                            verbose=0).history
  assert keras.mixed_precision.global_policy().name == "float32"  # Restored.
  assert np.all(np.isfinite(history["loss"])) and history["loss"][-1] < history["loss"][0]
  path = artifacts.save_model(student, str(tmp_path / "model.keras"))
  saved = artifacts.load_model(path)
  assert {layer.dtype_policy.name for layer in saved.layers} == {"float32"}
  np.testing.assert_allclose(saved.predict(x, verbose=0),
                             student.predict(x, verbose=0).astype(np.float32), atol=0.05)


def test_the_chain_runs_under_mirrored_on_two_replicas(smoke_config, tmp_path):
  smoke_config.strategy = "mirrored"
  smoke_config.stages = ("teacher", "student", "distill", "prune")
  report = pipeline.run(smoke_config, str(tmp_path / "run"))
  by_name = {m["name"]: m for m in report["models"]}
  for name in ("student", "distilled", "pruned"):
    assert by_name[name]["accuracy"] >= 0.75, name  # Chance is 0.5.
  assert by_name["pruned"]["sparsity"] > 0.1  # The masks held through retraining.


def _free_ports(n):
  sockets = [socket.socket() for _ in range(n)]
  for s in sockets:
    s.bind(("127.0.0.1", 0))
  ports = [s.getsockname()[1] for s in sockets]
  for s in sockets:
    s.close()
  return ports


def _two_workers(flags, workdir, scratch, logs):
  """Runs `tfcompress FLAGS` as worker 0 and 1 of a loopback cluster; (exit codes, log tails)."""
  cluster = {"worker": [f"127.0.0.1:{p}" for p in _free_ports(2)]}
  workers = []
  for index in range(2):
    env = dict(os.environ, TMPDIR=str(scratch), TF_CONFIG=json.dumps(
        {"cluster": cluster, "task": {"type": "worker", "index": index}}))
    log = open(logs / f"worker{index}.log", "w")  # pylint: disable=consider-using-with
    workers.append((subprocess.Popen(
        [sys.executable, "-m", "tfcompress.main", *flags, f"--workdir={workdir}",
         "--config.strategy=multi_worker_mirrored"], env=env, cwd=REPO, stdout=log,
        stderr=subprocess.STDOUT), log))
  codes = []
  for process, log in workers:
    try:
      codes.append(process.wait(timeout=900))
    finally:
      process.kill()
      log.close()
  return codes, [(logs / f"worker{i}.log").read_text() for i in range(2)]


def test_two_workers_on_loopback_write_one_report_and_resume(tiny_npz, tmp_path, capsys,
                                                            monkeypatch):
  flags = [f"--config={SMOKE}", f"--config.data.path={tiny_npz}", "--config.data.limit=0",
           "--config.quantize.modes=('int8',)",
           "--config.teacher.members=('tests.tiny_models:tiny_teacher',)"]
  workdir, scratch = tmp_path / "two", tmp_path / "tmp"
  scratch.mkdir()
  codes, logs = _two_workers(flags, workdir, scratch, tmp_path)
  assert codes == [0, 0], [log[-2000:] for log in logs]
  assert "Worker done; the chief writes the report" in logs[1]
  assert os.listdir(scratch) == []  # The worker's copy of the workdir is gone.
  reports = [os.path.join(d, f) for d, _, files in os.walk(tmp_path) for f in files
             if f == "report.json"]
  assert reports == [str(workdir / "report.json")]
  with open(workdir / "report.json") as f:
    first = json.load(f)

  # Resumed: both workers skip every finished stage (a worker that trained alone would
  # wait for its peer forever), and the report is the same.
  codes, logs = _two_workers(flags, workdir, scratch, tmp_path)
  assert codes == [0, 0], [log[-2000:] for log in logs]
  # The chief skips the 6 stages; the worker the 4 that train (not quantize and export).
  assert [log.count("already done") for log in logs] == [6, 4], [l[-2000:] for l in logs]
  assert not any(" done in " in log for log in logs)
  with open(workdir / "report.json") as f:
    again = json.load(f)
  assert [m["accuracy"] for m in again["models"]] == [m["accuracy"] for m in first["models"]]

  code, err = run_main([*flags, f"--workdir={tmp_path / 'one'}"], capsys, monkeypatch)
  assert code == 0, err
  with open(tmp_path / "one" / "report.json") as f:
    one = {m["name"]: m["accuracy"] for m in json.load(f)["models"]}
  two = {m["name"]: m["accuracy"] for m in first["models"]}
  assert set(one) == set(two)
  for name in ("student", "distilled", "pruned", "pruned_int8"):
    # Each worker takes half of every batch: other orders, the same result within noise
    # (0.1 is 5 of the 48 test images).
    assert abs(two[name] - one[name]) <= 0.1, (name, one, two)
