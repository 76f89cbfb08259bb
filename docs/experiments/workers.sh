#!/bin/bash
# Epoch times and accuracies of multi_worker_mirrored with 1 and 2 workers on this machine
# (workers on loopback), for docs/scale_out.md. Run from the repo root:
#   bash docs/experiments/workers.sh            # both parts
#   bash docs/experiments/workers.sh student    # or one: student | teacher
set -u
export OUT=${OUT:-runs/workers}
STUDENT="--config=configs/pneumonia.py --config.stages=('student',) --config.student.epochs=3 --config.repeats=3"
TEACHER="--config=configs/pneumonia.py --config.stages=('teacher',) --config.teacher.members=('mobilenetv2',) --config.teacher.epochs=2 --config.data.limit=1024 --config.train.min_steps=100"

port() { python -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"; }

# workers WORKDIR N FLAGS...: N workers of one cluster, each logging to WORKDIR.w<i>.log.
workers() {
  local workdir=$1 n=$2; shift 2
  local hosts="" pids=()
  for ((i = 0; i < n; i++)); do hosts+="${hosts:+,}\"127.0.0.1:$(port)\""; done
  for ((i = 0; i < n; i++)); do
    TF_CONFIG="{\"cluster\":{\"worker\":[$hosts]},\"task\":{\"type\":\"worker\",\"index\":$i}}" \
      python -m tfcompress.main "$@" --workdir="$workdir" \
      --config.strategy=multi_worker_mirrored > "$workdir.w$i.log" 2>&1 &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || echo "a worker of $workdir failed"; done
}

student() {
  local out=$OUT/student; rm -rf "$out"; mkdir -p "$out"
  python -m tfcompress.main $STUDENT --workdir=$out/default > $out/default.log 2>&1
  workers $out/mw1 1 $STUDENT
  workers $out/mw2 2 $STUDENT
  python - "$out" <<'PY'
import json, sys
import numpy as np
for run in ("default", "mw1", "mw2"):
  models = [m for m in json.load(open(f"{sys.argv[1]}/{run}/report.json"))["models"]
            if m["name"] == "student"]
  seconds = [s for m in models for s in m["epoch_seconds"]]
  acc = [m["accuracy"] for m in models]
  print(f"student {run}: epoch median {np.median(seconds):.1f} s; test accuracy "
        f"{np.mean(acc):.4f} ± {np.std(acc, ddof=1):.4f} {[round(a, 4) for a in acc]}")
PY
}

teacher() {
  local out=$OUT/teacher; rm -rf "$out"; mkdir -p "$out"
  workers $out/mw1 1 $TEACHER
  workers $out/mw2 2 $TEACHER
  for run in mw1 mw2; do grep -h "/epoch" $out/$run.w0.log | sed "s/^/teacher $run: /" | cut -c1-60; done
}

${1:-student}
[ -z "${1:-}" ] && teacher
