"""report.md's sections on time: distillation's cost per epoch, time per stage and the
latency benchmark."""
from tfcompress.report import markup


def speed(report):
  """A distilled epoch's time against a conventional one."""
  speed = report.get("distill_speed")
  if not speed:
    return []
  return ["", "## Cost of distillation", "",
          f"Median epoch: conventional {speed['student_epoch_seconds']:.2f} s, distilled "
          f"{speed['distill_epoch_seconds']:.2f} s: ratio {speed['ratio']:.2f}x."
          + (" Timed on first epochs only, which include building the graph: not a measure "
             "of the cost; train two epochs or more to time it." if speed.get("first_epochs_only")
             else "")]


def _minutes(seconds):
  return f"{int(seconds // 60)}:{int(seconds % 60):02d}"


def times(report):
  """The wall-clock time of each stage and seed, and the total."""
  times = report.get("stage_seconds") or []
  if not times:
    return []
  rows = [[r["stage"], "-" if r["seed"] is None else r["seed"], _minutes(r["seconds"])]
          for r in times]
  total = sum(r["seconds"] for r in times)
  return ["", "## Time per stage (this machine, wall clock)", "",
          markup.table(["stage", "seed", "min:s"], rows), "",
          f"Total {_minutes(total)}, data loading and the report not included."]


def _per_image(timed, batch_size):
  """"median (IQR)" ms an image; a batch holds fewer images when the test set is smaller."""
  n = timed.get("images", batch_size)  # Recorded since the review; older files: b.
  return f"{timed['median_ms'] / n:.4f} ({timed['iqr_ms'] / n:.4f})"


def benchmark(report):
  """The `tfcompress-bench` latencies per image, by batch size."""
  bench = report.get("benchmark")
  if not bench:
    return []
  sizes = bench["batch_sizes"]
  header = ["model", "format"] + [f"batch {b}: ms/image (IQR)" for b in sizes] + [
      "TFLite Micro batch 1 ms"]
  rows = []
  for r in bench["models"]:
    cells = [_per_image(r[f"batch{b}"], b) for b in sizes]
    tflm = r.get("tflm_batch1")
    rows.append([r["name"], r["format"]] + cells + [f"{tflm['median_ms']:.4f}" if tflm else "-"])
  out = ["", "## Latency (`tfcompress-bench`)", "",
         f"{bench['machine']}, {bench['threads']} thread(s), median of {bench['repeats']} "
         "timed runs after warm-up, per image.", "", markup.table(header, rows)]
  ratio = bench.get("teacher_to_int8_student")
  if ratio:
    out += ["", "Teacher ensemble (Keras) time per image over the int8 student's (LiteRT): "
            + ", ".join(f"{k} {v:.0f}x" for k, v in ratio.items() if k != "student") + "."]
  return out
