import errno

from tfcompress import failures
from tfcompress.errors import InputError


def test_one_line_keeps_what_was_raised():
  text = ("flag --config=x.py: Error whilst parsing config file:\n\nTraceback (most recent "
          "call last):\n  File \"x.py\", line 2, in get_config\n    raise ValueError(\"no\")\n"
          "ValueError: Unknown variant 'b'\n")
  assert failures.one_line(text) == "ValueError: Unknown variant 'b'."


def test_messages_say_what_to_do():
  full = OSError(errno.ENOSPC, "No space left on device", "/w/m.keras")
  assert "same command" in failures.message(full)[0] and failures.message(full)[1] == 1
  assert "/w/m.keras" in failures.message(full)[0]
  ro = PermissionError(errno.EROFS, "Read-only file system", "/w")
  assert "--workdir" in failures.message(ro)[0]
  assert failures.message(KeyboardInterrupt())[1] == 130
  assert failures.message(InputError("bad"))[0] == "bad"
  assert failures.message(OSError("Unable to open file"))[0] == "Unable to open file."
  assert failures.message(RuntimeError("bug")) is None  # Bugs keep their traceback.


def test_a_lost_worker_is_one_line_and_other_tensorflow_errors_are_not():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  lost = tf.errors.UnavailableError(None, None, "failed to connect to all addresses")
  text, code = failures.message(lost)
  assert "worker" in text and "same command" in text and code == 1
  assert failures.message(tf.errors.InvalidArgumentError(None, None, "shape")) is None
