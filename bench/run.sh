#!/usr/bin/env bash
# Pastiche against a PyTorch eager reference of the same algorithm, side by side in one run
# (same weights, layers, loss, inputs and thread count). Not part of CI: it installs torch
# from PyPI into bench/.venv and takes a while (80 minutes on two cores, 45 of them at 1024 px,
# without the memory rows).
#
#   bench/run.sh [THREADS]            # default: all cores; prints a Markdown report
#
# Environment: PYTHON (a python with torch, onnx and numpy; default: bench/.venv, created here),
# ENGINE_BENCH / LOSS_BENCH (prebuilt bench binaries, e.g. on a machine without cargo),
# SIZES_RSS (default "512 1024 2048"), ITERATIONS (reference L-BFGS iterations, default 300),
# LARGE (the second size raced to the reference's loss, default 1024; empty skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
iterations=${ITERATIONS:-300}
sizes_rss=${SIZES_RSS:-512 1024 2048}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -z "${PYTHON:-}" ]; then
  if [ ! -x bench/.venv/bin/python ]; then
    python3 -m venv bench/.venv
    bench/.venv/bin/pip install --quiet torch onnx numpy
  fi
  PYTHON=bench/.venv/bin/python
fi
if [ -z "${ENGINE_BENCH:-}" ] || [ -z "${LOSS_BENCH:-}" ]; then
  cargo build --quiet --release --benches -p pastiche-core
  ENGINE_BENCH=$(ls -t target/release/deps/engine-* | grep -v '\.d$' | head -1)
  LOSS_BENCH=$(ls -t target/release/deps/loss_gradient-* | grep -v '\.d$' | head -1)
fi
model="${PASTICHE_MODEL:-${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}/models/vgg16/model.onnx}"
json() { "$PYTHON" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
field() { awk -v k="$1" 'index($0, k) == 1 {print $(NF-1)}'; }
# One table row from an `engine to-loss` result: row NAME RESULT_JSON REFERENCE_SECONDS
row() {
  "$PYTHON" - "$2" "$3" "$1" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); ref = float(sys.argv[2]); name = sys.argv[3]
print(f"| {name} | {r['reached']} | {r['seconds']:.1f} | {r['seconds'] / ref:.2f} | {r['final_scale_iterations']} | {r['evaluations']} |")
PY
}

echo "## $(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads"
echo
"$ENGINE_BENCH" prepare 512 "$work/in" > "$work/prepare.json"
echo "Initial loss of the content image at 512 px: Pastiche $(json initial_loss < "$work/prepare.json")"

echo
echo "| size | Pastiche ms / loss+gradient, direct Conv | Pastiche ms, the device's form | PyTorch ms | ratio (device's form) |"
echo "| --- | --- | --- | --- | --- |"
for side in 256 512; do
  direct=$("$LOSS_BENCH" "$side" 5 "$threads" direct | field "loss+gradient (median)")
  ours=$("$LOSS_BENCH" "$side" 5 "$threads" | field "loss+gradient (median)")
  theirs=$("$PYTHON" bench/reference.py "$model" "$work/in" eval "$side" 5 "$threads" | json median_ms)
  "$PYTHON" -c "print(f'| {$side}² | {$direct*1e3:.0f} | {$ours*1e3:.0f} | {$theirs:.0f} | {$ours*1e3/$theirs:.2f} |')"
done

echo
"$PYTHON" bench/reference.py "$model" "$work/in" lbfgs "$iterations" "$threads" > "$work/reference.json"
target=$(json final_loss < "$work/reference.json")
reference_seconds=$(json seconds < "$work/reference.json")
echo "PyTorch L-BFGS (strong Wolfe), $iterations iterations at 512 px: loss $(json initial_loss < "$work/reference.json") → $target, $(json evaluations < "$work/reference.json") evaluations, ${reference_seconds} s"
echo
echo "| Pastiche run to loss ≤ $target | reached | seconds | ratio to PyTorch | final-scale iterations | evaluations |"
echo "| --- | --- | --- | --- | --- | --- |"
# Each run stops once the 512 px loss is reached. Single-scale may run up to three times the
# reference's iterations; multi-scale runs 256 then 512 px, with the former default's budget at
# 256 px from the content, and the standard preset's (half the reference's) from the content
# recoloured to the style; the last row repeats that with direct convolutions (one Conv node
# each, as on CUDA) instead of the CPU's Winograd form.
runs=(
  "single-scale 512, from the content|1 $((iterations * 3)) 0 content"
  "single-scale 512, from the style's colours|1 $((iterations * 3)) 0 style-colours"
  "multi-scale 256 → 512, $iterations at 256, from the content|2 $((iterations * 3)) $iterations content"
  "multi-scale 256 → 512, $((iterations / 2)) at 256, from the style's colours|2 $((iterations * 3)) $((iterations / 2)) style-colours"
  "the same, direct convolutions|2 $((iterations * 3)) $((iterations / 2)) style-colours direct"
)
for run in "${runs[@]}"; do
  read -r scales budget coarse init convolution <<< "${run#*|}"
  [ "$coarse" -gt 0 ] || coarse=$budget
  BENCH_CONVOLUTION=${convolution:-} "$ENGINE_BENCH" to-loss 512 "$target" "$threads" "$scales" "$budget" "$coarse" "$init" > "$work/ours.json"
  row "${run%%|*}" "$work/ours.json" "$reference_seconds"
done

# The same race at LARGE px (default 1024; empty skips it, which saves 45 minutes on two
# cores): the reference from the content, then Pastiche from a single scale and the content (at
# this size neither the recoloured start nor a coarse stage saved iterations).
large=${LARGE-1024}
if [ -n "$large" ]; then
  "$ENGINE_BENCH" prepare "$large" "$work/large" > /dev/null
  "$PYTHON" bench/reference.py "$model" "$work/large" lbfgs "$iterations" "$threads" > "$work/reference-large.json"
  large_target=$(json final_loss < "$work/reference-large.json")
  large_seconds=$(json seconds < "$work/reference-large.json")
  echo
  echo "PyTorch L-BFGS (strong Wolfe), $iterations iterations at $large px: loss $(json initial_loss < "$work/reference-large.json") → $large_target, $(json evaluations < "$work/reference-large.json") evaluations, ${large_seconds} s"
  echo
  echo "| Pastiche run to loss ≤ $large_target | reached | seconds | ratio to PyTorch | iterations | evaluations |"
  echo "| --- | --- | --- | --- | --- | --- |"
  budget=$((iterations * 3))
  "$ENGINE_BENCH" to-loss "$large" "$large_target" "$threads" 1 "$budget" "$budget" content > "$work/ours-large.json"
  row "single-scale $large, from the content" "$work/ours-large.json" "$large_seconds"
fi

echo
echo "| size | Pastiche peak RSS (MB) | PyTorch peak RSS (MB) |"
echo "| --- | --- | --- |"
for side in $sizes_rss; do
  ours=$("$LOSS_BENCH" "$side" 1 "$threads" 2>/dev/null | field "peak RSS" || echo failed)
  theirs=$("$PYTHON" bench/reference.py "$model" "$work/in" rss "$side" "$threads" 2>/dev/null | json peak_rss_mb || echo failed)
  echo "| ${side}² | $ours | $theirs |"
done
