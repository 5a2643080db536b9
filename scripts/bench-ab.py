#!/usr/bin/env python3
"""Two builds of zsn2n side by side: alternates `zsn2n bench` of BASE and OTHER (the order swapped
every round, so that neither always runs first) and prints both medians and the median of each
round's own ratio OTHER/BASE, with its quartiles. On a shared machine whose speed drifts by 20-30%
within minutes, a ratio taken within a round is the figure to go by.

    scripts/bench-ab.py BASE OTHER [--size 256] [--channels 3] [--rounds 12] [--iterations 15] [--threads 2]
                        [--crop 128 --batch 2]      (ZS-N2N `balanced`'s iteration; both builds need these options)

BASE and OTHER are zsn2n binaries (copy .build/release/zsn2n aside before rebuilding)."""
import argparse, json, statistics, subprocess

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument("base"); parser.add_argument("other")
parser.add_argument("--size", default="256"); parser.add_argument("--channels", default="3")
parser.add_argument("--rounds", type=int, default=12); parser.add_argument("--iterations", default="15")
parser.add_argument("--threads", default="2")
parser.add_argument("--crop"); parser.add_argument("--batch")
args = parser.parse_args()

def bench(binary):
    crops = (["--crop", args.crop] if args.crop else []) + (["--batch", args.batch] if args.batch else [])
    out = subprocess.run([binary, "bench", "--size", args.size, "--channels", args.channels, "--iterations",
                          args.iterations, "--threads", args.threads, "--json"] + crops,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["ms_per_iteration"]

base, other, ratios = [], [], []
for r in range(args.rounds):
    first, second = (args.base, args.other) if r % 2 == 0 else (args.other, args.base)
    times = {first: bench(first)}
    times[second] = bench(second)
    base.append(times[args.base]); other.append(times[args.other])
    ratios.append(times[args.other] / times[args.base])
q = statistics.quantiles(ratios, n=4)
print(f"{args.size}x{args.size}, {args.channels} channel(s), {args.threads} threads, {args.rounds} rounds: "
      f"base {statistics.median(base):.2f} ms, other {statistics.median(other):.2f} ms per iteration (medians); "
      f"other/base per round: median {statistics.median(ratios):.3f}, quartiles {q[0]:.3f}-{q[2]:.3f}")
