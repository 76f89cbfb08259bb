"""Runs the README's callbacks example exactly as written."""
import os
import re

from tfcompress.evaluate import tflite

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")


def test_readme_callbacks_example_ends_with_tflite_and_c_array(tmp_path, monkeypatch):
  with open(README) as f:
    text = f.read()
  code = re.search(r"<!-- callbacks-example -->\n```python\n(.*?)```", text, re.S).group(1)
  monkeypatch.chdir(tmp_path)
  exec(compile(code, "README.md", "exec"), {})  # pylint: disable=exec-used
  out = tmp_path / "export"
  assert sorted(os.listdir(out)) == ["model.cc", "model.h", "model_float32.tflite",
                                     "model_int8.tflite"]
  int8 = (out / "model_int8.tflite").read_bytes()
  assert tflite.TFLiteModel(int8).input["dtype"].__name__ == "int8"
  # The C array holds exactly the int8 model's bytes.
  hex_bytes = re.findall(r"0x([0-9a-fA-F]{2})", (out / "model.cc").read_text())
  assert bytes(int(b, 16) for b in hex_bytes[:len(int8)]) == int8
  assert any((tmp_path / "logs" / "sparsity").iterdir())
