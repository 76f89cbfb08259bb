r"""Every config field with its default and meaning, for `--config.<field>=` flags.

  python -m tfcompress.config_help            # every field
  python -m tfcompress.config_help quantize   # the fields of one group

The defaults are `base_config()`'s values; the meanings are the comments written beside
and above each field in `tfcompress/config.py`. Imports no TensorFlow.
"""
import inspect
import re
import sys

from tfcompress import config as config_lib

_FIELD = re.compile(r"^\s*c\.([\w.]+)\s*=\s*(.*?)(?:\s+#\s?(.*))?$")


def _comments():
  """{field: its comment} from the source of `base_config`: the comment beside it, after
  the comment lines right above it."""
  comments, above = {}, []
  for line in inspect.getsource(config_lib.base_config).splitlines():
    text = line.strip()
    if text.startswith("#"):
      above.append(text.lstrip("# "))
      continue
    match = _FIELD.match(line)
    if match:
      comments[match.group(1)] = " ".join(above + [match.group(3) or ""]).strip()
    above = []
  return comments


def _flat(values, prefix=""):
  for key, value in values.items():
    if isinstance(value, dict):
      yield from _flat(value, f"{prefix}{key}.")
    else:
      yield f"{prefix}{key}", value


def describe(group=None):
  """The lines `python -m tfcompress.config_help` prints: `field = default  # meaning`.

  Example:
    describe("export")[0]  # "export.boards = ('esp32', 'esp32s3')  # Flash and RAM ..."
  """
  comments = _comments()
  lines = []
  for key, value in _flat(config_lib.base_config().to_dict()):
    if group and key.split(".")[0] != group:
      continue
    note = comments.get(key, "")
    lines.append(f"{key} = {value!r}" + (f"  # {note}" if note else ""))
  return lines


def main(argv):
  if len(argv) > 1 and argv[1].startswith("-"):
    print(__doc__.strip())
    return 0
  group = argv[1] if len(argv) > 1 else None
  lines = describe(group)
  if not lines:
    groups = sorted({k.split(".")[0] for k, _ in _flat(config_lib.base_config().to_dict())})
    print(f"No config group {group!r}. Groups: {', '.join(groups)}", file=sys.stderr)
    return 2
  print("\n".join(lines))
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
