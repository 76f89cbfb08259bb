r"""tfcompress-bench: times every model of a finished workdir on this machine.

  tfcompress-bench --workdir=runs/pneumonia --threads=1 --repeats=30

Keras models run as a compiled forward pass; .tflite files in the LiteRT interpreter;
int8 files also in the TFLite Micro interpreter (batch 1). Results go to
WORKDIR/benchmark.json and into report.json and report.md.
"""
import os
import platform

from absl import app
from absl import flags
from absl import logging

from tfcompress import cli_flags
from tfcompress import failures
from tfcompress import layout
from tfcompress import workdir as workdir_lib

_WORKDIR = cli_flags.WORKDIR
_THREADS = flags.DEFINE_integer("threads", 1, "Threads for TensorFlow and the interpreter.")
_REPEATS = flags.DEFINE_integer("repeats", 30, "Timed runs per measurement, after warm-up.")
_BATCHES = flags.DEFINE_list("batch_sizes", ["1", "32"], "Batch sizes to time.")


@workdir_lib.exclusive  # Not while `tfcompress` writes the same workdir.
def benchmark(workdir, threads=1, repeats=30, batch_sizes=(1, 32)):
  """Times each model in WORKDIR/report.json; returns the rows written to benchmark.json."""
  from tfcompress import artifacts  # pylint: disable=g-import-not-at-top  (imports TF)
  from tfcompress import config as config_lib  # pylint: disable=g-import-not-at-top
  from tfcompress import data as data_lib  # pylint: disable=g-import-not-at-top
  from tfcompress import pipeline  # pylint: disable=g-import-not-at-top
  from tfcompress import report  # pylint: disable=g-import-not-at-top
  from tfcompress.evaluate import latency  # pylint: disable=g-import-not-at-top
  from tfcompress.evaluate import tflite  # pylint: disable=g-import-not-at-top
  from tfcompress.stages import context  # pylint: disable=g-import-not-at-top
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  found = artifacts.read_json(layout.file(workdir, layout.REPORT_JSON))
  if found is None:
    raise InputError(f"No report.json in {workdir!r}: run `tfcompress` with this --workdir first.")
  config = config_lib.from_json(layout.file(workdir, layout.CONFIG))
  splits = data_lib.load(config.data, config.seed)
  images = splits.x_test
  rows = []
  for entry in found["models"]:
    if entry["seed"] not in (config.seed, None) or (entry["role"] == "member"
                                                    and entry.get("source")):
      continue
    path = layout.absolute(workdir, entry["path"])
    if not os.path.exists(path):
      raise InputError(f"Model file {path!r} listed in report.json is missing; rerun "
                       f"`tfcompress` with --workdir={workdir} to make it again.")
    row = {"name": entry["name"], "format": entry["format"], "role": entry["role"],
           "quantization": entry.get("quantization"), "threads": threads}
    if entry["format"] == "keras":
      run = context.Run(config, workdir, splits, None, config.seed)
      model = (context.load_teacher(run) if entry["role"] == "teacher"
               else artifacts.load_model(path))
      for b in batch_sizes:
        row[f"batch{b}"] = latency.keras_latency(model, images, b, repeats)
    else:
      with open(path, "rb") as f:
        content = f.read()
      runner = tflite.TFLiteModel(content, num_threads=threads)
      for b in batch_sizes:
        row[f"batch{b}"] = latency.tflite_latency(runner, images, b, repeats)
      if entry.get("quantization") == "int8":
        row["tflm_batch1"] = _tflm_latency(content, images, repeats)
    logging.info("%s: %s", entry["name"], "; ".join(
        f"batch {b}: {row[f'batch{b}']['median_ms']:.3f} ms a batch, "
        f"{row[f'batch{b}']['median_ms'] / row[f'batch{b}']['images']:.4f} ms an image"
        for b in batch_sizes))
    rows.append(row)
  result = {"threads": threads, "repeats": repeats, "batch_sizes": list(batch_sizes),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores", "models": rows}
  artifacts.write_json(layout.file(workdir, layout.BENCHMARK), result)
  seeds = [config.seed + i for i in range(config.repeats)]
  report.write(workdir, config, splits, pipeline.reported(config, workdir, seeds), seeds,
               pipeline.compression_starts(config, workdir, seeds))
  return result


def _tflm_latency(content, images, repeats):
  """Median TFLite Micro invoke time over `repeats` test images, one at a time."""
  from tfcompress import export  # pylint: disable=g-import-not-at-top
  check = export.tflm_check(content, images[:repeats])
  return {"median_ms": check["tflm_ms"], "repeats": repeats} if check["tflm_ok"] else None


def _fail(message):
  failures.fail("tfcompress-bench", message)


def _batch_sizes(values):
  try:
    sizes = [int(b) for b in values]
  except ValueError:
    sizes = []
  if not sizes or min(sizes) < 1:
    _fail(f"Argument `--batch_sizes` must be whole numbers >= 1, e.g. 1,32. Received: "
          f"--batch_sizes={','.join(values)}")
  return sizes


def main(argv):
  if len(argv) > 1:
    _fail(f"unexpected arguments {argv[1:]}; use --workdir, --threads, --repeats, --batch_sizes.")
  if not _WORKDIR.value:
    _fail("--workdir is required, e.g. tfcompress-bench --workdir=runs/pneumonia")
  if not os.path.isdir(_WORKDIR.value):
    _fail(f"--workdir {_WORKDIR.value!r} is not a directory written by `tfcompress`.")
  for name, value in (("threads", _THREADS.value), ("repeats", _REPEATS.value)):
    if value < 1:
      _fail(f"Argument `--{name}` must be >= 1. Received: --{name}={value}")
  batch_sizes = _batch_sizes(_BATCHES.value)
  os.environ.setdefault("TF_NUM_INTRAOP_THREADS", str(_THREADS.value))
  from tfcompress._keras import tf  # pylint: disable=g-import-not-at-top
  try:
    tf.config.threading.set_intra_op_parallelism_threads(_THREADS.value)
    tf.config.threading.set_inter_op_parallelism_threads(1)
  except RuntimeError:  # TensorFlow already ran in this process: its threads are set.
    logging.warning("TensorFlow is already initialized; --threads applies to LiteRT only.")
  with failures.guard("tfcompress-bench"):
    benchmark(_WORKDIR.value, _THREADS.value, _REPEATS.value, batch_sizes)


def run():
  cli_flags.for_help(__doc__, "workdir", "threads", "repeats", "batch_sizes")
  with failures.guard("tfcompress-bench"):  # Ctrl-C at any point: one line.
    app.run(main)


if __name__ == "__main__":
  run()
