#!/usr/bin/env bash
# The quality benchmark (issue 9): zsn2n's methods beside BM3D with a blindly estimated sigma, on
#   - the real-noise pairs in ../shared/realnoise (cc, polyu, sidd, fmd; read there, never copied
#     into the repository: their licences forbid it);
#   - gauss:25, gauss:50 and poisson:30 drawn on the clean images of ../shared/testdata, at full
#     size, as they are (RGB or gray) and turned gray.
#   scripts/evaluate.sh [OUT.csv]          default data/evaluation/results.csv, JSON beside it
# Env: SETS (names of the sets above to run, default all), METHODS ("pixel-bank zs-n2n"),
#      BM3D (1; 0 leaves it out), ZSN2N (.build/release/zsn2n, built when missing), PRESET (balanced).
# A run resumes: rows already in OUT.csv are not measured again. The table is printed at the end,
# and `zsn2n evaluate --summarize --csv OUT.csv` prints it again at any time.
. "$(dirname "$0")/lib.sh"
out=${1:-data/evaluation/results.csv}
mkdir -p "$(dirname "$out")"
release_zsn2n
real=../shared/realnoise; clean=../shared/testdata
declare -A spec=(
  [cc]=$real/cc [polyu]=$real/polyu [sidd]=$real/sidd [fmd]=$real/fmd
  [gauss25]=$clean@gauss:25 [gauss50]=$clean@gauss:50 [poisson30]=$clean@poisson:30
  [gauss25-gray]=$clean@gauss:25@gray [gauss50-gray]=$clean@gauss:50@gray [poisson30-gray]=$clean@poisson:30@gray
)
SETS=${SETS:-"cc polyu sidd fmd gauss25 gauss50 poisson30 gauss25-gray gauss50-gray poisson30-gray"}
args=()
for s in $SETS; do args+=(--set "$s=${spec[$s]:?unknown set $s}"); done
for m in ${METHODS:-pixel-bank zs-n2n}; do args+=(--method "$m"); done
if [ "${BM3D:-1}" = 1 ]; then
  python3 -c 'import bm3d, skimage, png' 2>/dev/null || pip install --quiet bm3d scikit-image pypng
  args+=(--external "bm3d-blind=$PWD/scripts/bm3d-blind.py")
fi
# The synthetic sets' noisy images are made under /tmp once (16-bit PNGs; not committed).
exec "$ZSN2N" evaluate "${args[@]}" --preset "${PRESET:-balanced}" --csv "$out" --work "${WORK:-/tmp/zsn2n-evaluate-sets}"
