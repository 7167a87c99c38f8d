#!/usr/bin/env bash
# The GPU benchmark in one go: Pastiche on ONNX Runtime's CUDA provider against PyTorch on CUDA,
# in the same run, on the same GPU. Prints a Markdown report for docs/benchmarks.md:
#
#   1. ms per loss+gradient at 256–2048 px, Pastiche and PyTorch (bench/reference.py) side by side
#   2. a full 512 px stylisation with the default schedule (256 then 512 px, the standard
#      preset) and 512 px × 500 iterations single-scale, each timed from the command's start
#      (set-up included)
#   3. one second of 720p video (24 frames panning across a photo) as pastiche-video runs it
#      (512 px, 300 iterations for the first frame, 100 for each later one)
#
#   bench/gpu.sh              # on a machine with an NVIDIA GPU, CUDA 13, cuDNN 9 and PyTorch
#   bench/gpu.sh --dry-run    # the same steps on the CPU at tiny sizes (a minute; run by CI);
#                             # it reports why CUDA is refused instead of stopping on it
#
# It needs nothing but its files: run from the payload that bench/gpu-payload.sh packs (bin/,
# cache/, data/ beside bench/), it uses those; from a checkout, it builds the binaries and uses
# the cache that models/fetch-default.sh --cuda-provider-only filled. CUDA 13 and cuDNN 9 are
# the machine's: the cache's runtime-cuda/ if it has them, else the system's library path, to
# which this script adds $CUDA_LIBS and the NVIDIA library folders of PyTorch's wheels.
# Environment: PYTHON (with torch, onnx, numpy; default python3), SIZES, RUNS, CUDA_LIBS.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

dry=false
case ${1:-} in
  --dry-run) dry=true ;;
  "") ;;
  *) echo "usage: bench/gpu.sh [--dry-run]" >&2; exit 2 ;;
esac
PYTHON=${PYTHON:-python3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -x bin/pastiche ]; then # the payload
  bin=$root/bin
  export PASTICHE_CACHE_DIR=$root/cache PASTICHE_DATA=$root/data
else
  # A dry run checks the steps, not the speed: the dev profile is what CI has built already.
  profile=release output=release
  if $dry; then profile=dev output=debug; fi
  cargo build --quiet --profile $profile -p pastiche-cli
  cargo build --quiet --profile $profile --benches -p pastiche-core
  mkdir "$work/bin"
  cp target/$output/pastiche "$work/bin/"
  for bench in engine loss_gradient; do
    cp "$(ls -t target/$output/deps/$bench-* | grep -v '\.d$' | head -1)" "$work/bin/$bench"
  done
  bin=$work/bin
  export PASTICHE_DATA=${PASTICHE_DATA:-$root/../shared/data}
fi
cache=${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}
model=$cache/models/vgg16/model.onnx
content=$PASTICHE_DATA/tubingen.jpg
style=$PASTICHE_DATA/starry_night.jpg

if $dry; then
  device=cpu torch_threads=$(nproc) sizes=${SIZES:-32 64} runs=${RUNS:-1} prepared=64
  stylise_default=(--size 64 --iterations 2) stylise_long=(--size 64 --iterations 4 --scales 1)
  video=(128 72 3 64 2 1)
else
  device=cuda torch_threads=0 sizes=${SIZES:-256 512 1024 2048} runs=${RUNS:-10} prepared=512
  stylise_default=(--size 512) stylise_long=(--size 512 --iterations 500 --scales 1)
  video=(1280 720 24 512 300 100)
  # The machine's CUDA 13 and cuDNN 9: given folders, then those of PyTorch's NVIDIA wheels.
  torch_libs=$("$PYTHON" -c "import glob, os, torch; print(':'.join(sorted(glob.glob(os.path.join(os.path.dirname(os.path.dirname(torch.__file__)), 'nvidia', '*', 'lib')))))" 2> /dev/null || true)
  export LD_LIBRARY_PATH=${CUDA_LIBS:+$CUDA_LIBS:}${torch_libs:+$torch_libs:}${LD_LIBRARY_PATH:-}
fi

# PyTorch: required on the GPU, reported as missing in a dry run (CI has no torch).
if torch_version=$("$PYTHON" -c "import numpy, onnx, torch; print(torch.__version__, 'CUDA', torch.version.cuda, 'available' if torch.cuda.is_available() else 'unavailable')" 2> "$work/torch.err"); then
  torch=true
elif $dry; then
  torch=false torch_version="unavailable ($(tail -1 "$work/torch.err"))"
else
  echo "gpu: PyTorch with onnx and numpy is needed ($PYTHON): $(tail -1 "$work/torch.err")" >&2
  exit 1
fi
seconds_of() { # COMMAND…: runs it, prints its wall-clock seconds; its messages in $work/last
  local started=$EPOCHREALTIME
  "$@" > "$work/last" 2>&1 || { cat "$work/last" >&2; return 1; }
  awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}'
}
json() { "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }

# Whether Pastiche can use CUDA here, before anything long: the GPU run stops on a refusal; a
# dry run shows it (the refusal, on a machine without a GPU).
if "$bin/pastiche" stylize "$content" --style "$style" -o "$work/check.png" --size 32 --iterations 1 \
  --device cuda > "$work/check" 2>&1; then
  cuda_status=ready
else
  cuda_status=$(grep -o "not available: .*" "$work/check" || tail -1 "$work/check")
  $dry || { echo "gpu: Pastiche cannot use CUDA here: $cuda_status" >&2; exit 1; }
fi

echo "## $(date -u +%Y-%m-%d) $($dry && echo 'dry run on the CPU' || echo GPU)"
echo
echo "- GPU: $(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2> /dev/null || echo 'none (no nvidia-smi)')"
echo "- PyTorch: $torch_version"
echo "- Pastiche device: $device; CUDA libraries searched in: ${LD_LIBRARY_PATH:-the default paths}"
echo "- Pastiche on CUDA: $cuda_status"
echo

"$bin/engine" prepare "$prepared" "$work/in" > /dev/null
echo "| size | Pastiche ms / loss+gradient | PyTorch ms | ratio |"
echo "| --- | --- | --- | --- |"
for side in $sizes; do
  if "$bin/loss_gradient" "$side" "$runs" 0 "$device" > "$work/ours" 2> "$work/err"; then
    ours=$(awk 'index($0, "loss+gradient (median)") == 1 {printf "%.1f", $(NF-1) * 1000}' "$work/ours")
  else
    ours="failed: $(grep -o "not available: .*" "$work/err" | head -1 || tail -1 "$work/err")"
  fi
  theirs=–
  if $torch; then
    theirs=$("$PYTHON" bench/reference.py "$model" "$work/in" eval "$side" "$runs" "$torch_threads" | json median_ms)
    theirs=$(printf '%.1f' "$theirs")
  fi
  ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN {if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "–"}')
  echo "| ${side}² | $ours | $theirs | $ratio |"
done

echo
echo "| stylisation ($device) | wall seconds | Pastiche's report |"
echo "| --- | --- | --- |"
for run in default long; do
  if [ $run = default ]; then options=("${stylise_default[@]}"); else options=("${stylise_long[@]}"); fi
  wall=$(seconds_of "$bin/pastiche" stylize "$content" --style "$style" -o "$work/$run.png" \
    --device "$device" "${options[@]}")
  [ -s "$work/$run.png" ] || { echo "gpu: $run stylisation wrote nothing" >&2; exit 1; }
  echo "| ${options[*]} | $wall | $(grep '^wrote ' "$work/last") |"
done

echo
read -r width height frames size first later <<< "${video[*]}"
BENCH_DEVICE=$device "$bin/engine" video "${video[@]}" > "$work/video.json"
echo "Video, ${width}×${height}, $frames frames at $size px ($first iterations for the first, $later for each later): $(json seconds < "$work/video.json") s in all, first frame $(json first_frame_seconds < "$work/video.json") s, later frames $(json later_frames_per_second < "$work/video.json") frames/s"
