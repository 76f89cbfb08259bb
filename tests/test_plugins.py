import pytest

from tfcompress import plugins
from tfcompress.errors import InputError


def test_registered_names_and_good_plugins_pass(tmp_path, monkeypatch):
  monkeypatch.syspath_prepend(str(tmp_path))
  (tmp_path / "good_students.py").write_text(
      "def net(input_shape, num_classes, width=8):\n  return None\n")
  plugins.check("paper_cnn")
  plugins.check("good_students:net")


@pytest.mark.parametrize("source,match", [
    ("def other(input_shape, num_classes):\n  pass\n", "AttributeError.*net"),
    ("import no_such_dependency_q\n", "no_such_dependency_q"),
    ("def net(shape, classes):\n  pass\n", r"net\(shape, classes\)"),
])
def test_broken_plugins_are_one_line(tmp_path, monkeypatch, source, match):
  monkeypatch.syspath_prepend(str(tmp_path))
  name = f"broken_{abs(hash(source))}"
  (tmp_path / f"{name}.py").write_text(source)
  with pytest.raises(InputError, match=match):
    plugins.check(f"{name}:net")
