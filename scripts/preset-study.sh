#!/usr/bin/env bash
# Measures training plans against the paper recipe: PSNR and seconds on the same noisy files.
#   scripts/preset-study.sh OUT.csv PLAN...      a PLAN is "name:zsn2n denoise options", e.g.
#   scripts/preset-study.sh study.csv "paper:--preset paper" "c192:--preset paper --crop 192"
# Env: IMAGES (camera astronaut coffee cell), NOISES (gauss:25 gauss:50), SEEDS (3), CROP (256),
#      ZSN2N (.build/release/zsn2n). Rows already in OUT.csv are skipped, so an interrupted study resumes.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1; shift
IMAGES=${IMAGES:-"camera astronaut coffee cell"}; NOISES=${NOISES:-"gauss:25 gauss:50"}
SEEDS=${SEEDS:-3}; CROP=${CROP:-256}; ZSN2N=${ZSN2N:-.build/release/zsn2n}
work=${WORK:-/tmp/zsn2n-preset-study}; mkdir -p "$work"
[ -f "$out" ] || echo "plan,image,noise,seed,psnr_input,psnr_output,train_s,total_s" > "$out"
for spec in "$@"; do
  plan=${spec%%:*}; options=${spec#*:}
  for img in $IMAGES; do
    for noise in $NOISES; do
      clean=$work/$img-clean.png; noisy=$work/$img-${noise/:/}.png
      [ -f "$noisy" ] || $ZSN2N noise ../shared/testdata/$img.* --crop "$CROP" --clean-output "$clean" -o "$noisy" \
        --model "$noise" --seed 100 --bit-depth 16 --force >/dev/null
      for ((s = 0; s < SEEDS; s++)); do
        grep -q "^$plan,$img,$noise,$s," "$out" && continue
        # shellcheck disable=SC2086
        doc=$($ZSN2N denoise "$noisy" -o "$work/out.png" --force --reference "$clean" --seed $s $options --json)
        python3 -c '
import json, sys
d = json.loads(sys.argv[1]); r = d["metrics"]["reference"]; t = d["timing"]
print(",".join([sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], "%.3f" % r["psnr_input"], "%.3f" % r["psnr_output"], "%.2f" % t["train_s"], "%.2f" % t["total_s"]]))
' "$doc" "$plan" "$img" "$noise" "$s" >> "$out"
        tail -n 1 "$out"
      done
    done
  done
done
python3 - "$out" <<'PY'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
by = collections.defaultdict(list)
for r in rows: by[r["plan"]].append(r)
paper = {(r["image"], r["noise"], r["seed"]): float(r["psnr_output"]) for r in by.get("paper", [])}
print(f"{'plan':14s} {'runs':>4s} {'PSNR':>8s} {'vs paper':>9s} {'train s':>8s}")
for plan, rs in by.items():
    m = sum(float(r["psnr_output"]) for r in rs) / len(rs)
    pairs = [float(r["psnr_output"]) - paper[k] for r in rs if (k := (r["image"], r["noise"], r["seed"])) in paper]
    d = f"{sum(pairs)/len(pairs):+9.3f}" if pairs else f"{'':9s}"
    print(f"{plan:14s} {len(rs):4d} {m:8.3f} {d} {sum(float(r['train_s']) for r in rs)/len(rs):8.1f}")
PY
