#!/bin/sh
# Runs zsn2nd under `strace -f` (every thread, Dispatch's included) through a start, a backlog,
# good, bad and symlinked files (PNG and TIFF), a SIGHUP reload and a SIGTERM stop, then checks
# every system call it made against the SystemCallFilter= lines of systemd/zsn2nd.service.
#
#   scripts/check-syscalls.sh [path/to/zsn2nd]      (needs strace and python3)
set -eu
cd "$(dirname "$0")/.."
BIN=${1:-$(swift build --show-bin-path)/zsn2nd}
UNIT=systemd/zsn2nd.service
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/inbox"
python3 - "$WORK/sample.png" <<'PY'
import sys, zlib, struct
w = h = 48
raw = b''.join(b'\x00' + bytes((x * 7 + y * 13 + (x * y) % 17) % 256 for x in range(w * 3)) for y in range(h))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
png = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0)) + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b'')
open(sys.argv[1], 'wb').write(png)
PY
# A TIFF too (libtiff reads through our descriptor, never mmap; this checks that stays so).
python3 -c 'import sys; sys.path.insert(0, "Tests/ImagingTests/Fixtures"); from make_tiff_fixtures import tiff; open(sys.argv[1], "wb").write(tiff(48, 48, 3, bps=16, compression=8, predictor=2, rps=8))' "$WORK/sample.tif"
cp "$WORK/sample.png" "$WORK/inbox/backlog.png"
printf 'inbox: %s/inbox\noutbox: %s/outbox\ndone: %s/done\nfailed: %s/failed\nsettle_seconds: 0.2\niterations: 30\n' \
    "$WORK" "$WORK" "$WORK" "$WORK" > "$WORK/zsn2nd.yaml"
WATCHDOG_USEC=400000 strace -f -qq -o "$WORK/trace" "$BIN" --config "$WORK/zsn2nd.yaml" 2>"$WORK/stderr" &
STRACE=$!
sleep 3
PID=$(pgrep -P "$STRACE" || true)
cp "$WORK/sample.png" "$WORK/inbox/copy.png"
cp "$WORK/sample.tif" "$WORK/inbox/copy.tif"
head -c 300 "$WORK/sample.tif" > "$WORK/inbox/cut.tif"
echo "not an image" > "$WORK/inbox/bad.png"
ln -s /etc/passwd "$WORK/inbox/link.png"
sleep 3
kill -HUP "$PID"; sleep 1
cp "$WORK/sample.png" "$WORK/inbox/after-reload.png"
sleep 3
kill -TERM "$PID"
wait "$STRACE" || true
echo "run: $(ls "$WORK/done" | wc -l) done, $(ls "$WORK/failed" | grep -vc error.json) failed, $(grep -c . "$WORK/trace") trace lines"
sed -E 's/^[0-9]+ +//; s/^<\.\.\. ([a-z0-9_]+) resumed.*/\1/; s/^([a-z0-9_]+)\(.*/\1/' "$WORK/trace" \
    | grep -E '^[a-z0-9_]+$' | sort -u > "$WORK/used"
python3 - "$UNIT" "$WORK/used" <<'PY'
import subprocess, sys
cache = {}
def expand(name):
    if not name.startswith('@'): return {name}
    if name not in cache:
        lines = subprocess.run(['systemd-analyze', 'syscall-filter', name], capture_output=True, text=True).stdout.splitlines()[1:]
        cache[name] = set().union(*[expand(l.strip()) for l in lines if l.strip() and not l.strip().startswith('#')])
    return cache[name]
allowed = None
for line in open(sys.argv[1]):
    if not line.startswith('SystemCallFilter='): continue
    value = line.split('=', 1)[1].strip()
    deny = value.startswith('~')
    names = set().union(*[expand(n) for n in value.lstrip('~').split()])
    if allowed is None: allowed = set() if deny else names
    elif deny: allowed -= names
    else: allowed |= names
used = [l.strip() for l in open(sys.argv[2]) if l.strip()]
blocked = [s for s in used if s not in allowed]
print(f"{len(used)} distinct system calls made; {len(blocked)} outside the unit's filter" + (": " + " ".join(blocked) if blocked else ""))
sys.exit(1 if blocked else 0)
PY
