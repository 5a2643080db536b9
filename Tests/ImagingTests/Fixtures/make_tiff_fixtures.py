#!/usr/bin/env python3
"""Makes the TIFF test fixtures: layouts our own writer does not produce (it writes contiguous
Deflate strips only). Standard library only, run once from this folder:  python3 make_tiff_fixtures.py
Every file is assembled here byte by byte (struct, zlib and an LZW encoder that follows libtiff's),
so its layout is exactly the one named. The pixel values follow value() below, which
TIFFFixtureTests.swift repeats and asserts. hostile-corpus.py imports tiff() from here."""
import os, struct, zlib

def value(kind, x, y, s):
    """Sample s of pixel (x, y): 8-bit, 16-bit or float, as the tests compute it."""
    if kind == 8:
        return (x * 11 + y * 7 + s * 60) % 256
    if kind == 16:
        return (x * 3001 + y * 257 + s * 9000) % 65536
    return ((x * 3 + y * 5 + s * 7) % 17) / 16.0

def lzw(data):
    """TIFF LZW (MSB-first codes, 9 to 12 bits), with libtiff's code-width and clear timing."""
    out, acc, bits = bytearray(), 0, 0
    def put(code, width):
        nonlocal acc, bits
        acc = (acc << width) | code
        bits += width
        while bits >= 8:
            out.append((acc >> (bits - 8)) & 0xFF)
            bits -= 8
    table = {bytes([i]): i for i in range(256)}
    free, width = 258, 9
    put(256, width)
    w = b""
    for b in data:
        wc = w + bytes([b])
        if wc in table:
            w = wc
            continue
        put(table[w], width)
        table[wc] = free
        free += 1
        if free == 4094:
            put(256, width)
            table = {bytes([i]): i for i in range(256)}
            free, width = 258, 9
        elif free > (1 << width) - 1:
            width += 1
        w = bytes([b])
    if w:
        put(table[w], width)
        free += 1
        if free == 4094:
            put(256, width)
            width = 9
        elif free > (1 << width) - 1:
            width += 1
    put(257, width)
    if bits:
        out.append((acc << (8 - bits)) & 0xFF)
    return bytes(out)

def tiff(width, height, samples, bps=8, fmt=1, photometric=None, compression=1, predictor=1,
         tile=None, rps=None, planar=1, extra=(), order="<", pixel=None, pages=1, subfiletypes=None,
         declared=None, colormap=False, big=False):
    """A TIFF of `pages` identical images. pixel(x, y, s) gives each sample (default value());
    fmt 1 unsigned, 3 float; tile (w, h) or strips of rps rows; planar 2 for separate planes;
    extra: ExtraSamples values; declared: the (width, height) the IFD claims instead; big: BigTIFF
    (8-byte offsets and counts, 20-byte directory entries)."""
    pixel = pixel or (lambda x, y, s: value(32 if fmt == 3 else bps, x, y, s))
    photometric = photometric if photometric is not None else (1 if samples - len(extra) == 1 else 2)
    code = {8: "B", 16: "H", 32: "f" if fmt == 3 else "I"}[bps]
    planes = samples if planar == 2 else 1
    per = 1 if planar == 2 else samples
    def block(x0, y0, w, h, plane, pad_w=None):
        """Rows of a strip or tile; pad_w pads a tile's rows (zeros outside the image)."""
        rows = []
        for y in range(y0, y0 + h):
            row = []
            for x in range(x0, x0 + (pad_w or w)):
                for s in range(per):
                    inside = x < width and y < height
                    row.append(pixel(x, y, plane + s if planar == 2 else s) if inside else 0)
            if predictor == 2:
                mod = 1 << bps
                row = row[:per] + [(row[i] - row[i - per]) % mod for i in range(per, len(row))]
            rows.append(struct.pack(order + code * len(row), *row))
        raw = b"".join(rows)
        return raw if compression == 1 else zlib.compress(raw, 9) if compression == 8 else lzw(raw)
    chunks = []
    if tile:
        tw, th = tile
        for p in range(planes):
            for ty in range(0, height, th):
                for tx in range(0, width, tw):
                    chunks.append(block(tx, ty, tw, th, p, pad_w=tw))
    else:
        rps = rps or height
        for p in range(planes):
            for y in range(0, height, rps):
                chunks.append(block(0, y, width, min(rps, height - y), p))

    mark = b"II" if order == "<" else b"MM"
    out = bytearray(struct.pack(order + "2sHHHQ", mark, 43, 8, 0, 0) if big else struct.pack(order + "2sHI", mark, 42, 0))
    off, entry, count_code = ("Q", 20, "Q") if big else ("I", 12, "H")
    ifd_offsets = []
    for page in range(pages):
        offsets = []
        for c in chunks:
            offsets.append(len(out))
            out += c
            if len(out) % 2:
                out += b"\0"
        w, h = declared or (width, height)
        entries = []  # (tag, type, values)
        subfile = subfiletypes[page] if subfiletypes else 0
        if subfile:
            entries.append((254, 4, [subfile]))
        entries += [(256, 4, [w]), (257, 4, [h]), (258, 3, [bps] * samples), (259, 3, [compression]),
                    (262, 3, [photometric])]
        entries.append((322 if tile else 273, 4, [tile[0]] if tile else offsets))
        if tile:
            entries += [(323, 4, [tile[1]]), (324, 4, offsets), (325, 4, [len(c) for c in chunks])]
        entries += [(277, 3, [samples])]
        if not tile:
            entries += [(278, 4, [rps]), (279, 4, [len(c) for c in chunks])]
        entries += [(284, 3, [planar])]
        if predictor != 1:
            entries.append((317, 3, [predictor]))
        if colormap:
            entries.append((320, 3, [(i * 257) % 65536 for i in range(3 * (1 << bps))]))
        if extra:
            entries.append((338, 3, list(extra)))
        entries.append((339, 3, [fmt] * samples))
        entries.sort()
        ifd_offsets.append(len(out))
        ifd = bytearray(struct.pack(order + count_code, len(entries)))
        tail = bytearray()
        tail_base = len(out) + struct.calcsize(count_code) + entry * len(entries) + struct.calcsize(off)
        inline = struct.calcsize(off)
        for tag, typ, vals in entries:
            data = struct.pack(order + ("H" if typ == 3 else "I") * len(vals), *vals)
            if len(data) <= inline:
                ifd += struct.pack(order + "HH" + off, tag, typ, len(vals)) + data.ljust(inline, b"\0")
            else:
                ifd += struct.pack(order + "HH" + off + off, tag, typ, len(vals), tail_base + len(tail))
                tail += data
                if len(tail) % 2:
                    tail += b"\0"
        next_at = len(out) + len(ifd)
        ifd += bytes(inline)
        out += ifd + tail
        if page > 0:
            struct.pack_into(order + off, out, previous_next, ifd_offsets[-1])
        previous_next = next_at
    struct.pack_into(order + off, out, 8 if big else 4, ifd_offsets[0])
    return bytes(out)

FIXTURES = {
    "gray8_strips_none.tif": dict(width=19, height=13, samples=1, rps=5),
    "gray16_strips_lzw_be.tif": dict(width=19, height=13, samples=1, bps=16, compression=5, predictor=2, rps=4, order=">"),
    "rgb8_tiles_deflate.tif": dict(width=37, height=21, samples=3, compression=8, predictor=2, tile=(16, 16)),
    "rgba16_tiles_lzw_be.tif": dict(width=37, height=21, samples=4, bps=16, compression=5, tile=(16, 16), extra=(2,), order=">"),
    "rgb16_planar_deflate.tif": dict(width=19, height=13, samples=3, bps=16, compression=8, planar=2, rps=6),
    "rgba8_planar_tiles_lzw.tif": dict(width=37, height=21, samples=4, compression=5, planar=2, tile=(16, 16), extra=(2,)),
    "gray32f_strips_deflate.tif": dict(width=19, height=13, samples=1, bps=32, fmt=3, compression=8),
    "rgb32f_tiles_none_be.tif": dict(width=37, height=21, samples=3, bps=32, fmt=3, tile=(16, 16), order=">"),
    "gray16_bigtiff_lzw.tif": dict(width=19, height=13, samples=1, bps=16, compression=5, rps=5, big=True),
    "rgbx8_unspecified.tif": dict(width=19, height=13, samples=4, extra=(0,), compression=8),
    # Straight values 0, 1/2, 128/255, 1/2 under alpha 0, 128, 255, 200, stored premultiplied.
    "graya8_associated.tif": dict(width=4, height=1, samples=2, extra=(1,),
                                  pixel=lambda x, y, s: [(0, 0), (64, 128), (128, 255), (100, 200)][x][s]),
    "gray8_miniswhite.tif": dict(width=4, height=1, samples=1, photometric=0,
                                 pixel=lambda x, y, s: [0, 255, 55, 200][x]),
    "gray8_two_pages.tif": dict(width=8, height=8, samples=1, pages=2),
    "gray8_with_preview.tif": dict(width=8, height=8, samples=1, pages=2, subfiletypes=[0, 1]),
    "gray32f_outside.tif": dict(width=4, height=1, samples=1, bps=32, fmt=3,
                                pixel=lambda x, y, s: [0.0, 0.5, 2.0, -1.0][x]),
    "palette8.tif": dict(width=4, height=4, samples=1, photometric=3, colormap=True),
    "gray8_17_samples.tif": dict(width=4, height=4, samples=17, extra=(0,) * 16),
    # Three fluorescence channels as one gray image with two unspecified extra samples, as
    # tifffile writes a (3, y, x) array with photometric minisblack and planar separate.
    "gray16_3_channels.tif": dict(width=19, height=13, samples=3, bps=16, planar=2, extra=(0, 0), compression=8),
    # RGBA and one more channel.
    "rgba8_and_one_more.tif": dict(width=4, height=4, samples=5, extra=(2, 0)),
}

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, spec in FIXTURES.items():
        with open(os.path.join(here, name), "wb") as f:
            f.write(tiff(**spec))
        print(name)
