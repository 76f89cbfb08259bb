r"""A long-tailed multi-class .npz cut from CIFAR-10: a stand-in for DermaMNIST's shares.

  python docs/experiments/make_long_tail.py --source=../shared/data/cifar10_jpeg.npz \
      --out=/tmp/long_tail.npz

Seven classes (cat, dog, bird, deer, airplane, ship, truck become labels 0-6) with
DermaMNIST's class shares (67 / 11 / 11 / 5 / 3 / 1.7 / 1.3%, at least 5 images each),
resized to 28x28 RGB. Train (3,000) comes from the source's first 45,000 training images,
validation (400) from the other 5,000, test (1,000) from its test split, each seeded and
with the same shares: the largest class is two thirds of every split.
"""
import argparse

import numpy as np

CLASSES = (3, 5, 2, 4, 0, 8, 9)
SHARES = (0.67, 0.11, 0.11, 0.05, 0.03, 0.017, 0.013)


def draw(x, y, n, rng, size):
  """n images of CLASSES at SHARES, relabelled 0..6 and resized to size x size."""
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  xs, ys = [], []
  for label, (source, share) in enumerate(zip(CLASSES, SHARES)):
    k = max(int(round(n * share)), 5)
    xs.append(x[rng.choice(np.flatnonzero(y == source), k, replace=False)])
    ys += [label] * k
  x = tf.image.resize(np.concatenate(xs), (size, size), antialias=True).numpy()
  return x.round().clip(0, 255).astype(np.uint8), np.array(ys, np.uint8)


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--source", required=True, help="CIFAR-10 as an .npz (x/y_train, x/y_test).")
  parser.add_argument("--out", required=True)
  parser.add_argument("--train", type=int, default=3000)
  parser.add_argument("--val", type=int, default=400)
  parser.add_argument("--test", type=int, default=1000)
  parser.add_argument("--size", type=int, default=28)
  parser.add_argument("--seed", type=int, default=0)
  args = parser.parse_args()
  rng = np.random.default_rng(args.seed)
  with np.load(args.source) as f:
    x, y, x_test, y_test = f["x_train"], f["y_train"], f["x_test"], f["y_test"]
  out = {}
  out["x_train"], out["y_train"] = draw(x[:45000], y[:45000], args.train, rng, args.size)
  out["x_val"], out["y_val"] = draw(x[45000:], y[45000:], args.val, rng, args.size)
  out["x_test"], out["y_test"] = draw(x_test, y_test, args.test, rng, args.size)
  np.savez_compressed(args.out, **out)
  for split in ("train", "val", "test"):
    print(split, np.bincount(out[f"y_{split}"]).tolist())


if __name__ == "__main__":
  main()
