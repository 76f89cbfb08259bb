"""Times `load_image_folder` of this checkout against another commit's, in alternation.

  python docs/experiments/folder_read_bench.py --old=8b6ecb8

makes a folder of 600 training and 120 test gray JPEGs at 768x768 stored as RGB (what
`color_mode='auto'` must inspect) under /tmp, and prints the median of 3 loads at 64x64.
"""
import importlib.util
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from PIL import Image


def make(root):
  rng = np.random.default_rng(0)
  for split, n in (("train", 300), ("test", 60)):
    for name in ("a", "b"):
      os.makedirs(os.path.join(root, split, name), exist_ok=True)
      for i in range(n):
        gray = Image.fromarray(rng.integers(0, 256, (64, 64), dtype=np.uint8))
        gray.resize((768, 768), Image.BILINEAR).convert("RGB").save(
            os.path.join(root, split, name, f"{i}.jpeg"), quality=90)


def main():
  old = sys.argv[1].split("=", 1)[1]
  tmp = tempfile.mkdtemp()
  make(os.path.join(tmp, "folder"))
  source = subprocess.check_output(["git", "show", f"{old}:tfcompress/data/folders.py"])
  with open(os.path.join(tmp, "old_folders.py"), "wb") as f:
    f.write(source)
  spec = importlib.util.spec_from_file_location("old_folders", f.name)
  old_module = importlib.util.module_from_spec(spec)
  spec.loader.exec_module(old_module)
  from tfcompress.data import folders  # pylint: disable=import-outside-toplevel
  times = {old: [], "this checkout": []}
  for _ in range(3):
    for name, module in ((old, old_module), ("this checkout", folders)):
      start = time.perf_counter()
      module.load_image_folder(os.path.join(tmp, "folder"), 64)
      times[name].append(time.perf_counter() - start)
  medians = {name: float(np.median(t)) for name, t in times.items()}
  print(", ".join(f"{n}: {m:.2f} s" for n, m in medians.items()),
        f"ratio {medians[old] / medians['this checkout']:.2f}x")


if __name__ == "__main__":
  main()
