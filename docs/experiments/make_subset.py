r"""A small, imbalanced two-class .npz cut from a larger one: the "user's own small data" test.

  python docs/experiments/make_subset.py --source=tfcompress/data/pneumoniamnist.npz \
      --out=/tmp/pneumonia546.npz --classes=0,1 --train=546 --minority_share=0.25
  python docs/experiments/make_subset.py --source=../shared/data/mnist.npz \
      --out=/tmp/mnist35.npz --classes=3,5 --train=500 --minority_share=0.25

The first class listed becomes label 0 and the minority. Train and validation are drawn
(seeded) with that class share from the source's train split (validation from its val
split when it has one); the test split keeps the source's test images of both classes.
"""
import argparse

import numpy as np


def subset(arrays, classes, train, minority_share, seed):
  rng = np.random.default_rng(seed)
  out = {}

  def draw(x, y, n):
    n_min = int(round(n * minority_share))
    picks = [rng.choice(np.flatnonzero(y == c), size=k, replace=False)
             for c, k in zip(classes, (n_min, n - n_min))]
    keep = np.sort(np.concatenate(picks))
    return x[keep], np.array([classes.index(v) for v in y[keep]], np.uint8)

  n_val = max(40, train // 8)
  if "x_val" in arrays:
    out["x_train"], out["y_train"] = draw(arrays["x_train"], arrays["y_train"], train)
    out["x_val"], out["y_val"] = draw(arrays["x_val"], arrays["y_val"], n_val)
  else:
    x, y = draw(arrays["x_train"], arrays["y_train"], train + n_val)
    order = rng.permutation(len(y))
    out["x_train"], out["y_train"] = x[order[n_val:]], y[order[n_val:]]
    out["x_val"], out["y_val"] = x[order[:n_val]], y[order[:n_val]]
  test = np.isin(arrays["y_test"], classes)
  out["x_test"] = arrays["x_test"][test]
  out["y_test"] = np.array([classes.index(v) for v in arrays["y_test"][test]], np.uint8)
  return {k: (v.astype(np.uint8) if k.startswith("y_") else v) for k, v in out.items()}


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--source", required=True)
  parser.add_argument("--out", required=True)
  parser.add_argument("--classes", default="0,1", help="Two labels; the first is the minority.")
  parser.add_argument("--train", type=int, default=546)
  parser.add_argument("--minority_share", type=float, default=0.25)
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()
  with np.load(args.source) as f:
    arrays = {k: f[k] for k in f.files}
  classes = [int(c) for c in args.classes.split(",")]
  out = subset(arrays, classes, args.train, args.minority_share, args.seed)
  np.savez_compressed(args.out, **out)
  for split in ("train", "val", "test"):
    print(split, np.bincount(out[f"y_{split}"], minlength=2).tolist())


if __name__ == "__main__":
  main()
