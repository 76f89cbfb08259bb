#!/usr/bin/env bash
# Distillation settings for configs/pneumonia.py, compared on the VALIDATION split.
#   bash docs/experiments/distill_sweep.sh TEACHER_WORKDIR OUT_DIR
# TEACHER_WORKDIR holds a finished `teacher` stage of configs/pneumonia.py (its teacher/
# folder is copied, so every setting distils from the same teacher). Prints, per setting
# and seed, the validation balanced accuracy and AUC of the distilled (and conventional)
# student; test figures are not looked at.
set -euo pipefail
teacher=$1; out=$2
mkdir -p "$out"
run() {  # name seed extra-flags...
  local w="$out/$1_s$2"; shift 2
  if [ ! -f "$w/report.json" ]; then
    rm -rf "$w"; mkdir -p "$w"; cp -r "$teacher/teacher" "$w/"
    tfcompress --config=configs/pneumonia.py --workdir="$w" --config.verbose=0 "$@" \
      >"$w.log" 2>&1 || true
  fi
}
for seed in 0 1; do
  run student "$seed" --config.seed="$seed" --config.stages="('teacher','student')"
  for s in "1 0.5 0.5" "2 0.7 0.3" "4 0.5 0.5" "4 0.9 0.1"; do
    set -- $s
    run "T$1_a$2_b$3" "$seed" --config.seed="$seed" --config.stages="('teacher','distill')" \
      --config.distill.temperature="$1" --config.distill.alpha="$2" --config.distill.beta="$3"
  done
done
python - "$out" <<'PY'
import glob, json, os, sys, statistics
rows = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*_s*", "report.json"))):
  name, seed = os.path.basename(os.path.dirname(path)).rsplit("_s", 1)
  for m in json.load(open(path))["models"]:
    if m["stage"] in ("student", "distill"):
      rows.setdefault(name, []).append((int(seed), m["val"]["balanced_accuracy"], m["val"]["auc"]))
print("setting | val balanced accuracy per seed | mean | val AUC mean")
for name, r in sorted(rows.items(), key=lambda kv: -statistics.fmean(v[1] for v in kv[1])):
  print(name, [round(v[1], 4) for v in sorted(r)], round(statistics.fmean(v[1] for v in r), 4),
        round(statistics.fmean(v[2] for v in r), 4))
PY
