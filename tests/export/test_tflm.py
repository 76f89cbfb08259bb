import numpy as np
import pytest

from tfcompress.errors import InputError
from tfcompress.evaluate.tflite import TFLiteModel
from tfcompress.export import tflm
from tfcompress.export import tflm_check


@pytest.fixture(scope="module")
def int8_result(tflite_files, images):
  return tflm_check(tflite_files["int8"], images)


def test_int8_model_runs_and_agrees_with_litert(int8_result):
  assert int8_result["tflm_ok"] and int8_result["tflm_reason"] is None
  assert int8_result["tflm_agreement"] == 1.0
  assert int8_result["tflm_arena_bytes"] > 0 and int8_result["tflm_ms"] > 0


def test_arena_is_the_smallest_that_works(tflite_files, images, int8_result):
  arena = int8_result["tflm_arena_bytes"]
  exact = tflm_check(tflite_files["int8"], images, max_arena_bytes=arena)
  assert exact["tflm_ok"] and exact["tflm_arena_bytes"] == arena
  for smaller in (arena - 16, int(arena * 0.75)):  # 16: the allocator's alignment step.
    result = tflm_check(tflite_files["int8"], images, max_arena_bytes=smaller)
    assert not result["tflm_ok"] and f"{smaller}-byte arena" in result["tflm_reason"]


def test_agreement_compares_with_the_reference_given(tflite_files, images):
  litert = TFLiteModel(tflite_files["int8"]).predict(images)
  assert tflm_check(tflite_files["int8"], images, reference_logits=-litert)["tflm_agreement"] == 0.0
  half = litert.copy()
  half[:10] = -half[:10]
  assert tflm_check(tflite_files["int8"], images, reference_logits=half)["tflm_agreement"] == 0.5


def test_dynamic_range_model_is_refused_as_hybrid(tflite_files, images):
  result = tflm_check(tflite_files["dynamic"], images)
  assert not result["tflm_ok"]
  assert "Hybrid models are not supported" in result["tflm_reason"]
  assert "\n" not in result["tflm_reason"]
  assert result["tflm_arena_bytes"] is None and result["tflm_agreement"] is None


def test_float32_model_runs_with_float_kernels(tflite_files, images, int8_result):
  result = tflm_check(tflite_files["float32"], images)
  assert result["tflm_ok"] and result["tflm_agreement"] == 1.0
  assert result["tflm_arena_bytes"] > int8_result["tflm_arena_bytes"]  # 4-byte activations.


def test_a_crash_in_tflm_is_reported_not_raised(tflite_files, images, tmp_path, monkeypatch):
  worker = tmp_path / "crash.py"
  worker.write_text("import os, signal, sys\nprint('about to fail', file=sys.stderr)\n"
                    "os.kill(os.getpid(), signal.SIGSEGV)\n")
  monkeypatch.setattr(tflm, "_WORKER", str(worker))
  result = tflm_check(tflite_files["int8"], images)
  assert not result["tflm_ok"] and result["tflm_arena_bytes"] is None
  assert result["tflm_reason"] == (f"about to fail (TFLM crashed with SIGSEGV in a "
                                   f"{tflm.MAX_ARENA_BYTES}-byte arena)")


def test_bad_images(tflite_files):
  with pytest.raises(InputError, match=r"\(N, 12, 12, 1\).*\(3, 28, 28, 1\)"):
    tflm_check(tflite_files["int8"], np.zeros((3, 28, 28, 1)))
  with pytest.raises(InputError, match=r"N >= 1"):
    tflm_check(tflite_files["int8"], np.zeros((0, 12, 12, 1)))


def test_bad_reference_and_arena_limit(tflite_files, images):
  with pytest.raises(InputError, match=r"\(20, classes\).*\(5, 2\)"):
    tflm_check(tflite_files["int8"], images, reference_logits=np.zeros((5, 2)))
  with pytest.raises(InputError, match="max_arena_bytes=100"):
    tflm_check(tflite_files["int8"], images, max_arena_bytes=100)
  with pytest.raises(InputError, match="TFL3"):
    tflm_check(b"not a model", images)
