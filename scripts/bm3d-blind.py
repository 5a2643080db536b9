#!/usr/bin/env python3
"""BM3D with a blindly estimated sigma: what a user would pick instead of zsn2n.

    scripts/bm3d-blind.py NOISY OUTPUT

Reads NOISY (PNG or JPEG, 8 or 16 bit, gray or RGB), estimates the noise's standard deviation
with scikit-image's estimate_sigma (wavelet median, averaged over the channels), denoises with the
`bm3d` package from PyPI (bm3d_rgb for colour, in its default opponent colour space) and writes a
16-bit PNG to OUTPUT. `zsn2n evaluate --external 'bm3d-blind=scripts/bm3d-blind.py'` runs it on
every image and measures it as it measures its own methods. Needs: pip install bm3d scikit-image pypng.
"""
import sys

import bm3d
import imageio.v3 as iio
import numpy as np
import png  # pypng: Pillow writes no 16-bit RGB
from skimage.restoration import estimate_sigma


def main(noisy_path, output_path):
    image = iio.imread(noisy_path)
    scale = 65535.0 if image.dtype == np.uint16 else 255.0
    z = image.astype(np.float64) / scale
    if z.ndim == 3 and z.shape[2] in (2, 4):  # alpha is not denoised
        z = z[..., : z.shape[2] - 1]
    if z.ndim == 3 and z.shape[2] == 1:
        z = z[..., 0]
    colour = z.ndim == 3
    sigma = float(estimate_sigma(z, average_sigmas=True, channel_axis=-1 if colour else None))
    sigma = max(sigma, 1e-4)  # BM3D needs a positive sigma; a clean image estimates near zero
    denoised = bm3d.bm3d_rgb(z, sigma) if colour else bm3d.bm3d(z, sigma)
    out = np.clip(np.rint(np.clip(denoised, 0, 1) * 65535), 0, 65535).astype(np.uint16)
    rows = out.reshape(out.shape[0], -1)
    png.Writer(out.shape[1], out.shape[0], greyscale=not colour, bitdepth=16).write(open(output_path, "wb"), rows.tolist())
    print(f"{noisy_path}: sigma {sigma * 255:.2f}/255", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
