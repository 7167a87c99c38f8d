#!/usr/bin/env bash
# Packs everything bench/gpu.sh needs on a GPU machine that has no package registry and no Rust:
# release binaries (the CLI and the two bench programs), the default model, ONNX Runtime's CPU
# build and GPU build (no NVIDIA libraries: the machine's CUDA 13 and cuDNN 9 are used), the two
# test pictures, and the scripts. The archive is tar + zstd -19, cut into chunks of at most
# 64 MiB so that each travels alone, with a SHA256SUMS file to check them on arrival.
#
#   bench/gpu-payload.sh OUT_DIR          # writes OUT_DIR/pastiche-gpu.tar.zst.NN + SHA256SUMS
#
# On the GPU machine (glibc >= 2.34, an NVIDIA driver, CUDA 13, cuDNN 9, PyTorch with onnx):
#
#   sha256sum -c SHA256SUMS && cat pastiche-gpu.tar.zst.* | zstd -d | tar -x -C DEST
#   DEST/bench/gpu.sh > report.md
#
# Needs the cache that models/fetch-default.sh --cuda-provider-only fills; CHUNK (default 64M,
# split's syntax) and ZSTD_LEVEL (default 19) are the knobs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=${1:?usage: bench/gpu-payload.sh OUT_DIR}
cache=${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}
data=${PASTICHE_DATA:-$root/../shared/data}
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

cargo build --quiet --release -p pastiche-cli
cargo build --quiet --release --benches -p pastiche-core
mkdir -p "$stage"/{bin,bench,data,cache/models,cache/runtime,cache/runtime-cuda}
cp target/release/pastiche "$stage/bin/"
for bench in engine loss_gradient; do
  cp "$(ls -t target/release/deps/$bench-* | grep -v '\.d$' | head -1)" "$stage/bin/$bench"
done
cp bench/gpu.sh bench/gpu-before-after.sh bench/reference.py "$stage/bench/"
cp "$data/tubingen.jpg" "$data/starry_night.jpg" "$stage/data/"
cp -rL "$cache/models/vgg16" "$stage/cache/models/"
cp -L "$cache/runtime/libonnxruntime.so.1.32.0" "$stage/cache/runtime/"
for library in libonnxruntime.so.1.31.1 libonnxruntime_providers_shared.so libonnxruntime_providers_cuda.so; do
  cp -L "$cache/runtime-cuda/$library" "$stage/cache/runtime-cuda/" \
    || { echo "gpu-payload: run models/fetch-default.sh --cuda-provider-only first" >&2; exit 1; }
done

mkdir -p "$out"
rm -f "$out"/pastiche-gpu.tar.zst.* "$out/SHA256SUMS"
tar -C "$stage" -cf - . | zstd -q -"${ZSTD_LEVEL:-19}" -T0 \
  | split -b "${CHUNK:-64M}" -d -a 2 - "$out/pastiche-gpu.tar.zst."
(cd "$out" && sha256sum pastiche-gpu.tar.zst.* > SHA256SUMS)
echo "gpu-payload: $(du -sh "$stage" | cut -f1) packed into $(ls "$out"/pastiche-gpu.tar.zst.* | wc -l) chunks, $(du -ch "$out"/pastiche-gpu.tar.zst.* | tail -1 | cut -f1) in all, in $out" >&2
