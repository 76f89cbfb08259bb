"""The workdir layout: the one module that builds paths into a workdir.

  WORKDIR/
    config.json  fingerprint.json  .lock        what made the run (see workdir.py)
    report.json  report.md  *.png  benchmark.json
    tensorboard/<stage>/[seed_N/]...            TensorBoard scalars
    <stage>/                                    a stage that runs once (the teacher)
      metrics.json                              written last: the stage is finished
    seed_N/<stage>/                             a stage that runs once per seed
      model.keras  metrics.json  ...

`metrics.json` holds the stage's typed outputs (`outputs`), their metric rows
(`metrics`), the inputs the config resolved (`inputs`) and the wall-clock `seconds`.
"""
import glob
import os

CONFIG = "config.json"
FINGERPRINT = "fingerprint.json"
REPORT_JSON = "report.json"
REPORT_MD = "report.md"
BENCHMARK = "benchmark.json"
DONE = "metrics.json"
MODEL = "model.keras"


def file(workdir, name):
  """A top-level file of the workdir: CONFIG, REPORT_JSON, a plot's `name.png`, ..."""
  return os.path.join(workdir, name)


def stage_dir(workdir, stage, seed=None):
  """The folder of `stage`: WORKDIR/seed_N/<stage>, or WORKDIR/<stage> when seed is None."""
  if seed is None:
    return os.path.join(workdir, stage)
  return os.path.join(workdir, f"seed_{seed}", stage)


def done_file(workdir, stage, seed=None):
  """The file whose presence says `stage` finished (for `seed`)."""
  return os.path.join(stage_dir(workdir, stage, seed), DONE)


def model_file(workdir, stage, seed=None):
  """The Keras model a model-making stage saves."""
  return os.path.join(stage_dir(workdir, stage, seed), MODEL)


def tensorboard(workdir, stage, seed=None, *sub):
  """Where a training stage writes TensorBoard scalars."""
  seeded = () if seed is None else (f"seed_{seed}",)
  return os.path.join(workdir, "tensorboard", stage, *seeded, *sub)


def seeds(workdir):
  """The seeds that have a seed_N folder in `workdir`, sorted."""
  found = (os.path.basename(d).split("_", 1)[1]
           for d in glob.glob(os.path.join(glob.escape(workdir), "seed_*")))
  return sorted(int(s) for s in found if s.isdigit())


def absolute(workdir, relative):
  """A path recorded relative to the workdir (in metrics.json), made usable."""
  return os.path.join(workdir, relative)


def relative(workdir, path):
  """How a path is recorded in metrics.json and report.json: relative to the workdir."""
  return os.path.relpath(path, workdir)
