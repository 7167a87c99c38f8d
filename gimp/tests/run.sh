#!/usr/bin/env bash
# The GIMP 2.10 plug-in inside real GIMP: installs it into a throw-away profile with
# `make -C gimp install` and drives `gimp-console-2.10` in batch mode (Script-Fu). The checks are
# in lib.sh, shared with the GIMP 3 test (run-gimp3.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source gimp/tests/lib.sh
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export GIMP2_DIRECTORY="$scratch/profile"
style=$PWD/../shared/data/starry_night.jpg
content=$scratch/content.png

# Runs Script-Fu commands (one per argument) in a fresh gimp-console, then quits. GIMP 2.10 exits
# 0 even when a command fails, so a failure is read from its log; a hung GIMP is a failure too
# (`timeout` turns it into exit status 124).
batch() {
  local log=$1; shift
  local commands=()
  for command in "$@"; do commands+=(-b "$command"); done
  timeout 600 gimp-console-2.10 -i -d -f "${commands[@]}" -b '(gimp-quit 0)' > "$log" 2>&1 || return
  ! grep -q 'batch command experienced' "$log"
}
succeeds() { [ "$1" -eq 0 ]; }
fails() { [ "$1" -ne 0 ] && [ "$1" -ne 124 ]; }

# The plug-in call with the test's small settings: size 64, 30 iterations, seed 7.
pastiche_call() { # image layer style
  echo "(car (plug-in-pastiche RUN-NONINTERACTIVE $1 $2 \"$3\" \"\" 0.5 1.0 30 64 0 1 7))"
}
load() { echo "(car (gimp-file-load RUN-NONINTERACTIVE \"$1\" \"$1\"))"; }
save() { echo "(file-png-save-defaults RUN-NONINTERACTIVE $1 $2 \"$3\" \"$3\")"; }
# Batch commands do not share variables: later ones find the image in the image list.
first_image='(vector-ref (cadr (gimp-image-list)) 0)'
print_layer_count() { echo "(gimp-message (string-append \"layers=\" (number->string (car (gimp-image-get-layers $1)))))"; }

# Stylises the content's layer (`source`) with LAYER, a Script-Fu call over `image` and `source`
# that returns the new layer, exports it as NAME.png and checks it is The Starry Night's painting.
stylise_whole_layer() { # NAME LABEL LAYER
  local status=0
  batch "$scratch/$1.log" "(let* ((image $(load "$content"))
         (source (car (gimp-image-get-active-layer image)))
         (layer $3))
    $(print_layer_count image)
    (gimp-message (string-append \"name=\" (car (gimp-item-get-name layer))))
    $(save image layer "$scratch/$1.png")
    (gimp-image-delete image))" || status=$?
  check "$2 exits 0" succeeds "$status"
  expect_stylised "$scratch/$1.png" "$scratch/$1.log" "$content" styles/starry-night.jpg "The Starry Night"
}

# 0. Installing into a profile GIMP has never opened: GIMP creates it (with its brushes,
#    gradients and palettes), then the plug-in goes in. Without ONNX Runtime or the model the
#    install stops before building, saying how to get them.
status=0
make --no-print-directory -C gimp install GIMP2_DIRECTORY="$scratch/never" PROFILE="${PROFILE:-dev}" \
  PASTICHE_ORT_LIB="$scratch/no-runtime/libonnxruntime.so.1" > "$scratch/no-runtime.log" 2>&1 || status=$?
check "install without ONNX Runtime: refused with an instruction" \
  grep -q "no ONNX Runtime library at $scratch/no-runtime/.*run models/fetch-default.sh" "$scratch/no-runtime.log"
check "install without ONNX Runtime: status $status, no profile made" eval '[ "$status" -ne 0 ] && [ ! -e "$scratch/never" ]' 
make --no-print-directory -C gimp install GIMP2_DIRECTORY="$GIMP2_DIRECTORY" PROFILE="${PROFILE:-dev}" > "$scratch/install.log"
check "install into a new profile: GIMP made it, with brushes, gradients and palettes" \
  eval '[ -d "$GIMP2_DIRECTORY/brushes" ] && [ -d "$GIMP2_DIRECTORY/gradients" ] && [ -d "$GIMP2_DIRECTORY/palettes" ]' 
# With its data loaded (no -d), GIMP finds every folder it writes to.
timeout 600 gimp-console-2.10 -i -f -b '(gimp-quit 0)' > "$scratch/full-start.log" 2>&1 || true
check "a full start of the new profile reports no missing folder" bash -c "! grep -qi 'error' '$scratch/full-start.log'"
make_content "$content"

# 1. Stylise the whole layer in a bundled style, given by name, and export it.
stylise_whole_layer stylise "a successful batch" "$(pastiche_call image source starry-night)"

# 2. With a rectangular selection only the selected pixels change.
batch "$scratch/selection.log" "(let* ((image $(load "$content"))
         (source (car (gimp-image-get-active-layer image))))
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE ${SELECTION[*]})
    $(save image "$(pastiche_call image source "$style")" "$scratch/selection.png")
    (gimp-image-delete image))" || true
expect_selection "$scratch/selection.png" "$scratch/selection.log" "$content" "$scratch"

# 3. A layer with offsets and a transparent stripe keeps both.
batch "$scratch/alpha.log" "(let* ((image $(load "$content"))
         (source (car (gimp-image-get-active-layer image))))
    (gimp-image-resize image 120 90 0 0)
    (gimp-layer-add-alpha source)
    (gimp-layer-set-offsets source 12 9)
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 12 9 20 72)
    (gimp-drawable-edit-clear source)
    (gimp-selection-none image)
    (let* ((layer $(pastiche_call image source "$style")))
      (gimp-message (string-append \"offsets=\" (number->string (car (gimp-drawable-offsets layer)))
                                   \",\" (number->string (cadr (gimp-drawable-offsets layer)))))
      $(save image source "$scratch/alpha-source.png")
      $(save image layer "$scratch/alpha-result.png"))
    (gimp-image-delete image))" || true
expect_alpha_and_offsets "$scratch/alpha-source.png" "$scratch/alpha-result.png" "$scratch/alpha.log" "$scratch"

# 4. Bad styles (a missing file, an unknown name, corrupt files): a PDB error naming it (and the
#    bundled names where it is neither a file nor one of them), no new layer, and GIMP still
#    answers.
echo "not an image" > "$scratch/corrupt.jpg"
# Start and end markers around a scan with no frame header: a JPEG the decoder rejects.
printf '\xff\xd8\xff\xda\x00\x04\x00\x00\xff\xd9' > "$scratch/broken.jpg"
for bad in /nonexistent/style.jpg starry-nite "$scratch/corrupt.jpg" "$scratch/broken.jpg"; do
  status=0
  batch "$scratch/bad-style.log" "$(load "$content")" \
    "(let* ((image $first_image)) $(pastiche_call image '(car (gimp-image-get-active-layer image))' "$bad"))" \
    "(let* ((image $first_image)) $(print_layer_count image) (gimp-image-delete image))" || status=$?
  check "style $bad: the batch fails (status $status)" fails "$status"
  reason=$bad
  [ -e "$bad" ] || reason=$(unknown_style_message "$bad")
  expect_refused "$scratch/bad-style.log" "style $bad" "plug-in-pastiche failed: Could not use the style image: $reason"
done
check "a broken style image is described in words" grep -q "broken.jpg: not a valid JPEG image (truncated or corrupt)" "$scratch/bad-style.log"

# 5. A grayscale image is repainted in gray; an indexed one is refused with a clear message.
batch "$scratch/modes.log" "(let* ((image $(load "$content"))
         (source (car (gimp-image-get-active-layer image))))
    (gimp-image-convert-grayscale image)
    $(save image "$(pastiche_call image source "$style")" "$scratch/gray.png")
    (gimp-image-delete image))" \
  "(let* ((image $(load "$content")))
    (gimp-image-convert-indexed image CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE \"\")
    $(pastiche_call image '(car (gimp-image-get-active-layer image))' "$style"))" || true
expect_gray "$scratch/gray.png" "$scratch/modes.log" "$content" "$scratch"
check "indexed image refused with a message" grep -q 'Indexed images are not supported' "$scratch/modes.log"

# 6. Cancel: GIMP closes the plug-in in the middle of the optimisation; the image is as it was
#    and GIMP goes on.
kill_plugin_when_busy "$GIMP2_DIRECTORY/plug-ins/pastiche/pastiche" &
killer=$!
batch "$scratch/cancel.log" "$(load "$content")" \
  "(let* ((image $first_image)) (plug-in-pastiche RUN-NONINTERACTIVE image (car (gimp-image-get-active-layer image)) \"$style\" \"\" 0.5 1.0 2000 256 0 1 7))" \
  "(let* ((image $first_image)) $(print_layer_count image) (gimp-image-delete image))" || true
killed=0
wait "$killer" || killed=$?
check "cancelled run: the plug-in was closed mid-run" [ "$killed" -eq 0 ]
check "cancelled run: no new layer, GIMP still running" grep -q 'layers=1' "$scratch/cancel.log"

# 7. A broken installation: without the bundled model (and no model cache) or without ONNX
#    Runtime, the run fails with a message saying what is missing, and adds no layer.
plugin_dir=$GIMP2_DIRECTORY/plug-ins/pastiche
for missing in model.onnx libonnxruntime.so.1.32.0; do
  mv "$plugin_dir/$missing" "$scratch/$missing"
  PASTICHE_CACHE_DIR="$scratch/empty-cache" PASTICHE_ORT_LIB='' batch "$scratch/missing.log" "$(load "$content")" \
    "(let* ((image $first_image)) $(pastiche_call image '(car (gimp-image-get-active-layer image))' "$style"))" \
    "(let* ((image $first_image)) $(print_layer_count image) (gimp-image-delete image))" || true
  mv "$scratch/$missing" "$plugin_dir/$missing"
  case $missing in
    model.onnx) reason="$scratch/empty-cache/models/vgg16/model.onnx: model not found" ;;
    *) reason="ONNX Runtime library not found" ;;
  esac
  expect_refused "$scratch/missing.log" "without $missing" "plug-in-pastiche failed: Could not start the style engine: $reason"
done

# 8. The dialog's estimate, unit-tested.
run_estimate_test "$scratch" "${PROFILE:-dev}"

# 9. Full size (size 0) on a layer larger than one tile: the last resolution runs in tiles and
#    the result keeps the layer's size and sharpness; beside it, size 128 enlarged to the layer.
#    Two iterations keep it quick.
make_large_content "$scratch/large.png"
batch "$scratch/full.log" "(let* ((image $(load "$scratch/large.png"))
         (source (car (gimp-image-get-active-layer image))))
    $(save image "(car (plug-in-pastiche RUN-NONINTERACTIVE image source \"$style\" \"\" 0.5 1.0 2 0 0 1 7))" "$scratch/full.png")
    $(save image "(car (plug-in-pastiche RUN-NONINTERACTIVE image source \"$style\" \"\" 0.5 1.0 2 128 0 1 7))" "$scratch/enlarged.png")
    (gimp-image-delete image))" || true
expect_full_size "$scratch/full.png" "$scratch/enlarged.png" "$scratch/full.log" "$scratch/large.png"

# 10. The style taken from a layer of another open image (plug-in-pastiche-from-layer); the new
#     layer is named after it. A second style with it is refused.
make_style_picture "$scratch/painting.png"
status=0
batch "$scratch/from-layer.log" "(let* ((painting $(load "$scratch/painting.png"))
         (style-layer (car (gimp-image-get-active-layer painting)))
         (image $(load "$content"))
         (source (car (gimp-image-get-active-layer image))))
    (gimp-item-set-name style-layer \"Painting\")
    (let* ((layer (car (plug-in-pastiche-from-layer RUN-NONINTERACTIVE image source \"\" \"\" 0.5 1.0 30 64 0 1 7 style-layer))))
      $(print_layer_count image)
      (gimp-message (string-append \"name=\" (car (gimp-item-get-name layer))))
      $(save image layer "$scratch/from-layer.png")))" || status=$?
check "style from a layer: the batch exits 0" succeeds "$status"
expect_stylised "$scratch/from-layer.png" "$scratch/from-layer.log" "$content" "$scratch/painting.png" Painting
batch "$scratch/from-layer-blend.log" "$(load "$scratch/painting.png")" "$(load "$content")" \
  "(let* ((image (vector-ref (cadr (gimp-image-list)) 0)) (painting (vector-ref (cadr (gimp-image-list)) 1)))
     (plug-in-pastiche-from-layer RUN-NONINTERACTIVE image (car (gimp-image-get-active-layer image)) \"\" \"$style\" 0.5 1.0 30 64 0 1 7
                                  (car (gimp-image-get-active-layer painting))))" \
  "(let* ((image (vector-ref (cadr (gimp-image-list)) 0))) $(print_layer_count image))" || true
expect_refused "$scratch/from-layer-blend.log" "style layer with a second style" "cannot be blended with a second style"

# 11. A quality preset (plug-in-pastiche-quality: the arguments of plug-in-pastiche, then quality):
#     draft gives a stylised layer; a quality outside 0..3 is refused, naming the argument.
stylise_whole_layer draft "quality draft: the batch" \
  "(car (plug-in-pastiche-quality RUN-NONINTERACTIVE image source \"starry-night\" \"\" 0.5 1.0 30 64 0 1 7 1))"
status=0
batch "$scratch/bad-quality.log" "$(load "$content")" \
  "(let* ((image $first_image)) (plug-in-pastiche-quality RUN-NONINTERACTIVE image (car (gimp-image-get-active-layer image)) \"$style\" \"\" 0.5 1.0 30 64 0 1 7 7))" \
  "(let* ((image $first_image)) $(print_layer_count image) (gimp-image-delete image))" || status=$?
check "quality 7: the batch fails (status $status)" fails "$status"
expect_refused "$scratch/bad-quality.log" "quality 7" "plug-in-pastiche-quality failed: quality must be 0 (custom"

summary
