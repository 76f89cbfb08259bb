"""A catalogue of bad inputs: each is refused with one line that names the bad value.

Every case runs a real entry point (`tfcompress`, `tfcompress-bench`,
`tfcompress-container`) in this process and checks the exit code, that no traceback is
printed and that the one error line names the bad value; nothing trains. The faults
(kill and resume, two runs, changed data, full disk, a workdir that is a file) are in
tests/test_faults.py.
"""
import os

import numpy as np
import pytest

from tests import cli_runner
from tests.cli_runner import arrays

F32 = np.float32


def _npz(change, **kwargs):
  """A data case: good arrays, `change(a)` applied, saved; returns (flags, needles)."""
  def make(tmp_path):
    a = arrays(**kwargs)
    needles = change(a) or ()
    path = cli_runner.save(tmp_path / "bad.npz", a)
    return [f"--config.data.path={path}"], ("bad.npz", *needles)
  return make


def _with(key, fn, *needles):
  def change(a):
    a[key] = fn(a[key])
    return needles
  return change


def _at(x, value, index=0):
  x = x.astype(F32) if np.asarray(value).dtype.kind == "f" else x.copy()
  x.flat[index] = value
  return x


DATA = {
    "nan_pixel": _npz(_with("x_train", lambda x: _at(x, np.nan, 5), "x_train", "nan")),
    "inf_pixel": _npz(_with("x_test", lambda x: _at(x, np.inf), "x_test", "inf")),
    "int16_to_1020": _npz(_with("x_train", lambda x: _at(x.astype(np.int16) * 4, 1020), "x_train",
                                       "1020")),
    "float_to_255000": _npz(_with("x_val", lambda x: _at(x * 1000.0, 255000.0), "x_val", "255000"),
                            with_val=True),
    "negative_pixel": _npz(_with("x_train", lambda x: _at(x.astype(np.int16), -5), "-5")),
    "train_unit_test_bytes": _npz(_with("x_train", lambda x: x.astype(F32) / 255,
                                        "x_train in [0, 1]", "x_test in 0..255")),
    "stray_label_7": _npz(_with("y_train", lambda y: _at(y, 7), "y_train", "label 7")),
    "label_only_in_test": _npz(_with("y_test", lambda y: _at(y, 2), "y_test", "label 2")),
    "label_only_in_val": _npz(_with("y_val", lambda y: _at(y, 3), "y_val", "label 3"),
                              with_val=True),
    "one_class_in_train": _npz(_with("y_train", np.zeros_like, "y_train", "one class")),
    "train_and_val_one_class_each": _npz(
        lambda a: a.update(y_train=np.zeros_like(a["y_train"]),
                           y_val=np.ones_like(a["y_val"])) or ("one class",), with_val=True),
    "negative_label": _npz(_with("y_train", lambda y: _at(y.astype(np.int64), -1), "-1")),
    "fractional_label": _npz(_with("y_test", lambda y: _at(y, 0.5), "y_test", "0.5")),
    "nan_label": _npz(_with("y_train", lambda y: _at(y, np.nan), "y_train", "nan")),
    "string_labels": _npz(_with("y_train", lambda y: y.astype(str), "y_train", "<U")),
    "one_hot_labels": _npz(_with("y_train", lambda y: np.eye(2)[y], "y_train", "1-D")),
    "empty_test": _npz(lambda a: a.update(x_test=a["x_test"][:0], y_test=a["y_test"][:0])
                       or ("x_test", "0 examples")),
    "empty_val": _npz(lambda a: a.update(x_val=a["x_val"][:0], y_val=a["y_val"][:0]) or (
        "x_val", "0 examples"), with_val=True),
    "test_shape_differs": _npz(_with("x_test", lambda x: np.pad(x, ((0, 0), (2, 2), (2, 2))),
                                     "x_test", "(32, 32, 1)")),
    "labels_count_differs": _npz(_with("y_test", lambda y: y[:-3], "y_test", "21 labels")),
    "no_y_test": _npz(lambda a: (a.pop("y_test"), ("y_test",))[1]),
    "five_d_images": _npz(_with("x_train", lambda x: x[:, None, :, :, None], "x_train")),
    "object_array": _npz(_with("x_train", lambda x: np.array([x, "a"], dtype=object))),
}


def _file(name, content):
  def make(tmp_path):
    path = tmp_path / name
    path.write_bytes(content)
    return [f"--config.data.path={path}"], (name, "not an .npz")
  return make


def _npy_as_npz(tmp_path):
  path = tmp_path / "a.npz"
  with open(path, "wb") as f:
    np.save(f, np.zeros(3))
  return [f"--config.data.path={path}"], ("a.npz", "not an .npz")


FILES = {
    "text_renamed_npz": _file("notes.npz", b"x_train,y_train\n1,2\n"),
    "npy_renamed_npz": _npy_as_npz,
    "missing_data_file": lambda t: (["--config.data.path=/no/such.npz"], ("/no/such.npz",)),
    "missing_data_file_under_home": lambda t: (  # The shell leaves ~ after = alone.
        ["--config.data.path=~/no_such.npz"], (os.path.expanduser("~/no_such.npz"),)),
    "unknown_dataset": lambda t: (["--config.data.path=", "--config.data.name=imagenet21k"],
                                  ("imagenet21k",)),
}


def _flags(*args_and_needles):
  args, needles = args_and_needles[:-1], args_and_needles[-1]
  return lambda tmp_path: (list(args), needles)


CONFIG = {
    "nan_temperature": _flags("--config.distill.temperature=nan", ("distill.temperature", "nan")),
    "negative_lr": _flags("--config.train.learning_rate=-1", ("train.learning_rate", "-1")),
    "negative_seed": _flags("--config.seed=-1", ("seed", "-1")),
    "empty_stages": _flags("--config.stages=()", ("stages", "()")),
    "unknown_stage": _flags("--config.stages=('teach',)", ("stages", "teach")),
    "zero_batch": _flags("--config.data.batch_size=0", ("data.batch_size", "0")),
    "inf_alpha": _flags("--config.distill.alpha=inf", ("distill.alpha", "inf")),
    "sparsity_above_one": _flags("--config.prune.target_sparsity=1.5", ("target_sparsity", "1.5")),
    "zero_crop": _flags("--config.data.crop_scale=0", ("data.crop_scale", "0")),
    "negative_prune_alpha": _flags("--config.prune.alphas=(1.0,-2.0)", ("prune.alphas", "-2.0")),
    "small_teacher_input": _flags("--config.teacher.input_size=16", ("teacher.input_size", "16")),
    "dropout_one": _flags("--config.teacher.dropout=1.0", ("teacher.dropout", "1.0")),
    "unknown_mode": _flags("--config.quantize.modes=('int4',)", ("int4",)),
    "unknown_combine": _flags("--config.teacher.combine=avg", ("avg",)),
    "misspelled_key": _flags("--config.distill.temprature=3", ("temprature",)),
    "wrong_type": _flags("--config.distill.temperature=hot", ("hot",)),
    "unknown_member": _flags("--config.teacher.members=('mobilenetv9',)", ("mobilenetv9",)),
    "unknown_board": _flags("--config.export.boards=('esp8266',)", ("esp8266",)),
    "unknown_student": _flags("--config.student.model=tiny_cnn", ("tiny_cnn",)),
    "plugin_import_error": _flags("--config.student.model=no_such_module_x:net",
                                  ("no_such_module_x",)),
    "extra_argument": _flags("stray", ("stray",)),
}


def _config_file(name, text, *needles):
  def make(tmp_path):
    path = tmp_path / name
    path.write_text(text)
    return [f"--config={path}"], (name, *needles)
  return make


def _plugin(module, source, *needles):
  def make(tmp_path):
    (tmp_path / f"{module}.py").write_text(source)
    return [f"--config.student.model={module}:net"], (module, *needles)
  return make


FILES_AND_PLUGINS = {
    "config_without_get_config": _config_file("noget.py", "x = 1\n", "get_config"),
    "truncated_config_json": _config_file("config.json", '{"seed": 0, "data": {', "JSON"),
    "config_json_unknown_key": _config_file("c.json", '{"distill": {"temp": 3}}', "temp"),
    "missing_config_file": lambda t: ([f"--config={t}/nope.py"], ("nope.py", "not found")),
    "unknown_variant": lambda t: ([f"--config={cli_runner.SMOKE[:-6]}:bogus"], ("bogus",)),
    "plugin_wrong_signature": _plugin("students_a", "def net(shape, classes):\n  return None\n",
                                      "input_shape", "(shape, classes)"),
    "plugin_syntax_error": _plugin("students_b", "def net(:\n", "SyntaxError"),
    "plugin_not_a_function": _plugin("students_c", "net = 3\n", "not a function"),
}

CASES = {**DATA, **FILES, **CONFIG, **FILES_AND_PLUGINS}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_is_one_line(name, tmp_path, capsys, monkeypatch):
  monkeypatch.syspath_prepend(str(tmp_path))  # For the plug-in students.
  good = cli_runner.save(tmp_path / "good.npz", arrays())
  args, needles = CASES[name](tmp_path)
  config = [a for a in args if a.startswith("--config=")] or [f"--config={cli_runner.SMOKE}"]
  argv = [*config, f"--workdir={tmp_path / 'w'}", "--config.verbose=0",
          f"--config.data.path={good}", *[a for a in args if a not in config]]
  code, err = cli_runner.run_main(argv, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 2, *needles)
  assert not os.path.exists(tmp_path / "w")  # Refused before anything was written.


def _bench_workdir(tmp_path, plant=None):
  """A workdir as `tfcompress` leaves it, whose one model file is missing or planted."""
  from tfcompress import artifacts
  from tfcompress import config as config_lib
  config = config_lib.smoke(config_lib.base_config())
  config.data.path = cli_runner.save(tmp_path / "good.npz", arrays())
  workdir = tmp_path / "w"
  artifacts.write_json(str(workdir / "config.json"), config.to_dict())
  entry = {"name": "distilled", "stage": "distill", "format": "keras", "seed": 0,
           "kind": "keras", "role": "candidate",
           "path": "seed_0/distill/model.keras"}
  artifacts.write_json(str(workdir / "report.json"), {"models": [entry]})
  if plant:
    plant(str(workdir / entry["path"]))
  return str(workdir)


def _planted(tmp_path):
  marker = tmp_path / "code_ran"
  workdir = _bench_workdir(tmp_path, lambda p: cli_runner.plant_hdf5_lambda(p, marker))
  return [f"--workdir={workdir}"], ("model.keras", "legacy HDF5", "safe_mode")


BENCH = {
    "bench_batch_sizes_zero": lambda t: ([f"--workdir={t}", "--batch_sizes=0"],
                                         ("--batch_sizes=0",)),
    "bench_batch_sizes_word": lambda t: ([f"--workdir={t}", "--batch_sizes=one"],
                                         ("--batch_sizes=one",)),
    "bench_threads_zero": lambda t: ([f"--workdir={t}", "--threads=0"], ("--threads=0",)),
    "bench_repeats_zero": lambda t: ([f"--workdir={t}", "--repeats=0"], ("--repeats=0",)),
    "bench_no_such_workdir": lambda t: (["--workdir=/no/such/run"], ("/no/such/run",)),
    "bench_no_report": lambda t: ([f"--workdir={t}"], ("report.json",)),
    "bench_model_file_deleted": lambda t: ([f"--workdir={_bench_workdir(t)}"],
                                           ("model.keras", "missing")),
    "bench_hdf5_lambda_planted": _planted,
}


@pytest.mark.parametrize("name", sorted(BENCH))
def test_bench_bad_input_is_one_line(name, tmp_path, capsys, monkeypatch):
  args, needles = BENCH[name](tmp_path)
  code, err = cli_runner.run_bench(args, capsys, monkeypatch)
  cli_runner.assert_one_line(code, err, 2, *needles)
  assert not (tmp_path / "code_ran").exists()


def _container_case(command, make_target, *needles):
  def make(tmp_path):
    source = tmp_path / "model.tflite"
    source.write_bytes(b"\x1c\x00\x00\x00TFL3" + bytes(64))
    return [command, str(source), make_target(tmp_path, source)], needles
  return make


CONTAINER = {
    "container_encode_onto_input": _container_case(
        "encode", lambda t, s: str(s), "model.tflite", "input"),
    "container_decode_to_directory": _container_case(
        "decode", lambda t, s: str(t), "is a directory"),
    "container_missing_input": lambda t: (["encode", f"{t}/none.tflite", f"{t}/o"], ("none.tflite",)),
    "container_unknown_command": lambda t: (["squash", "a", "b"], ("squash",)),
    "container_decode_not_a_container": _container_case(
        "decode", lambda t, s: str(t / "out.tflite"), "model.tflite"),
}


@pytest.mark.parametrize("name", sorted(CONTAINER))
def test_container_bad_input_is_one_line(name, tmp_path, capsys):
  args, needles = CONTAINER[name](tmp_path)
  before = {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
  code, err = cli_runner.run_container(args, capsys)
  cli_runner.assert_one_line(code, err, 2, *needles)
  assert {p: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


def test_catalogue_counts_at_least_forty_cases():
  assert len(CASES) + len(BENCH) + len(CONTAINER) >= 40
