#!/usr/bin/env bash
# Large photos through `zsn2n denoise` with the default preset: wall time and peak memory.
#   scripts/large-photo.sh [WIDTHxHEIGHT ...]      (default: 4000x3000, i.e. 12 megapixels)
# Makes a clean photo by resizing ../shared/testdata/retina.jpg (Pillow, from PyPI; PY names a python
# that has it, default /work/ref/bin/python when it exists, else python3), adds gauss:25 noise with `zsn2n noise` (JPEG, quality
# 95), then runs `/usr/bin/time -v zsn2n denoise` on it, with the clean photo as the reference (PSNR).
# Prints the wall time, the cores kept busy ((user + system time) / wall time) and the peak memory.
# Env: ZSN2N (.build/release/zsn2n), OPTIONS.
set -euo pipefail
cd "$(dirname "$0")/.."
ZSN2N=${ZSN2N:-.build/release/zsn2n}; PY=${PY:-$([ -x /work/ref/bin/python ] && echo /work/ref/bin/python || echo python3)}; OPTIONS=${OPTIONS:-}
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(4000x3000)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
for size in "${sizes[@]}"; do
  w=${size%x*}; h=${size#*x}
  "$PY" -c 'import sys; from PIL import Image; Image.open(sys.argv[1]).convert("RGB").resize((int(sys.argv[2]), int(sys.argv[3])), Image.BICUBIC).save(sys.argv[4], quality=95)' \
    ../shared/testdata/retina.jpg "$w" "$h" "$work/clean.jpg"
  $ZSN2N noise "$work/clean.jpg" -o "$work/noisy.jpg" --model gauss:25 --seed 1 --force >/dev/null
  echo "== $size ($(python3 -c "print(round($w * $h / 1e6, 1))") megapixels)"
  # shellcheck disable=SC2086
  /usr/bin/time -v $ZSN2N denoise "$work/noisy.jpg" -o "$work/denoised.jpg" --reference "$work/clean.jpg" \
    --sidecar "$work/sidecar.json" --force $OPTIONS 2>"$work/time" | head -n 1
  grep -E "Elapsed \(wall clock\)|Maximum resident set size" "$work/time" | sed 's/^\t//'
  awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} /Elapsed/ {n = split($2, t, ":"); w = 0; for (i = 1; i <= n; i++) w = w * 60 + t[i]}
    END {printf "cores busy: %.2f of '"$(nproc)"' ((user %.1f s + system %.1f s) / wall %.1f s)\n", (u + s) / w, u, s, w}' "$work/time"
  python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))["metrics"]["reference"]; print("PSNR %.2f -> %.2f dB" % (r["psnr_input"], r["psnr_output"]))' "$work/sidecar.json"
done
