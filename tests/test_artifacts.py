"""Atomic, durable writes."""
import errno
import os
import stat

from tfcompress import artifacts


def test_writes_are_synced_and_survive_a_folder_that_cannot_be_synced(tmp_path, monkeypatch):
  """Review: fsync of a folder raises EINVAL on some network mounts; the file must still
  be written, and the file itself synced before the rename."""
  synced = []
  real = os.fsync
  def fsync(fd):
    if stat.S_ISDIR(os.fstat(fd).st_mode):
      raise OSError(errno.EINVAL, "Invalid argument")
    synced.append(os.fstat(fd).st_size)
    real(fd)
  monkeypatch.setattr(artifacts.os, "fsync", fsync)
  path = artifacts.write_json(str(tmp_path / "d" / "metrics.json"), {"a": 1})
  with open(path) as f:
    assert f.read() == '{\n  "a": 1\n}\n'
  assert synced == [os.path.getsize(path)]  # The temporary file, whole, before the rename.
  assert os.listdir(tmp_path / "d") == ["metrics.json"]
