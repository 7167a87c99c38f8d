#!/usr/bin/env bash
# The C ABI as a C host sees it: installs libpastiche into a throw-away prefix, checks the
# exported symbols against plugin-c-api/symbols.txt, compiles the test program with
# `cc -std=c99 -Wall -Wextra -Werror` and the header as C++11 using only pkg-config, and runs
# the program under AddressSanitizer with LeakSanitizer: memory errors in the program and leaks
# anywhere in the process (libpastiche and ONNX Runtime allocate through the intercepted malloc)
# fail the run. Valgrind memcheck was tried first: it needs over 20 minutes for ONNX Runtime's
# session set-up here, too slow for CI.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=$(mktemp -d)
scratch=$(mktemp -d)
trap 'rm -rf "$prefix" "$scratch"' EXIT
passed=0

make --no-print-directory -C plugin-c-api install PREFIX="$prefix" PROFILE="${PROFILE:-dev}" > /dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"

exported=$(nm -D --defined-only "$prefix/lib/libpastiche.so" | awk '$3 ~ /^pastiche_/ {print $3}')
if grep -v '@@PASTICHE_1$' <<< "$exported"; then
  echo "c-abi: symbols above are not in version node PASTICHE_1" >&2
  exit 1
fi
diff -u plugin-c-api/symbols.txt <(sed 's/@@PASTICHE_1$//' <<< "$exported" | sort) \
  || { echo "c-abi: exported symbols differ from plugin-c-api/symbols.txt" >&2; exit 1; }
passed=$((passed + 1))

# shellcheck disable=SC2046 # pkg-config output is a list of flags
cc -std=c99 -Wall -Wextra -Werror -g -fsanitize=address -fno-omit-frame-pointer \
  -o "$scratch/test_pastiche" tests/c/test_pastiche.c $(pkg-config --cflags --libs pastiche) -lm
# shellcheck disable=SC2046
c++ -std=c++11 -Wall -Werror -o "$scratch/header_cxx" tests/c/header_cxx.cpp $(pkg-config --cflags --libs pastiche)
"$scratch/header_cxx"
passed=$((passed + 1))

ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 "$scratch/test_pastiche" ../shared/data/starry_night.jpg "$scratch"
passed=$((passed + 1))
echo "c-abi: $passed passed, 0 failed"
