"""Flags that more than one binary defines, defined once so the binaries share a process.

`tfcompress` and `tfcompress-bench` both take --workdir; absl refuses a flag defined
twice, so tests (and tools) can import both entry points only if it is defined here.
"""
from absl import flags

WORKDIR = flags.DEFINE_string(
    "workdir", None, "The work directory: where `tfcompress` writes its artifacts and "
    "reports, and what `tfcompress-bench` times.")
