"""Flags that more than one binary defines, defined once so the binaries share a process.

`tfcompress` and `tfcompress-bench` both take --workdir; absl refuses a flag defined
twice, so tests (and tools) can import both entry points only if it is defined here.
"""
import sys

from absl import flags

WORKDIR = flags.DEFINE_string(
    "workdir", None, "The work directory: where `tfcompress` writes its artifacts and "
    "reports, and what `tfcompress-bench` times.")


def for_help(doc, *names):
  """Makes `--help` show `doc` and the flags `names`: a console script's main module is
  its generated wrapper, which has no docstring and defines no flags."""
  main = sys.modules.get("__main__")
  if main is not None and not main.__doc__:
    main.__doc__ = doc
  for name in names:
    flags.FLAGS.register_key_flag_for_module(sys.argv[0], flags.FLAGS[name])
