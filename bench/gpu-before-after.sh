#!/usr/bin/env bash
# Before and after on the GPU, side by side in one run: the optimiser's cost per iteration with
# two `pastiche` binaries, then the targets of bench/gpu.sh that it showed were missed.
#
#   bench/gpu-before-after.sh     # in an unpacked bench/gpu-payload.sh payload, with the older
#                                 # binary added as bin/pastiche-before
#
# Needs what bench/gpu.sh needs on the GPU machine (CUDA 13, cuDNN 9, PyTorch with onnx).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PASTICHE_CACHE_DIR=$root/cache PASTICHE_DATA=$root/data BENCH_DEVICE=cuda
torch_libs=$(python3 -c "import glob, os, torch; print(':'.join(sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(torch.__file__)), 'nvidia', '*', 'lib')))))")
export LD_LIBRARY_PATH=$torch_libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

stylise() { # BINARY OPTIONS…: Pastiche's report and the wall-clock seconds
  local binary=$1 started=$EPOCHREALTIME
  shift
  timeout 120 "bin/$binary" stylize data/tubingen.jpg --style data/starry_night.jpg -o "$work/out.png" \
    --device cuda "$@" 2>&1 | grep '^wrote' | sed "s|^|$binary $* : |"
  awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN {printf "  wall %.2f s\n", b - a}'
}
echo "== set-up only"
stylise pastiche --size 512 --iterations 1 --scales 1
echo "== before and after, 100 iterations at 512 px"
stylise pastiche-before --size 512 --iterations 100 --scales 1 --quality fine
stylise pastiche --size 512 --iterations 100 --scales 1 --quality fine
echo "== 500 iterations at 512 px"
stylise pastiche --size 512 --iterations 500 --scales 1 --quality fine
echo "== the default at 512 px"
stylise pastiche --size 512
echo "== one evaluation"
bin/loss_gradient 512 10 0 cuda | grep -i "median\|session"
echo "== to PyTorch's 300-iteration loss at 512 px"
bin/engine prepare 512 "$work/in" > /dev/null
python3 bench/reference.py cache/models/vgg16/model.onnx "$work/in" lbfgs 300 0 | tee "$work/reference.json"
target=$(python3 -c "import json, sys; print(json.load(open(sys.argv[1]))['final_loss'])" "$work/reference.json")
timeout 120 bin/engine to-loss 512 "$target" 0 1 900
timeout 120 bin/engine to-loss 512 "$target" 0 2 300 300 style-colours
echo "== 720p video, 12 frames, 150 iterations for the first, 100 then 30 for each later"
timeout 120 bin/engine video 1280 720 12 512 150 100
timeout 120 bin/engine video 1280 720 12 512 150 30
