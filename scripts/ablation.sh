#!/usr/bin/env bash
# The pixel-bank method's ablation: the whole method, and each mechanism taken away on its own
# (PixelBankMechanism), on 256x256 centre crops of real camera noise (cc), fluorescence microscopy
# (fmd) and gauss:25 on four test images (camera, astronaut, coffee, chelsea).
#   scripts/ablation.sh [OUT.csv]            default data/evaluation/ablation.csv, JSON beside it
# Env: ZSN2N (.build/release/zsn2n), THREADS (engine threads, default every core). Resumes.
. "$(dirname "$0")/lib.sh"
out=${1:-data/evaluation/ablation.csv}
mkdir -p "$(dirname "$out")"
release_zsn2n
work=${WORK:-/tmp/zsn2n-ablation-sets}
mkdir -p "$work/gauss-images"
for i in camera astronaut coffee chelsea; do ln -sf "$PWD/../shared/testdata/$i.png" "$work/gauss-images/$i.png"; done
threads=(); [ -n "${THREADS:-}" ] && threads=(--threads "$THREADS")
exec "$ZSN2N" evaluate --set cc256=../shared/realnoise/cc@crop=256 --set fmd256=../shared/realnoise/fmd@crop=256 \
  --set gauss25-256="$work/gauss-images@gauss:25@crop=256" \
  --method pixel-bank --method pixel-bank~stride --method pixel-bank~acceptance --method pixel-bank~draws \
  --method pixel-bank~symmetries --method pixel-bank~aggregation "${threads[@]}" --csv "$out" --work "$work"
