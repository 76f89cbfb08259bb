r"""A binary decision threshold chosen on validation, against argmax (BUILD_NOTES.md).

  python docs/experiments/threshold_halves.py --data=V_0.npz --workdir=W0 --stage=prune

For each seed's `STAGE/model.keras` in the work directory: the threshold on the logit
difference (class 1 minus class 0) that maximizes balanced accuracy on the file's
validation images (the one nearest 0 among ties), scored on its test images against
argmax (a threshold of 0). With `split_val.py`'s halves the "test" images are the
held-out half of the validation split, and the work directory's checkpoints were chosen
on the other half, as the threshold is.
"""
import argparse
import glob
import os

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

import numpy as np  # pylint: disable=g-import-not-at-top
from sklearn.metrics import balanced_accuracy_score

from tfcompress.artifacts import load_model  # pylint: disable=g-import-not-at-top


def best_threshold(scores, y):
  """The cut between sorted scores with the best balanced accuracy, nearest 0 on ties."""
  s = np.unique(scores)
  cuts = np.concatenate([[s[0] - 1], (s[1:] + s[:-1]) / 2, [s[-1] + 1]])
  ba = np.array([balanced_accuracy_score(y, (scores > c).astype(int)) for c in cuts])
  best = cuts[ba >= ba.max() - 1e-12]
  return float(best[np.argmin(np.abs(best))])


def main():
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--data", required=True, help="An .npz with x/y_val and x/y_test.")
  parser.add_argument("--workdir", required=True)
  parser.add_argument("--stage", default="prune")
  args = parser.parse_args()
  with np.load(args.data) as f:
    parts = {k: (f[f"x_{k}"], f[f"y_{k}"].reshape(-1)) for k in ("val", "test")}
  def logit_difference(model, x):
    z = model.predict((x[..., None] if x.ndim == 3 else x).astype(np.float32), verbose=0)
    return z[:, 1] - z[:, 0]
  for path in sorted(glob.glob(f"{args.workdir}/seed_*/{args.stage}/model.keras")):
    model = load_model(path)
    (xv, yv), (xt, yt) = parts["val"], parts["test"]
    cut = best_threshold(logit_difference(model, xv), yv)
    d = logit_difference(model, xt)
    argmax, chosen = ((balanced_accuracy_score(yt, (d > c).astype(int)),
                       float(np.mean(yt == (d > c)))) for c in (0.0, cut))
    print(f"{path}: threshold {cut:+.3f}; held-out balanced accuracy {argmax[0]:.4f} -> "
          f"{chosen[0]:.4f}, accuracy {argmax[1]:.4f} -> {chosen[1]:.4f}, "
          f"positive calls {np.mean(d > 0):.3f} -> {np.mean(d > cut):.3f}")


if __name__ == "__main__":
  main()
