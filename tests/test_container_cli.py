"""`tfcompress-container`: encode a .tflite, decode it back byte for byte, clear errors."""
import numpy as np
import pytest

from tfcompress import container_cli
from tfcompress.models import paper_cnn
from tfcompress.quantize import convert


def _fails(capsys, *argv):
  with pytest.raises(SystemExit) as exit_info:
    container_cli.main(["tfcompress-container", *argv])
  assert exit_info.value.code == 2
  errors = capsys.readouterr().err.strip().splitlines()
  assert len(errors) == 1 and errors[0].startswith("tfcompress-container: error:")
  return errors[0]


def test_encode_then_decode_gives_the_same_file(tmp_path, capsys):
  images = np.random.default_rng(0).uniform(0, 255, (4, 12, 12, 1)).astype(np.float32)
  content = convert(paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8)), "int8", images)
  (tmp_path / "model.tflite").write_bytes(content)
  container_cli.main(["tfcompress-container", "encode", str(tmp_path / "model.tflite"),
                      str(tmp_path / "model.dctf")])
  size = (tmp_path / "model.dctf").stat().st_size
  assert f"{size:,} bytes (weights" in capsys.readouterr().out
  container_cli.main(["tfcompress-container", "decode", str(tmp_path / "model.dctf"),
                      str(tmp_path / "back.tflite")])
  assert (tmp_path / "back.tflite").read_bytes() == content

  # Bad input: one line naming what was wrong.
  assert "encode|decode" in _fails(capsys, "unpack", "a", "b")
  assert "nope.dctf" in _fails(capsys, "decode", str(tmp_path / "nope.dctf"), "x.tflite")
  assert "Not a compressed container" in _fails(
      capsys, "decode", str(tmp_path / "model.tflite"), str(tmp_path / "x.tflite"))
  assert "TFL3" in _fails(capsys, "encode", str(tmp_path / "model.dctf"), str(tmp_path / "y"))
  assert not (tmp_path / "x.tflite").exists() and not (tmp_path / "y").exists()


def test_help_shows_the_commands():
  import subprocess  # pylint: disable=g-import-not-at-top
  import sys  # pylint: disable=g-import-not-at-top
  # As the console script runs it: a __main__ without a docstring (trial 11: --help printed
  # absl's bare usage line alone).
  out = subprocess.run([sys.executable, "-c", "from tfcompress.container_cli import run; run()",
                        "--help"], capture_output=True, text=True, timeout=120, check=False)
  assert "tfcompress-container encode model_int8.tflite model_int8.dctf" in out.stdout
