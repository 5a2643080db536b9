#!/usr/bin/env python3
"""The blind noise measurement (`zsn2n metrics`: noise_corr_h, noise_corr_v, noise_reach) beside the
true one, the same autocorrelation of noisy minus clean (the largest of the channels' at each lag,
as the blind measurement takes), on sets of noisy/ + clean/ PNG pairs.

    scripts/check-noise-reach.py DIR [DIR ...]
      e.g. ../shared/realnoise/{cc,polyu,sidd,fmd} /tmp/zsn2n-evaluate-sets/{gauss25,gauss50,poisson30}
Env: ZSN2N (.build/release/zsn2n). Needs numpy and pypng (pip install numpy pypng).

A line per image, then how many images the blind measurement puts on the wrong side of white
(reach 1) against correlated (reach 2 and more): what decides the pixel-bank method's stride.
"""
import os, subprocess, sys
import numpy as np
import png

LAGS = [(0, 1), (1, 0), (0, 2), (2, 0), (0, 3), (3, 0), (0, 4), (4, 0)]
THRESHOLD = 0.1  # NoiseCorrelation.threshold
WHITE = 0.2  # NoiseCorrelation.whiteThreshold, at lag 1


def load(path):
    width, height, rows, info = png.Reader(filename=path).asDirect()
    a = np.vstack([np.asarray(r) for r in rows]).astype(np.float64) / (2 ** info["bitdepth"] - 1)
    return a.reshape(height, width, info["planes"])


def channels(a):  # colour channels; alpha ignored
    return [a[..., c] for c in range(3 if a.shape[2] >= 3 else 1)]


def correlation(d, dy, dx):
    h, w = d.shape
    a, b = d[: h - dy, : w - dx], d[dy:, dx:]
    a, b = a - a.mean(), b - b.mean()
    return (a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum())


def reach(c):
    for distance in range(1, 5):
        if max(c[(0, distance)], c[(distance, 0)]) < (WHITE if distance == 1 else THRESHOLD):
            return distance
    return 5


def main():
    zsn2n = os.environ.get("ZSN2N", ".build/release/zsn2n")
    wrong = total = 0
    for folder in sys.argv[1:]:
        for name in sorted(os.listdir(os.path.join(folder, "noisy"))):
            if not name.endswith(".png"):
                continue
            noisy = os.path.join(folder, "noisy", name)
            noise = load(noisy)[..., :3] - load(os.path.join(folder, "clean", name))[..., :3]
            true = {lag: max(correlation(d, *lag) for d in channels(noise)) for lag in LAGS}
            out = subprocess.run([zsn2n, "metrics", noisy], capture_output=True, text=True, check=True).stdout
            blind = {f[0]: float(f[1]) for f in (line.split() for line in out.splitlines()[1:]) if len(f) == 2}
            t, b = reach(true), int(blind["noise_reach"])
            total += 1
            wrong += (t == 1) != (b == 1)
            print(f"{os.path.basename(folder.rstrip('/')):10s} {name[:28]:28s} true h {true[(0, 1)]:5.2f} v {true[(1, 0)]:5.2f} "
                  f"reach {t}   blind h {blind['noise_corr_h']:5.2f} v {blind['noise_corr_v']:5.2f} reach {b}")
    print(f"white against correlated: {wrong} of {total} images on the wrong side")


if __name__ == "__main__":
    main()
