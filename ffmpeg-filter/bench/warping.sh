#!/usr/bin/env bash
# Temporal coherence of pastiche-video: the warping error (Lai et al. 2018, "Learning Blind Video
# Temporal Consistency") of --init content against --init prev, and frames per second, on a
# panning clip whose motion is known exactly, so no optical flow has to be estimated.
#
# The clip: a 320×180 window sliding SHIFT pixels to the right per frame over Tübingen (scaled to
# 640 px wide), as raw rgb24 frames, stylised in raw pipe mode (no codec between the frames and
# the measurement). Frame t+1 then shows what frame t showed SHIFT pixels further left, so
#   E_warp = mean over t and over the overlap (x >= SHIFT) of (O_t(x) - O_{t+1}(x - SHIFT))²
# with pixels in 0..1 and the three channels averaged. The same measure on the input clip is 0.
#
#   ffmpeg-filter/bench/warping.sh            # FRAMES=6 SHIFT=4 FIRST=40 LATER=20 THREADS=2
#   RUNS="prev" ffmpeg-filter/bench/warping.sh  # only some of: content prev prev-equal
#
# Builds a release libpastiche into target/prefix-release and pastiche-video against it.
set -euo pipefail
cd "$(dirname "$0")/../.."

FRAMES=${FRAMES:-6}
SHIFT=${SHIFT:-4}
FIRST=${FIRST:-40}
LATER=${LATER:-20}
THREADS=${THREADS:-2}
read -ra RUNS <<< "${RUNS:-content prev prev-equal}"
PREFIX=${PREFIX:-$PWD/target/prefix-release}
DATA=${DATA:-$PWD/../shared/data}

make --no-print-directory -C plugin-c-api install PREFIX="$PREFIX" >/dev/null
PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" cargo build --quiet --release -p pastiche-video
BIN=$PWD/target/release/pastiche-video

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ffmpeg -v error -loop 1 -i "$DATA/tubingen.jpg" \
    -vf "scale=640:-1,crop=320:180:x=n*$SHIFT:y=150" -frames:v "$FRAMES" \
    -f rawvideo -pix_fmt rgb24 "$WORK/input.rgb"

# run NAME OPTIONS…: stylises the clip into $WORK/NAME.rgb; prints the run's summary line.
run() {
    local name=$1
    shift
    "$BIN" --raw 320x180 "$WORK/input.rgb" -o "$WORK/$name.rgb" \
        --style "$DATA/starry_night.jpg" --size 320 --threads "$THREADS" "$@" 2>"$WORK/$name.log"
    tail -n 1 "$WORK/$name.log"
}

echo "clip: $FRAMES frames of 320x180, shift $SHIFT px/frame; threads $THREADS"
for name in "${RUNS[@]}"; do
  case $name in
    content) options=(--init content --iterations-first "$FIRST") ;;
    prev) options=(--init prev --iterations-first "$FIRST" --iterations "$LATER") ;;
    prev-equal) options=(--init prev --iterations-first "$FIRST" --iterations "$FIRST") ;;
    *) echo "warping.sh: unknown run '$name' (content, prev, prev-equal)" >&2; exit 2 ;;
  esac
  echo "$name: ${options[*]}: $(run "$name" "${options[@]}")"
done

python3 - "$WORK" "$SHIFT" input "${RUNS[@]}" <<'EOF'
import sys

work, shift = sys.argv[1], int(sys.argv[2])
width, height = 320, 180
frame_bytes = width * height * 3


def frames(name):
    data = open(f"{work}/{name}.rgb", "rb").read()
    return [data[i : i + frame_bytes] for i in range(0, len(data), frame_bytes)]


def warping_error(clip):
    total, count = 0, 0
    for now, after in zip(clip, clip[1:]):
        for y in range(height):
            row = y * width * 3
            a = now[row + 3 * shift : row + 3 * width]
            b = after[row : row + 3 * (width - shift)]
            total += sum((p - q) ** 2 for p, q in zip(a, b))
            count += len(a)
    return total / count / 255**2


for name in sys.argv[3:]:
    print(f"warping error {name}: {warping_error(frames(name)):.5f}")
EOF
