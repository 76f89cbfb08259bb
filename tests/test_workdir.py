import os

import pytest

from tfcompress import workdir
from tfcompress.errors import InputError


def test_records_are_not_artifacts_but_anything_else_is(tmp_path):
  d = str(tmp_path)
  for name in workdir.RECORDS:
    (tmp_path / name).write_text("{}")
  (tmp_path / "teacher").mkdir()
  (tmp_path / "teacher" / "m.keras.tmp12.keras").write_text("")
  assert not workdir.has_artifacts(d)
  (tmp_path / "teacher" / "m.keras").write_text("")
  assert workdir.has_artifacts(d)


def test_sweep_removes_only_temporary_files(tmp_path):
  (tmp_path / "a").mkdir()
  keep = tmp_path / "a" / "model.keras"
  keep.write_text("")
  (tmp_path / "a" / "model.keras.tmp7.keras").write_text("")
  (tmp_path / "labels.txt.tmp8").write_text("")
  assert workdir.sweep(str(tmp_path), pid=8) == 1
  assert workdir.sweep(str(tmp_path)) == 1
  assert os.listdir(tmp_path / "a") == ["model.keras"]


def test_claim_is_exclusive_and_released(tmp_path):
  d = str(tmp_path / "w")
  with workdir.claim(d):
    with pytest.raises(InputError, match=f"in use by process {os.getpid()}"):
      with workdir.claim(d):
        pass
  with workdir.claim(d):  # Released on exit.
    pass


def test_failure_inside_a_claim_removes_own_temporary_files(tmp_path):
  d = str(tmp_path / "w")
  with pytest.raises(RuntimeError):
    with workdir.claim(d):
      open(os.path.join(d, f"x.tmp{os.getpid()}"), "w").close()
      raise RuntimeError
  assert workdir.temporary_files(d) == []
