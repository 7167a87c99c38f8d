#!/usr/bin/env bash
# Takes gimp/docs/dialog.png: opens the plug-in's dialog under Xvfb (no window manager, so it
# sits at 0,0) in a throw-away profile on a 1024x768 photo (so the estimate and the enlargement
# warning show), presses Preview (xdotool) and captures the window once the preview has formed.
# Not part of CI: it needs a display server and fixed waits. Needs xvfb, xauth, xdotool,
# imagemagick and a built model cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export GIMP2_DIRECTORY="$scratch/profile"
timeout 120 gimp-console-2.10 -i -d -f -b '(gimp-quit 0)' > /dev/null 2>&1
make --no-print-directory -C gimp install GIMP2_DIRECTORY="$GIMP2_DIRECTORY" PROFILE="${PROFILE:-release}" > /dev/null
cp ../shared/data/tubingen.jpg "$scratch/content.jpg"
# Bundled styles by name: the dialog opens with both pickers on their presets, and quality
# standard (plug-in-pastiche's arguments mean quality custom).
style=starry-night
second=the-scream

# shellcheck disable=SC2016 # expanded by the inner shell
xvfb-run -a -s '-screen 0 1280x1024x24' bash -c '
  timeout 300 gimp-console-2.10 -i -d -f -b "(let* ((image (car (gimp-file-load RUN-NONINTERACTIVE \"$1\" \"$1\")))
      (layer (car (gimp-image-get-active-layer image))))
    (plug-in-pastiche-quality RUN-INTERACTIVE image layer \"$2\" \"$3\" 0.3 1.0 100 512 0 0 0 2))" -b "(gimp-quit 0)" &
  for _ in $(seq 60); do
    sleep 1
    xwininfo -root -tree 2>/dev/null | grep -q "\"Neural Style Transfer\"" && break
  done
  sleep 2 # let GTK draw the thumbnails
  xdotool search --name "^Neural Style Transfer$" key alt+p
  sleep "${PREVIEW_WAIT:-60}" # the preview pass: engine, style, 30 iterations at 256 px
  import -window "Neural Style Transfer" "$4"
  kill %1' _ "$scratch/content.jpg" "$style" "$second" "$scratch/dialog.png"
mkdir -p gimp/docs
convert "$scratch/dialog.png" -strip gimp/docs/dialog.png
echo "screenshot: gimp/docs/dialog.png ($(identify -format '%wx%h' gimp/docs/dialog.png))"
