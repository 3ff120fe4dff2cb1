#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/Targets and runs each for its share of a time budget.
#
#   bash Fuzz/run.sh [SECONDS_TOTAL]      (default 60; CI runs it with a few minutes)
#   FUZZ_TARGETS="tar json" bash Fuzz/run.sh 600   (only some targets)
#
# Each target is compiled with `swiftc -sanitize=fuzzer,address` directly over the module sources
# it exercises (no SwiftPM: only the code under test gets coverage instrumentation), seeded from
# the committed corpus in Fuzz/Corpus/<target>/. New inputs the fuzzer finds go to
# .build-fuzz/corpus/<target>/ (untracked), crashes to .build-fuzz/artifacts/<target>/.
# Exits non-zero when any target crashes, leaks or times out; prints executions per target.
set -euo pipefail
cd "$(dirname "$0")/.."

TOTAL=${1:-60}
TARGETS=${FUZZ_TARGETS:-"reference platform challenge json tar"}
OUT=.build-fuzz
mkdir -p "$OUT/bin"

CMODULES="-I Sources/CZlib -I Sources/CZstd -I Sources/CDeflate -I Sources/CCrypto -I Sources/CArchive"

# Sources per target: a whole module (or, where that module pulls in networking, just the file
# under test), compiled as one module together with the target so it reaches internal API.
sources() {
  case "$1" in
    reference|platform|json) ls Sources/OCIModel/*.swift ;;
    challenge) echo Sources/RegistryClient/Challenge.swift ;;
    tar) ls Sources/LayerBuilder/*.swift ;;
  esac
}
# Extra flags: modules the sources import (built first into $OUT/modules) and C modules.
flags() {
  case "$1" in
    tar) echo "-I $OUT/modules -L $OUT/modules -lOCIModel $CMODULES" ;;
  esac
}
# A library module the targets import, built once with the same instrumentation.
build_module() {
  local name=$1; shift
  mkdir -p "$OUT/modules"
  if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "$name" \
      -emit-module -emit-module-path "$OUT/modules/$name.swiftmodule" \
      -emit-library -static -o "$OUT/modules/lib$name.a" "$@" >"$OUT/$name.build.log" 2>&1; then
    cat "$OUT/$name.build.log" >&2
    echo "!! building module $name failed" >&2
    exit 1
  fi
}
case " $TARGETS " in *" tar "*) echo "== building module OCIModel"; build_module OCIModel Sources/OCIModel/*.swift ;; esac

set -- $TARGETS
COUNT=$#
PER=$(( TOTAL / COUNT )); [ "$PER" -ge 5 ] || PER=5

failed=()
summary=()
for t in "$@"; do
  bin="$OUT/bin/$t"
  echo "== building fuzz target '$t'"
  # shellcheck disable=SC2046
  if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$t" \
      $(flags "$t") $(sources "$t") "Fuzz/Targets/$t.swift" -o "$bin" >"$OUT/$t.build.log" 2>&1; then
    # (gold's "Cannot export local symbol '__asan_*'" warnings in the log are harmless)
    grep -v "Cannot export local symbol" "$OUT/$t.build.log" >&2
    echo "!! building fuzz target '$t' failed" >&2
    exit 1
  fi

  corpus="$OUT/corpus/$t"; artifacts="$OUT/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  log="$OUT/$t.log"
  echo "== fuzzing '$t' for ${PER}s"
  # -rss_limit_mb / -malloc_limit_mb: an allocation sized by an input field is a bug, not an OOM.
  # -timeout: one input taking seconds is a bug (quadratic parsing, an endless loop).
  set +e
  # SWIFT_BACKTRACE: Swift's own crash handler fights AddressSanitizer's; let libFuzzer report.
  SWIFT_BACKTRACE=enable=no TMPDIR="$OUT" "$bin" "$corpus" "Fuzz/Corpus/$t" \
    -max_total_time="$PER" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -max_len=65536 -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1
  rc=$?
  set -e
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "!! '$t' failed (exit $rc) after $runs executions; last lines of $log:"
    tail -n 40 "$log"
    ls -1 "$artifacts"
    summary+=("$t: $runs executions, FAILED")
  else
    summary+=("$t: $runs executions, no crash")
  fi
  rm -f "$OUT"/winimg-fuzz-*
done

echo "== fuzz summary (${PER}s per target)"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs under $OUT/artifacts/)"
  exit 1
fi
