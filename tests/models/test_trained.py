"""A model the user trained: Keras 3 and tf_keras files in, compressed from the command line."""
import json
import os

import numpy as np
import pytest

from tests.cli_runner import REPO
from tests.cli_runner import run_main
from tests.conftest import make_images
from tests.conftest import write_npz
from tfcompress import models
from tfcompress._keras import keras
from tfcompress.errors import InputError

COMPRESS = os.path.join(REPO, "configs", "compress.py") + ":smoke"


def _keras3_model(trained=True, rescale=True):
  """A Keras 3 (`import keras`) model of standard layers: rescaling (unless `rescale` is
  False: then trained on images / 255, as many users do), a flip augmentation, batch norm,
  a residual Add, and a regularized head; trained a little on the test images."""
  import keras as keras3  # pylint: disable=g-import-not-at-top
  keras3.utils.set_random_seed(0)
  inputs = keras3.Input((28, 28, 1))
  x = keras3.layers.Rescaling(1 / 255.0)(inputs) if rescale else inputs
  x = keras3.layers.RandomFlip("horizontal")(x)  # Trial 15: refused for its data_format.
  x = keras3.layers.Conv2D(8, 3, padding="same",
                           kernel_regularizer=keras3.regularizers.L2(1e-4))(x)
  x = keras3.layers.BatchNormalization(momentum=0.9)(x)
  x = keras3.layers.ReLU()(x)
  x = keras3.layers.Add()([x, keras3.layers.Conv2D(8, 1)(x)])
  x = keras3.layers.MaxPooling2D()(x)
  x = keras3.layers.GlobalAveragePooling2D()(x)
  x = keras3.layers.Dropout(0.1)(x)
  model = keras3.Model(inputs, keras3.layers.Dense(2)(x))
  if trained:
    x_train, y_train = make_images(96)
    model.compile(optimizer=keras3.optimizers.Adam(3e-3),
                  loss=keras3.losses.SparseCategoricalCrossentropy(from_logits=True))
    x_train = x_train[..., None].astype("float32") / (1 if rescale else 255)
    model.fit(x_train, y_train, epochs=15, batch_size=16, verbose=0)
  return model


@pytest.fixture(scope="module")
def keras3_file(tmp_path_factory):
  path = str(tmp_path_factory.mktemp("k3") / "model.keras")
  model = _keras3_model()
  model.save(path)
  return path, model


def test_a_keras3_model_is_rebuilt_in_tf_keras_with_the_same_outputs(keras3_file):
  path, original = keras3_file
  rebuilt = models.load_trained(path, (28, 28, 1), 2)
  assert isinstance(rebuilt, keras.Model) and not isinstance(rebuilt, keras.Sequential)
  x = np.random.default_rng(1).uniform(0, 255, (32, 28, 28, 1)).astype(np.float32)
  expected = np.asarray(original.predict(x, verbose=0))
  np.testing.assert_allclose(rebuilt.predict(x, verbose=0), expected, atol=1e-5)
  bn = rebuilt.get_layer(original.layers[4].name)
  assert isinstance(bn, keras.layers.BatchNormalization)
  assert np.abs(bn.moving_mean.numpy()).max() > 0  # Trained statistics came along.
  assert rebuilt.losses  # The L2 regularizer too.


def test_a_keras3_sequential_model_and_a_tf_keras_h5_load(tmp_path):
  import keras as keras3  # pylint: disable=g-import-not-at-top
  seq = keras3.Sequential([keras3.Input((28, 28, 1)), keras3.layers.Flatten(),
                           keras3.layers.Dense(4, activation="relu"), keras3.layers.Dense(2)])
  seq.save(tmp_path / "seq.keras")
  x = np.random.default_rng(2).uniform(0, 1, (4, 28, 28, 1)).astype(np.float32)
  rebuilt = models.load_trained(str(tmp_path / "seq.keras"), (28, 28, 1), 2)
  np.testing.assert_allclose(rebuilt.predict(x, verbose=0), seq.predict(x, verbose=0),
                             atol=1e-5)
  h5 = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(2)])
  h5.save(tmp_path / "model.h5")
  loaded = models.load_trained(str(tmp_path / "model.h5"), (28, 28, 1), 2)
  np.testing.assert_allclose(loaded.predict(x, verbose=0), h5.predict(x, verbose=0), atol=1e-6)


def test_what_cannot_be_rebuilt_is_one_line_naming_it(tmp_path):
  import keras as keras3  # pylint: disable=g-import-not-at-top
  inputs = keras3.Input((28, 28, 1))
  x = keras3.layers.RMSNormalization(name="rms")(keras3.layers.Flatten()(inputs))
  keras3.Model(inputs, keras3.layers.Dense(2)(x)).save(tmp_path / "rms.keras")
  with pytest.raises(InputError, match=r"layer 'rms' \(RMSNormalization\) cannot be rebuilt"):
    models.load_trained(str(tmp_path / "rms.keras"))
  lam = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                          keras.layers.Lambda(lambda t: t * 2), keras.layers.Dense(2)])
  lam.save(tmp_path / "lambda.h5")
  with pytest.raises(InputError, match="Lambda"):
    models.load_trained(str(tmp_path / "lambda.h5"))
  keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                    keras.layers.Dense(2)]).save(tmp_path / "plain.keras")
  with pytest.raises(InputError, match=r"takes inputs \(28, 28, 1\).*images are \(32, 32, 3\)"):
    models.load_trained(str(tmp_path / "plain.keras"), (32, 32, 3), 2)
  with pytest.raises(InputError, match=r"outputs \(None, 2\).*has 3 classes"):
    models.load_trained(str(tmp_path / "plain.keras"), (28, 28, 1), 3)
  with pytest.raises(InputError, match="does not exist"):
    models.load_trained(str(tmp_path / "missing.keras"))


def test_a_keras3_model_is_compressed_from_the_command_line_to_int8_for_tflite_micro(
    keras3_file, tmp_path, capsys, monkeypatch):
  path, original = keras3_file
  npz = write_npz(tmp_path / "data.npz")
  workdir = tmp_path / "run"
  code, err = run_main([f"--config={COMPRESS}", f"--config.student.model={path}",
                        f"--config.data.path={npz}", "--config.data.limit=0",
                        "--config.quantize.modes=('int8',)", f"--workdir={workdir}"],
                       capsys, monkeypatch)
  assert code == 0, err
  with open(workdir / "report.json") as f:
    report = json.load(f)
  by_name = {m["name"]: m for m in report["models"]}
  assert by_name["student"]["trained_file"] == path and "history" not in by_name["student"]
  with np.load(npz) as data:
    expected = np.asarray(original.predict(data["x_test"][..., None].astype(np.float32),
                                           verbose=0)).argmax(-1)
  predicted = np.load(workdir / by_name["student"]["predictions"])
  np.testing.assert_array_equal(predicted, expected)  # Before conversion: the same model.
  assert 0.6 < by_name["student"]["accuracy"]  # It learned something (chance is 0.5).
  deploy = {d["name"]: d for d in report["deployment"]}
  int8 = deploy["pruned_int8"]
  assert int8["tflm_ok"] and int8["tflm_agreement"] >= 0.9


def test_a_keras3_model_given_to_the_python_api_is_refused_in_one_line():
  """Trial 9: prune_model, alpha_sweep, convert and the Distiller each failed deep inside
  TFMOT or Keras (`'Functional' object has no attribute 'submodules'`, ...)."""
  import tfcompress  # pylint: disable=g-import-not-at-top
  model = _keras3_model(trained=False)
  x = np.zeros((4, 28, 28, 1), np.float32)
  calls = {"prune_model": lambda: tfcompress.prune_model(model, None),
           "alpha_sweep": lambda: tfcompress.alpha_sweep(model, x, np.arange(4) % 2),
           "convert": lambda: tfcompress.convert(model, "float32"),
           "Distiller": lambda: tfcompress.Distiller(model)}
  for name, call in calls.items():
    with pytest.raises(InputError, match=r"is a Keras 3 model .*tfcompress.load_trained"):
      call()
      pytest.fail(f"{name} took a Keras 3 model")


def test_a_model_that_breaks_tfcompress_s_contract_is_refused_before_training(
    keras3_file, tmp_path):
  """Trial 15: a model trained on [0, 1] pixels scored 0.52 against its own 0.82 and
  shipped with a JSON saying "raw pixels"; a softmax output was called logits."""
  from tfcompress.models import trained  # pylint: disable=g-import-not-at-top
  x, y = make_images(64, seed=3)
  x = x[..., None].astype(np.float32)
  path, _ = keras3_file
  trained.check_contract(path, models.load_trained(path), x, y)  # Rescales inside: fine.
  unit = _keras3_model(rescale=False)
  unit.save(tmp_path / "unit.keras")
  with pytest.raises(InputError, match=r"on raw 0-255 pixels but 1.000 on pixels / 255.*"
                     r"Rescaling\(1 / 255\)"):
    trained.check_contract("unit.keras", models.load_trained(str(tmp_path / "unit.keras")),
                           x, y)
  for activation in ("softmax", "sigmoid"):  # Review: a sigmoid's rows do not sum to 1.
    probs = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation=activation)])
    with pytest.raises(InputError, match=r"outputs probabilities.*activation=None"):
      trained.check_contract("probs.keras", probs, x, y)
  # Review: a val/ folder is read class by class; the first 512 images were one class,
  # which the Rescaling model answers for every near-black image / 255.
  ordered = np.argsort(y, kind="stable")
  big_x, big_y = np.repeat(x[ordered], 20, axis=0), np.repeat(y[ordered], 20)
  trained.check_contract(path, models.load_trained(path), big_x, big_y)
  unit_model = models.load_trained(str(tmp_path / "unit.keras"))
  for label in (0, 1):  # One class in view says nothing about the scaling.
    trained.check_contract("unit.keras", unit_model, x[y == label], y[y == label])


def test_keras3_arguments_of_zero_are_kept_not_dropped(tmp_path):
  """Review: LeakyReLU(negative_slope=0.0) became tf_keras's default slope 0.3 (outputs off
  by up to 112): a 0 is not an unset argument."""
  import keras as keras3  # pylint: disable=g-import-not-at-top
  for slope in (0.0, 0.2):
    model = keras3.Sequential([keras3.Input((4,)), keras3.layers.Dense(3),
                               keras3.layers.LeakyReLU(negative_slope=slope),
                               keras3.layers.Dense(2)])
    model.save(tmp_path / "leaky.keras")
    x = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32) * 50
    rebuilt = models.load_trained(str(tmp_path / "leaky.keras"))
    np.testing.assert_allclose(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-4)


def test_other_files_a_keras_user_has_are_named(tmp_path):
  """Trial 15: a Keras 3 .h5 gave a raw deserialization error, a SavedModel folder 'an
  unknown student'."""
  import keras as keras3  # pylint: disable=g-import-not-at-top
  model = keras3.Sequential([keras3.Input((28, 28, 1)), keras3.layers.Flatten(),
                             keras3.layers.Dense(2)])
  model.save(tmp_path / "k3.h5")
  with pytest.raises(InputError, match=r"saved by Keras 3.* as \.h5.*model.save\('name.keras'\)"):
    models.load_trained(str(tmp_path / "k3.h5"))
  (tmp_path / "saved.keras").mkdir()
  with pytest.raises(InputError, match=r"is a folder \(a SavedModel\?\)"):
    models.load_trained(str(tmp_path / "saved.keras"))

