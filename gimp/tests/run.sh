#!/usr/bin/env bash
# The GIMP 2.10 plug-in inside real GIMP: installs it into a throw-away profile with
# `make -C gimp install` and drives `gimp-console-2.10` in batch mode (Script-Fu). GIMP exits 0
# even when a batch command fails, so every check reads the exported files or the messages the
# batch prints, never GIMP's exit status alone.
set -euo pipefail
cd "$(dirname "$0")/../.."
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export GIMP2_DIRECTORY="$scratch/profile"
style=$PWD/../shared/data/starry_night.jpg
passed=0
failed=0

pass() { echo "gimp: ok   $1"; passed=$((passed + 1)); }
fail() { echo "gimp: FAIL $1" >&2; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }

# Runs Script-Fu commands (one per argument) in a fresh gimp-console, then quits. A hung GIMP is
# a failure too: `timeout` turns it into exit status 124.
batch() {
  local log=$1; shift
  local commands=()
  for command in "$@"; do commands+=(-b "$command"); done
  timeout 600 gimp-console-2.10 -i -d -f "${commands[@]}" -b '(gimp-quit 0)' > "$log" 2>&1
}

# The plug-in call with the test's small settings: size 64, 30 iterations, seed 7.
pastiche_call() { # image layer style
  echo "(car (plug-in-pastiche RUN-NONINTERACTIVE $1 $2 \"$3\" \"\" 0.5 1.0 30 64 0 1 7))"
}

load() { echo "(car (gimp-file-load RUN-NONINTERACTIVE \"$1\" \"$1\"))"; }
save() { echo "(file-png-save-defaults RUN-NONINTERACTIVE $1 $2 \"$3\" \"$3\")"; }

size_of() { identify -format '%wx%h' "$1"; }
differing_pixels() { compare -metric AE "$1" "$2" null: 2>&1 || true; }

# Distance between the colour statistics (per-channel mean and standard deviation) of two images.
colour_distance() {
  local stats='%[fx:mean.r] %[fx:mean.g] %[fx:mean.b] %[fx:standard_deviation.r] %[fx:standard_deviation.g] %[fx:standard_deviation.b]\n'
  paste <(convert "$1" -format "$stats" info: | tr ' ' '\n') <(convert "$2" -format "$stats" info: | tr ' ' '\n') |
    awk '{ d += ($1 - $2) ^ 2 } END { printf "%.4f", sqrt(d) }'
}

# A fresh profile: GIMP creates it on first start, then the plug-in goes in.
batch "$scratch/first-start.log" || { cat "$scratch/first-start.log" >&2; exit 1; }
make --no-print-directory -C gimp install GIMP2_DIRECTORY="$GIMP2_DIRECTORY" PROFILE="${PROFILE:-dev}" > /dev/null
convert ../shared/data/tubingen.jpg -resize '96x72!' "$scratch/content.png"

# 1. Stylise the whole layer and export it.
out=$scratch/stylised.png
batch "$scratch/stylise.log" "(let* ((image $(load "$scratch/content.png"))
         (source (car (gimp-image-get-active-layer image)))
         (layer $(pastiche_call image source "$style")))
    (gimp-message (string-append \"layers=\" (number->string (car (gimp-image-get-layers image)))))
    (gimp-message (string-append \"name=\" (car (gimp-item-get-name layer))))
    $(save image layer "$out")
    (gimp-image-delete image))" || true
if [ -f "$out" ]; then
  pass "stylised layer exported"
  check "result has the input's size ($(size_of "$out"))" [ "$(size_of "$out")" = 96x72 ]
  changed=$(differing_pixels "$scratch/content.png" "$out")
  check "result differs from the input ($changed of 6912 pixels)" [ "$changed" -gt 3456 ]
  before=$(colour_distance "$scratch/content.png" "$style")
  after=$(colour_distance "$out" "$style")
  check "colour statistics move toward the style ($before -> $after)" awk "BEGIN { exit !($after < 0.9 * $before) }"
  check "a new layer, named after the style" \
    grep -qz 'layers=2.*name=starry_night' "$scratch/stylise.log"
else
  fail "stylised layer exported"; cat "$scratch/stylise.log" >&2
fi

# 2. With a rectangular selection only the selected pixels change.
out=$scratch/selection.png
batch "$scratch/selection.log" "(let* ((image $(load "$scratch/content.png"))
         (source (car (gimp-image-get-active-layer image))))
    (gimp-image-select-rectangle image CHANNEL-OP-REPLACE 16 12 40 30)
    $(save image "$(pastiche_call image source "$style")" "$out")
    (gimp-image-delete image))" || true
if [ -f "$out" ]; then
  # ImageMagick's default policy refuses /dev/fd paths, so derived images go to files.
  for image in content selection; do
    source_file=$scratch/content.png; [ "$image" = selection ] && source_file=$out
    convert "$source_file" -fill black -draw 'rectangle 16,12 55,41' "$scratch/$image-outside.png"
    convert "$source_file" -crop 40x30+16+12 "$scratch/$image-inside.png"
  done
  outside=$(differing_pixels "$scratch/content-outside.png" "$scratch/selection-outside.png")
  inside=$(differing_pixels "$scratch/content-inside.png" "$scratch/selection-inside.png")
  check "selection: $outside pixels changed outside it" [ "$outside" -eq 0 ]
  check "selection: $inside of 1200 pixels changed inside it" [ "$inside" -gt 600 ]
else
  fail "selection run exported"; cat "$scratch/selection.log" >&2
fi

# 3. A layer with offsets and a transparent stripe keeps both.
batch "$scratch/alpha.log" "(let* ((image $(load "$scratch/content.png"))
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
if [ -f "$scratch/alpha-result.png" ]; then
  check "offsets kept" grep -q 'offsets=12,9' "$scratch/alpha.log"
  convert "$scratch/alpha-source.png" -quiet -alpha extract "$scratch/alpha-source-mask.png"
  convert "$scratch/alpha-result.png" -quiet -alpha extract "$scratch/alpha-result-mask.png"
  alpha_changed=$(differing_pixels "$scratch/alpha-source-mask.png" "$scratch/alpha-result-mask.png")
  check "alpha kept ($alpha_changed pixels differ)" [ "$alpha_changed" -eq 0 ]
else
  fail "alpha run exported"; cat "$scratch/alpha.log" >&2
fi

# 4. A missing style image: a PDB error naming the file, no new layer, and GIMP still answers.
#    Batch commands do not share variables, so the later ones find the image in the image list.
first_image='(vector-ref (cadr (gimp-image-list)) 0)'
status=0
batch "$scratch/bad-style.log" "$(load "$scratch/content.png")" \
  "(let* ((image $first_image)) $(pastiche_call image '(car (gimp-image-get-active-layer image))' /nonexistent/style.jpg))" \
  "(let* ((image $first_image))
    (gimp-message (string-append \"layers=\" (number->string (car (gimp-image-get-layers image)))))
    (gimp-image-delete image))" || status=$?
check "bad style path: PDB error naming the file" \
  grep -q 'Procedure execution of plug-in-pastiche failed: .*/nonexistent/style.jpg' "$scratch/bad-style.log"
check "bad style path: no new layer, GIMP still running (exit $status)" \
  grep -q 'layers=1' "$scratch/bad-style.log"

# 5. A grayscale image is repainted in gray; an indexed one is refused with a clear message.
batch "$scratch/modes.log" "(let* ((image $(load "$scratch/content.png"))
         (source (car (gimp-image-get-active-layer image))))
    (gimp-image-convert-grayscale image)
    $(save image "$(pastiche_call image source "$style")" "$scratch/gray.png")
    (gimp-image-delete image))" \
  "(let* ((image $(load "$scratch/content.png")))
    (gimp-image-convert-indexed image CONVERT-DITHER-NONE CONVERT-PALETTE-GENERATE 16 FALSE FALSE \"\")
    $(pastiche_call image '(car (gimp-image-get-active-layer image))' "$style"))" || true
if [ -f "$scratch/gray.png" ]; then
  convert "$scratch/content.png" -colorspace Gray "$scratch/content-gray.png"
  changed=$(differing_pixels "$scratch/content-gray.png" "$scratch/gray.png")
  check "grayscale layer repainted ($changed of 6912 pixels changed)" [ "$changed" -gt 3456 ]
else
  fail "grayscale run exported"; cat "$scratch/modes.log" >&2
fi
check "indexed image refused with a message" grep -q 'Indexed images are not supported' "$scratch/modes.log"

echo "gimp: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
