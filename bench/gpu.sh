#!/usr/bin/env bash
# GPU measurements in one go, on a machine with an NVIDIA GPU: ms per loss+gradient and peak
# device use for Pastiche's CUDA execution provider and for the PyTorch reference on CUDA.
#
#   PASTICHE_ORT_LIB=/path/to/onnxruntime-gpu/capi/libonnxruntime.so.1.31.1 bench/gpu.sh
#
# Pastiche's CUDA path needs ONNX Runtime's GPU build (PyPI `onnxruntime-gpu`, with CUDA 13 and
# cuDNN 9 on the library path); without it that column says why it could not run.
# Environment as bench/run.sh (PYTHON, LOSS_BENCH, ENGINE_BENCH), SIZES (default "256 512 1024 2048").
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${SIZES:-256 512 1024 2048}
PYTHON=${PYTHON:-python3}
if [ -z "${ENGINE_BENCH:-}" ] || [ -z "${LOSS_BENCH:-}" ]; then
  cargo build --quiet --release --benches -p pastiche-core
  ENGINE_BENCH=$(ls -t target/release/deps/engine-* | grep -v '\.d$' | head -1)
  LOSS_BENCH=$(ls -t target/release/deps/loss_gradient-* | grep -v '\.d$' | head -1)
fi
model="${PASTICHE_MODEL:-${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}/models/vgg16/model.onnx}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$ENGINE_BENCH" prepare 512 "$work/in" > /dev/null

echo "## GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"
echo
echo "| size | Pastiche CUDA ms / loss+gradient | PyTorch CUDA ms | ratio |"
echo "| --- | --- | --- | --- |"
for side in $sizes; do
  if ours=$("$LOSS_BENCH" "$side" 10 0 cuda 2>"$work/err" | awk 'index($0, "loss+gradient (median)") == 1 {print $(NF-1) * 1000}') && [ -n "$ours" ]; then :; else
    ours="unavailable ($(grep -o "not available: .\{0,80\}" "$work/err" | head -1 || true))"
  fi
  theirs=$("$PYTHON" bench/reference.py "$model" "$work/in" eval "$side" 10 0 | "$PYTHON" -c "import json,sys; print(round(json.load(sys.stdin)['median_ms'], 1))")
  ratio=$("$PYTHON" -c "
try: print(f'{float(\"$ours\")/float(\"$theirs\"):.2f}')
except ValueError: print('–')")
  echo "| ${side}² | $ours | $theirs | $ratio |"
done
