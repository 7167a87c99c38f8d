#!/usr/bin/env bash
# Builds the libFuzzer harness over libpastiche's C entry points (tests/fuzz/fuzz_c_api.c) and
# runs it over the checked-in corpus plus what it finds in this run.
#
#   tests/fuzz/run.sh                       # CI: a bounded run (PASTICHE_FUZZ_RUNS, default 200000)
#   tests/fuzz/run.sh -max_total_time=3600  # by hand: any libFuzzer flags
#
# The pastiche-c-api crate (argument checks, structs, pixels, handles) is compiled with
# SanitizerCoverage as cargo-fuzz does, on stable rustc; its dependencies are not instrumented.
# The harness runs under AddressSanitizer and UndefinedBehaviorSanitizer. New inputs go to
# target/fuzz/corpus; crashes to target/fuzz/ (libFuzzer names them crash-*).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=target/fuzz
mkdir -p "$work/corpus"

coverage=(-Copt-level=1 -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=3
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table
  -Cllvm-args=-sanitizer-coverage-trace-compares)
cargo rustc --quiet -p pastiche-c-api --lib -- "${coverage[@]}"
# The next plain build of the crate replaces the instrumented library: keep a copy.
cp target/debug/libpastiche.a "$work/libpastiche-fuzz.a"
clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I plugin-c-api/include -o "$work/fuzz_c_api" tests/fuzz/fuzz_c_api.c "$work/libpastiche-fuzz.a" \
  -lopencv_video -lopencv_imgproc -lopencv_core -lstdc++ -lgcc_s -lpthread -ldl -lm

flags=("$@")
[ ${#flags[@]} -gt 0 ] || flags=(-runs="${PASTICHE_FUZZ_RUNS:-200000}")
log=$work/fuzz.log
# Leaks are LeakSanitizer's job in tests/c; here ONNX Runtime's thread pool would be reported.
if ! ASAN_OPTIONS=detect_leaks=0 PASTICHE_FUZZ_STYLE=../shared/data/starry_night.jpg \
  "$work/fuzz_c_api" -artifact_prefix="$work/" -print_final_stats=1 "${flags[@]}" \
  "$work/corpus" tests/fuzz/corpus > "$log" 2>&1; then
  tail -40 "$log" >&2
  echo "fuzz: FAILED (crash input and log in $work/)" >&2
  exit 1
fi
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
seconds=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
echo "fuzz: $executions executions in ${seconds}s, 0 crashes ($(ls "$work/corpus" | wc -l) new corpus entries)"
