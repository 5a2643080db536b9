#!/bin/sh
# Measures what an operator waits for: the time from a file's arrival in the inbox (renamed in)
# to its sidecar in the outbox, for a 256x256 RGB PNG (a noisy synthetic scene, gauss sigma 25),
# through the installed or given zsn2nd with its default settings (preset, settle_seconds), and
# the daemon's peak resident memory (VmHWM) once the sidecar is there.
#
#   scripts/time-to-sidecar.sh [path/to/zsn2nd] [extra zsn2nd options...]
#   IMAGE=photo.jpg scripts/time-to-sidecar.sh ...     drops that file instead of the scene
set -eu
BIN=$(realpath "${1:-/usr/local/bin/zsn2nd}")
[ $# -gt 0 ] && shift
WORK=$(mktemp -d)
trap 'kill $PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
mkdir -p "$WORK/inbox"
cd "$WORK"
"$BIN" "$@" 2>"$WORK/stderr" &
PID=$!
sleep 1
python3 - "$WORK" "$PID" "${IMAGE:-}" <<'PY'
import math, os, random, shutil, struct, sys, time, zlib
work, pid, image = sys.argv[1], sys.argv[2], sys.argv[3]
w = h = 256
rng = random.Random(25)
def clean(x, y, c):
    # smooth gradients, a disc and stripes: edges and flat areas, like a photograph
    v = 0.5 + 0.3 * math.sin(x / 23.0 + c) * math.cos(y / 31.0)
    if (x - 128) ** 2 + (y - 120) ** 2 < 60 ** 2: v = 0.85 - 0.2 * c / 2
    if 20 < y < 60 and (x // 8) % 2: v = 0.15
    return v
rows = []
for y in range(h):
    row = bytearray([0])
    for x in range(w):
        for c in range(3):
            v = clean(x, y, c) + rng.gauss(0, 25 / 255)
            row.append(max(0, min(255, round(v * 255))))
    rows.append(bytes(row))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(b''.join(rows))) + chunk(b'IEND', b'')
name = os.path.basename(image) if image else 'scene.png'
if image:
    shutil.copyfile(image, f'{work}/.{name}.part')
else:
    open(f'{work}/.{name}.part', 'wb').write(png)
start = time.monotonic()
os.rename(f'{work}/.{name}.part', f'{work}/inbox/{name}')
def running():
    try:
        return 'State:\tZ' not in open(f'/proc/{pid}/status').read()  # a zombie has exited too
    except FileNotFoundError:
        return False
while not os.path.exists(f'{work}/outbox/{name}.json'):
    if not running():
        sys.exit('zsn2nd exited before the sidecar appeared: ' + open(f'{work}/stderr').read().strip())
    time.sleep(0.01)
elapsed = time.monotonic() - start
import json
doc = json.load(open(f'{work}/outbox/{name}.json'))
peak = next(l.split()[1] for l in open(f'/proc/{pid}/status') if l.startswith('VmHWM'))
t = doc['timing']
print(f"arrival to sidecar: {elapsed:.2f} s (preset {doc['denoiser']['preset']}, {doc['denoiser']['iterations']} iterations, "
      f"decode {t['decode_s']:.2f} s, train {t['train_s']:.2f} s, denoise {t['denoise_s']:.2f} s, job total {t['total_s']:.2f} s; "
      f"noise sigma {doc['metrics']['input']['noise_sigma']:.1f} -> {doc['metrics']['output']['noise_sigma']:.1f}; "
      f"daemon peak RSS {int(peak) / 1024:.0f} MB)")
PY
