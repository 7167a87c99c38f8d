#!/usr/bin/env bash
# `make install` into a temporary prefix (debug build, reusing target/debug): both programs run
# from PREFIX/bin, the video tool finds libpastiche in PREFIX/lib, and a C host finds the
# library, its header and pkg-config file. Run from anywhere; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

prefix=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$prefix" "$out"' EXIT
data=$(realpath ../shared/data)
make --no-print-directory install PREFIX="$prefix" PROFILE=dev > /dev/null

passed=0 failed=0
check() { # description, then a command that must succeed
    local description=$1
    shift
    if "$@" > /dev/null 2>&1; then
        echo "install: ok   $description"
        passed=$((passed + 1))
    else
        echo "install: FAIL $description"
        failed=$((failed + 1))
    fi
}

check "bin/pastiche stylises a thumbnail" \
    "$prefix/bin/pastiche" stylize "$data/tubingen.jpg" --style "$data/starry_night.jpg" \
    -o "$out/thumb.png" --size 32 --iterations 1 --threads 2
check "the thumbnail is written" test -s "$out/thumb.png"
check "bin/pastiche knows the bundled styles by name, run from elsewhere" \
    bash -c "cd '$out' && '$prefix/bin/pastiche' stylize '$data/tubingen.jpg' --style the-scream -o named.png --size 32 --iterations 1 --threads 2 && test -s named.png"
check "bin/pastiche-video runs" env -u LD_LIBRARY_PATH "$prefix/bin/pastiche-video" --help
check "bin/pastiche-video links PREFIX/lib/libpastiche.so.1" \
    bash -c "ldd '$prefix/bin/pastiche-video' | grep -q 'libpastiche.so.1 => $prefix/lib/'"
check "ONNX Runtime beside libpastiche" test -f "$prefix/lib/libonnxruntime.so.1.32.0"
check "include/pastiche.h" test -f "$prefix/include/pastiche.h"
check "pkg-config finds pastiche in PREFIX" \
    env PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --exact-version=0.1.0 pastiche
echo "install: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
