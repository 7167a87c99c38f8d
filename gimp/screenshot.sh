#!/usr/bin/env bash
# Takes gimp/docs/dialog.png: opens the plug-in's dialog under Xvfb (no window manager, so it
# sits at 0,0) in a throw-away profile and captures its window. Not part of CI: it needs a
# display server and a fixed wait. Needs xvfb, xauth, imagemagick and a built model cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export GIMP2_DIRECTORY="$scratch/profile"
timeout 120 gimp-console-2.10 -i -d -f -b '(gimp-quit 0)' > /dev/null 2>&1
make --no-print-directory -C gimp install GIMP2_DIRECTORY="$GIMP2_DIRECTORY" PROFILE="${PROFILE:-release}" > /dev/null
convert ../shared/data/tubingen.jpg -resize 320x "$scratch/content.png"
# Bundled styles by name: the dialog opens with both pickers on their presets.
style=starry-night
second=the-scream

# shellcheck disable=SC2016 # expanded by the inner shell
xvfb-run -a -s '-screen 0 1024x768x24' bash -c '
  timeout 120 gimp-console-2.10 -i -d -f -b "(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"$1\" \"$1\")))
      (layer (car (gimp-image-get-active-layer image))))
    (plug-in-pastiche RUN-INTERACTIVE image layer \"$2\" \"$3\" 0.3 1.0 100 512 0 0 0))" -b "(gimp-quit 0)" &
  for _ in $(seq 60); do
    sleep 1
    xwininfo -root -tree 2>/dev/null | grep -q "\"Neural Style Transfer\"" && break
  done
  sleep 2 # let GTK draw the thumbnails
  import -window "Neural Style Transfer" "$4"
  kill %1' _ "$scratch/content.png" "$style" "$second" "$scratch/dialog.png"
mkdir -p gimp/docs
convert "$scratch/dialog.png" -strip gimp/docs/dialog.png
echo "screenshot: gimp/docs/dialog.png ($(identify -format '%wx%h' gimp/docs/dialog.png))"
