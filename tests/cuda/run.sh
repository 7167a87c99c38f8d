#!/usr/bin/env bash
# CUDA on a machine without a GPU, as users and hosts meet it: `cuda` fails when the engine is
# created, naming what is missing, and `auto` runs on the CPU build and says why. Three set-ups,
# each in a scratch cache that holds the default model and only what the case needs:
#
#   not installed  libpastiche without the GPU build: "the CUDA build ... is not installed"
#   bundled        libpastiche installed with CUDA=1: the GPU build beside it is found, and its
#                  provider refused because libcuda.so.1 (the driver) and CUDA 13 are not here
#   cached         the CLI finds the GPU build in the cache's runtime-cuda/, refuses it the same
#                  way, and the GPU build's core library runs CPU sessions with Pastiche's bindings
#
# Needs the cache that `models/fetch-default.sh --cuda-provider-only` (or --cuda) fills, and
# assumes no NVIDIA driver is installed (the CI machines have none).
set -euo pipefail
cd "$(dirname "$0")/../.."
cache="${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}"
gpu_build="$cache/runtime-cuda/libonnxruntime.so.1.31.1"
if [ ! -f "$gpu_build" ]; then
  echo "cuda: $gpu_build is missing: run models/fetch-default.sh --cuda-provider-only" >&2
  exit 1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
profile=${PROFILE:-dev}
pastiche=${PASTICHE_BIN:-target/debug/pastiche}
passed=0
failed=0

fail() { echo "cuda: FAILED $*" >&2; failed=$((failed + 1)); }
# expect NAME FILE PATTERN…: FILE contains every fixed-string PATTERN.
expect() {
  local name=$1 file=$2
  shift 2
  for pattern in "$@"; do
    if ! grep -qF -- "$pattern" "$file"; then
      fail "$name: '$pattern' not in:"
      cat "$file" >&2
      return
    fi
  done
  passed=$((passed + 1))
}
# A cache with the model and the listed parts of the real cache.
scratch_cache() { # DIR PART…
  local dir=$1
  shift
  mkdir -p "$dir"
  for part in models "$@"; do ln -s "$cache/$part" "$dir/$part"; done
}

# libpastiche, installed without and with the GPU build, and a C host that creates one engine.
for variant in plain bundled; do
  make --no-print-directory -C plugin-c-api install PREFIX="$scratch/$variant" PROFILE="$profile" \
    CUDA="$([ $variant = bundled ] && echo 1)" > /dev/null
  cc -std=c99 -Wall -Wextra -Werror -o "$scratch/probe-$variant" tests/cuda/probe.c \
    -I"$scratch/$variant/include" -L"$scratch/$variant/lib" -lpastiche -Wl,-rpath,"$scratch/$variant/lib"
done
scratch_cache "$scratch/models-only"
probe() { # VARIANT DEVICE: the probe's report in $scratch/VARIANT-DEVICE
  PASTICHE_CACHE_DIR="$scratch/models-only" "$scratch/probe-$1" "$2" > "$scratch/$1-$2" || true
}

probe plain cuda
expect "not installed, cuda" "$scratch/plain-cuda" "status 4" \
  "the CUDA build of ONNX Runtime is not installed (run models/fetch-default.sh --cuda)" \
  "$scratch/plain/lib/runtime-cuda/libonnxruntime.so.1.31.1 (no such file)"
probe plain auto
expect "not installed, auto" "$scratch/plain-auto" "status 0" "device cpu" \
  "fallback the CUDA build of ONNX Runtime is not installed"

probe bundled cuda
expect "bundled, cuda" "$scratch/bundled-cuda" "status 4" \
  "CUDA provider in $scratch/bundled/lib/runtime-cuda cannot run here" "libcuda.so.1 (the NVIDIA driver)"
probe bundled auto
# auto keeps the CPU build when the GPU build cannot run.
expect "bundled, auto" "$scratch/bundled-auto" "status 0" "device cpu" \
  "runtime $scratch/bundled/lib/libonnxruntime.so.1.32.0" \
  "fallback ONNX Runtime's CUDA provider in $scratch/bundled/lib/runtime-cuda cannot run here"

# The CLI and the cache's runtime-cuda/.
scratch_cache "$scratch/cached" runtime runtime-cuda
stylize() { # NAME DEVICE [ENV…]: a 32 px, one-iteration run; output and messages in $scratch/NAME*
  local name=$1 device=$2
  shift 2
  env PASTICHE_CACHE_DIR="$scratch/cached" "$@" "$pastiche" stylize ../shared/data/tubingen.jpg \
    --style ../shared/data/starry_night.jpg --size 32 --iterations 1 --device "$device" \
    -o "$scratch/$name.png" 2> "$scratch/$name.err" || echo "exit $?" >> "$scratch/$name.err"
}
stylize cli-cuda cuda
expect "cached, cuda" "$scratch/cli-cuda.err" "exit 2" "execution provider 'cuda' is not available" \
  "CUDA provider in $scratch/cached/runtime-cuda cannot run here" "libcuda.so.1 (the NVIDIA driver)"
[ ! -e "$scratch/cli-cuda.png" ] || fail "cached, cuda: wrote an output"
stylize cli-auto auto
expect "cached, auto" "$scratch/cli-auto.err" "notice: CUDA is unavailable, running on the CPU" \
  "CUDA provider in $scratch/cached/runtime-cuda cannot run here"
[ -s "$scratch/cli-auto.png" ] || fail "cached, auto: no output"
stylize gpu-build-on-cpu cpu PASTICHE_ORT_LIB="$gpu_build"
if [ -s "$scratch/gpu-build-on-cpu.png" ] && ! grep -q '^exit' "$scratch/gpu-build-on-cpu.err"; then
  passed=$((passed + 1))
else
  fail "the GPU build's core library on the CPU:"
  cat "$scratch/gpu-build-on-cpu.err" >&2
fi

echo "cuda: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
