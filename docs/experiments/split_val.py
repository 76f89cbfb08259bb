r"""Two .npz files that hold out half of the validation split: compare training recipes,
checkpoint selection included, without the test split.

  python docs/experiments/split_val.py --source=tfcompress/data/pneumoniamnist.npz \
      --out=/tmp/valsplit

writes /tmp/valsplit_0.npz and /tmp/valsplit_1.npz. In each, `val` is one stratified half
of the source's validation images (what the best epoch is chosen on) and `test` is the
other half (what the recipe is scored on); the two files swap the halves. The source's
test images are left out. Train is the source's.
"""
import argparse

import numpy as np


def halves(y, seed):
  """Two stratified halves of the indices of `y`."""
  rng = np.random.default_rng(seed)
  first, second = [], []
  for label in np.unique(y):
    picks = rng.permutation(np.flatnonzero(y == label))
    first += list(picks[:len(picks) // 2])
    second += list(picks[len(picks) // 2:])
  return np.sort(first), np.sort(second)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--source", required=True, help="An .npz with x/y_train and x/y_val.")
  parser.add_argument("--out", required=True, help="Prefix of the two files written.")
  parser.add_argument("--seed", type=int, default=123)
  args = parser.parse_args()
  with np.load(args.source) as f:
    arrays = {k: f[k] for k in f.files}
  x, y = arrays["x_val"], arrays["y_val"]
  parts = halves(y.reshape(-1), args.seed)
  for k, (chosen_on, scored_on) in enumerate([parts, parts[::-1]]):
    np.savez_compressed(f"{args.out}_{k}.npz", x_train=arrays["x_train"],
                        y_train=arrays["y_train"], x_val=x[chosen_on], y_val=y[chosen_on],
                        x_test=x[scored_on], y_test=y[scored_on])
    print(f"{args.out}_{k}.npz: chosen on {len(chosen_on)}, scored on {len(scored_on)}")


if __name__ == "__main__":
  main()
