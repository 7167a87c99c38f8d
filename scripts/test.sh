#!/usr/bin/env bash
# Runs every check and test from a fresh checkout: system packages, the default model and ONNX
# Runtime (cached after the first run), formatting, lints, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
cargo build --quiet -p pastiche-cli
PASTICHE_BIN="$PWD/target/debug/pastiche" models/fetch-default.sh

cargo fmt --all --check
cargo clippy --quiet --workspace --all-targets -- -D warnings
cargo test --workspace
tests/c/run.sh
