#!/usr/bin/env python3
"""Makes the codec test fixtures: layouts our own writer cannot produce. Run once from this folder:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install pillow && /tmp/venv/bin/python make_fixtures.py
PNGs are assembled by hand (zlib + struct, the standard library), so their bytes are exactly what is
described in README.md; the JPEGs need an encoder and use Pillow. The pixel values are repeated in
CodecFixtureTests.swift, which asserts them."""
import struct, zlib

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def pack_row(samples, depth):
    """One row of samples at `depth` bits (1/2/4 packed MSB first, 8, 16 big-endian)."""
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in samples)
    if depth == 8:
        return bytes(samples)
    out, acc, bits = bytearray(), 0, 0
    for v in samples:
        acc = (acc << depth) | v
        bits += depth
        if bits == 8:
            out.append(acc); acc, bits = 0, 0
    if bits:
        out.append(acc << (8 - bits))
    return bytes(out)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def png(name, rows, depth, color, plte=None, trns=None, interlaced=False):
    """rows: a list of rows, each a list of pixels, each a tuple of samples."""
    h, w = len(rows), len(rows[0])
    raw = bytearray()
    if interlaced:
        for x0, y0, dx, dy in ADAM7:
            for y in range(y0, h, dy):
                px = [rows[y][x] for x in range(x0, w, dx)]
                if px:
                    raw += b"\0" + pack_row([s for p in px for s in p], depth)
    else:
        for row in rows:
            raw += b"\0" + pack_row([s for p in row for s in p], depth)
    data = b"\x89PNG\r\n\x1a\n"
    data += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 1 if interlaced else 0))
    if plte:
        data += chunk(b"PLTE", b"".join(bytes(c) for c in plte))
    if trns is not None:
        data += chunk(b"tRNS", trns)
    data += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    open(name, "wb").write(data)

# Sub-8-bit gray.
png("gray1.png", [[(v,) for v in (1, 0, 1, 0, 1, 1, 0, 0, 1)], [(v,) for v in (0, 1, 0, 1, 0, 0, 1, 1, 0)]], 1, 0)
png("gray2.png", [[(v,) for v in (0, 1, 2, 3)], [(v,) for v in (3, 2, 1, 0)]], 2, 0)
png("gray4.png", [[(v,) for v in range(16)]], 4, 0)
# 2-bit gray whose value 1 is transparent (tRNS).
png("gray2_trns.png", [[(v,) for v in (0, 1, 2, 3)]], 2, 0, trns=struct.pack(">H", 1))
# 8-bit gray, value 7 transparent.
png("gray8_trns.png", [[(7,), (8,), (255,)]], 8, 0, trns=struct.pack(">H", 7))
# 16-bit RGB, colour (1, 2, 3) transparent.
png("rgb16_trns.png", [[(1, 2, 3), (65535, 0, 32768)]], 16, 2, trns=struct.pack(">HHH", 1, 2, 3))
# Palettes: 8-bit with tRNS on the first three entries; 4-bit without tRNS.
PAL = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (10, 20, 30)]
png("palette_trns.png", [[(0,), (1,), (2,), (3,)]], 8, 3, plte=PAL, trns=bytes([0, 128, 255]))
png("palette4.png", [[(3,), (2,), (1,)], [(0,), (1,), (3,)]], 4, 3, plte=PAL)
# Adam7: 9x9 RGB 8-bit (every pass non-empty) and 5x5 gray+alpha 16-bit.
png("rgb8_adam7.png", [[(x * 20, y * 20, (x + y) * 10) for x in range(9)] for y in range(9)], 8, 2, interlaced=True)
png("graya16_adam7.png", [[(x * 10000 + y, 65535 - y * 1000) for x in range(5)] for y in range(5)], 16, 4, interlaced=True)

# JPEGs (Pillow). 16x16, left half one colour and right half another, split on a block boundary
# and at 4:4:4, so each decodes to within a few levels of its colour.
from PIL import Image, ImageCms

def halves(mode, left, right):
    im = Image.new(mode, (16, 16), left)
    im.paste(right, (8, 0, 16, 16))
    return im

halves("RGB", (200, 100, 50), (20, 60, 220)).save("rgb_progressive.jpg", quality=95, subsampling=0, progressive=True)
halves("L", 50, 200).save("gray.jpg", quality=95)
halves("L", 50, 200).save("gray_progressive.jpg", quality=95, progressive=True)
Image.new("CMYK", (8, 8), (0, 128, 255, 0)).save("cmyk.jpg", quality=90)
# An sRGB ICC profile, and a PNG carrying it (iCCP).
srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
open("srgb.icc", "wb").write(srgb)
Image.new("RGB", (2, 2), (1, 2, 3)).save("rgb_icc.png", icc_profile=srgb)
