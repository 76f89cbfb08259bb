import numpy as np
import pytest

from tfcompress.callbacks import SparsityLogger
from tfcompress.callbacks import StdDevPruning
from tfcompress.models import paper_cnn
from tfcompress.prune import layer_sparsity
from tfcompress._keras import keras


def _fit(callbacks, epochs=3):
  keras.utils.set_random_seed(0)
  model = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  model.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
  x = np.random.default_rng(0).uniform(0, 255, (32, 12, 12, 1)).astype(np.float32)
  history = model.fit(x, np.arange(32) % 2, batch_size=8, epochs=epochs, verbose=0,
                      callbacks=callbacks)
  return model, history.history


def test_prunes_at_the_chosen_epoch_and_holds_the_zeros(tmp_path):
  pruning = StdDevPruning(alpha=1.0, start_epoch=1)
  model, logs = _fit([pruning, SparsityLogger(log_dir=str(tmp_path / "tb"))])
  assert logs["sparsity"][0] == 0.0
  assert logs["sparsity"][1] > 0.3 and logs["sparsity"][2] == pytest.approx(logs["sparsity"][1])
  masks = {k.name: m for k, m in pruning.masks}
  sparsity = layer_sparsity(model)
  assert sparsity["conv2"] == pytest.approx(np.mean(masks[model.get_layer("conv2").kernel.name] == 0))
  assert "sparsity/conv2" in logs
  assert any((tmp_path / "tb").iterdir())  # TensorBoard event file written.


def test_bad_arguments():
  with pytest.raises(ValueError, match="alpha=0"):
    StdDevPruning(alpha=0)
  with pytest.raises(ValueError, match="start_epoch=-1"):
    StdDevPruning(alpha=1, start_epoch=-1)


def test_exporter_checks_its_arguments_before_training():
  from tfcompress.callbacks import Exporter
  from tfcompress.errors import InputError
  with pytest.raises(InputError, match="my-model"):
    Exporter("out", modes=("float32",), name="my-model")
  for mode in ("int8", "int16x8", "int4x8"):  # Each calibrates on images.
    with pytest.raises(InputError, match=f"representative_images.*{mode}"):
      Exporter("out", modes=("float32", mode))
  Exporter("out", modes=("float32", "dynamic", "int4_weights"))  # None needs them.


def test_the_callbacks_work_on_a_distiller_s_student(tmp_path):
  """Review: StdDevPruning masked the frozen teacher's kernels too, and Exporter could not
  strip a Distiller (a subclassed model) after training had finished."""
  from tfcompress.callbacks import Exporter  # pylint: disable=g-import-not-at-top
  from tfcompress.distill import Distiller  # pylint: disable=g-import-not-at-top
  keras.utils.set_random_seed(0)
  student = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  teacher = paper_cnn((12, 12, 1), 2, filters=(8, 8, 8, 8))
  teacher.trainable = False
  teacher_before = [w.copy() for w in teacher.get_weights()]
  x = np.random.default_rng(0).uniform(0, 255, (32, 12, 12, 1)).astype(np.float32)
  d = Distiller(student, teacher, 2.0, 0.5, 0.5)
  d.compile(optimizer="adam")
  pruning = StdDevPruning(alpha=1.0)
  export = Exporter(str(tmp_path), modes=("float16", "float32"), c_array=True)
  d.fit(x, np.arange(32) % 2, batch_size=8, epochs=2, verbose=0, callbacks=[pruning, export])
  assert layer_sparsity(student)["conv2"] > 0.3
  assert all(np.array_equal(a, b) for a, b in zip(teacher_before, teacher.get_weights()))
  student_kernels = {v.ref() for v in student.weights}
  assert all(k.ref() in student_kernels for k, _ in pruning.masks)
  assert export.micro_mode == "float32"  # TFLite Micro runs no float16 file.
  assert sorted(p.rsplit("/", 1)[1] for p in export.paths) == [
      "model.cc", "model.h", "model_float16.tflite", "model_float32.tflite"]


def test_the_exporter_s_c_array_needs_a_mode_tflite_micro_runs():
  from tfcompress.callbacks import Exporter  # pylint: disable=g-import-not-at-top
  from tfcompress.errors import InputError  # pylint: disable=g-import-not-at-top
  with pytest.raises(InputError, match="TFLite Micro runs no dynamic-range, float16.*"
                     "c_array=False"):
    Exporter("out", modes=("dynamic", "float16"))
  Exporter("out", modes=("dynamic", "float16"), c_array=False)
