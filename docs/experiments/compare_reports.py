"""Compares two runs' report.json model by model: the figures a code change must not move.

  python docs/experiments/compare_reports.py runs/before runs/after

Prints every differing figure and the count; timings are left out. Models are matched by
name (and seed; a teacher's seed is ignored: it runs once).
"""
import json
import sys

KEYS = ("accuracy", "balanced_accuracy", "f1", "auc", "confusion_matrix", "size_bytes",
        "gzip_bytes", "sparsity", "params", "compression_ratio", "container_bytes")
DEPLOY_KEYS = ("tflm_ok", "tflm_arena_bytes", "tflm_agreement")


def _models(report):
  return {(m["name"], None if m["stage"] in ("teacher", "teacher_member") else m["seed"]): m
          for m in report["models"]}


def main(before, after):
  with open(f"{before}/report.json") as f:
    a = json.load(f)
  with open(f"{after}/report.json") as f:
    b = json.load(f)
  ma, mb = _models(a), _models(b)
  print("only before:", sorted(set(ma) - set(mb), key=str),
        "only after:", sorted(set(mb) - set(ma), key=str))
  diffs = [(k, key, ma[k].get(key), mb[k].get(key)) for k in sorted(set(ma) & set(mb), key=str)
           for key in KEYS if ma[k].get(key) != mb[k].get(key)]
  da = {d["name"]: d for d in a["deployment"]}
  db = {d["name"]: d for d in b["deployment"]}
  diffs += [(n, key, da[n].get(key), db.get(n, {}).get(key)) for n in da
            for key in DEPLOY_KEYS if da[n].get(key) != db.get(n, {}).get(key)]
  for d in diffs:
    print("DIFF", *d)
  print(f"models compared: {len(set(ma) & set(mb))}, differences: {len(diffs)}")
  return len(diffs)


if __name__ == "__main__":
  sys.exit(1 if main(*sys.argv[1:3]) else 0)
