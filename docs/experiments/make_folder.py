r"""An image folder in the Kermany layout, root/{train,val,test}/<class>/, cut from an .npz:
data the default config was never tuned on, in the form users bring (colour, mixed sizes,
JPEG and PNG).

  python docs/experiments/make_folder.py --source=../shared/data/cifar10_jpeg.npz \
      --out=cifar3 --classes=0:airplane,3:cat,8:ship

takes the first 400 training images of each class for train/, the next 60 for val/, and
the first 100 test images for test/; a quarter of them (seeded) are saved at 40x40,
30x24 or 48x36 instead of their own size, and every other file is a JPEG.

With --bits=12 (grayscale sources) every file is instead a 16-bit PNG holding 12-bit data,
0..4095, as X-rays often come:

  python docs/experiments/make_folder.py --source=tfcompress/data/pneumoniamnist.npz \
      --out=xray12 --classes=0:normal,1:pneumonia --train=0 --bits=12

(--train=0: every image of the .npz's own train, val and test splits; --val and --test
are then unused.)
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
  parser.add_argument("--train", type=int, default=400,
                      help="Training images a class (0: the .npz's own splits, whole).")
  parser.add_argument("--val", type=int, default=60)
  parser.add_argument("--test", type=int, default=100)
  parser.add_argument("--seed", type=int, default=1)
  parser.add_argument("--bits", type=int, default=0,
                      help="Save 16-bit PNGs of data this deep (e.g. 12); 0: 8-bit files.")
  args = parser.parse_args()
  with np.load(args.source) as f:
    arrays = {k: f[k].reshape(-1) if k.startswith("y") else f[k] for k in f.files}
  if args.bits and not (8 <= args.bits <= 16 and arrays["x_train"].ndim == 3):
    parser.error(f"--bits must be 8..16 and the source grayscale (N, H, W); got --bits="
                 f"{args.bits} and images of shape {arrays['x_train'].shape[1:]}.")
  if not args.train and "x_val" not in arrays:
    parser.error(f"--train=0 keeps the .npz's own splits, but {args.source} has no x_val.")
  rng = np.random.default_rng(args.seed)
  for pair in args.classes.split(","):
    label, name = pair.split(":")
    for split, x, picks in _picks(arrays, int(label), args):
      folder = os.path.join(args.out, split, name)
      os.makedirs(folder, exist_ok=True)
      for k, i in enumerate(picks):
        if args.bits:
          wide = np.round(x[i].astype(np.float64) * (2 ** args.bits - 1) / 255)
          Image.fromarray(wide.astype(np.uint16)).save(os.path.join(folder, f"{k:04d}.png"))
          continue
        image = Image.fromarray(x[i])
        if rng.random() < 0.25:
          image = image.resize(SIZES[rng.integers(len(SIZES))])
        image.save(os.path.join(folder, f"{k:04d}.{'png' if k % 2 else 'jpg'}"))
      print(f"{name}: {len(picks)} {split}")


def _picks(arrays, label, args):
  """(split, images, indexes of the class's images to save) for train, val and test."""
  train = np.flatnonzero(arrays["y_train"] == label)
  test = np.flatnonzero(arrays["y_test"] == label)
  if not args.train:
    return [("train", arrays["x_train"], train),
            ("val", arrays["x_val"], np.flatnonzero(arrays["y_val"] == label)),
            ("test", arrays["x_test"], test)]
  return [("train", arrays["x_train"], train[:args.train]),
          ("val", arrays["x_train"], train[args.train:args.train + args.val]),
          ("test", arrays["x_test"], test[:args.test])]


if __name__ == "__main__":
  main()
