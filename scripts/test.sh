#!/usr/bin/env bash
# Set-up and the whole test suite: installs what is missing, then builds and runs every test.
. "$(dirname "$0")/lib.sh"
# Each stage's end, in seconds since the start, for whoever keeps CI within its time.
stage() { echo "test.sh: $1 done at ${SECONDS} s"; }
scripts/install-deps.sh
stage set-up
# Every relative link and anchor of the README and docs/ resolves.
python3 scripts/check-doc-links.py
swift build --build-tests
stage build
swift test --skip-build
stage tests
# The engine runs AVX-512 kernels where the CPU has AVX-512F: there, the engine and denoiser tests
# (parity fixtures, finite differences, determinism) run once more on the AVX2 kernels, forced.
if grep -qw avx512f /proc/cpuinfo; then
  ZSN2N_CPU=avx2 swift test --skip-build --filter 'EngineTests|DenoiserTests'
fi
# The Debian package: built (release, static Swift runtime), then installed and run under a real
# systemd in a container. That needs root: through sudo when it asks no password; otherwise the
# script says that it skipped, and why.
DEB=$(scripts/package-deb.sh | tail -1)
if [ "$(id -u)" -ne 0 ] && sudo -n true 2>/dev/null; then
  sudo -n scripts/test-package.sh "$DEB"
else
  scripts/test-package.sh "$DEB"
fi
stage package
# ThreadSanitizer over the engine's parallel loops, two pipelines at once, and the service tests (a
# daemon training two images at once, the hostile corpus and the kill -9 loops among them); a report
# fails the run (scripts/sanitize.sh).
scripts/sanitize.sh thread "EngineTests|PipelineTests|ServiceTests"
stage thread-sanitizer
# A short libFuzzer run of each fuzz target (the long runs: scripts/fuzz.sh all 600).
scripts/fuzz.sh all 20
stage fuzz
