import os

import numpy as np

from tfcompress import artifacts
from tfcompress import data
from tfcompress import pipeline
from tfcompress.stages import teacher


def test_folds_are_stratified_and_cover_every_image():
  y = np.array([0] * 30 + [1] * 90)
  fold = teacher.folds(y, 3, seed=0)
  assert sorted(np.unique(fold)) == [0, 1, 2]
  for f in range(3):
    assert np.bincount(y[fold == f]).tolist() == [10, 30]
  assert not np.array_equal(fold, teacher.folds(y, 3, seed=1))  # Seeded.


def test_cross_fitted_logits_come_from_the_members_that_did_not_see_the_images(
    smoke_config, tmp_path):
  smoke_config.stages = ("teacher",)
  smoke_config.teacher.members = ("tests.tiny_models:tiny_teacher",) * 3
  smoke_config.teacher.folds = 2  # Member 0 and 2 skip fold 0, member 1 skips fold 1.
  workdir = str(tmp_path / "run")
  report = pipeline.run(smoke_config, workdir)
  y = data.load(smoke_config.data, smoke_config.seed).y_train
  x = data.load(smoke_config.data, smoke_config.seed).x_train
  fold = teacher.folds(y, 2, smoke_config.seed)
  rows = {m["name"]: m for m in report["models"]}
  names = ["tiny_teacher", "tiny_teacher_2", "tiny_teacher_3"]
  assert [rows[n]["train_images"] for n in names] == [
      np.sum(fold != 0), np.sum(fold != 1), np.sum(fold != 0)]
  members = [artifacts.load_model(os.path.join(workdir, "teacher", f"{n}.keras"))
             for n in names]
  logits = np.load(os.path.join(workdir, "teacher", "train_logits.npy"))
  both = np.mean([m.predict(x, verbose=0) for m in members], axis=0)
  blind0 = np.mean([members[0].predict(x, verbose=0), members[2].predict(x, verbose=0)], 0)
  np.testing.assert_allclose(logits[fold == 0], blind0[fold == 0], rtol=1e-4, atol=1e-4)
  np.testing.assert_allclose(logits[fold == 1], members[1].predict(x[fold == 1], verbose=0),
                             rtol=1e-4, atol=1e-4)
  assert not np.allclose(logits, both, atol=1e-3)  # Not the whole ensemble's.
  assert rows["teacher"]["train_accuracy"] == np.mean(both.argmax(-1) == y)
  assert rows["teacher"]["train_accuracy_out_of_fold"] == np.mean(logits.argmax(-1) == y)


def test_more_folds_than_images_of_a_class_is_named():
  import types

  import pytest

  from tfcompress.config import base_config
  from tfcompress.errors import InputError
  config = base_config()
  config.teacher.members = ("mobilenetv2",) * 3
  config.teacher.folds = 3
  splits = types.SimpleNamespace(y_train=np.array([0, 0, 1, 1, 1, 1]))
  with pytest.raises(InputError, match=r"smallest class \(2\).*teacher.folds=3"):
    teacher._check(config, splits)
