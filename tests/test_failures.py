import errno

from tfcompress import failures
from tfcompress.errors import CollapseError
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
  assert failures.message(InputError("bad")) == ("bad", 2)
  # A collapse is not bad input: scripts can tell the two apart.
  assert failures.message(CollapseError("collapsed")) == ("collapsed", 3)
  assert failures.message(OSError("Unable to open file"))[0] == "Unable to open file."
  assert failures.message(RuntimeError("bug")) is None  # Bugs keep their traceback.


def test_a_lost_worker_is_one_line_and_other_tensorflow_errors_are_not():
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  lost = tf.errors.UnavailableError(None, None, "failed to connect to all addresses")
  text, code = failures.message(lost)
  assert "worker" in text and "same command" in text and code == 1
  assert failures.message(tf.errors.InvalidArgumentError(None, None, "shape")) is None


def test_ctrl_c_that_python_dropped_still_stops_training(monkeypatch):
  """Ctrl-C sets a flag besides raising: training stops at the next batch even when the
  KeyboardInterrupt itself was swallowed (raised inside a finalizer)."""
  import os
  import signal
  import sys
  import types

  import numpy as np
  import pytest

  from tfcompress import training
  from tfcompress._keras import keras
  from tfcompress._keras import tf
  from tfcompress.config import base_config
  x, y = np.zeros((64, 4), np.float32), np.arange(64) % 2
  model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
  training.compile_classifier(model, keras.optimizers.SGD(0.1))
  train_ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(8)
  monkeypatch.setattr(failures, "_interrupted", type(failures._interrupted)())
  printed = []  # What Python would print as "Exception ignored in ...".
  monkeypatch.setattr(sys, "unraisablehook", printed.append)
  # As in the tfcompress binary (a pytest-xdist worker ignores SIGINT).
  previous = signal.signal(signal.SIGINT, signal.default_int_handler)
  try:
    with pytest.raises(SystemExit) as stopped:
      with failures.guard("tfcompress"):
        assert signal.getsignal(signal.SIGINT) is failures._on_signal
        try:
          os.kill(os.getpid(), signal.SIGINT)  # Python raises it here; we drop it.
        except KeyboardInterrupt:
          pass
        sys.unraisablehook(types.SimpleNamespace(exc_type=KeyboardInterrupt))  # Silent.
        sys.unraisablehook(types.SimpleNamespace(exc_type=ValueError))  # Still printed.
        training.fit(model, train_ds, (x, y), 100, base_config().train, verbose=0)
    assert stopped.value.code == 130
    assert model.optimizer.iterations.numpy() == 1  # Stopped after the first batch.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # Restored.
    assert [u.exc_type for u in printed] == [ValueError]
    assert sys.unraisablehook == printed.append
  finally:
    signal.signal(signal.SIGINT, previous)


def test_sigterm_stops_like_ctrl_c_with_its_own_code(monkeypatch, capsys):
  import os
  import signal

  import pytest
  monkeypatch.setattr(failures, "_interrupted", type(failures._interrupted)())
  previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # As in the binary.
  term = signal.signal(signal.SIGTERM, signal.SIG_DFL)
  try:
    with pytest.raises(SystemExit) as stopped:
      with failures.guard("tfcompress"):
        os.kill(os.getpid(), signal.SIGTERM)  # Without the guard: killed, no message.
    assert stopped.value.code == 143
    assert "interrupted by SIGTERM. Run the same command again" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # Restored,
    assert failures.message(KeyboardInterrupt())[1] == 130  # and so is Ctrl-C's code.
  finally:
    signal.signal(signal.SIGINT, previous)
    signal.signal(signal.SIGTERM, term)


def test_sigterm_is_handled_when_sigint_is_ignored(monkeypatch, capsys):
  """Trial 8: a background job of a shell script starts with SIGINT ignored; `kill` then
  ended the run without a word."""
  import os
  import signal

  import pytest
  monkeypatch.setattr(failures, "_interrupted", type(failures._interrupted)())
  previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
  term = signal.signal(signal.SIGTERM, signal.SIG_DFL)
  try:
    with pytest.raises(SystemExit) as stopped:
      with failures.guard("tfcompress"):
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # Still ignored.
        os.kill(os.getpid(), signal.SIGTERM)
    assert stopped.value.code == 143
    assert "interrupted by SIGTERM" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
  finally:
    signal.signal(signal.SIGINT, previous)
    signal.signal(signal.SIGTERM, term)
