"""The teacher stage: train each member (new head; optional fine-tune), score the ensemble,
and save its logits on the training images for cached distillation."""
from tfcompress import artifacts
from tfcompress import evaluate
from tfcompress import models
from tfcompress import training
from tfcompress._keras import keras
from tfcompress.errors import config_keys
from tfcompress.stages import context
from tfcompress.stages import graph


def train_member(run, name, model_name=None, repeat=0):
  """Builds and trains one member; returns (model, Fitted). The `repeat`-th copy of a
  member starts from its own seed."""
  c = run.config.teacher
  run.restart(repeat)  # A stage stopped after a member trains the next as an unstopped one.
  passes = run.passes(c.epochs)
  with run.strategy.scope():
    member = models.build_member(name, run.splits.input_shape, run.splits.num_classes,
                                 c.weights, c.input_size, c.bn_momentum, c.dropout,
                                 run.config.train.l2, model_name)
    training.compile_classifier(member, training.optimizer(run.config.train, run.steps(passes),
                                                           c.learning_rate))
  train_ds = run.train_ds(noise=run.config.data.teacher_noise, passes=passes)
  log_dir = run.tensorboard(member.name)
  fitted = training.fit(member, train_ds, run.val, c.epochs, run.config.train,
                        run.config.verbose, run.class_weight(), log_dir=log_dir, average=True)
  if c.weights and c.fine_tune_epochs:
    with run.strategy.scope():
      models.unfreeze_top(member, c.fine_tune_layers)
      training.compile_classifier(member, keras.optimizers.Adam(c.fine_tune_learning_rate))
    tuned = training.fit(member, run.train_ds(noise=run.config.data.teacher_noise,
                                              passes=run.passes(c.fine_tune_epochs)),
                         run.val, c.fine_tune_epochs, run.config.train, run.config.verbose,
                         run.class_weight(), log_dir=log_dir + "_fine_tune")
    tuned.history = {k: fitted.history.get(k, []) + v for k, v in tuned.history.items()}
    fitted = tuned
  return member, fitted


def _member(run, name, model_name, repeat):
  """The trained member's product, training and saving it first unless that is done."""
  path = run.out(f"{model_name}.keras")
  done = artifacts.read_json(path + ".json")
  if done is None:
    member, fitted = train_member(run, name, model_name, repeat)
    artifacts.save_model(member, path)
    product = run.product(member, model_name, path, fitted, role="member")
    artifacts.write_json(path + ".json", {"output": product.output.to_dict(),
                                          "metrics": product.metrics})
    return product
  return graph.Product(graph.Output(**done["output"]), done["metrics"])


def teacher_stage(run):
  """Each member is saved as it finishes, so a stopped stage resumes at the next member."""
  members = run.config.teacher.members
  names = models.teacher.member_names(members)
  products = [_member(run, name, model_name, members[:i].count(name))
              for i, (name, model_name) in enumerate(zip(members, names))]
  teacher = context.load_teacher(run, [run.out(f"{n}.keras") for n in names])
  products.append(run.product(teacher, "teacher", run.out(), role="teacher",
                              combine=run.config.teacher.combine,
                              members=list(run.config.teacher.members)))
  logits = artifacts.save_array(run.out("train_logits.npy"),
                                evaluate.predict_logits(teacher, run.splits.x_train))
  products.append(graph.Product(run.output("train_logits", "logits", logits, role="teacher"),
                                {}))
  return products


def _check(config, splits):
  del splits
  with config_keys(members="teacher.members", weights="teacher.weights"):
    for name in config.teacher.members:
      models.teacher.check_member(name)
    models.teacher.check_weights(config.teacher.weights)


graph.register(graph.Stage(
    name="teacher", run=teacher_stage, seeded=False, check=_check,
    doc="the ensemble of members, and its logits on the training set"))
