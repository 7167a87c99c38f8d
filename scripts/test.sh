#!/usr/bin/env bash
# Runs every check and test from a fresh checkout: system packages, the default model and ONNX
# Runtime (cached after the first run), formatting, lints, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
# A full run needs about 15 GB (builds, the GPU runtime, the GIMP 3 chroot); a full disk shows up
# later as failures far from their cause, so say where it stands first.
free_gb=$(df -P --block-size=1G . | awk 'NR == 2 {print $4}')
echo "test: ${free_gb} GB free on the build disk" >&2
[ "$free_gb" -ge 15 ] || echo "test: warning: under 15 GB free; 'No space left on device' below means the disk" >&2
cargo build --quiet -p pastiche-cli
# The GPU build too (256 MB, once), so that its refusal on this GPU-less machine is tested.
PASTICHE_BIN="$PWD/target/debug/pastiche" models/fetch-default.sh --cuda-provider-only

# The video filter links libpastiche through its C ABI like any host: install it first.
make --no-print-directory -C plugin-c-api install PREFIX="$PWD/target/prefix" PROFILE=dev > /dev/null
export PKG_CONFIG_PATH="$PWD/target/prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"

cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo test --workspace
tests/install/run.sh
# The README's first command from a fresh clone: a release build (about 3 minutes here the
# first time, reused after) and an 85-second run.
tests/readme.sh
tests/c/run.sh
tests/cuda/run.sh
bench/gpu.sh --dry-run > /dev/null
tests/fuzz/run.sh
gimp/tests/run.sh
gimp/tests/run-gimp3.sh
