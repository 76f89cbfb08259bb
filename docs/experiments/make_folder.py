r"""An image folder in the Kermany layout, root/{train,val,test}/<class>/, cut from an .npz:
data the default config was never tuned on, in the form users bring (colour, mixed sizes,
JPEG and PNG).

  python docs/experiments/make_folder.py --source=../shared/data/cifar10_jpeg.npz \
      --out=cifar3 --classes=0:airplane,3:cat,8:ship

takes the first 400 training images of each class for train/, the next 60 for val/, and
the first 100 test images for test/; a quarter of them (seeded) are saved at 40x40,
30x24 or 48x36 instead of their own size, and every other file is a JPEG.
"""
import argparse
import os

import numpy as np
from PIL import Image

SIZES = ((40, 40), (30, 24), (48, 36))


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--source", required=True, help="An .npz with x/y_train, x/y_test.")
  parser.add_argument("--out", required=True, help="The folder to write.")
  parser.add_argument("--classes", required=True, help="label:name,... to take.")
  parser.add_argument("--train", type=int, default=400)
  parser.add_argument("--val", type=int, default=60)
  parser.add_argument("--test", type=int, default=100)
  parser.add_argument("--seed", type=int, default=1)
  args = parser.parse_args()
  with np.load(args.source) as f:
    x_train, y_train, x_test, y_test = (f[k] for k in ("x_train", "y_train", "x_test", "y_test"))
  y_train, y_test = y_train.reshape(-1), y_test.reshape(-1)
  rng = np.random.default_rng(args.seed)
  for pair in args.classes.split(","):
    label, name = pair.split(":")
    train = np.flatnonzero(y_train == int(label))[:args.train + args.val]
    test = np.flatnonzero(y_test == int(label))[:args.test]
    for split, picks, x in (("train", train[:args.train], x_train),
                            ("val", train[args.train:], x_train), ("test", test, x_test)):
      folder = os.path.join(args.out, split, name)
      os.makedirs(folder, exist_ok=True)
      for k, i in enumerate(picks):
        image = Image.fromarray(x[i])
        if rng.random() < 0.25:
          image = image.resize(SIZES[rng.integers(len(SIZES))])
        image.save(os.path.join(folder, f"{k:04d}.{'png' if k % 2 else 'jpg'}"))
    print(f"{name}: {len(train[:args.train])} train, {len(train[args.train:])} val, "
          f"{len(test)} test")


if __name__ == "__main__":
  main()
