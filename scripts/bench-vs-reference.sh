#!/usr/bin/env bash
# Speed beside the PyTorch reference, in one run: alternates `zsn2n bench` and
# `zsn2n_torch.py --speed` (both 2 threads, paper recipe, whole image) ROUNDS times per
# configuration and prints the median milliseconds per iteration of each and their ratio.
#   scripts/bench-vs-reference.sh            (256x256, gray and RGB, 3 rounds of 20 iterations)
# Env: SIZE (256), CHANNELS ("1 3"), ROUNDS (3), ITERS (20), THREADS (2), ZSN2N (.build/release/zsn2n),
#      PY (python with torch; default /work/ref/bin/python), REF (../shared/reference).
# Run it on an otherwise idle machine: the two compete for the same two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-256}; CHANNELS=${CHANNELS:-"1 3"}; ROUNDS=${ROUNDS:-3}; ITERS=${ITERS:-20}; THREADS=${THREADS:-2}
ZSN2N=${ZSN2N:-.build/release/zsn2n}; PY=${PY:-/work/ref/bin/python}; REF=${REF:-../shared/reference}
for c in $CHANNELS; do
  ours=(); theirs=()
  for ((r = 0; r < ROUNDS; r++)); do
    ours+=("$($ZSN2N bench --size "$SIZE" --channels "$c" --iterations "$ITERS" --threads "$THREADS" --json)")
    theirs+=("$("$PY" "$REF/zsn2n_torch.py" --speed --size "$SIZE" --channels "$c" --iters "$ITERS" --threads "$THREADS")")
  done
  python3 - "$SIZE" "$c" "${#ours[@]}" "${ours[@]}" "${theirs[@]}" <<'PY'
import json, statistics, sys
size, c, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
ours = [json.loads(x) for x in sys.argv[4:4 + n]]
theirs = [json.loads(x) for x in sys.argv[4 + n:]]
o = statistics.median(x["ms_per_iteration"] for x in ours)
t = statistics.median(x["ms_per_iter"] for x in theirs)
og = statistics.median(x["gflops"] for x in ours)
tg = statistics.median(x["gflops"] for x in theirs)
print(f"{size}x{size}, {c} channel(s): zsn2n {o:.1f} ms/iteration ({og:.0f} GFLOP/s), "
      f"PyTorch {t:.1f} ms/iteration ({tg:.0f} GFLOP/s), ratio {o / t:.2f}  "
      f"(rounds: zsn2n {[round(x['ms_per_iteration'], 1) for x in ours]}, PyTorch {[round(x['ms_per_iter'], 1) for x in theirs]})")
PY
done
