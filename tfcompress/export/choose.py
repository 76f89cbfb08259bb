"""Which exported file to use: per target, the smallest that holds its validation score.

A run exports every quantized variant; a developer needs one. For a phone (LiteRT) any
variant runs; a microcontroller needs one that TFLite Micro runs and that fits the boards
the config names, and is not picked with int4 filters, which TFLite Micro's reference
kernels run but not every port's optimized kernels (the README offers such a file when it
is smaller). On each, the smallest file whose validation balanced accuracy lies within
`tolerance` of the best of those candidates is picked, as the pruning sweep picks its
alpha. Collapsed models (one class for every validation image) are never picked. Test
figures play no part.
"""
from tfcompress.export.model_info import AS_STORED

TARGETS = ("phone", "microcontroller")


def recommend(rows, tolerance=0.01):
  """The variant to use on each target, chosen on validation.

  Args:
    rows: one dict per variant: `name`, `size_bytes`, `val_balanced_accuracy` (None when
      unscored), `tflm_ok`, and optionally `collapsed`, `int4_tensors` and `boards`
      ({board: {"fits": bool}}; every named board must fit).
    tolerance: how far below the best validation score of a target's candidates a smaller
      file may lie.

  Returns:
    {target: {"name", "size_bytes", "best_name", "best_val_balanced_accuracy"} or None}:
    None when no variant can serve that target.

  Example:
    recommend([{"name": "int8", "size_bytes": 40, "val_balanced_accuracy": 0.96,
                "tflm_ok": True},
               {"name": "float32", "size_bytes": 130, "val_balanced_accuracy": 0.965,
                "tflm_ok": True}])["microcontroller"]["name"]  # 'int8'
  """
  if not 0 <= tolerance <= 1:
    raise ValueError(f"Argument `tolerance` must be in [0, 1]. Received: tolerance={tolerance}")
  scored = [r for r in rows
            if r.get("val_balanced_accuracy") is not None and not r.get("collapsed")]
  return {"phone": _smallest_holding(scored, tolerance),
          "microcontroller": _smallest_holding(_on_device(scored), tolerance)}


def _on_device(rows, int4=False):
  """The rows TFLite Micro runs and that fit every board they were checked on; with int4
  filters only when `int4`."""
  return [r for r in rows if r.get("tflm_ok") and (int4 or not r.get("int4_tensors"))
          and all(b.get("fits") for b in (r.get("boards") or {}).values())]


def _int4_option(rows, pick, tolerance):
  """A file with int4 filters smaller than the microcontroller's `pick` and within
  `tolerance` of its best, or None."""
  floor = pick["best_val_balanced_accuracy"] - tolerance - 1e-12
  options = [r for r in _on_device(rows, int4=True) if r.get("int4_tensors")
             and not r.get("collapsed") and r["size_bytes"] < pick["size_bytes"]
             and (r.get("val_balanced_accuracy") or 0) >= floor]
  return min(options, key=lambda r: r["size_bytes"], default=None)


def _smallest_holding(rows, tolerance):
  if not rows:
    return None
  best = max(rows, key=lambda r: (r["val_balanced_accuracy"], -r["size_bytes"]))
  floor = best["val_balanced_accuracy"] - tolerance - 1e-12
  pick = min((r for r in rows if r["val_balanced_accuracy"] >= floor),
             key=lambda r: (r["size_bytes"], -r["val_balanced_accuracy"]))
  return {"name": pick["name"], "size_bytes": pick["size_bytes"], "best_name": best["name"],
          "best_val_balanced_accuracy": best["val_balanced_accuracy"]}


def _why_none(rows, target):
  """Why `recommend` named no variant for `target`."""
  if target == "microcontroller":
    if not any(r.get("tflm_ok") for r in rows):
      return "TFLite Micro runs none of the variants"
    rows = _on_device(rows, int4=True)
    if not rows:
      return "none of the variants TFLite Micro runs fits the boards (`export.boards`)"
    usable = [r for r in rows
              if r.get("val_balanced_accuracy") is not None and not r.get("collapsed")]
    if usable and not _on_device(usable):
      return (f"only `{min(usable, key=lambda r: r['size_bytes'])['name']}/` and others "
              "with int4 filters run, fit and hold up on validation; TFLite Micro's reference "
              "kernels run int4 filters, not every port's optimized kernels: use it if yours do")
  if all(r.get("collapsed") for r in rows):
    return "every candidate collapsed (one class, or chance, on validation)"
  return "no candidate was scored on validation"


def readme(rows, picks, tolerance, seed=None, image_weight=None, reading=""):
  """The export folder's README.md: what to use where, and every variant's figures.

  `rows`: as for `recommend`, plus `accuracy` (test) and `files` (paths inside the export
  folder); `picks`: `recommend`'s answer; `image_weight`: what one validation image of
  the smallest class moves balanced accuracy by (said when it exceeds `tolerance`);
  `reading`: how the training images' pixels were made from their files (`Splits.reading`).
  """
  where = {"phone": "on a phone (LiteRT, Android)",
           "microcontroller": "on a microcontroller (TFLite Micro, C array)"}
  out = [f"# Exported models{'' if seed is None else f' (seed {seed})'}", ""]
  for target in TARGETS:
    pick = picks.get(target)
    if pick is None:
      out.append(f"- **{where[target]}**: none: {_why_none(rows, target)}.")
      continue
    best = pick["best_val_balanced_accuracy"]
    what = ("the best" if pick["name"] == pick["best_name"] else f"`{pick['best_name']}`")
    out.append(f"- **{where[target]}**: `{pick['name']}/`: the smallest file whose "
               f"validation balanced accuracy is at most {tolerance:g} (`export.tolerance`) "
               f"below {what} there ({best:.4f}).")
    option = _int4_option(rows, pick, tolerance) if target == "microcontroller" else None
    if option:
      saved = pick["size_bytes"] - option["size_bytes"]
      out.append(f"  `{option['name']}/` is {saved:,} bytes smaller and "
                 "within the tolerance too, with int4 convolution filters: TFLite Micro's "
                 "reference kernels run it (as here), not every port's optimized kernels "
                 "(check yours, e.g. ESP-NN or CMSIS-NN), so it is not the pick.")
  out += ["", "Every model takes raw pixels 0-255 (it rescales inside). " + (
      reading or AS_STORED) + " The input tensor of an int8 or int16x8 file is integer: "
      "quantize each pixel with the file's scale and zero point (the C header in `c_array/` "
      "and the JSON in `android/` give them and the formula), never copy the byte in as it "
      "is."]
  out += ["", "Chosen on the validation split; the test figures are reported, not chosen on.",
          "", "Where each kind of file runs fastest (the TensorFlow Lite post-training "
          "quantization guide): `dynamic` (int8 weights, float activations) on a CPU only; "
          "`float16` on a CPU or a GPU delegate; `int8` on a CPU, an NPU / Edge TPU or a "
          "microcontroller. In a dense file, pruned zeros take as many bytes as any weight: "
          "they shrink it under gzip and in TFLite's sparse format (the quantize stage's "
          "`*_sparse.tflite` files, for LiteRT), and fewer channels (the `channels` stage) "
          "shrink what a device runs."]
  if image_weight and image_weight > tolerance:
    out += ["", f"One validation image of the smallest class moves balanced accuracy by "
            f"{image_weight:.3f}, more than the tolerance: the files within it score the same "
            "to the image, and a larger validation split would make the choice firmer."]
  out += ["", "| variant | bytes | val bal. acc | test accuracy | TFLite Micro | files |",
          "| --- | --- | --- | --- | --- | --- |"]
  for r in sorted(rows, key=lambda r: r["size_bytes"]):
    val = r.get("val_balanced_accuracy")
    tflm = (f"yes, arena {r['tflm_arena_bytes']:,} B" if r.get("tflm_ok") else "no")
    if r.get("tflm_ok") and r.get("int4_tensors"):
      tflm += ", int4 filters"
    if r.get("collapsed"):
      tflm += " (collapsed: one class)"
    cells = [f"`{r['name']}`", f"{r['size_bytes']:,}", "-" if val is None else f"{val:.4f}",
             "-" if r.get("accuracy") is None else f"{r['accuracy']:.4f}", tflm,
             ", ".join(f"`{f}`" for f in r.get("files", ()))]
    out.append("| " + " | ".join(cells) + " |")
  return "\n".join(out) + "\n"
