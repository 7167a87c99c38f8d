#!/usr/bin/env bash
# The GIMP 3 plug-in inside real GIMP 3 (3.0.4 from Debian 13, in a chroot — see chroot.sh):
# libpastiche is built on this Debian 12 host (Debian 13's newer glibc runs it), the plug-in is
# compiled inside the chroot against libgimp-3.0 and installed with `make -C gimp install-gimp3`
# into a throw-away profile, and `gimp-console-3.0` runs Script-Fu v3 batch jobs. The checks are
# those of the GIMP 2.10 test (lib.sh). Needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" -eq 0 ] || { echo "gimp3: the chroot needs root (mount, chroot); run as root or with sudo" >&2; exit 1; }
source gimp/tests/lib.sh
source gimp/tests/chroot.sh
profile=${PROFILE:-dev}
scratch=$(mktemp -d)
root=$(mktemp -d /tmp/pastiche-gimp3.XXXXXX)
trap 'chroot_down "$root"; rm -rf "$scratch"' EXIT
style=$(realpath ../shared/data/starry_night.jpg)
content=$scratch/content.png
cache=${PASTICHE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pastiche}
model=$cache/models/vgg16/model.onnx
stage=$PWD/target/gimp/$profile/libpastiche

started=$SECONDS
chroot_unpack "$root"
echo "gimp3: chroot ready in $((SECONDS - started)) s"
make --no-print-directory -C gimp libpastiche PROFILE="$profile" > /dev/null
# Everything the chroot needs, at the same paths as here.
chroot_up "$root" "$PWD" "$(dirname "$style")" "$(dirname "$model")" "$scratch"
inside=(chroot "$root" env -i HOME=/root PATH=/usr/bin:/bin GIMP3_DIRECTORY="$scratch/profile")

# Runs Script-Fu v3 commands (one per argument) in a fresh gimp-console-3.0. GIMP 3 stops at the
# first failing command and, with --quit, exits; `timeout` turns a hang into exit status 124.
batch() {
  local log=$1; shift
  local commands=()
  for command in "$@"; do commands+=(-b "(script-fu-use-v3) $command"); done
  timeout 600 "${inside[@]}" gimp-console-3.0 -i -d -f --batch-interpreter=plug-in-script-fu-eval "${commands[@]}" --quit > "$log" 2>&1
}

# The plug-in call with the test's small settings: size 64, 30 iterations (quality custom), CPU,
# seed 7.
pastiche_call() { # image layer style
  echo "(plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image $1 #:drawables (vector $2) #:style \"$3\"
         #:quality \"custom\" #:iterations 30 #:size 64 #:device \"cpu\" #:seed 7)"
}
load() { echo "(gimp-file-load RUN-NONINTERACTIVE \"$1\")"; }
save() { echo "(gimp-file-save RUN-NONINTERACTIVE $1 \"$2\" -1)"; }
first_layer() { echo "(vector-ref (gimp-image-get-selected-layers $1) 0)"; }
print_layer_count() { echo "(gimp-message (string-append \"layers=\" (number->string (vector-length (gimp-image-get-layers $1)))))"; }
# Stylises the content's layer with LAYER, a Script-Fu call over `image` that returns the new
# layer, exports the image as NAME.png and checks it is The Starry Night's painting.
stylise_whole_layer() { # NAME LABEL LAYER
  local status=0
  batch "$scratch/$1.log" "(let* ((image $(load "$content"))
         (layer $3))
    $(print_layer_count image)
    (gimp-message (string-append \"name=\" (gimp-item-get-name layer)))
    $(save image "$scratch/$1.png")
    (gimp-image-delete image))" || status=$?
  check "$2 exits 0" [ "$status" -eq 0 ]
  expect_stylised "$scratch/$1.png" "$scratch/$1.log" "$content" styles/starry-night.jpg "The Starry Night"
}

# 0. Installing into a profile GIMP has never opened: GIMP creates it (with its brushes,
#    gradients and palettes), then the plug-in goes in.
"${inside[@]}" make --no-print-directory -C "$PWD/gimp" install-gimp3 PROFILE="$profile" LIBPASTICHE_PREFIX="$stage" \
  MODEL="$model" GIMP3_DIRECTORY="$scratch/profile" > "$scratch/build.log" 2>&1 || { cat "$scratch/build.log" >&2; exit 1; }
check "install into a new profile: GIMP made it, with brushes, gradients and palettes" \
  eval '[ -d "$scratch/profile/brushes" ] && [ -d "$scratch/profile/gradients" ] && [ -d "$scratch/profile/palettes" ]'
make_content "$content"

# 1. Stylise the whole layer in a bundled style, given by name, and export it.
stylise_whole_layer stylise "a successful batch" "$(pastiche_call image "$(first_layer image)" starry-night)"

# 2. With a rectangular selection only the selected pixels change.
batch "$scratch/selection.log" "(let* ((image $(load "$content")))
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE ${SELECTION[*]})
    $(pastiche_call image "$(first_layer image)" "$style")
    $(save image "$scratch/selection.png")
    (gimp-image-delete image))" || true
expect_selection "$scratch/selection.png" "$scratch/selection.log" "$content" "$scratch"

# 3. A layer with offsets and a transparent stripe keeps both. Each layer is exported alone by
#    hiding the other (the canvas around them is transparent in both).
batch "$scratch/alpha.log" "(let* ((image $(load "$content"))
         (source $(first_layer image)))
    (gimp-image-resize image 120 90 0 0)
    (gimp-layer-add-alpha source)
    (gimp-layer-set-offsets source 12 9)
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 12 9 20 72)
    (gimp-drawable-edit-clear source)
    (gimp-selection-none image)
    (let* ((layer $(pastiche_call image source "$style")))
      (gimp-message (string-append \"offsets=\" (number->string (car (gimp-drawable-get-offsets layer)))
                                   \",\" (number->string (cadr (gimp-drawable-get-offsets layer)))))
      (gimp-item-set-visible source #f)
      $(save image "$scratch/alpha-result.png")
      (gimp-item-set-visible source #t)
      (gimp-item-set-visible layer #f)
      $(save image "$scratch/alpha-source.png"))
    (gimp-image-delete image))" || true
expect_alpha_and_offsets "$scratch/alpha-source.png" "$scratch/alpha-result.png" "$scratch/alpha.log" "$scratch"

# 4. Bad styles (a missing file, an unknown name, a corrupt file): an error naming it (and the
#    bundled names where it is neither a file nor one of them), no new layer, and GIMP exits
#    instead of hanging. Uncaught, the error is printed and GIMP stops with an error status;
#    caught (Script-Fu's `catch` drops the message), the script goes on to count the layers.
exited_with_error() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; }
echo "not an image" > "$scratch/corrupt.jpg"
for bad in /nonexistent/style.jpg starry-nite "$scratch/corrupt.jpg"; do
  call="$(pastiche_call image "$(first_layer image)" "$bad")"
  status=0
  batch "$scratch/bad-uncaught.log" "(let* ((image $(load "$content"))) $call)" || status=$?
  check "style $bad: GIMP exits with an error status, not a hang (status $status)" exited_with_error "$status"
  batch "$scratch/bad-caught.log" "(let* ((image $(load "$content")))
      (catch #f $call)
      $(print_layer_count image)
      (gimp-image-delete image))" || true
  cat "$scratch/bad-uncaught.log" "$scratch/bad-caught.log" > "$scratch/bad-style.log"
  reason=$bad
  [ -e "$bad" ] || reason=$(unknown_style_message "$bad")
  expect_refused "$scratch/bad-style.log" "style $bad" "plug-in-pastiche failed: Could not use the style image: $reason"
done

# 5. A grayscale image is repainted in gray; an indexed one is refused with a clear message.
batch "$scratch/gray.log" "(let* ((image $(load "$content")))
    (gimp-image-convert-grayscale image)
    $(pastiche_call image "$(first_layer image)" "$style")
    $(save image "$scratch/gray.png")
    (gimp-image-delete image))" || true
expect_gray "$scratch/gray.png" "$scratch/gray.log" "$content" "$scratch"
batch "$scratch/indexed.log" "(let* ((image $(load "$content")))
    (gimp-image-convert-indexed image CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 #f #f \"\")
    $(pastiche_call image "$(first_layer image)" "$style"))" || true
check "indexed image refused with a message" grep -q 'Indexed images are not supported' "$scratch/indexed.log"

# 6. Cancel: GIMP closes the plug-in in the middle of the optimisation; the image is as it was
#    and GIMP goes on.
kill_plugin_when_busy "$scratch/profile/plug-ins/pastiche/pastiche" &
killer=$!
batch "$scratch/cancel.log" "(let* ((image $(load "$content")))
    (catch #f (plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image
                                #:drawables (gimp-image-get-selected-layers image) #:style \"$style\"
                                #:quality \"custom\" #:iterations 2000 #:size 256 #:device \"cpu\"))
    $(print_layer_count image)
    (gimp-image-delete image))" || true
killed=0
wait "$killer" || killed=$?
check "cancelled run: the plug-in was closed mid-run" [ "$killed" -eq 0 ]
check "cancelled run: no new layer, GIMP still running" grep -q 'layers=1' "$scratch/cancel.log"

# 7. The dialog's estimate, unit-tested.
run_estimate_test "$scratch" "$profile"

# 8. Full size on a layer larger than one tile: the last resolution runs in tiles and the result
#    keeps the layer's size and sharpness; beside it, size 128 enlarged. Two iterations keep it
#    quick.
make_large_content "$scratch/large.png"
batch "$scratch/full.log" "(let* ((image $(load "$scratch/large.png"))
         (source $(first_layer image))
         (full (plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image #:drawables (vector source)
                                 #:style \"$style\" #:quality \"custom\" #:iterations 2 #:full-size #t #:device \"cpu\" #:seed 7)))
    $(save image "$scratch/full.png")
    (gimp-item-set-visible full #f)
    (plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image #:drawables (vector source)
                      #:style \"$style\" #:quality \"custom\" #:iterations 2 #:size 128 #:device \"cpu\" #:seed 7)
    $(save image "$scratch/enlarged.png")
    (gimp-image-delete image))" || true
expect_full_size "$scratch/full.png" "$scratch/enlarged.png" "$scratch/full.log" "$scratch/large.png"

# 9. The style taken from a layer of another open image (#:style-layer); the new layer is named
#    after it. With a second style it is refused.
make_style_picture "$scratch/painting.png"
status=0
batch "$scratch/from-layer.log" "(let* ((painting $(load "$scratch/painting.png"))
         (style-layer $(first_layer painting))
         (image $(load "$content")))
    (gimp-item-set-name style-layer \"Painting\")
    (let* ((layer (plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image #:drawables (vector $(first_layer image))
                                    #:style-layer style-layer #:quality \"custom\" #:iterations 30 #:size 64
                                    #:device \"cpu\" #:seed 7)))
      $(print_layer_count image)
      (gimp-message (string-append \"name=\" (gimp-item-get-name layer)))
      $(save image "$scratch/from-layer.png")))" || status=$?
check "style from a layer: the batch exits 0" [ "$status" -eq 0 ]
expect_stylised "$scratch/from-layer.png" "$scratch/from-layer.log" "$content" "$scratch/painting.png" Painting
batch "$scratch/from-layer-blend.log" "(let* ((painting $(load "$scratch/painting.png"))
         (image $(load "$content")))
    (catch #f (plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image #:drawables (vector $(first_layer image))
                                #:style-layer $(first_layer painting) #:style2 \"$style\" #:iterations 30 #:size 64))
    $(print_layer_count image))" || true
batch "$scratch/from-layer-message.log" "(let* ((painting $(load "$scratch/painting.png"))
         (image $(load "$content")))
    (plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image #:drawables (vector $(first_layer image))
                      #:style-layer $(first_layer painting) #:style2 \"$style\" #:iterations 30 #:size 64))" || true
cat "$scratch/from-layer-message.log" >> "$scratch/from-layer-blend.log"
expect_refused "$scratch/from-layer-blend.log" "style layer with a second style" "cannot be blended with a second style"

# 10. Quality: draft, with no iterations given, gives a stylised layer. A quality that is not one
#     of the choices never reaches the plug-in: GIMP 3.0's Script-Fu says so, naming the argument
#     and the value, and runs at the default quality (as for preserve-colors and device).
stylise_whole_layer draft "quality draft: the batch" \
  "(plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image #:drawables (vector $(first_layer image))
                     #:style \"starry-night\" #:quality \"draft\" #:size 64 #:device \"cpu\" #:seed 7)"
batch "$scratch/bad-quality.log" "(let* ((image $(load "$content")))
    (plug-in-pastiche #:run-mode RUN-NONINTERACTIVE #:image image #:drawables (vector $(first_layer image))
                      #:style \"$style\" #:quality \"best\" #:size 64 #:device \"cpu\")
    $(print_layer_count image))" || true
check "quality best: named as invalid" grep -q "value \"\"best\"\" .* is invalid or out of range for property 'quality'" \
  "$scratch/bad-quality.log"
check "quality best: the run goes on at the default quality" grep -q 'layers=2' "$scratch/bad-quality.log"

summary
