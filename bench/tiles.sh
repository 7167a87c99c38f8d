#!/usr/bin/env bash
# Full-resolution stills in tiles, side by side with the whole-picture path in one run: peak RSS
# and time per megapixel as the picture grows, and how sharp a full-resolution result is beside
# the low-resolution painting enlarged to the photo (what `--size 512` and the GIMP plug-in's
# old default gave). Not part of CI (it takes a while on two cores).
#
#   bench/tiles.sh [THREADS]     # prints a Markdown report; crops go to docs/images/
#
# The size table runs one scale, the full size, so that every tile does the same work: peak
# memory and time per megapixel then show what tiling costs as the picture grows.
#
# Environment: SIDES (default "1024 2048 4096 8000"), WHOLE_SIDES (sides also run as one
# whole picture, default "1024 2048"), ITERATIONS (per tile, default 2; 1 at 8000),
# SHARP_ITERATIONS (of the sharpness runs, default 30), PASTICHE (a built binary; default:
# cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=${1:-$(nproc)}
sides=${SIDES:-1024 2048 4096 8000}
whole_sides=${WHOLE_SIDES:-1024 2048}
iterations=${ITERATIONS:-2}
sharp_iterations=${SHARP_ITERATIONS:-30}
if [ -z "${PASTICHE:-}" ]; then
  cargo build --quiet --release -p pastiche-cli
  PASTICHE=target/release/pastiche
fi
data=../shared/data
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# run NAME OUTPUT ARGS…: one stylisation under /usr/bin/time; prints "seconds peak_MB".
run() {
  local name=$1 output=$2
  shift 2
  /usr/bin/time -f '%e %M' -o "$work/$name.time" \
    "$PASTICHE" stylize "$@" --style "$data/starry_night.jpg" --threads "$threads" -o "$output" \
    2> "$work/$name.log" || { tail -5 "$work/$name.log" >&2; return 1; }
  awk '{printf "%s %d\n", $1, $2 / 1024}' "$work/$name.time"
}

# Sharpness: variance of the Laplacian of the luminance (ImageMagick), on 0..255 values.
sharpness() {
  convert "$1" -colorspace Gray -define convolve:scale='!' -morphology Convolve Laplacian:0 \
    -format '%[fx:(standard_deviation*255)^2]' info:
}

echo "## Full resolution in tiles (one scale, tile 512, $iterations iterations per tile, $threads threads)"
echo
echo "| side | megapixels | tiles at full size | time (s) | s per MP | peak RSS tiled (MB) | peak RSS whole picture (MB) |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for side in $sides; do
  height=$((side * 3 / 4))
  convert "$data/tubingen.jpg" -resize "${side}x${height}!" "$work/in-$side.png"
  its=$iterations
  [ "$side" -lt 8000 ] || its=1
  read -r seconds peak < <(run "tiled-$side" "$work/out-$side.png" "$work/in-$side.png" \
    --scales 1 --iterations "$its")
  tiles=$(grep -o "${side}x${height} tile [0-9]*/[0-9]*" "$work/tiled-$side.log" | tail -1 | sed 's|.*/||')
  whole="not run"
  if [[ " $whole_sides " == *" $side "* ]]; then
    read -r _ whole < <(run "whole-$side" "$work/whole-$side.png" "$work/in-$side.png" \
      --scales 1 --iterations "$its" --tile-size "$side")
  fi
  mp=$(awk "BEGIN {printf \"%.2f\", $side * $height / 1e6}")
  per=$(awk "BEGIN {printf \"%.1f\", $seconds / $mp}")
  echo "| $side | $mp | ${tiles:-1} | $seconds | $per | $peak | $whole |"
done

echo
echo "## Sharpness of a 1024×768 result (--quality draft, $sharp_iterations iterations at the last scale)"
echo
run sharp-full "$work/full.png" "$data/tubingen.jpg" --quality draft --iterations "$sharp_iterations" > /dev/null
run sharp-512 "$work/small.png" "$data/tubingen.jpg" --quality draft --iterations "$sharp_iterations" --size 512 \
  > /dev/null
convert "$work/small.png" -filter Catrom -resize 1024x768! "$work/enlarged.png"
echo "| picture | Laplacian variance |"
echo "| --- | --- |"
echo "| the photo | $(sharpness "$data/tubingen.jpg") |"
echo "| painted at 512 px, enlarged (before) | $(sharpness "$work/enlarged.png") |"
echo "| painted at full size in tiles (now) | $(sharpness "$work/full.png") |"
# 100% crops side by side: before (left), now (right).
convert "$work/enlarged.png" -crop 320x240+480+300 +repage "$work/crop-before.png"
convert "$work/full.png" -crop 320x240+480+300 +repage "$work/crop-now.png"
convert "$work/crop-before.png" "$work/crop-now.png" +append -quality 90 docs/images/full_resolution_crop.jpg
echo
echo "Crop at 100% (left: painted at 512 px and enlarged; right: painted at full size in tiles):"
echo "docs/images/full_resolution_crop.jpg"
