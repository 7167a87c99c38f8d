#!/usr/bin/env bash
# Takes gimp/docs/dialog-gimp3.png: opens the GIMP 3 plug-in's dialog in the Debian 13 chroot
# (gimp/tests/chroot.sh) on an Xvfb display of this host, on a 1024x768 photo (so the estimate and
# the enlargement warning show), presses Preview (xdotool) and captures the window once the
# preview has formed. Not part of CI: it needs a display server and fixed waits. Needs root, xvfb,
# xdotool, imagemagick and the model cache.
set -euo pipefail
cd "$(dirname "$0")/.."
source gimp/tests/chroot.sh
profile=${PROFILE:-release}
scratch=$(mktemp -d)
root=$(mktemp -d /tmp/pastiche-gimp3.XXXXXX)
xvfb_pid=
trap '[ -z "$xvfb_pid" ] || kill "$xvfb_pid"; chroot_down "$root"; rm -rf "$scratch"' EXIT
data=$(realpath ../shared/data)
cache=${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}
model=$cache/models/vgg16/model.onnx
display=:$((90 + RANDOM % 9))

chroot_unpack "$root"
make --no-print-directory -C gimp libpastiche PROFILE="$profile" > /dev/null
chroot_up "$root" "$PWD" "$data" "$(dirname "$model")" "$scratch"
# X clients in the chroot reach this Xvfb through its abstract socket (same network namespace);
# -ac because the chroot has no X authority file.
Xvfb "$display" -screen 0 1280x1400x24 -ac > /dev/null 2>&1 &
xvfb_pid=$!
inside=(chroot "$root" env -i HOME=/root PATH=/usr/bin:/bin DISPLAY="$display" GIMP3_DIRECTORY="$scratch/profile")

"${inside[@]}" timeout 120 gimp-console-3.0 -i -d -f --quit > /dev/null 2>&1
"${inside[@]}" make --no-print-directory -C "$PWD/gimp" install-gimp3 PROFILE="$profile" \
  LIBPASTICHE_PREFIX="$PWD/target/gimp/$profile/libpastiche" MODEL="$model" GIMP3_DIRECTORY="$scratch/profile" > /dev/null
cp "$data/tubingen.jpg" "$scratch/content.jpg"

"${inside[@]}" timeout 300 gimp-console-3.0 -i -d -f --batch-interpreter=plug-in-script-fu-eval -b "(script-fu-use-v3)
  (let* ((image (gimp-file-load RUN-NONINTERACTIVE \"$scratch/content.jpg\")))
    (plug-in-pastiche #:run-mode RUN-INTERACTIVE #:image image
                      #:drawables (gimp-image-get-selected-layers image)
                      #:style \"starry-night\" #:style2 \"the-scream\" #:style2-blend 0.3))" --quit > "$scratch/gimp.log" 2>&1 &
gimp_pid=$!
started=$SECONDS
for _ in $(seq 60); do
  sleep 1
  xwininfo -display "$display" -root -tree 2>/dev/null | grep -q '"Neural Style Transfer"' && break
done
echo "screenshot: dialog open after $((SECONDS - started)) s"
sleep 3 # let GTK draw the thumbnail
# Without a window manager nothing has the keyboard focus: give it to the dialog first.
DISPLAY=$display xdotool search --name "^Neural Style Transfer$" windowfocus key alt+p
sleep "${PREVIEW_WAIT:-70}" # the preview pass: engine, style, 30 iterations at 256 px
import -display "$display" -window "Neural Style Transfer" "$scratch/dialog.png"
# Closing the plug-in fails the batch command, and GIMP (--quit) exits by itself.
pkill -f "$scratch/profile/plug-ins/pastiche/pastiche" || true
wait "$gimp_pid" 2>/dev/null || true
mkdir -p gimp/docs
convert "$scratch/dialog.png" -strip gimp/docs/dialog-gimp3.png
echo "screenshot: gimp/docs/dialog-gimp3.png ($(identify -format '%wx%h' gimp/docs/dialog-gimp3.png))"
