#!/usr/bin/env bash
# Quality parity with the PyTorch reference: the same noisy file through both, several seeds.
#   scripts/compare-reference.sh [IMAGES...]   (default: astronaut.png camera.png from ../shared/testdata)
# Env: CROP (128), NOISE (gauss:25), SEEDS (3), ITERS (3000), PRESET (paper), REF (../shared/reference),
#      PY (python with torch; default /work/ref/bin/python), TORCH_THREADS (2; 1 avoids OpenMP stalls
#      on a busy machine, PSNR does not depend on it). Needs a release build: swift build -c release.
set -euo pipefail
cd "$(dirname "$0")/.."
CROP=${CROP:-128}; NOISE=${NOISE:-gauss:25}; SEEDS=${SEEDS:-3}; ITERS=${ITERS:-3000}; PRESET=${PRESET:-paper}
REF=${REF:-../shared/reference}; PY=${PY:-/work/ref/bin/python}; TORCH_THREADS=${TORCH_THREADS:-2}
ZSN2N=${ZSN2N:-.build/release/zsn2n}
images=("$@"); [ ${#images[@]} -gt 0 ] || images=(../shared/testdata/astronaut.png ../shared/testdata/camera.png)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
printf "%-16s %-10s %4s %10s %10s %10s\n" image noise seed noisy_dB zsn2n_dB torch_dB
for img in "${images[@]}"; do
  name=$(basename "${img%.*}")
  clean=$work/$name-clean.png; noisy=$work/$name-noisy.png
  $ZSN2N noise "$img" --crop "$CROP" --clean-output "$clean" -o "$noisy" --model "$NOISE" --seed 100 --bit-depth 16 --force >/dev/null
  for ((s = 0; s < SEEDS; s++)); do
    ours=$($ZSN2N denoise "$noisy" -o "$work/out.png" --force --reference "$clean" --preset "$PRESET" --iterations "$ITERS" --seed $s --json)
    theirs=$("$PY" "$REF/zsn2n_torch.py" "$clean" --noisy "$noisy" --iters "$ITERS" --seed $s --threads "$TORCH_THREADS")
    python3 - "$name" "$NOISE" "$s" "$ours" "$theirs" <<'PY'
import json, sys
name, noise, seed, ours, theirs = sys.argv[1:]
o, t = json.loads(ours), json.loads(theirs)
r = o["metrics"]["reference"]
print(f"{name:16s} {noise:10s} {seed:>4s} {r['psnr_input']:10.2f} {r['psnr_output']:10.2f} {t['psnr']:10.2f}")
PY
  done
done
