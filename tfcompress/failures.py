"""Failures a user can meet, as one line on stderr and a non-zero exit, never a traceback.

Bad input (`InputError`, exit code 2), a collapsed model (`CollapseError`, 3), a full
disk, a path that cannot be written, a path that is a file, a lost worker of a
multi-worker run, and Ctrl-C or SIGTERM. Used by the three binaries (tfcompress, tfcompress-bench,
tfcompress-container); anything else is a bug and keeps its traceback.

Example:
  with guard("tfcompress"):
    pipeline.run(config, workdir)
"""
import contextlib
import errno
import signal
import sys
import threading

from tfcompress.errors import CollapseError
from tfcompress.errors import InputError

INPUT_EXIT = 2  # Bad input, as absl's usage errors.
COLLAPSE_EXIT = 3  # The run finished its stages, but a model it needed collapsed.
OS_EXIT = 1

# What a collective op raises when a peer of a multi-worker run died (no TF import here).
_PEER_ERRORS = ("UnavailableError", "DeadlineExceededError")


def one_line(text):
  """The last line of a traceback inside `text` (what was raised), whitespace collapsed."""
  text = str(text)
  if "Traceback (most recent call last)" in text:
    lines = [l for l in text.split("Traceback (most recent call last)", 1)[1].splitlines()
             if l.strip() and not l.startswith((" ", "\t"))]
    text = lines[-1] if lines else text
  text = text.replace("\\n", " ").replace("\\'", "'")
  return " ".join(text.split()).strip(" .") + "."


def _where(error, verb=""):
  name = getattr(error, "filename", None)
  return f" {verb}{name!r}" if name else ""


def message(error):
  """(one-line message, exit code) for the failures users meet; None for anything else."""
  if isinstance(error, CollapseError):
    return str(error), COLLAPSE_EXIT
  if isinstance(error, InputError):
    return str(error), INPUT_EXIT
  if isinstance(error, KeyboardInterrupt):
    by = " by SIGTERM" if _signal[0] == signal.SIGTERM else ""
    return (f"interrupted{by}. Run the same command again to resume: finished stages (and "
            "finished teacher members) are kept."), 128 + int(_signal[0])
  if type(error).__name__ in _PEER_ERRORS and type(error).__module__.startswith("tensorflow"):
    return (f"a worker of this multi-worker run stopped or cannot be reached ("
            f"{type(error).__name__}). Start every worker again with the same command and "
            "--workdir: finished stages are kept."), OS_EXIT
  if not isinstance(error, OSError):
    return None
  code, where = error.errno, _where(error)
  if code == errno.ENOSPC:
    return (f"no space left on the device{_where(error, 'writing ')}. Free some space (or use "
            "a --workdir on another disk) and run the same command again: finished stages are "
            "kept."), OS_EXIT
  if code in (errno.EACCES, errno.EPERM, errno.EROFS):
    return (f"cannot write{where}: {error.strerror}. Use a --workdir you may write to, or fix "
            "its permissions."), OS_EXIT
  if code in (errno.ENOTDIR, errno.EEXIST, errno.EISDIR):
    return (f"{error.strerror}:{where}. A --workdir (and each folder above it) must be a "
            "directory, not a file."), OS_EXIT
  if code == errno.ENOENT:
    return f"{error.strerror}:{where}.", OS_EXIT
  if code is None:
    return one_line(error), OS_EXIT
  return f"{error.strerror}:{where} (errno {code}).", OS_EXIT


def fail(prog, text, code=INPUT_EXIT):
  print(f"{prog}: error: {text}", file=sys.stderr)
  sys.exit(code)


_interrupted = threading.Event()


def interrupted():
  """True once Ctrl-C reached a `guard`. Python drops a KeyboardInterrupt raised inside a
  finalizer (seen in a weakref callback during training), so training checks this after
  every batch and the pipeline before every stage."""
  return _interrupted.is_set()


def check_interrupted():
  if interrupted():
    raise KeyboardInterrupt


_signal = [signal.SIGINT]  # The signal that interrupted the run: its exit code.


def _on_signal(signum, frame):
  """Ctrl-C, or SIGTERM (`kill`, a scheduler's timeout): stop as on KeyboardInterrupt."""
  _interrupted.set()
  _signal[0] = signum
  signal.default_int_handler(signum, frame)


def _quiet_dropped_interrupt(hook):
  """An unraisable hook that stays silent on the KeyboardInterrupt the flag will act on
  (Python would print its traceback) and passes everything else to `hook`."""
  def quiet(unraisable):
    if not (issubclass(unraisable.exc_type, KeyboardInterrupt) and interrupted()):
      hook(unraisable)
  return quiet


@contextlib.contextmanager
def guard(prog):
  """Turns the failures `message` knows into one line on stderr and SystemExit."""
  main = threading.current_thread() is threading.main_thread()
  # SIGINT is left alone when ignored (a background job of a shell script) or taken by a
  # host program; SIGTERM is handled whenever it would kill the process without a word.
  sigint = main and signal.getsignal(signal.SIGINT) is signal.default_int_handler
  term = main and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
  ours = sigint or term
  hook = sys.unraisablehook
  if ours:
    _interrupted.clear()  # A run in the same process after an interrupted one.
    _signal[0] = signal.SIGINT
    if sigint:
      signal.signal(signal.SIGINT, _on_signal)
    if term:
      signal.signal(signal.SIGTERM, _on_signal)
    sys.unraisablehook = _quiet_dropped_interrupt(hook)
  try:
    yield
  except (Exception, KeyboardInterrupt) as e:  # pylint: disable=broad-except
    found = message(e)
    if found is None:
      raise
    fail(prog, *found)
  finally:
    if ours:
      _signal[0] = signal.SIGINT
      if sigint:
        signal.signal(signal.SIGINT, signal.default_int_handler)
      if term:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
      sys.unraisablehook = hook
