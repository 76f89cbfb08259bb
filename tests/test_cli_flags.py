"""Flags shared by the binaries, and what `--help` shows."""
import sys
import types

from absl import flags

from tfcompress import bench
from tfcompress import cli_flags


def test_help_shows_the_binary_doc_and_flags(monkeypatch):
  wrapper = types.ModuleType("__main__")  # What pip's console-script wrapper is: no doc,
  monkeypatch.setitem(sys.modules, "__main__", wrapper)  # no flags of its own.
  monkeypatch.setattr(sys, "argv", ["/venv/bin/tfcompress-bench"])
  cli_flags.for_help(bench.__doc__, "workdir", "threads")
  assert wrapper.__doc__ == bench.__doc__
  shown = {f.name for f in flags.FLAGS.get_key_flags_for_module("/venv/bin/tfcompress-bench")}
  assert {"workdir", "threads"} <= shown
