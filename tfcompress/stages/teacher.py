"""The teacher stage: train each member (new head; optional fine-tune), score the ensemble,
and save its logits on the training images for cached distillation.

With `teacher.folds=K`, member i trains without fold i % K of the training images, and
each image's cached logits come from the members that did not see it (cross-fitting):
a network's logits on the images it learned can be nearly certain, and then teach little
more than the labels. The teacher's row records its training-image accuracy either way.
"""
import os

from absl import logging
import numpy as np
from sklearn import model_selection

from tfcompress import artifacts
from tfcompress import evaluate
from tfcompress import models
from tfcompress import plugins
from tfcompress import training
from tfcompress._keras import keras
from tfcompress.errors import InputError
from tfcompress.errors import config_keys
from tfcompress.stages import context
from tfcompress.stages import graph


def folds(y, k, seed):
  """The fold (0 .. k-1) of each training image: stratified, seeded."""
  fold = np.zeros(len(y), np.int64)
  split = model_selection.StratifiedKFold(k, shuffle=True, random_state=seed)
  for i, (_, held_out) in enumerate(split.split(np.zeros(len(y)), y)):
    fold[held_out] = i
  return fold


def train_member(run, name, model_name=None, repeat=0, keep=None):
  """Builds and trains one member on the training images `keep` indexes (default all);
  returns (model, Fitted). The `repeat`-th copy of a member starts from its own seed."""
  c = run.config.teacher
  run.restart(repeat)  # A stage stopped after a member trains the next as an unstopped one.
  images = None if keep is None else len(keep)
  passes = run.passes(c.epochs, images)
  with run.strategy.scope():
    member = models.build_member(name, run.splits.input_shape, run.splits.num_classes,
                                 c.weights, c.input_size, c.bn_momentum, c.dropout,
                                 run.config.train.l2, model_name)
    training.compile_classifier(member, training.optimizer(
        run.config.train, run.steps(passes, images), c.learning_rate, c.epochs),
        run.config.train.label_smoothing)
  train_ds = run.train_ds(noise=run.config.data.teacher_noise, passes=passes, keep=keep)
  log_dir = run.tensorboard(member.name)
  if not plugins.is_plugin(name):
    side = member.get_layer("preprocess").size
    logging.info("%s sees %dx%d images; %s.", member.name, side, side,
                 f"its base from {c.weights}, frozen, under a new head" if c.weights else
                 "trained from scratch")
  fitted = training.fit(member, train_ds, run.val, c.epochs, run.config.train,
                        verbose=run.config.verbose, class_weight=run.class_weight(),
                        log_dir=log_dir, average=True,
                        faster=_faster(run, name, "teacher.epochs"), epochs_key="teacher.epochs")
  if c.weights and c.fine_tune_epochs:
    with run.strategy.scope():
      models.unfreeze_top(member, c.fine_tune_layers)
      training.compile_classifier(member, keras.optimizers.Adam(c.fine_tune_learning_rate),
                                  run.config.train.label_smoothing)
    base = models.teacher.base_of(member)
    with_weights = [l for l in (base.layers if base else []) if l.trainable_weights]
    logging.info("%s: fine-tuning the top %d layers of the base (%d with weights, %s "
                 "parameters; batch norm stays frozen) for %d epoch(s) at %g; the model "
                 "before it competes as epoch 0.", member.name, c.fine_tune_layers,
                 len(with_weights), f"{sum(l.count_params() for l in with_weights):,}",
                 c.fine_tune_epochs, c.fine_tune_learning_rate)
    tuned = training.fit(member, run.train_ds(noise=run.config.data.teacher_noise,
                                              passes=run.passes(c.fine_tune_epochs, images),
                                              keep=keep),
                         run.val, c.fine_tune_epochs, run.config.train,
                         verbose=run.config.verbose, class_weight=run.class_weight(),
                         log_dir=log_dir + "_fine_tune", average=True,
                         score_start=True,  # Fine-tuning that hurts keeps the head-only model.
                         faster=_faster(run, name, "teacher.fine_tune_epochs"),
                         epochs_key="teacher.fine_tune_epochs")
    fitted = tuned.after(fitted)
  return member, fitted


def _faster(run, name, epochs_key):
  """What would shorten a member's training, for `training.fit`'s warning."""
  size = ""
  if not plugins.is_plugin(name):  # A plug-in member sizes its own input.
    side = models.member_size(run.config.teacher.input_size, run.splits.input_shape, name)
    size = (f"a lower `teacher.input_size` (it sees {side}x{side} images; docs/data.md, "
            "'Teacher members'), ")
  return (f"{size}fewer `{epochs_key}` shorten it, and fewer `teacher.members` the "
          "teacher stage")


def _member(run, name, model_name, repeat, keep):
  """The trained member's product, training and saving it first unless that is done."""
  path = run.out(f"{model_name}.keras")
  done = artifacts.read_json(path + ".json")
  if done is None or not os.path.exists(path):  # A record without its model: train again.
    member, fitted = train_member(run, name, model_name, repeat, keep)
    artifacts.save_model(member, path)
    product = run.product(member, model_name, path, fitted, role="member",
                          train_images=len(run.splits.y_train) if keep is None else len(keep),
                          weights=run.config.teacher.weights or None)
    artifacts.write_json(path + ".json", {"output": product.output.to_dict(),
                                          "metrics": product.metrics})
    return product
  logging.info("%s: finished in an earlier run, kept (%s)", model_name, path)
  return graph.Product(graph.Output(**done["output"]), done["metrics"])


def teacher_stage(run):
  """Each member is saved as it finishes, so a stopped stage resumes at the next member."""
  c = run.config.teacher
  names = models.teacher.member_names(c.members)
  fold = folds(run.splits.y_train, c.folds, run.seed) if c.folds else None
  products = [_member(run, name, model_name, c.members[:i].count(name),
                      None if fold is None else np.flatnonzero(fold != i % c.folds))
              for i, (name, model_name) in enumerate(zip(c.members, names))]
  paths = [run.out(f"{n}.keras") for n in names]
  teacher = context.load_teacher(run, paths)
  logits, details = _train_logits(run, teacher, paths, fold)
  products.append(run.product(teacher, "teacher", run.out(), role="teacher", combine=c.combine,
                              members=list(c.members), **details))
  path = artifacts.save_array(run.out("train_logits.npy"), logits)
  products.append(graph.Product(run.output("train_logits", "logits", path, role="teacher"), {}))
  return products


def _train_logits(run, teacher, paths, fold):
  """The logits distillation learns from, on every training image: the ensemble's, or with
  folds each fold's from the members that did not train on it."""
  x, y = run.splits.x_train, run.splits.y_train
  seen = evaluate.predict_logits(teacher, x)
  details = {"train_accuracy": float(np.mean(seen.argmax(-1) == y))}
  if fold is None:
    logging.info("Teacher: training-image accuracy %.4f.", details["train_accuracy"])
    return seen, details
  k = run.config.teacher.folds
  logits = np.zeros_like(seen)
  for f in range(k):
    blind = context.load_teacher(run, paths[f::k])  # Members i with i % k == f.
    logits[fold == f] = evaluate.predict_logits(blind, x[fold == f])
  details.update(folds=k, train_accuracy_out_of_fold=float(np.mean(logits.argmax(-1) == y)))
  logging.info("Teacher: training-image accuracy %.4f, out of fold %.4f.",
               details["train_accuracy"], details["train_accuracy_out_of_fold"])
  return logits, details


def _check(config, splits):
  k = config.teacher.folds
  if k:
    if not 2 <= k <= len(config.teacher.members):
      raise InputError("Config `teacher.folds` must be 0 or from 2 to the number of members "
                       f"({len(config.teacher.members)}): each fold needs a member that does "
                       f"not train on it. Received: teacher.folds={k}")
    smallest = np.bincount(splits.y_train).min()
    if k > smallest:
      raise InputError("Config `teacher.folds` must be at most the training images of the "
                       f"smallest class ({smallest}), so that every fold holds each class. "
                       f"Received: teacher.folds={k}")
    if config.distill.mode == "online":
      raise InputError("Config `teacher.folds` makes the cached logits; online distillation "
                       "runs the whole ensemble, which saw every image. Use "
                       "distill.mode='cached' or teacher.folds=0.")
  with config_keys(members="teacher.members", weights="teacher.weights"):
    for name in config.teacher.members:
      models.teacher.check_member(name)
    models.teacher.check_weights(config.teacher.weights)


graph.register(graph.Stage(
    name="teacher", run=teacher_stage, seeded=False, check=_check,
    doc="the ensemble of members, and its logits on the training set"))
