#!/usr/bin/env bash
# Fuzzes the decoders (PNG, JPEG, TIFF) and the daemon's config loader with libFuzzer (clang's,
# beside swiftc in the toolchain), under AddressSanitizer. Builds in .build-fuzz with -sanitize=fuzzer,address.
#
#   scripts/fuzz.sh [decode|config|all] [SECONDS]     default: all, 600 s each
#
# Each target starts from its seed corpus in fuzz/corpus/TARGET (copied, so that what libFuzzer
# adds stays out of the repository, in .build-fuzz/corpus/TARGET) and prints libFuzzer's final
# statistics line. A crash leaves its input as .build-fuzz/crash-*; replay it in an ordinary
# build with `.build/debug/fuzz-TARGET FILE`. Exit status: 0 when no target crashed.
. "$(dirname "$0")/lib.sh"
which=${1:-all}; seconds=${2:-600}
targets=(decode config); [ "$which" = all ] || targets=("$which")
flags=(--scratch-path .build-fuzz -c debug
       -Xswiftc -sanitize=fuzzer -Xswiftc -sanitize=address -Xswiftc -DFUZZING
       -Xcc -fsanitize=fuzzer-no-link -Xcc -fsanitize=address)
status=0
for t in "${targets[@]}"; do
  swift build "${flags[@]}" --product "fuzz-$t" 2>&1 | grep -v "Cannot export local symbol" | tail -n 3
  bin="$(swift build "${flags[@]}" --show-bin-path)/fuzz-$t"
  corpus=.build-fuzz/corpus/$t
  mkdir -p "$corpus"
  cp -n fuzz/corpus/$t/* "$corpus"/ 2>/dev/null || true
  echo "== fuzz-$t for $seconds s (corpus $(ls "$corpus" | wc -l) inputs)"
  if ASAN_OPTIONS=detect_leaks=0 "$bin" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=4096 \
       -artifact_prefix=.build-fuzz/crash-$t- -print_final_stats=1 "$corpus" > .build-fuzz/$t.log 2>&1; then
    grep -E "stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" .build-fuzz/$t.log | tr '\n' ' '
    echo "fuzz-$t: no crash"
  else
    tail -n 40 .build-fuzz/$t.log
    echo "fuzz-$t: CRASH (input in .build-fuzz/crash-$t-*)"
    status=1
  fi
done
exit $status
