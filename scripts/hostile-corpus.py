#!/usr/bin/env python3
"""Writes a corpus of hostile and odd image files into a folder, for the daemon's end-to-end test
(Tests/ServiceTests/HostileCorpusTests.swift) and for the fuzzers' seed corpus (fuzz/).

    scripts/hostile-corpus.py OUT_DIR [--good N] [--manifest PATH]

Standard library only. The base images are the codec fixtures (Tests/ImagingTests/Fixtures: the
layouts our own writer cannot make: palette, 1/2/4-bit, interlaced, gray+alpha 16-bit, CMYK and
progressive JPEG, TIFF strips, tiles, planes, LZW, float, multi-page) and PNG/JPEG/TIFF files
assembled here (TIFFs by make_tiff_fixtures.tiff, also standard library only). Every file is listed in the manifest (PATH, default
OUT_DIR/manifest.json) with what the daemon must do with it: "done" (a valid image it denoises),
"failed" (refused into failed/ with NAME.error.json) or "either" (a bit flip may leave a valid
image). Names are hex in the manifest, since one of them is not UTF-8. Names are chosen so that the daemon takes them (an image
extension, not hidden); odd names (spaces, unicode, newline, invalid UTF-8, 255 bytes) carry
valid images.
"""
import json, os, random, struct, sys, zlib

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "Tests", "ImagingTests", "Fixtures")
sys.path.insert(0, FIXTURES)
from make_tiff_fixtures import tiff  # noqa: E402

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def png(width, height, pixels=None, depth=8, color=2, declared=None, compressed=None, interlace=0):
    """An RGB (color 2) or gray (0) PNG; `declared` overrides the IHDR size; `compressed` the IDAT."""
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
    if compressed is None:
        rng = random.Random(width * 7919 + height)
        rows = []
        for y in range(height):
            row = bytearray([0])
            for x in range(width * channels):
                v = pixels(x, y) if pixels else (x * 7 + y * 13 + rng.randrange(40)) & 0xFF
                row += bytes([v]) if depth == 8 else struct.pack(">H", v * 257)
            rows.append(bytes(row))
        compressed = zlib.compress(b"".join(rows), 9)
    w, h = declared or (width, height)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, interlace)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", compressed) + chunk(b"IEND", b"")

def fixture(name):
    with open(os.path.join(FIXTURES, name), "rb") as f:
        return f.read()

def exif_jpeg(base, orientation=6):
    """`base` (a JPEG) with an APP1 EXIF block holding Orientation = `orientation`, after SOI."""
    tiff = b"MM\x00\x2a\x00\x00\x00\x08" + struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0) + b"\x00\x00\x00\x00"
    app1 = b"Exif\x00\x00" + tiff
    return base[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + base[2:]

def main():
    out = sys.argv[1]
    good_count = int(sys.argv[sys.argv.index("--good") + 1]) if "--good" in sys.argv else 3
    os.makedirs(out, exist_ok=True)
    manifest = []
    def put(name, data, expect, why):
        path = os.path.join(out.encode(), name if isinstance(name, bytes) else name.encode())
        with open(path, "wb") as f:
            f.write(data)
        manifest.append({"name": (name if isinstance(name, bytes) else name.encode()).hex(), "expect": expect, "why": why})

    good = png(24, 20)
    jpeg = fixture("rgb_progressive.jpg")
    baseline = fixture("gray.jpg")
    rng = random.Random(1)

    def truncations(ext, data, cuts, what):
        for cut in cuts:
            put(f"truncated-{cut}.{ext}", data[:cut], "failed", f"{what} cut at byte {cut}")

    def bitflips(ext, data, copies, flips, start, why):
        """`copies` copies of `data`, each with `flips` random bits flipped at byte `start` or after."""
        for i in range(copies):
            flipped = bytearray(data)
            for _ in range(flips):
                flipped[rng.randrange(start, len(flipped))] ^= 1 << rng.randrange(8)
            put(f"bitflip-{i}.{ext}", bytes(flipped), "either", why)

    # Valid images of every odd layout the codecs take.
    for i in range(good_count):
        put(f"good-{i}.png", png(24 + 4 * i, 20), "done", "a plain RGB PNG")
    put("tiny-1x1.png", png(1, 1), "failed", "1x1: too small for the sampler")
    put("small-2x3.png", png(2, 3), "done", "2x3: the smallest the pair sampler takes")
    put("deep16.png", png(16, 12, depth=16), "done", "16-bit RGB")
    put("gray16-alpha-adam7.png", fixture("graya16_adam7.png"), "done", "16-bit gray+alpha, interlaced")
    put("palette.png", fixture("palette4.png"), "done", "4-bit palette")
    put("interlaced.png", fixture("rgb8_adam7.png"), "done", "Adam7 RGB")
    put("progressive.jpg", jpeg, "done", "progressive JPEG")
    put("rotated.jpg", exif_jpeg(baseline), "done", "EXIF orientation 6")
    put("cmyk.jpg", fixture("cmyk.jpg"), "failed", "CMYK JPEG")
    put("png-named.jpg", good, "done", "a PNG under a .jpg name: the format comes from the bytes")
    put("jpeg-named.PNG", baseline, "done", "a JPEG under a .PNG name")

    # Odd names carrying valid images.
    put("with spaces and (brackets).png", good, "done", "spaces")
    put("unicodé-ñame-日本.png", good, "done", "unicode")
    put(b"invalid-\xff\xfe-utf8.png", good, "failed", "invalid UTF-8 bytes in the name: refused under its %XX-escaped name")
    put("new\nline.png", good, "done", "a newline in the name")
    put("x" * 251 + ".png", good, "done", "255 bytes long")

    # Damaged files: truncations, bit flips, zero runs, wrong content.
    truncations("png", good, [8, 16, 33, 45, len(good) // 2, len(good) - 13, len(good) - 1], "PNG")
    truncations("jpg", jpeg, [2, 20, len(jpeg) // 3, len(jpeg) // 2, len(jpeg) - 2], "JPEG")
    bitflips("png", good, 6, 3, 8, "three bits flipped")
    bitflips("jpg", jpeg, 4, 4, 2, "four bits flipped")
    zeroed = bytearray(good)
    zeroed[40:90] = bytes(50)
    put("zero-run.png", bytes(zeroed), "failed", "50 zero bytes inside the data")
    put("all-zero.png", bytes(4096), "failed", "4096 zero bytes")
    put("text.jpg", b"this is not an image\n" * 10, "failed", "text")

    # Lying headers and bombs.
    put("declared-100000x100000.png", png(4, 4, declared=(100000, 100000)), "failed", "declared 100000x100000")
    put("declared-0x0.png", png(4, 4, declared=(0, 0)), "failed", "declared 0x0")
    # A zlib bomb inside the pixel limit: 3000x3000 RGB of zeros, about 27 MB inflated from ~26 kB.
    bomb = zlib.compress((b"\x00" + bytes(3000 * 3)) * 3000, 9)
    put("zlib-bomb.png", png(3000, 3000, compressed=bomb), "done", "3000x3000 of zeros from a small IDAT")
    bomb_short = zlib.compress((b"\x00" + bytes(3000 * 3)) * 10, 9)
    put("zlib-bomb-short.png", png(3000, 3000, compressed=bomb_short), "failed", "declares 3000x3000, inflates to 10 rows")

    # TIFFs: the layouts the daemon takes, the ones it refuses, and damaged ones.
    tif = tiff(24, 20, 3, compression=8, predictor=2, rps=3)
    put("deflate-strips.tif", tif, "done", "8-bit RGB TIFF, Deflate strips")
    put("lzw16-be.tiff", fixture("gray16_strips_lzw_be.tif"), "done", "16-bit gray TIFF, LZW, big-endian")
    put("tiles-rgba16.TIF", fixture("rgba16_tiles_lzw_be.tif"), "done", "16-bit RGBA TIFF in LZW tiles")
    put("planar16.tif", fixture("rgb16_planar_deflate.tif"), "done", "16-bit RGB TIFF, separate planes")
    put("float32.tif", fixture("gray32f_strips_deflate.tif"), "done", "32-bit float gray TIFF")
    put("tiff-named.png", tif, "done", "a TIFF under a .png name")
    put("png-named.tif", good, "done", "a PNG under a .tif name")
    put("two-pages.tif", fixture("gray8_two_pages.tif"), "failed", "multi-page TIFF: refused")
    put("palette.tif", fixture("palette8.tif"), "failed", "palette TIFF: refused")
    put("float-outside.tif", fixture("gray32f_outside.tif"), "failed", "float samples outside [0, 1]")
    put("tiny-1x1.tif", tiff(1, 1, 1), "failed", "1x1 TIFF: too small for the sampler")
    truncations("tif", tif, [3, 8, 60, len(tif) // 2, len(tif) - 20, len(tif) - 1], "TIFF")
    bitflips("tif", tif, 6, 3, 4, "three bits flipped")
    zeroed = bytearray(tif)
    zeroed[8:200] = bytes(192)
    put("zero-run.tif", bytes(zeroed), "failed", "192 zero bytes over the first Deflate strips")
    put("declared-100000x100000.tif", tiff(4, 4, 1, rps=100000, declared=(100000, 100000)), "failed", "TIFF declaring 100000x100000")
    put("huge-tiles.tif", tiff(32, 32, 1, tile=(16, 16)).replace(
        struct.pack("<HHII", 322, 4, 1, 16), struct.pack("<HHII", 322, 4, 1, 1 << 16)).replace(
        struct.pack("<HHII", 323, 4, 1, 16), struct.pack("<HHII", 323, 4, 1, 1 << 16)), "failed", "65536x65536 tiles on a 32x32 TIFF")
    tbomb = tiff(2000, 2000, 1, compression=8, pixel=lambda x, y, s: 0, rps=2000)
    put("deflate-bomb.tif", tbomb, "done", f"2000x2000 of zeros from {len(tbomb)} bytes of Deflate")

    manifest_path = sys.argv[sys.argv.index("--manifest") + 1] if "--manifest" in sys.argv else os.path.join(out, "manifest.json")
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"{len(manifest)} files in {out}")

if __name__ == "__main__":
    main()
