#!/usr/bin/env bash
# Measures denoisers on real noise: every pair in ../shared/realnoise (cc, polyu, sidd, fmd: noisy
# photos and microscopy with their clean references; read there, never copied into the repository)
# and, for Gaussian noise, centre crops of ../shared/testdata with gauss:25 and gauss:50.
#   scripts/realnoise-study.sh OUT.csv PLAN...     a PLAN is "name:zsn2n denoise options", e.g.
#   scripts/realnoise-study.sh data/realnoise/results.csv "bank:--method pixel-bank" "zsn2n:--method zs-n2n"
# Env: SETS (cc polyu sidd fmd gauss25 gauss50), CROP (side of the Gaussian sets' centre crops, 256),
#      GAUSS_IMAGES (camera astronaut coffee), ZSN2N (.build/release/zsn2n). Rows already in OUT.csv
#      are skipped, so an interrupted study resumes. Prints mean PSNR gains per set and plan.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$1; shift
SETS=${SETS:-"cc polyu sidd fmd gauss25 gauss50"}; CROP=${CROP:-256}
GAUSS_IMAGES=${GAUSS_IMAGES:-"camera astronaut coffee"}; ZSN2N=${ZSN2N:-.build/release/zsn2n}
work=${WORK:-/tmp/zsn2n-realnoise-study}; mkdir -p "$work"
[ -f "$out" ] || echo "plan,set,image,crop,psnr_input,psnr_output,stride,train_s,total_s" > "$out"
pairs() {  # set -> "name noisy clean" lines
  case $1 in
    gauss*) for img in $GAUSS_IMAGES; do
              clean=$work/$1-$img-clean.png; noisy=$work/$1-$img-noisy.png
              [ -f "$noisy" ] || $ZSN2N noise ../shared/testdata/$img.png --crop "$CROP" --clean-output "$clean" \
                  -o "$noisy" --model "gauss:${1#gauss}" --seed 100 --bit-depth 16 --force >/dev/null
              echo "$img $noisy $clean"; done ;;
    *) for noisy in ../shared/realnoise/$1/noisy/*.png; do
         name=$(basename "$noisy" .png); clean=../shared/realnoise/$1/clean/$name.png
         echo "$name $noisy $clean"; done ;;
  esac
}
for spec in "$@"; do
  plan=${spec%%:*}; options=${spec#*:}
  for set in $SETS; do
    while read -r name noisy clean; do
      size=$([ "${set#gauss}" != "$set" ] && echo "$CROP" || echo whole)
      grep -q "^$plan,$set,$name,$size," "$out" && continue
      # shellcheck disable=SC2086
      doc=$($ZSN2N denoise "$noisy" -o "$work/out.png" --force --reference "$clean" $options --json)
      python3 -c '
import json, sys
d = json.loads(sys.argv[1]); r = d["metrics"]["reference"]; t = d["timing"]; b = d["denoiser"].get("pixel_bank")
print(",".join(sys.argv[2:6] + ["%.3f" % r["psnr_input"], "%.3f" % r["psnr_output"], str(b["stride"]) if b else "", "%.2f" % t["train_s"], "%.2f" % t["total_s"]]))
' "$doc" "$plan" "$set" "$name" "$size" >> "$out"
      tail -n 1 "$out"
    done < <(pairs "$set")
  done
done
python3 - "$out" <<'PY'
import csv, sys, collections
rows = list(csv.DictReader(open(sys.argv[1])))
sets = sorted({r["set"] for r in rows}, key=lambda s: ["cc", "polyu", "sidd", "fmd", "gauss25", "gauss50"].index(s) if s in ["cc", "polyu", "sidd", "fmd", "gauss25", "gauss50"] else 9)
plans = list(dict.fromkeys(r["plan"] for r in rows))
print("mean PSNR gain over the noisy input (dB) (images, seconds per image)")
print(f"{'plan':12s} " + " ".join(f"{s:>18s}" for s in sets))
for p in plans:
    cells = []
    for s in sets:
        rs = [r for r in rows if r["plan"] == p and r["set"] == s]
        if not rs: cells.append(f"{'-':>18s}"); continue
        g = sum(float(r["psnr_output"]) - float(r["psnr_input"]) for r in rs) / len(rs)
        t = sum(float(r["total_s"]) for r in rs) / len(rs)
        cells.append(f"{g:+7.2f} ({len(rs):2d}, {t:4.0f} s)")
    print(f"{p:12s} " + " ".join(cells))
PY
