import json

import pytest

from tfcompress import config as config_lib
from tfcompress.errors import InputError


def test_misspelled_key_is_named_with_a_suggestion():
  with pytest.raises(InputError, match=r"distill.temprature.*distill.temperature"):
    config_lib.update(config_lib.base_config(), {"distill": {"temprature": 2.0}})


def test_locked_schema_rejects_new_attribute():
  config = config_lib.base_config()
  with pytest.raises(AttributeError, match="temperature"):
    config.distill.temprature = 2.0


def test_wrong_type_is_named():
  with pytest.raises(InputError, match="distill.temperature"):
    config_lib.update(config_lib.base_config(), {"distill": {"temperature": "hot"}})


@pytest.mark.parametrize("key,value,match", [
    (("distill", "mode"), "sometimes", "distill.mode"),
    (("teacher", "combine"), "median", "teacher.combine"),
    (("teacher", "input_size"), 28, "teacher.input_size"),
    (("data", "crop_scale"), 0.0, "data.crop_scale"),
])
def test_check_rejects_values_that_cannot_work(key, value, match):
  config = config_lib.base_config()
  setattr(config[key[0]], key[1], value)
  with pytest.raises(InputError, match=match):
    config_lib.check(config)


def test_json_round_trip_reproduces_the_config(tmp_path):
  config = config_lib.base_config()
  config.distill.temperature = 7.0
  config.teacher.members = ("vgg16", "resnet50")
  config.teacher.weights = "imagenet"
  path = tmp_path / "config.json"
  path.write_text(config_lib.to_json(config))
  loaded = config_lib.from_json(str(path))
  assert loaded.to_dict() == config.to_dict()
  assert isinstance(loaded.teacher.members, tuple)


def test_from_json_names_unknown_key(tmp_path):
  path = tmp_path / "config.json"
  path.write_text(json.dumps({"student": {"epoks": 3}}))
  with pytest.raises(InputError, match="student.epoks.*student.epochs"):
    config_lib.from_json(str(path))


def test_configs_import_no_tensorflow():
  import subprocess
  import sys
  code = ("import sys, runpy; ns = runpy.run_path('configs/pneumonia.py'); "
          "ns['get_config']('smoke'); print('tensorflow' in sys.modules)")
  out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       check=True, cwd=__file__.rsplit("/tests/", 1)[0])
  assert out.stdout.strip() == "False"


@pytest.mark.parametrize("name", sorted(
    p.name for p in __import__("pathlib").Path(__file__).parents[1].joinpath("configs").glob("*.py")))
def test_every_shipped_config_and_its_smoke_variant_pass_the_checks(name):
  import runpy
  path = __import__("pathlib").Path(__file__).parents[1] / "configs" / name
  module = runpy.run_path(str(path))
  for arg in (None, "smoke", *module.get("VARIANTS", ())):
    config_lib.check(module["get_config"](arg))


def test_a_removed_key_says_what_replaced_it():
  with pytest.raises(InputError, match="prune.teacher` is gone.*teacher_prune"):
    config_lib.update(config_lib.base_config(), {"prune": {"teacher": True}})


def test_config_help_lists_every_field_with_its_default_and_meaning(capsys):
  from tfcompress import config_help
  lines = config_help.describe("export")
  assert lines[0].startswith("export.boards = ('esp32', 'esp32s3')  # Flash and RAM")
  assert any(l.startswith("export.tolerance = 0.01  # ") for l in lines)
  assert len(config_help.describe()) > 100
  assert config_help.main(["x", "nope"]) == 2
  assert "Groups: channels, cluster, data" in capsys.readouterr().err
