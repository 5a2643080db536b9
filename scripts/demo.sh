#!/usr/bin/env bash
# Set-up and the main job on the embedded default: installs what is missing, builds zsn2n
# (release), and denoises the embedded example (a noisy 128x128 crop of astronaut.png) with the
# default preset, writing zsn2n-demo/{clean,noisy,denoised}.png and denoised.json.
. "$(dirname "$0")/lib.sh"
scripts/install-deps.sh
swift build -c release --product zsn2n
.build/release/zsn2n demo "$@"
