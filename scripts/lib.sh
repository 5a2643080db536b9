# The scripts' common start, sourced first thing (`. "$(dirname "$0")/lib.sh"`): strict mode, the
# repository's top as the working folder, the Swift toolchain on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

# ZSN2N: the release zsn2n, or the binary the caller names in ZSN2N; built when missing.
release_zsn2n() {
  ZSN2N=${ZSN2N:-.build/release/zsn2n}
  [ -x "$ZSN2N" ] || swift build -c release --product zsn2n
}
