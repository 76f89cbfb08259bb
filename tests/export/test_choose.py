"""Which exported file to use, per target, chosen on validation."""
import pytest

from tfcompress.export import choose


def _row(name, size, val, tflm=True, **extra):
  return dict(name=name, size_bytes=size, val_balanced_accuracy=val, tflm_ok=tflm, **extra)


ROWS = [_row("float32", 130_000, 0.970), _row("float16", 70_000, 0.969, tflm=False),
        _row("dynamic", 39_000, 0.950, tflm=False), _row("int8", 41_000, 0.962),
        _row("int4x8", 24_000, 0.930)]


def test_smallest_within_tolerance_per_target():
  picks = choose.recommend(ROWS, tolerance=0.01)
  # A phone runs everything: dynamic is smaller but 0.02 below; int8 is within 0.01.
  assert picks["phone"]["name"] == "int8"
  assert picks["phone"]["best_name"] == "float32"
  assert choose.recommend(ROWS, tolerance=0.0)["phone"]["name"] == "float32"
  assert choose.recommend(ROWS, tolerance=0.05)["phone"]["name"] == "int4x8"
  # Float16 is the phone's pick at 0.001 (its 0.969 is within); TFLite Micro cannot run it.
  picks = choose.recommend(ROWS, tolerance=0.001)
  assert picks["phone"]["name"] == "float16" and picks["microcontroller"]["name"] == "float32"


def test_a_microcontroller_gets_int8_and_is_told_of_a_smaller_int4_file():
  rows = [_row("int8", 41_000, 0.960, tflm_arena_bytes=19_000),
          _row("int4x8", 24_000, 0.958, int4_tensors=4, tflm_arena_bytes=19_000),
          _row("float32", 130_000, 0.961, tflm_arena_bytes=66_000)]
  picks = choose.recommend(rows, tolerance=0.01)
  assert picks["phone"]["name"] == "int4x8"  # LiteRT runs int4 filters.
  assert picks["microcontroller"]["name"] == "int8"  # Not every TFLite Micro port does.
  text = choose.readme(rows, picks, 0.01)
  assert "`int4x8/` is 17,000 bytes smaller" in text
  assert "arena 19,000 B, int4 filters |" in text
  only = choose.recommend(rows[1:2], tolerance=0.01)
  assert only["microcontroller"] is None
  assert "none: only `int4x8/` and others with int4 filters run" in choose.readme(
      rows[1:2], only, 0.01)
  collapsed = [dict(rows[0], collapsed=True), rows[1]]  # The int8 file is no use here.
  assert "none: only `int4x8/`" in choose.readme(
      collapsed, choose.recommend(collapsed, 0.01), 0.01)


def test_microcontroller_needs_tflm_boards_and_no_collapse():
  rows = [_row("float32", 130_000, 0.970, boards={"esp32": {"fits": False}}),
          _row("int8", 41_000, 0.900, boards={"esp32": {"fits": True}}),
          _row("int4x8", 24_000, 0.960, collapsed={"one_class": 1})]
  picks = choose.recommend(rows, tolerance=0.01)
  # The best device candidate sets the bar: int8 is picked though float32 scores higher.
  assert picks["microcontroller"]["name"] == "int8"
  assert picks["phone"]["name"] == "float32"  # The collapsed int4x8 is never picked.
  assert choose.recommend([_row("dynamic", 1, 0.9, tflm=False)])["microcontroller"] is None
  assert choose.recommend([_row("int8", 1, None)])["phone"] is None


def test_readme_names_the_picks_and_refuses_bad_tolerance():
  rows = [dict(r, accuracy=0.9, files=[f"{r['name']}/android/"], tflm_arena_bytes=19_488)
          for r in ROWS]
  text = choose.readme(rows, choose.recommend(rows, 0.01), 0.01, seed=0, image_weight=0.005)
  assert "# Exported models (seed 0)" in text
  assert "**on a phone (LiteRT, Android)**: `int8/`" in text
  assert "at most 0.01 (`export.tolerance`) below `float32` there (0.9700)" in text
  assert "One validation image" not in text and "\n\n\n" not in text
  assert "`dynamic` (int8 weights, float activations) on a CPU only" in text  # Trial 8.
  assert "taken as stored" in text  # Trial 12: how the files' pixels were made.
  assert "quantize each pixel with the file's scale and zero point" in text  # Trial 14.
  assert "Every model takes raw pixels 0-255 (it rescales inside). 16-bit files held" in (
      choose.readme(rows, choose.recommend(rows, 0.01), 0.01, reading="16-bit files held"))
  small = choose.readme(rows, choose.recommend(rows, 0.01), 0.01, image_weight=0.011)
  assert "moves balanced accuracy by 0.011, more than the tolerance" in small
  assert text.index("| `int4x8`") < text.index("| `int8`")  # Sorted by size.
  collapsed = [dict(r, collapsed="chance") for r in rows]
  none = choose.readme(collapsed, choose.recommend(collapsed), 0.01)
  assert none.count("none: every candidate collapsed") == 2
  big = [dict(r, boards={"esp32": {"fits": False}}) for r in rows]
  assert "none of the variants TFLite Micro runs fits" in choose.readme(
      big, choose.recommend(big), 0.01)
  with pytest.raises(ValueError, match="tolerance=2"):
    choose.recommend(ROWS, tolerance=2)
