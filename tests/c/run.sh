#!/usr/bin/env bash
# The C ABI as a C host sees it: installs libpastiche into a throw-away prefix, checks the
# exported symbols against plugin-c-api/symbols.txt, compiles the test programs with
# `cc -std=c99 -Wall -Wextra -Werror` and the header as C++11 using only pkg-config, and runs
# them under AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer: memory errors and
# undefined behaviour in the programs, and leaks anywhere in the process (libpastiche and ONNX
# Runtime allocate through the intercepted malloc), fail the run. Valgrind memcheck was tried
# first: it needs over 20 minutes for ONNX Runtime's session set-up here, too slow for CI.
#
#   test_pastiche    normal use: stills, styles from files and memory, previews, video, info
#   test_integrator  hostile input, one case per process (ONNX Runtime loads once per process)
#   test_compat      an old and a newer caller (headers made from today's) against one library
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=$(mktemp -d)
scratch=$(mktemp -d)
trap 'rm -rf "$prefix" "$scratch"' EXIT
passed=0
failed=0
style=../shared/data/starry_night.jpg

make --no-print-directory -C plugin-c-api install PREFIX="$prefix" PROFILE="${PROFILE:-dev}" > /dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# The model stays where models/fetch-default.sh put it while HOME moves (see the telemetry check).
export PASTICHE_CACHE_DIR="${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

exported=$(nm -D --defined-only "$prefix/lib/libpastiche.so" | awk '$3 ~ /^pastiche_/ {print $3}')
if grep -v '@@PASTICHE_1$' <<< "$exported"; then
  echo "c-abi: symbols above are not in version node PASTICHE_1" >&2
  exit 1
fi
diff -u plugin-c-api/symbols.txt <(sed 's/@@PASTICHE_1$//' <<< "$exported" | sort) \
  || { echo "c-abi: exported symbols differ from plugin-c-api/symbols.txt" >&2; exit 1; }
passed=$((passed + 1))

sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
compile() { # OUTPUT SOURCE [FLAGS…]
  local output=$1 source=$2
  shift 2
  # shellcheck disable=SC2046 # pkg-config output is a list of flags
  cc -std=c99 -Wall -Wextra -Werror -g "${sanitize[@]}" "$@" -o "$scratch/$output" "tests/c/$source" \
    $(pkg-config --cflags --libs pastiche) -lm
}
compile test_pastiche test_pastiche.c
compile test_integrator test_integrator.c
# The example in plugin-c-api/README.md compiles and links as printed.
sed -n '/^```c$/,/^```$/p' plugin-c-api/README.md | sed '1d;$d' > "$scratch/readme_example.c"
# shellcheck disable=SC2046
cc -std=c99 -Wall -Wextra -Werror -o "$scratch/readme_example" "$scratch/readme_example.c" \
  $(pkg-config --cflags --libs pastiche)
# shellcheck disable=SC2046
c++ -std=c++11 -Wall -Werror -o "$scratch/header_cxx" tests/c/header_cxx.cpp $(pkg-config --cflags --libs pastiche)
"$scratch/header_cxx"
passed=$((passed + 1))

check() { # NAME COMMAND…: one test, counted
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); else echo "c-abi: FAILED $name" >&2; failed=$((failed + 1)); fi
}

# Normal use, with HOME in the scratch folder: ONNX Runtime's telemetry is off, so it must not
# create its usage database under ~/.cache/Microsoft.
mkdir "$scratch/home"
check test_pastiche env HOME="$scratch/home" "$scratch/test_pastiche" "$style" "$scratch"
telemetry=$(find "$scratch/home" -mindepth 1 | head -5)
check telemetry-off test -z "$telemetry"
[ -z "$telemetry" ] || echo "c-abi: ONNX Runtime wrote $telemetry" >&2

cases=(absurd-strides bad-image-fields nan-pixels absurd-threads absurd-iterations use-after-destroy
  destroy-keeps-the-last-error truncated-style bad-runtime-text bad-runtime-fake-elf
  bad-runtime-other-library bad-runtime-missing second-runtime cuda-probe)
for case in "${cases[@]}"; do
  check "$case" "$scratch/test_integrator" "$case" "$style" "$scratch"
done
check bad-runtime-environment env PASTICHE_ORT_LIB="$scratch/nowhere/libonnxruntime.so" \
  "$scratch/test_integrator" bad-runtime-environment "$style" "$scratch"

# An old caller (the header before the fields appended after the first published layout) and a
# newer one (a header with one more field than this library knows), against this one library.
header=$prefix/include/pastiche.h
mkdir "$scratch/old" "$scratch/future"
sed '/--- appended after the first published layout (PASTICHE_PARAMS_SIZE_V1/,/^} pastiche_params;/{/^} pastiche_params;/!d}' \
  "$header" > "$scratch/old/pastiche.h"
sed -e 's/^} pastiche_params;/    uint64_t future_field;\n&/' -e 's/^} pastiche_limits;/    uint64_t future_limit;\n&/' \
  "$header" > "$scratch/future/pastiche.h"
compile test_compat_old test_compat.c -DCALLER_OLD -I"$scratch/old"
compile test_compat_future test_compat.c -DCALLER_FUTURE -I"$scratch/future"
check compat-old "$scratch/test_compat_old" "$style"
check compat-future "$scratch/test_compat_future" "$style"

echo "c-abi: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
