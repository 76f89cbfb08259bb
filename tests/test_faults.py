"""Faults: a workdir that is a file or cannot be written, a full disk, Ctrl-C, kill -9,
two runs on one workdir, a data file replaced under a workdir, a planted model file.

Each ends in one line on stderr and a non-zero exit, leaves no temporary file behind,
and the same command resumes once the cause is gone.
"""
import dataclasses
import errno
import os
import signal
import subprocess
import sys
import time

import pytest

from tests import cli_runner
from tests.cli_runner import arrays
from tfcompress import artifacts
from tfcompress import pipeline
from tfcompress import training
from tfcompress import workdir as workdir_lib
from tfcompress.stages import graph


@pytest.fixture
def argv(tmp_path):
  """`tfcompress` flags for a student-only smoke run on tiny data in tmp_path/w."""
  data = cli_runner.save(tmp_path / "data.npz", arrays())
  return [f"--config={cli_runner.SMOKE}", f"--workdir={tmp_path / 'w'}", "--config.verbose=0",
          f"--config.data.path={data}", "--config.stages=('student',)"]


def _stage(name, fn):
  """A stand-in for stage `name` that runs `fn(workdir)` (no training)."""
  return dataclasses.replace(graph.get(name), run=lambda run: fn(run.workdir))


def _replace(monkeypatch, name, fn):
  monkeypatch.setitem(graph._REGISTRY, name, _stage(name, fn))


def test_workdir_that_is_a_file(tmp_path, argv, capsys, monkeypatch):
  (tmp_path / "w").write_text("not a directory")
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 2, "is a file", str(tmp_path / "w"))


def test_workdir_below_a_file(tmp_path, argv, capsys, monkeypatch):
  (tmp_path / "f").write_text("")
  argv[1] = f"--workdir={tmp_path / 'f' / 'w'}"
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 1, "Not a directory", str(tmp_path / "f"))


def test_workdir_not_writable(tmp_path, argv, capsys, monkeypatch):
  """Permission denied, injected (root ignores chmod; a real read-only mount is below)."""
  def refuse(path):
    raise PermissionError(errno.EACCES, "Permission denied", path)
  monkeypatch.setattr(workdir_lib, "_make", refuse)
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 1, "Permission denied", str(tmp_path / "w"))


def test_disk_full_mid_stage_leaves_no_temporary_file(tmp_path, argv, capsys, monkeypatch):
  def fill_disk(workdir):
    partial = artifacts._tmp(os.path.join(workdir, "seed_0", "student", "model.keras"), ".keras")
    os.makedirs(os.path.dirname(partial))
    with open(partial, "wb") as f:
      f.write(bytes(3_000_000))
    raise OSError(errno.ENOSPC, "No space left on device", partial)
  _replace(monkeypatch, "student", fill_disk)
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 1, "no space left", "model.keras", "same command")
  assert workdir_lib.temporary_files(str(tmp_path / "w")) == []


def _mount(path, options):
  """Mounts a tmpfs at `path`, or skips the test where that is refused."""
  path.mkdir(exist_ok=True)
  made = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
                        capture_output=True, check=False) if os.geteuid() == 0 else None
  if made is None or made.returncode:
    pytest.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)")


@pytest.fixture
def tiny_disk(tmp_path):
  """A 64 KB tmpfs: room for config.json, not for a model."""
  _mount(tmp_path / "disk", "size=64k")
  yield tmp_path / "disk"
  subprocess.run(["umount", str(tmp_path / "disk")], check=False)


def test_real_read_only_workdir(tmp_path, argv, capsys, monkeypatch):
  _mount(tmp_path / "ro", "size=64k")
  try:
    (tmp_path / "ro" / "w").mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(tmp_path / "ro")], check=True)
    argv[1] = f"--workdir={tmp_path / 'ro' / 'w'}"
    code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  finally:
    subprocess.run(["umount", str(tmp_path / "ro")], check=False)
  cli_runner.assert_one_line(code, err, 1, "Read-only file system", str(tmp_path / "ro" / "w"))


def test_real_full_disk(tiny_disk, argv, capsys, monkeypatch):
  argv[1] = f"--workdir={tiny_disk / 'w'}"
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 1, "no space left", "same command")
  assert workdir_lib.temporary_files(str(tiny_disk / "w")) == []


def test_stale_temporary_files_are_swept_at_start(tmp_path, argv, capsys, monkeypatch):
  stale = [tmp_path / "w" / "teacher" / "mobilenetv2.keras.tmp99999.keras",
           tmp_path / "w" / "seed_0" / "export" / "int8" / "android" / "labels.txt.tmp99999"]
  for path in stale:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(1000))

  def interrupt(workdir):
    assert workdir_lib.temporary_files(workdir) == []
    raise KeyboardInterrupt
  _replace(monkeypatch, "student", interrupt)
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 130, "interrupted", "same command")
  assert not any(p.exists() for p in stale)


def test_ctrl_c_then_the_same_command_resumes(tmp_path, argv, capsys, monkeypatch):
  real_fit = training.fit
  with monkeypatch.context() as m:
    def stop(*args, **kwargs):
      raise KeyboardInterrupt
    m.setattr(training, "fit", stop)
    code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 130, "interrupted", "same command again")
  assert training.fit is real_fit
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  assert code == 0, err[-3000:]
  assert (tmp_path / "w" / "seed_0" / "student" / "metrics.json").exists()
  assert (tmp_path / "w" / "report.json").exists()


def _half_teacher(workdir):
  """A teacher stage killed after saving its first member (metrics.json never written)."""
  artifacts.write_bytes(os.path.join(workdir, "teacher", "mobilenetv2.keras"), b"member")
  raise KeyboardInterrupt


def test_partial_teacher_with_another_config_or_data_is_refused(
    tmp_path, argv, capsys, monkeypatch):
  argv[-1] = "--config.stages=('teacher',)"
  with monkeypatch.context() as m:
    _replace(m, "teacher", _half_teacher)
    code, _ = cli_runner.run_main(argv, capsys, monkeypatch)
  assert code == 130
  code, err = cli_runner.run_main([*argv, "--config.teacher.epochs=2"], capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 2, "different config", "teacher.epochs: 1 -> 2")
  cli_runner.save(tmp_path / "data.npz", arrays(n_train=80))  # Same path, other data.
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 2, "other data", "data_sha256", "data.npz")


def test_second_run_on_a_locked_workdir_stops_at_once(tmp_path, argv, capsys, monkeypatch):
  with workdir_lib.claim(str(tmp_path / "w")):
    start = time.time()
    code, err = cli_runner.run_main(argv, capsys, monkeypatch)
    assert time.time() - start < 10
  cli_runner.assert_one_line(code, err, 2, "in use by process", str(os.getpid()))


def _start(argv):
  """`tfcompress ARGV` in a child process that Ctrl-C reaches (even from a background job)."""
  return subprocess.Popen(
      [sys.executable, "-m", "tfcompress.main", *argv], cwd=cli_runner.REPO,
      env=dict(os.environ, PYTHONPATH=cli_runner.REPO), stdout=subprocess.DEVNULL,
      stderr=subprocess.PIPE, text=True,
      preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _wait_for(path, child):
  deadline = time.time() + 120
  while not path.exists() and child.poll() is None and time.time() < deadline:
    time.sleep(0.2)
  assert child.poll() is None, child.stderr.read()[-3000:]


def test_real_ctrl_c_is_one_line(tmp_path, argv):
  child = _start([*argv, "--config.student.epochs=400"])
  _wait_for(tmp_path / "w" / "fingerprint.json", child)
  child.send_signal(signal.SIGINT)
  _, err = child.communicate(timeout=120)
  cli_runner.assert_one_line(child.returncode, err, 130, "interrupted", "same command again")


def test_kill_9_mid_stage_releases_the_lock_and_the_run_resumes(
    tmp_path, argv, capsys, monkeypatch):
  argv.append("--config.student.epochs=400")
  child = _start(argv)
  try:
    _wait_for(tmp_path / "w" / "fingerprint.json", child)
    code, err = cli_runner.run_main(argv, capsys, monkeypatch)  # Two runs at once.
    cli_runner.assert_one_line(code, err, 2, "in use by process", str(child.pid))
    assert child.poll() is None  # Killed in the middle of the student stage.
  finally:
    child.send_signal(signal.SIGKILL)
    child.wait()
  assert not (tmp_path / "w" / "seed_0" / "student" / "metrics.json").exists()
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  assert code == 0, err[-3000:]
  assert (tmp_path / "w" / "report.json").exists()


def test_planted_hdf5_model_is_refused_and_its_code_not_run(tmp_path, argv, capsys, monkeypatch):
  """A shared workdir whose prune model is a legacy HDF5 file with a Lambda layer."""
  from tfcompress._keras import keras
  marker = tmp_path / "code_ran"
  workdir = tmp_path / "w"
  h5 = cli_runner.plant_hdf5_lambda(workdir / "seed_0" / "prune" / "model.keras", marker)
  keras.models.load_model(h5)  # Keras's legacy loader runs the planted code...
  assert marker.exists()
  marker.unlink()
  output = {"name": "pruned", "kind": "keras", "path": "seed_0/prune/model.keras",
            "role": "candidate"}
  artifacts.write_json(str(workdir / "seed_0" / "prune" / "metrics.json"),
                       {"outputs": [output], "metrics": [{}], "inputs": {}})
  argv[-1] = "--config.stages=('quantize',)"
  argv.append("--config.quantize.source=prune")
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 2, "model.keras", "legacy HDF5")
  assert not marker.exists()  # ...tfcompress does not.


def test_keras_file_with_a_lambda_is_refused(tmp_path):
  from tfcompress._keras import keras
  from tfcompress.errors import InputError
  inputs = keras.Input((4,))
  model = keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs))
  path = str(tmp_path / "lambda.keras")
  model.save(path)
  with pytest.raises(InputError, match="lambda.keras.*safe_mode"):
    artifacts.load_model(path)
  os.makedirs(tmp_path / "saved_model")
  with pytest.raises(InputError, match="SavedModel"):
    artifacts.load_model(str(tmp_path / "saved_model"))
