"""The real `tfcompress` binary: one end-to-end run and its one-line errors."""
import os
import subprocess
import sys

import pytest

from tests.conftest import write_npz

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _cli(*args):
  return subprocess.run([sys.executable, "-m", "tfcompress.main", *args], capture_output=True,
                        text=True, cwd=REPO, timeout=600)


def _assert_one_line_error(result, *needles):
  assert result.returncode == 2, result.stderr[-2000:]
  errors = [l for l in result.stderr.splitlines() if l.startswith("tfcompress: error:")]
  assert len(errors) == 1, result.stderr[-2000:]
  assert "Traceback" not in result.stderr
  for needle in needles:
    assert needle in errors[0]


def test_smoke_run_then_rerun_from_config_json(tmp_path):
  data = write_npz(tmp_path / "tiny.npz")
  workdir = tmp_path / "run"
  first = _cli("--config=configs/pneumonia.py:smoke", f"--workdir={workdir}",
               f"--config.data.path={data}", "--config.verbose=0",
               "--config.distill.temperature=3")
  assert first.returncode == 0, first.stderr[-3000:]
  assert (workdir / "report.json").exists() and (workdir / "report.md").exists()
  # config.json alone reproduces the run: same config, so every stage is already done.
  again = _cli(f"--config={workdir / 'config.json'}", f"--workdir={workdir}")
  assert again.returncode == 0, again.stderr[-3000:]
  assert "already done" in again.stderr


@pytest.mark.parametrize("args,needles", [
    (["--config.distill.temprature=3"], ["flag --config.distill.temprature=3", "temperature"]),
    (["--config.distill.xyz=3"], ["flag --config.distill.xyz=3", "no such config field 'xyz'"]),
    (["--config.distill.temperature=hot"], ["temperature", "hot"]),
    (["--config.data.path=/no/such.npz"], ["/no/such.npz", "not found"]),
])
def test_bad_input_is_one_line(tmp_path, args, needles):
  result = _cli("--config=configs/pneumonia.py:smoke", f"--workdir={tmp_path / 'w'}", *args)
  _assert_one_line_error(result, *needles)


def test_missing_config_file(tmp_path):
  result = _cli("--config=configs/nope.py", f"--workdir={tmp_path / 'w'}")
  _assert_one_line_error(result, "nope.py")


def test_class_names_of_the_config_file_on_other_data_are_warned_about(caplog):
  from tfcompress import main as main_lib  # pylint: disable=g-import-not-at-top
  from tfcompress.config import base_config  # pylint: disable=g-import-not-at-top
  config = base_config()
  config.data.class_names = ("airplane", "automobile")
  main_lib._warn_names_from_file(config, ["--config.data.path=mnist.npz"])  # pylint: disable=protected-access
  assert "names the classes airplane, automobile" in caplog.text
  caplog.clear()
  for argv in (["--config.data.path=m.npz", "--config.data.class_names=()"],  # Named anew,
               ["--config.seed=1"]):  # or the file's own data: nothing to say.
    main_lib._warn_names_from_file(config, argv)  # pylint: disable=protected-access
  config.data.class_names = ()
  main_lib._warn_names_from_file(config, ["--config.data.path=mnist.npz"])  # pylint: disable=protected-access
  assert not caplog.text


def test_tensorflow_info_lines_are_left_out_of_the_binary_log():
  """Trial 10: SavedModel and converter INFO lines were 45% of a smoke run's log."""
  import logging  # pylint: disable=g-import-not-at-top
  from tfcompress import main as main_lib  # pylint: disable=g-import-not-at-top
  import importlib.util  # pylint: disable=g-import-not-at-top
  import os  # pylint: disable=g-import-not-at-top
  tf_dir = importlib.util.find_spec("tensorflow").submodule_search_locations[0]
  keras_dir = importlib.util.find_spec("tf_keras").submodule_search_locations[0]
  def record(path, level):
    return logging.LogRecord("absl", level, path, 1, "m", None, None)
  quiet = main_lib._QuietTensorFlow()  # pylint: disable=protected-access
  assert not quiet.filter(record(os.path.join(tf_dir, "python", "save.py"), logging.INFO))
  assert not quiet.filter(record(os.path.join(keras_dir, "src", "training.py"), logging.INFO))
  assert quiet.filter(record(os.path.join(tf_dir, "python", "function.py"), logging.WARNING))
  assert quiet.filter(record(os.path.join("/home/tensorflow/tfcompress", "pipeline.py"),
                             logging.INFO))
