"""The teacher stage: train each member (new head; optional fine-tune), score the ensemble."""
from tfcompress import artifacts
from tfcompress import evaluate
from tfcompress import models
from tfcompress import prune
from tfcompress import training
from tfcompress._keras import keras
from tfcompress.stages import context


def train_member(run, name):
  """Builds and trains one keras.applications member; returns (model, Fitted)."""
  c = run.config.teacher
  keras.utils.set_random_seed(run.seed)
  passes = run.passes(c.epochs)
  with run.strategy.scope():
    member = models.build_member(name, run.splits.input_shape, run.splits.num_classes,
                                 c.weights, c.input_size, c.bn_momentum, c.dropout,
                                 run.config.train.l2)
    training.compile_classifier(member, training.optimizer(run.config.train,
                                                           run.steps(passes)))
  train_ds = run.train_ds(noise=run.config.data.teacher_noise, passes=passes)
  log_dir = run.log_dir("teacher", name, seeded=False)
  fitted = training.fit(member, train_ds, run.val, c.epochs, run.config.train,
                        run.config.verbose, run.class_weight(), log_dir=log_dir)
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


def _member_entry(run, name):
  """The trained member's entry, training and saving it first unless that is done."""
  path = run.path("teacher", f"{name}.keras", seeded=False)
  done = artifacts.read_json(path + ".json")
  if done is None:
    member, fitted = train_member(run, name)
    artifacts.save_model(member, path)
    done = context.entry(run, member, name, "teacher_member", path, fitted)
    artifacts.write_json(path + ".json", done)
  return done


def _pruned_member_entry(run, name):
  """The paper's Table I: the member std-dev pruned at the alpha its own sweep picks."""
  path = run.path("teacher", "pruned", f"{name}.keras", seeded=False)
  done = artifacts.read_json(path + ".json")
  if done is None:
    c, s = run.config.prune, run.splits
    member = artifacts.load_model(run.path("teacher", f"{name}.keras", seeded=False))
    rows, chosen, pruned, _ = prune.alpha_sweep(
        member, s.x_val, s.y_val, run.train_images(c.calibration_images), c.alphas, c.scope,
        c.rule, c.tolerance)
    artifacts.save_model(pruned, path)
    done = context.entry(run, pruned, f"{name}_pruned", "teacher_pruned", path, sweep=rows,
                         chosen=chosen, **prune.sparsity_summary(pruned))
    artifacts.write_json(path + ".json", done)
  return done


def teacher_stage(run):
  """Each member is saved as it finishes, so a stopped stage resumes at the next member."""
  entries = []
  for name in run.config.teacher.members:
    entries.append(_member_entry(run, name))
    if run.config.prune.teacher:
      entries.append(_pruned_member_entry(run, name))
  teacher = context.load_teacher(run)
  entries.append(context.entry(run, teacher, "teacher", "teacher",
                               run.path("teacher", seeded=False),
                               combine=run.config.teacher.combine,
                               members=list(run.config.teacher.members)))
  logits = evaluate.predict_logits(teacher, run.splits.x_train)
  artifacts.save_array(run.path("teacher", "train_logits.npy", seeded=False), logits)
  return entries
