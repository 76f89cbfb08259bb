"""One run per workdir: an OS-level lock, and no temporary file left behind.

The lock is `fcntl.flock` on WORKDIR/.lock, so it dies with the process that holds it
(a crash or `kill -9` never leaves a stale lock). Temporary files (`*.tmp<pid>*`, see
`artifacts.py`) are removed when a run fails and swept when the next run starts.

Example:
  with claim("runs/pneumonia"):
    ...  # only this process writes in runs/pneumonia
"""
import contextlib
import fcntl
import functools
import glob
import inspect
import os
import re
import shutil
import tempfile

from tfcompress import layout
from tfcompress.errors import InputError

LOCK = ".lock"
# Files that say what made the workdir; everything else in it is an artifact.
RECORDS = (LOCK, layout.CONFIG, layout.FINGERPRINT)
_TMP = re.compile(r"\.tmp(\d+)")


def temporary_files(workdir, pid=None):
  """The `*.tmp<pid>*` files under `workdir` (of any process when `pid` is None)."""
  found = []
  for path in glob.glob(os.path.join(glob.escape(workdir), "**", "*.tmp*"), recursive=True):
    match = _TMP.search(os.path.basename(path))
    if match and (pid is None or int(match.group(1)) == pid):
      found.append(path)
  return sorted(found)


def sweep(workdir, pid=None):
  """Removes the temporary files under `workdir`; returns how many it removed."""
  removed = 0
  for path in temporary_files(workdir, pid):
    with contextlib.suppress(OSError):
      if os.path.isdir(path):
        shutil.rmtree(path)
      else:
        os.remove(path)
      removed += 1
  return removed


def clear(folder):
  """Empties `folder` (a stage's, before it runs again). It is first renamed to a temporary
  name, so a run stopped halfway leaves nothing a later run could take for a result; the
  next run sweeps it."""
  if os.path.isdir(folder):
    doomed = f"{folder}.tmp{os.getpid()}"
    os.replace(folder, doomed)
    shutil.rmtree(doomed, ignore_errors=True)
  os.makedirs(folder, exist_ok=True)


def has_artifacts(workdir):
  """True when `workdir` holds anything a run wrote besides the records of what made it."""
  for _, dirs, files in os.walk(workdir):
    dirs[:] = [d for d in dirs if not _TMP.search(d)]
    if any(f not in RECORDS and not _TMP.search(f) for f in files):
      return True
  return False


def _make(workdir):
  """Creates `workdir` if missing; returns True when it did."""
  if os.path.exists(workdir) and not os.path.isdir(workdir):
    raise InputError(f"`--workdir` {workdir!r} is a file, not a directory. Give a directory "
                     "path (it is created if missing).")
  if os.path.isdir(workdir):
    return False
  os.makedirs(workdir)
  return True


def _holder(path):
  try:
    with open(path) as f:
      return f.read().strip() or "unknown"
  except OSError:
    return "unknown"


@contextlib.contextmanager
def claim(workdir):
  """Holds WORKDIR/.lock while the block runs; a second claim fails at once, naming the PID.

  Stale temporary files are swept once the lock is held; this process's own are
  removed if the block raises.
  """
  created = _make(workdir)
  path = layout.file(workdir, LOCK)
  fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
  try:
    try:
      fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
      raise InputError(f"Workdir {workdir!r} is in use by process {_holder(path)} (another "
                       "tfcompress run holds its lock). Wait for it to finish, or use "
                       "another --workdir.") from None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    sweep(workdir)
    try:
      yield workdir
    except BaseException:
      sweep(workdir, os.getpid())
      if created and os.listdir(workdir) == [LOCK]:  # Refused before writing anything.
        os.remove(path)
        os.rmdir(workdir)
      raise
  finally:
    os.close(fd)  # Releases the lock.


def exclusive(fn):
  """Decorates a function with a `workdir` argument to run inside `claim(workdir)`."""
  signature = inspect.signature(fn)

  @functools.wraps(fn)
  def wrapper(*args, **kwargs):
    with claim(signature.bind(*args, **kwargs).arguments["workdir"]):
      return fn(*args, **kwargs)
  return wrapper


@contextlib.contextmanager
def worker_copy(workdir, worker):
  """A private copy of `workdir` for a worker of a multi-worker run that is not the chief.

  It starts as the chief's workdir (hard links where the file system allows, copies
  elsewhere), so the worker skips the stages the chief skips; it is removed at the end.
  `worker` names it, e.g. ("worker", 1).
  """
  name = "-".join(str(p) for p in (worker or ("worker",)))
  scratch = tempfile.mkdtemp(prefix=f"tfcompress-{name}-")
  try:
    if os.path.isdir(workdir):
      skip = lambda _, names: [n for n in names if n == LOCK or _TMP.search(n)]  # noqa: E731
      shutil.copytree(workdir, scratch, ignore=skip, copy_function=_link, dirs_exist_ok=True)
    yield scratch
  finally:
    shutil.rmtree(scratch, ignore_errors=True)


def _link(source, target):
  try:
    os.link(source, target)
  except OSError:
    shutil.copy2(source, target)
