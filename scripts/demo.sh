#!/usr/bin/env bash
# Set-up and the main job on the embedded default: installs what is missing, builds zsn2n
# (release), and denoises the embedded example (a noisy 128x128 crop of astronaut.png) with the
# default preset, writing zsn2n-demo/{clean,noisy,denoised}.png and denoised.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
swift build -c release --product zsn2n
.build/release/zsn2n demo "$@"
