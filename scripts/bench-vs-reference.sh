#!/usr/bin/env bash
# Speed beside the PyTorch reference, in one run: alternates `zsn2n bench` on each kernel path and
# `zsn2n_torch.py --speed` (all 2 threads, paper recipe, whole image) ROUNDS times per
# configuration and prints the median milliseconds per iteration of each, their ratio, and the
# median of each round's own ratio.
#   scripts/bench-vs-reference.sh            (256x256, gray and RGB, 3 rounds of 20 iterations)
# Env: SIZE (256), CHANNELS ("1 3"), ROUNDS (3), ITERS (20), THREADS (2), ZSN2N (.build/release/zsn2n),
#      PY (python with torch; default /work/ref/bin/python), REF (../shared/reference),
#      CPUS (kernel paths, ZSN2N_CPU values: "avx512 avx2" where the CPU has AVX-512F, else "avx2").
# Run it on an otherwise idle machine: they compete for the same two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${SIZE:-256}; CHANNELS=${CHANNELS:-"1 3"}; ROUNDS=${ROUNDS:-3}; ITERS=${ITERS:-20}; THREADS=${THREADS:-2}
ZSN2N=${ZSN2N:-.build/release/zsn2n}; PY=${PY:-/work/ref/bin/python}; REF=${REF:-../shared/reference}
if grep -qw avx512f /proc/cpuinfo; then CPUS=${CPUS:-"avx512 avx2"}; else CPUS=${CPUS:-avx2}; fi
for c in $CHANNELS; do
  runs=()
  for ((r = 0; r < ROUNDS; r++)); do
    for cpu in $CPUS; do
      runs+=("$(ZSN2N_CPU=$cpu $ZSN2N bench --size "$SIZE" --channels "$c" --iterations "$ITERS" --threads "$THREADS" --json)")
    done
    runs+=("$("$PY" "$REF/zsn2n_torch.py" --speed --size "$SIZE" --channels "$c" --iters "$ITERS" --threads "$THREADS")")
  done
  python3 - "$SIZE" "$c" "$CPUS" "${runs[@]}" <<'PY'
import json, statistics, sys
size, c, cpus = sys.argv[1], sys.argv[2], sys.argv[3].split()
docs = [json.loads(x) for x in sys.argv[4:]]
theirs = [d for d in docs if "ms_per_iter" in d]
t = statistics.median(x["ms_per_iter"] for x in theirs)
tg = statistics.median(x["gflops"] for x in theirs)
print(f"{size}x{size}, {c} channel(s): PyTorch {t:.1f} ms/iteration ({tg:.0f} GFLOP/s)  (rounds: {[round(x['ms_per_iter'], 1) for x in theirs]})")
for cpu in cpus:
    ours = [d for d in docs if d.get("cpu") == cpu]
    o = statistics.median(x["ms_per_iteration"] for x in ours)
    og = statistics.median(x["gflops"] for x in ours)
    frac = statistics.median(x["fraction_of_peak"] for x in ours)
    # Each round's own ratio too: the machine's speed drifts between rounds, and a ratio taken
    # within a round (the runs a few seconds apart) drifts less than one of two medians.
    per_round = [a["ms_per_iteration"] / b["ms_per_iter"] for a, b in zip(ours, theirs)]
    print(f"  zsn2n {cpu}: {o:.1f} ms/iteration ({og:.0f} GFLOP/s nominal, {100 * frac:.0f}% of its FMA peak), "
          f"ratio {o / t:.2f}, median of the rounds' ratios {statistics.median(per_round):.2f}  "
          f"(rounds: {[round(x['ms_per_iteration'], 1) for x in ours]}; ratios {[round(r, 2) for r in per_round]})")
PY
done
