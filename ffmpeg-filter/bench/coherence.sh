#!/usr/bin/env bash
# Temporal coherence of pastiche-video under real motion, side by side in one run: independent
# frames (--init content), the warm start before dense optical flow (commit $BEFORE: the previous
# result shifted along the global translation), and the warm start now (warped along the optical
# flow, held by the temporal term), with frames per second; then both versions at their default
# iteration budgets (issue 13) on the pan.
#
# The clips are made from real photos with exactly known motion, as raw rgb24 (no codec between
# the frames and the measurement), 320×180: a zoom into Tübingen, a rotation, a patch of Turner's
# Shipwreck moving over a still shot of Tübingen, a pan, and a still shot with camera grain. The
# warping error (Lai et al. 2018) of consecutive stylised frames is computed under the exact
# motion, over the pixels the earlier frame shows (pixels 0..1, channels averaged); for the
# object clip also over the moving object alone.
#
#   ffmpeg-filter/bench/coherence.sh    # FRAMES=6 FIRST=40 LATER=20 THREADS=2 BEFORE=5e9b2c7
#   CLIPS="pan grain" DEFAULTS=0 ffmpeg-filter/bench/coherence.sh
#
# Builds a release libpastiche into target/prefix-release and pastiche-video against it, and the
# $BEFORE version in a worktree under target/bench-before (kept for the next run).
set -euo pipefail
cd "$(dirname "$0")/../.."

FRAMES=${FRAMES:-6}
FIRST=${FIRST:-40}
LATER=${LATER:-20}
THREADS=${THREADS:-2}
BEFORE=${BEFORE:-5e9b2c7}
DEFAULTS=${DEFAULTS:-1}
read -ra CLIPS <<< "${CLIPS:-zoom rotation object pan grain}"
PREFIX=${PREFIX:-$PWD/target/prefix-release}
DATA=${DATA:-$PWD/../shared/data}

make --no-print-directory -C plugin-c-api install PREFIX="$PREFIX" >/dev/null
PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig" cargo build --quiet --release -p pastiche-video
NOW=$PWD/target/release/pastiche-video

old=$PWD/target/bench-before
if [ ! -d "$old/src" ]; then
  git worktree add --detach "$old/src" "$BEFORE" >/dev/null
  # Same dependencies: start from this build's, so that only Pastiche's own crates compile.
  mkdir -p "$old/src/target" && cp -a target/release "$old/src/target/"
fi
git -C "$old/src" checkout --quiet --detach "$BEFORE"
make --no-print-directory -C "$old/src/plugin-c-api" install PREFIX="$old/prefix" >/dev/null
(cd "$old/src" && PKG_CONFIG_PATH="$old/prefix/lib/pkgconfig" cargo build --quiet --release -p pastiche-video)
THEN=$old/src/target/release/pastiche-video

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
ffmpeg -v error -i "$DATA/tubingen.jpg" -vf scale=640:480 -f rawvideo -pix_fmt rgb24 "$WORK/photo.rgb"
ffmpeg -v error -i "$DATA/shipwreck.jpg" -vf scale=96:64 -f rawvideo -pix_fmt rgb24 "$WORK/patch.rgb"

# The clips and their exact motion; `make CLIP FRAMES` writes WORK/CLIP.rgb, `error CLIP FILE`
# prints the warping error of a stylised clip (and on the object, for the object clip).
cat > "$WORK/clips.py" <<'EOF'
import math, sys

W, H, PW, PH = 320, 180, 640, 480
work = sys.argv[1]
photo = open(f"{work}/photo.rgb", "rb").read()


def bilinear(data, width, height, x, y, c):
    if not (0 <= x <= width - 1 and 0 <= y <= height - 1):
        return None
    x0, y0 = int(x), int(y)
    x1, y1 = min(x0 + 1, width - 1), min(y0 + 1, height - 1)
    fx, fy = x - x0, y - y0
    at = lambda xx, yy: data[3 * (yy * width + xx) + c]
    top = at(x0, y0) * (1 - fx) + at(x1, y0) * fx
    bottom = at(x0, y1) * (1 - fx) + at(x1, y1) * fx
    return top * (1 - fy) + bottom * fy


# A camera: frame pixel (x, y) shows photo point centre + scale·R(angle)·(x − W/2, y − H/2).
def camera(clip, t):
    if clip == "zoom":
        return (320.0, 250.0), 1.4 * 0.97**t, 0.0
    if clip == "rotation":
        return (320.0, 240.0), 1.2, math.radians(1.5 * t)
    if clip == "pan":
        return (200.0 + 4 * t, 240.0), 1.0, 0.0
    return (320.0, 240.0), 1.0, 0.0  # object, grain: a still shot


def to_photo(cam, x, y):
    (cx, cy), s, a = cam
    dx, dy = x - W / 2, y - H / 2
    return cx + s * (math.cos(a) * dx - math.sin(a) * dy), cy + s * (math.sin(a) * dx + math.cos(a) * dy)


def from_photo(cam, px, py):
    (cx, cy), s, a = cam
    dx, dy = (px - cx) / s, (py - cy) / s
    return math.cos(a) * dx + math.sin(a) * dy + W / 2, -math.sin(a) * dx + math.cos(a) * dy + H / 2


def object_at(t):
    return 40 + 6 * t, 40 + 2 * t


def in_object(t, x, y):
    ox, oy = object_at(t)
    return ox <= x < ox + 96 and oy <= y < oy + 64


def frame(clip, t, state):
    cam = camera(clip, t)
    out = bytearray(W * H * 3)
    patch = open(f"{work}/patch.rgb", "rb").read() if clip == "object" else None
    for y in range(H):
        for x in range(W):
            px, py = to_photo(cam, x, y)
            for c in range(3):
                v = bilinear(photo, PW, PH, px, py, c)
                if patch is not None and in_object(t, x, y):
                    ox, oy = object_at(t)
                    v = patch[3 * ((y - oy) * 96 + (x - ox)) + c]
                if clip == "grain":
                    state[0] = (state[0] * 6364136223846793005 + 1442695040888963407) % 2**64
                    v += 10 * (2 * (state[0] >> 40) / 2**24 - 1)
                out[3 * (y * W + x) + c] = max(0, min(255, round(v)))
    return out


# Where pixel (x, y) of frame t+1 was in frame t, or None where frame t does not show it.
def origin(clip, t, x, y):
    if clip == "object":
        if in_object(t + 1, x, y):
            return x - 6, y - 2
        return None if in_object(t, x, y) else (x, y)
    if clip == "grain":
        return x, y
    px, py = to_photo(camera(clip, t + 1), x, y)
    return from_photo(camera(clip, t), px, py)


if sys.argv[2] == "make":
    clip, frames = sys.argv[3], int(sys.argv[4])
    state = [7]
    with open(f"{work}/{clip}.rgb", "wb") as f:
        for t in range(frames):
            f.write(frame(clip, t, state))
else:
    clip, name = sys.argv[3], sys.argv[4]
    data = open(name, "rb").read()
    size = W * H * 3
    frames = [data[i : i + size] for i in range(0, len(data), size)]
    total = count = total_object = count_object = 0
    for t in range(len(frames) - 1):
        before, after = frames[t], frames[t + 1]
        for y in range(H):
            for x in range(W):
                at = origin(clip, t, x, y)
                if at is None:
                    continue
                error = 0
                for c in range(3):
                    v = bilinear(before, W, H, at[0], at[1], c)
                    if v is None:
                        break
                    error += (after[3 * (y * W + x) + c] - v) ** 2
                else:
                    total += error / 3
                    count += 1
                    if clip == "object" and in_object(t + 1, x, y):
                        total_object += error / 3
                        count_object += 1
    line = f"{total / count / 255**2:.5f}"
    if count_object:
        line += f" {total_object / count_object / 255**2:.5f}"
    print(line)
EOF

# run BINARY CLIP NAME OPTIONS…: stylises WORK/CLIP.rgb into WORK/CLIP-NAME.rgb; prints the
# run's summary line.
run() {
  local binary=$1 clip=$2 name=$3
  shift 3
  "$binary" --raw 320x180 "$WORK/$clip.rgb" -o "$WORK/$clip-$name.rgb" \
    --style "$DATA/starry_night.jpg" --size 320 --threads "$THREADS" "$@" 2>"$WORK/$clip-$name.log"
  tail -n 1 "$WORK/$clip-$name.log"
}

echo "$FRAMES frames of 320x180 per clip, $FIRST iterations first, $LATER later; threads $THREADS;" \
  "before: $BEFORE; load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for clip in "${CLIPS[@]}"; do
  python3 "$WORK/clips.py" "$WORK" make "$clip" "$FRAMES"
  echo "$clip: independent: $(run "$NOW" "$clip" independent --init content --iterations-first "$FIRST")"
  echo "$clip: before: $(run "$THEN" "$clip" before --init prev --iterations-first "$FIRST" --iterations "$LATER")"
  echo "$clip: now: $(run "$NOW" "$clip" now --init prev --iterations-first "$FIRST" --iterations "$LATER")"
  for name in independent before now; do
    echo "$clip: warping error $name: $(python3 "$WORK/clips.py" "$WORK" error "$clip" "$WORK/$clip-$name.rgb")"
  done
done

# Each version at its own defaults on the pan: frames per second, the later frames' seconds
# (from the per-frame log lines: frame k at k × "s/frame") and the warping error.
if [ "$DEFAULTS" = 1 ]; then
  python3 "$WORK/clips.py" "$WORK" make pan "$FRAMES"
  for name in before now; do
    binary=$NOW
    [ "$name" = before ] && binary=$THEN
    echo "pan at defaults, $name: $(run "$binary" pan "defaults-$name")"
    later=$(python3 - "$WORK/pan-defaults-$name.log" <<'EOF'
import re, sys
times = [int(k) * float(s) for k, s in re.findall(r"^frame (\d+)/\d+, [\d.]+ fps \(([\d.]+) s/frame\)", open(sys.argv[1]).read(), re.M)]
print(f"{(times[-1] - times[0]) / (len(times) - 1):.1f} s a later frame" if len(times) > 1 else "?")
EOF
)
    echo "pan at defaults, $name: $later; warping error $(python3 "$WORK/clips.py" "$WORK" error pan "$WORK/pan-defaults-$name.rgb")"
  done
fi
