"""The config a workdir was made with against the one given: what may reuse its artifacts.

`check_workdir` refuses a workdir whose artifacts came from another config, naming every
field that differs; `settings` is what each stage records of the config and data it was
made with, and `changed` what differs from that on a later run. Data files and model files
are compared by their sha256 (`fingerprint`), not by their paths.
"""
import functools
import json
import os

from absl import logging

from tfcompress import artifacts
from tfcompress import config as config_lib
from tfcompress import data as data_lib
from tfcompress import fingerprint
from tfcompress import layout
from tfcompress import models
from tfcompress import workdir as workdir_lib
from tfcompress.errors import InputError
from tfcompress.models import trained
from tfcompress.stages import graph

# Fields that may change between runs in one workdir: they do not change any result.
FREE_FIELDS = ("stages", "verbose", "repeats")
# A stage's own config group may change when every stage that records it runs again
# (`_blockers`); `data` and `train`, which every stage reads, may not.
_TEACHER_SIZE = "teacher.input_size"
_TEACHER_GROUPS = ("data", "train", "teacher")  # The config groups the teacher reads.
_COLOR_MODE = "data.color_mode"
_VAL_SPLIT = "data.val_split"
_DATA_PATH = "data.path"
_STUDENT_MODEL = "student.model"
_TEACHER_WEIGHTS = "teacher.weights"


def _flat(values, prefix=""):
  """{"distill": {"alpha": 0.5}} -> {"distill.alpha": 0.5}."""
  flat = {}
  for key, value in values.items():
    if isinstance(value, dict):
      flat.update(_flat(value, f"{prefix}{key}."))
    else:
      flat[f"{prefix}{key}"] = value
  return flat


def _sources():
  """{config field that picks a stage's input ("prune.source", ...): that stage's name}."""
  return {s.source: s.name for s in graph.stages() if s.source}


def _free(key, stages, sources):
  """A field a workdir's next run may change: `FREE_FIELDS`, and the `source` (what it
  compresses; `sources` is `_sources()`) of a stage in `stages`, which then runs again from
  the new pick, and the stages after it with it, as `metrics.json` records what each took.
  The source of a stage this run leaves alone may not change: its files and the config
  would disagree."""
  if key.split(".")[0] in FREE_FIELDS:
    return True
  return sources.get(key) in stages


def _records(stage, group):
  """Whether `stage` records the fields of config group `group` in its `settings`: the
  groups its results depend on (`Stage.reads`; a stage that may fine-tune through the
  Distiller reads `distill.*`)."""
  if stage.name == "teacher":
    return group in _TEACHER_GROUPS
  return group in {"data", "train", "student", stage.name, *stage.reads} or (
      group == "distill" and stage.distill is not None)


def _blockers(workdir, key, stages, seeds):
  """For a field of a stage's own config group (`prune.alphas`, `quantize.modes`, ...) or
  of one a stage reads (`target.*`, which `search` reads):
  why it may not change in `workdir` (a list; empty when it may). It may when every
  finished stage that records it runs again in this run, so its recorded settings make it
  redo its work (and the listed stages that take its output with it; `pipeline` refuses
  an unlisted one made from an older output): it is in `stages`, each seed it finished in
  is among `seeds` (`seeds[0]` is `seed`), and its record holds the field. A stage that
  stopped before it finished (a crash, Ctrl-C) may not have its folder: it may have kept
  parts made with the old value (teacher members, search candidates). None for the
  fields of the groups every stage reads (data, train) or none records."""
  group = key.split(".")[0]
  if group in ("data", "train") or not any(_records(s, group) for s in graph.stages()):
    return None
  reasons = []
  for stage in (s for s in graph.stages() if _records(s, group)):
    for folder_seed in [None, *layout.seeds(workdir)]:
      done_path = layout.done_file(workdir, stage.name, folder_seed)
      folder = os.path.dirname(done_path)
      done = artifacts.read_json(done_path)
      if done is None:
        if os.path.isdir(folder) and os.listdir(folder):
          reasons.append(f"{stage.name!r} stopped before it finished: delete {folder!r} (what "
                         "it left was made with the old value)")
          break
        continue
      if stage.name not in stages:
        reasons.append(f"add {stage.name!r} to `stages`")
      elif folder_seed is not None and folder_seed not in seeds:
        # `seed` never changes in a workdir, so only a smaller `repeats` leaves one out.
        reasons.append(f"{stage.name!r} finished for seed {folder_seed} too: set `repeats` "
                       f"to {folder_seed - seeds[0] + 1} or more to cover it")
      elif key not in (done.get("settings") or {}).get("config", {}):
        reasons.append(f"{stage.name!r} was made before it recorded `{key}`: delete "
                       f"{folder!r} to make it again")
      else:
        continue
      break
  return reasons


def _mark_files(flat):
  """`student.model` naming a trained model file -> one marker, whatever its path; and
  `teacher.weights` naming a file -> the file's sha256: the same weights under another
  path are the same, other weights under the same path are not."""
  if trained.is_file(str(flat.get(_STUDENT_MODEL, ""))):
    flat[_STUDENT_MODEL] = "(a model file: compared by its sha256)"
  weights = flat.get(_TEACHER_WEIGHTS)
  if models.teacher.is_weights_file(weights) and os.path.isfile(weights):
    flat[_TEACHER_WEIGHTS] = "sha256 " + _weights_sha256(os.path.abspath(weights),
                                                         os.stat(weights).st_mtime_ns)
  return flat


@functools.lru_cache(maxsize=8)
def _weights_sha256(path, mtime_ns):
  del mtime_ns  # Part of the cache key: a file rewritten in place is hashed again.
  return fingerprint.file_sha256(path)


def given(values, input_shape, folder, val_replaced=False):
  """A config's values (a dict, as config.json holds them) flat, with fields compared as
  what they give on these images (`input_shape`); `data.color_mode` only for an image
  `folder` (it reads nothing else); `data.path` not at all, nor the path of a model file
  in `student.model`: their sha256 (`fingerprint.check`) compares what they name, so the
  same file under another path (absolute, relative, a copy) is the same data; a
  `teacher.weights` file as its sha256; `data.val_split` as what it did: "carve" when the
  data's own validation split was replaced (`val_replaced`), else "own"."""
  flat = _flat(values)
  if flat.get(_VAL_SPLIT) == "auto":
    flat[_VAL_SPLIT] = "carve" if val_replaced else "own"
  flat.pop(_DATA_PATH, None)
  _mark_files(flat)
  if isinstance(flat.get(_TEACHER_SIZE), int):
    flat[_TEACHER_SIZE] = models.member_size(flat[_TEACHER_SIZE], input_shape)
  if not folder:
    flat.pop(_COLOR_MODE, None)
  elif flat.get(_COLOR_MODE) == "auto":
    flat[_COLOR_MODE] = "grayscale" if input_shape[-1] == 1 else "rgb"
  return flat


def _keep_teacher(workdir, changed):
  """How to keep the teacher when the `changed` fields leave it as it was."""
  groups = {k.split(".")[0] for k in changed}
  teacher = layout.stage_dir(workdir, "teacher", None)
  if groups & {*_TEACHER_GROUPS, "seed"} or not os.path.isdir(teacher):
    return ""
  return (f" The teacher does not depend on that: copy {teacher!r} into the new --workdir "
          "first and it is reused, not trained again.")


def check_workdir(config, workdir, input_shape, val_replaced=False):
  """Refuses a workdir whose artifacts (any, finished or not) came from another config;
  returns (what `config.json` is to hold, written only once the data passed too; the
  config as compared, `given`, which every stage's settings are taken from).

  `teacher.input_size` is compared as the side it gives on the images (`input_shape`; the
  workdir's as `fingerprint.json` recorded it, when it did), so 0 (the default since
  d3b34db) matches the 32 that runs before it recorded for 28x28 images;
  `data.color_mode='auto'` (the default since the grayscale one) as the mode it picked,
  and only for an image folder; `data.val_split` as what it did (`val_replaced`: the
  data's own validation split was replaced), "own" in a workdir made before it existed.
  """
  old = artifacts.read_json(layout.file(workdir, layout.CONFIG))
  new = json.loads(config_lib.to_json(config))
  folder = data_lib.is_image_folder(config.data.path)
  new_flat = given(new, input_shape, folder, val_replaced)
  if old is not None and workdir_lib.has_artifacts(workdir):
    old.setdefault("data", {}).setdefault("val_split", "own")  # What runs before it did.
    try:  # Fields added to the schema since that run read as their defaults.
      old = json.loads(config_lib.to_json(config_lib.update(config_lib.base_config(), old)))
    except InputError:
      pass  # It names a field this version lacks: compared as written, so it differs.
    old = given(old, fingerprint.input_shape(workdir) or input_shape, folder, val_replaced)
    sources = _sources()
    seeds = [config.seed + i for i in range(config.repeats)]
    changed, hints, fixable = [], [], True
    for k in sorted(set(old) | set(new_flat)):
      if _free(k, config.stages, sources) or old.get(k) == new_flat.get(k):
        continue
      # A field this version no longer has is not compared by the stages: refused.
      blockers = _blockers(workdir, k, config.stages, seeds) if k in new_flat else None
      if blockers == []:
        logging.info("%s changed (%r -> %r): the stages that read it run again.", k,
                     old.get(k), new_flat.get(k))
        continue
      changed.append(k)
      fixable = fixable and (k in sources or blockers is not None)
      hints += [f"add {sources[k]!r} to `stages`"] if k in sources else blockers or []
    if changed:
      shown = "; ".join(f"{k}: {old.get(k, '(absent)')!r} -> {new_flat.get(k, '(absent)')!r}"
                        for k in changed)
      runs = ""
      if fixable:
        runs = (" A stage's source and settings may change when the stages that read them "
                f"run again: {'; '.join(dict.fromkeys(hints))}.")
      raise InputError(f"{workdir!r} holds a run with a different config ({shown}).{runs} Use a "
                       f"new --workdir, or delete this one.{_keep_teacher(workdir, changed)}")
  # Files as absolute paths, so that `--config=WORKDIR/config.json` and tfcompress-bench
  # find them from any directory (their spelling is not compared: their sha256 is).
  if new["data"]["path"] and not os.path.isabs(new["data"]["path"]):
    new["data"]["path"] = os.path.abspath(new["data"]["path"])
  if trained.is_file(new["student"]["model"]):  # A trained model, not a builder's name.
    new["student"]["model"] = os.path.abspath(new["student"]["model"])
  if models.teacher.is_weights_file(new["teacher"]["weights"]):
    new["teacher"]["weights"] = os.path.abspath(new["teacher"]["weights"])
  return new, new_flat


def settings(made, stage, seed):
  """What a stage's artifacts depend on besides its inputs: the data, the seed and the
  config groups it reads, from `made` (the data's sha256 and the whole config as `given`).
  Recorded in its metrics.json, so that a folder copied from another workdir (a teacher,
  say) is not taken for this config's. Not the `source` fields: the stage a source picks is
  among its inputs, so `last` -> `prune` when `last` was `prune` changes nothing."""
  sources = _sources()
  return {"data_sha256": made["data_sha256"], "seed": seed,
          "config": {k: v for k, v in made["config"].items()
                     if _records(stage, k.split(".")[0]) and k not in sources}}


def changed(old, new):
  """The settings that differ from those a stage recorded (`old`; None before they were
  recorded: trusted). Fields one side lacks (added to the schema since) are not compared:
  `check_workdir` refuses a change to one that a finished stage did not record."""
  if not old:
    return []
  changed = [k for k in ("data_sha256", "seed") if old.get(k) != new[k]]
  was, now = _mark_files(dict(old.get("config", {}))), new["config"]  # Paths, as before.
  return changed + [f"{k}: {was[k]!r} -> {now[k]!r}" for k in sorted(set(was) & set(now))
                    if was[k] != now[k]]
