#!/usr/bin/env bash
# The tests under a sanitizer: ThreadSanitizer (thread) or AddressSanitizer (address), in their own
# build folder (.build-tsan, .build-asan). The daemon the service tests start is the sanitized
# build too; a finding on its stderr fails the test that started it (DaemonHarness).
#
#   scripts/sanitize.sh thread|address [FILTER]   swift test --filter (default: all)
#
# Waits in the daemon tests are stretched (ZSN2N_TEST_TIME_SCALE, 8 unless set): sanitized code
# runs several times slower. Exit status: that of swift test; any report is also printed.
. "$(dirname "$0")/lib.sh"
kind=${1:?thread or address}; filter=${2:-}
case "$kind" in thread) dir=.build-tsan ;; address) dir=.build-asan ;; *) echo "thread or address" >&2; exit 64 ;; esac
export ZSN2N_TEST_TIME_SCALE=${ZSN2N_TEST_TIME_SCALE:-8}
export ZSN2N_SANITIZER=$kind  # tests that read malloc's own counters skip themselves
export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
swift build --build-tests --sanitize="$kind" --scratch-path "$dir" 2>&1 | tail -n 1
log="$dir/sanitize-test.log"
set +e
swift test --skip-build --sanitize="$kind" --scratch-path "$dir" ${filter:+--filter "$filter"} > "$log" 2>&1
status=$?
set -e
grep -E "Test run with|WARNING: ThreadSanitizer|ERROR: AddressSanitizer|recorded an issue" "$log" | head -n 40
echo "sanitize $kind${filter:+ ($filter)}: $(grep -c 'WARNING: ThreadSanitizer\|ERROR: AddressSanitizer' "$log") report(s), swift test exit $status"
exit $status
