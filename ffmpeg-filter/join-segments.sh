#!/usr/bin/env bash
# Joins video segments that pastiche-video rendered separately with --overlap-frames N into one
# clip: each segment's N overlap frames (the next segment's first N frames, stylised by the
# earlier chain) are cross-faded into the next segment's first N frames (FFmpeg's xfade), so
# the join holds together like neighbouring frames instead of jumping from one chain's strokes
# to the other's. Audio and subtitles come from the original input, bit for bit.
#
# usage: join-segments.sh --overlap-frames N [--audio-from INPUT] OUTPUT SEGMENT... [-- OPTION...]
#   SEGMENT...  in order; every one but the last rendered with the same --overlap-frames N
#   OPTION...   FFmpeg output options for the joined video (default: -c:v libx264 -crf 18)
set -euo pipefail

usage() {
    sed -n '8,10s/^# \{0,1\}//p' "$0" >&2
    exit 2
}
fail() {
    echo "join-segments: $*" >&2
    exit 2
}

overlap="" audio_from="" output="" segments=() encode=()
while [ $# -gt 0 ]; do
    case "$1" in
        --overlap-frames) [ $# -ge 2 ] || usage; overlap="$2"; shift 2 ;;
        --audio-from) [ $# -ge 2 ] || usage; audio_from="$2"; shift 2 ;;
        --) shift; encode=("$@"); break ;;
        -h | --help) usage ;;
        -*) fail "unknown option $1" ;;
        *) if [ -z "$output" ]; then output="$1"; else segments+=("$1"); fi; shift ;;
    esac
done
[ -n "$overlap" ] && [ -n "$output" ] && [ ${#segments[@]} -ge 1 ] || usage
[[ "$overlap" =~ ^[0-9]+$ ]] || fail "--overlap-frames $overlap is not a whole number of frames"
for file in "${segments[@]}" ${audio_from:+"$audio_from"}; do
    [ -f "$file" ] || fail "$file: no such file"
done
[ ${#encode[@]} -gt 0 ] || encode=(-c:v libx264 -crf 18)

probe() { # probe FILE ENTRY: one value of the first video stream
    ffprobe -v error -select_streams v:0 -count_packets -show_entries "stream=$2" \
        -of default=noprint_wrappers=1:nokey=1 "$1"
}
rate=$(probe "${segments[0]}" r_frame_rate)
# xfade works in full-chroma formats (yuv444p for yuv420p input); converting back keeps the
# output as playable as the segments (few players take 4:4:4 H.264).
pixel_format=$(probe "${segments[0]}" pix_fmt)
seconds() { # seconds FRAMES, at the segments' frame rate
    awk -v f="$1" -v r="$rate" 'BEGIN { split(r, q, "/"); printf "%.6f", f * q[2] / q[1] }'
}

# Each cross-fade starts where the output so far ends, less the overlap: in frames,
# start_k = start_(k-1) + frames(segment k-1) - N.
inputs=() graph="" last="0:v" start=0
for k in "${!segments[@]}"; do
    inputs+=(-i "${segments[$k]}")
    frames=$(probe "${segments[$k]}" nb_read_packets)
    if [ "$k" -gt 0 ]; then
        [ "$(probe "${segments[$k]}" r_frame_rate)" = "$rate" ] ||
            fail "${segments[$k]}: frame rate differs from ${segments[0]}'s ($rate)"
        graph+="[$last][$k:v]xfade=transition=fade:duration=$(seconds "$overlap"):offset=$(seconds "$start")[v$k];"
        last="v$k"
    fi
    [ "$k" -eq $((${#segments[@]} - 1)) ] || [ "$frames" -gt "$overlap" ] ||
        fail "${segments[$k]}: $frames frames, not more than the overlap of $overlap"
    start=$((start + frames - overlap))
done

maps=()
if [ -n "$audio_from" ]; then
    inputs+=(-i "$audio_from")
    maps=(-map "${#segments[@]}:a?" -map "${#segments[@]}:s?" -c:a copy -c:s copy)
fi
if [ -z "$graph" ]; then
    video=(-map 0:v)
else
    video=(-filter_complex "${graph%;};[$last]format=$pixel_format[joined]" -map "[joined]")
fi

# Written beside the output and renamed over it when complete: no half-written output.
partial="$(dirname "$output")/.partial-$(basename "$output")"
trap 'rm -f "$partial"' EXIT
# (It keeps the output's extension, from which FFmpeg picks the container.)
ffmpeg -v error -nostdin -y "${inputs[@]}" "${video[@]}" "${maps[@]}" "${encode[@]}" "$partial"
mv "$partial" "$output"
trap - EXIT
