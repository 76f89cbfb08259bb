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


def test_a_module_in_the_current_directory_is_found(tmp_path, monkeypatch):
  import sys  # pylint: disable=g-import-not-at-top
  (tmp_path / "here_students.py").write_text(
      "def net(input_shape, num_classes):\n  return None\n")
  monkeypatch.chdir(tmp_path)
  monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", str(tmp_path))])
  plugins.check("here_students:net")  # Not on sys.path: found where the command runs.
  with pytest.raises(InputError, match="No module named 'nowhere_students'"):
    plugins.check("nowhere_students:net")
