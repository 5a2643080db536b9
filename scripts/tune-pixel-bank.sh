#!/usr/bin/env bash
# Compares settings of the pixel-bank method on small crops, quickly (about 5 minutes a setting on
# 2 cores): 256x256 centre crops of four test images under gauss:25 and gauss:50, and of 4 CC, 4
# PolyU, 3 FMD and 2 SIDD pairs (read from ../shared/realnoise, written under WORK, never committed).
#
#   scripts/tune-pixel-bank.sh LABEL [zsn2n denoise options ...]    measures one setting
#   scripts/tune-pixel-bank.sh --summary                            the table so far
#
# Rows (label, crop, noisy PSNR, output PSNR, seconds) go to WORK/results.csv; a label already
# there is not measured again. The summary gives, per set, the first label's mean gain over the
# noisy crops and every other label's mean difference from it on the same crops.
# Env: ZSN2N (.build/release/zsn2n), WORK (/tmp/zsn2n-tune), PY (a python with Pillow).
set -euo pipefail
cd "$(dirname "$0")/.."
ZSN2N=${ZSN2N:-$PWD/.build/release/zsn2n}; WORK=${WORK:-/tmp/zsn2n-tune}
PY=${PY:-$([ -x /work/ref/bin/python ] && echo /work/ref/bin/python || echo python3)}
mkdir -p "$WORK/pairs"
csv=$WORK/results.csv

summary() {
  python3 - "$csv" <<'PY'
import collections, csv, sys
rows = list(csv.reader(open(sys.argv[1])))
by = collections.defaultdict(dict)
for label, crop, noisy, out, seconds in rows:
    by[label][crop] = (float(noisy), float(out), float(seconds))
labels = list(dict.fromkeys(r[0] for r in rows))
sets = ["g25", "g50", "cc", "polyu", "fmd", "sidd"]
base = labels[0]
print(f"{'label':<28}" + "".join(f"{s:>8}" for s in sets) + "   s/crop")
for label in labels:
    line = f"{label:<28}"
    for s in sets:
        crops = [c for c in by[label] if c.startswith(s + "_") and c in by[base]]
        if not crops:
            line += f"{'-':>8}"
            continue
        if label == base:
            line += f"{sum(by[base][c][1] - by[base][c][0] for c in crops) / len(crops):>+8.2f}"
        else:
            line += f"{sum(by[label][c][1] - by[base][c][1] for c in crops) / len(crops):>+8.2f}"
    seconds = [v[2] for v in by[label].values()]
    print(line + f"   {sum(seconds) / len(seconds):6.1f}")
print(f"(first row: mean gain over the noisy crops; others: mean difference from {base})")
PY
}

if [ "${1:-}" = "--summary" ]; then summary; exit 0; fi
label=${1:?LABEL [zsn2n denoise options]}; shift

# The crops, made once.
if [ ! -f "$WORK/pairs/.done" ]; then
  "$PY" - "$WORK/pairs" <<'PY'
import sys
from PIL import Image
out, real = sys.argv[1], "../shared/realnoise"
def crop(src, dst, side=256):
    im = Image.open(src); w, h = im.size; l, t = (w - side) // 2, (h - side) // 2
    im.crop((l, t, l + side, t + side)).save(dst)
chosen = {"cc": ["d800_iso1600_1", "d800_iso1600_3", "d800_iso6400_1", "d800_iso6400_2"],
          "polyu": ["Canon5D2_5_160_3200_plug_11", "Canon80D_8_8_12800_printer_16",
                    "NikonD800_5_125_6400_stair_10", "Sony_4-5_125_3200_plant_10"],
          "fmd": ["Confocal_BPAE_G", "TwoPhoton_BPAE_B", "WideField_BPAE_G"],
          "sidd": ["sidd_0", "sidd_3"]}
for s, names in chosen.items():
    for n in names:
        crop(f"{real}/{s}/noisy/{n}.png", f"{out}/{s}_{n}_n.png")
        crop(f"{real}/{s}/clean/{n}.png", f"{out}/{s}_{n}_c.png")
PY
  for i in astronaut camera coffee chelsea; do
    for s in 25 50; do
      "$ZSN2N" noise "../shared/testdata/$i.png" --crop 256 --clean-output "$WORK/pairs/g${s}_${i}_c.png" \
        -o "$WORK/pairs/g${s}_${i}_n.png" --model "gauss:$s" --seed 7 --force >/dev/null
    done
  done
  touch "$WORK/pairs/.done"
fi

for noisy in "$WORK"/pairs/*_n.png; do
  crop=$(basename "$noisy" _n.png)
  grep -q "^$label,$crop," "$csv" 2>/dev/null && continue
  "$ZSN2N" denoise "$noisy" -o "$WORK/out.png" --force --reference "$WORK/pairs/${crop}_c.png" --json "$@" |
    python3 -c "import json, sys; d = json.load(sys.stdin); r = d['metrics']['reference']
print('$label,$crop,%.3f,%.3f,%.2f' % (r['psnr_input'], r['psnr_output'], d['timing']['total_s']))" >> "$csv"
done
summary
