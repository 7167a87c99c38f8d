# Shared by run.sh (GIMP 2.10) and run-gimp3.sh (GIMP 3): counters, image measurements and the
# checks each scenario must pass. The two scripts differ only in how they drive GIMP. Beyond the
# exit status (GIMP 3's own; GIMP 2.10's read from its log), every check reads exported files or
# printed messages.
# shellcheck shell=bash

passed=0
failed=0
# The test picture is 96x72; the selection scenario selects this rectangle.
SELECTION=(16 12 40 30)

pass() { echo "gimp: ok   $1"; passed=$((passed + 1)); }
fail() { echo "gimp: FAIL $1" >&2; failed=$((failed + 1)); }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
summary() { echo "gimp: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; }

size_of() { identify -format '%wx%h' "$1"; }
differing_pixels() { compare -metric AE "$1" "$2" null: 2>&1 || true; }

# Distance between the colour statistics (per-channel mean and standard deviation) of two images.
colour_distance() {
  local stats='%[fx:mean.r] %[fx:mean.g] %[fx:mean.b] %[fx:standard_deviation.r] %[fx:standard_deviation.g] %[fx:standard_deviation.b]\n'
  paste <(convert "$1" -format "$stats" info: | tr ' ' '\n') <(convert "$2" -format "$stats" info: | tr ' ' '\n') |
    awk '{ d += ($1 - $2) ^ 2 } END { printf "%.4f", sqrt(d) }'
}

# Run from the repository root.
make_content() { convert ../shared/data/tubingen.jpg -resize '96x72!' "$1"; }

# The whole layer was stylised: exported, same size, changed, colours moved toward the style
# (an image file), and the log shows the new layer and its name.
expect_stylised() { # output log content style-file layer-name
  if [ ! -f "$1" ]; then fail "stylised layer exported"; cat "$2" >&2; return; fi
  pass "stylised layer exported"
  check "result has the input's size ($(size_of "$1"))" [ "$(size_of "$1")" = "$(size_of "$3")" ]
  local changed before after
  changed=$(differing_pixels "$3" "$1")
  check "result differs from the input ($changed of 6912 pixels)" [ "$changed" -gt 3456 ]
  before=$(colour_distance "$3" "$4")
  after=$(colour_distance "$1" "$4")
  check "colour statistics move toward the style ($before -> $after)" awk "BEGIN { exit !($after < 0.9 * $before) }"
  check "a new layer, named after the style ($5)" grep -qz "layers=2.*name=$5" "$2"
}

# Only pixels inside SELECTION changed. ImageMagick's default policy refuses /dev/fd paths, so
# derived images go to files.
expect_selection() { # output log content scratch
  if [ ! -f "$1" ]; then fail "selection run exported"; cat "$2" >&2; return; fi
  local x=${SELECTION[0]} y=${SELECTION[1]} w=${SELECTION[2]} h=${SELECTION[3]}
  local image source
  for image in content result; do
    source=$3; [ "$image" = result ] && source=$1
    convert "$source" -fill black -draw "rectangle $x,$y $((x + w - 1)),$((y + h - 1))" "$4/$image-outside.png"
    convert "$source" -crop "${w}x$h+$x+$y" "$4/$image-inside.png"
  done
  local outside inside
  outside=$(differing_pixels "$4/content-outside.png" "$4/result-outside.png")
  inside=$(differing_pixels "$4/content-inside.png" "$4/result-inside.png")
  check "selection: $outside pixels changed outside it" [ "$outside" -eq 0 ]
  check "selection: $inside of $((w * h)) pixels changed inside it" [ "$inside" -gt $((w * h / 2)) ]
}

# The result layer kept the source's offsets (12,9) and, bit for bit, its alpha.
expect_alpha_and_offsets() { # source-export result-export log scratch
  if [ ! -f "$2" ]; then fail "alpha run exported"; cat "$3" >&2; return; fi
  check "offsets kept" grep -q 'offsets=12,9' "$3"
  convert "$1" -quiet -alpha extract "$4/source-alpha.png"
  convert "$2" -quiet -alpha extract "$4/result-alpha.png"
  local changed
  changed=$(differing_pixels "$4/source-alpha.png" "$4/result-alpha.png")
  check "alpha kept ($changed pixels differ)" [ "$changed" -eq 0 ]
}

# libpastiche's refusal of a style that is neither a file nor a bundled style's name.
unknown_style_message() { # style
  echo "$1: no such file, and not the name of a bundled style (starry-night, shipwreck, the-scream)"
}

# A refused run: the error message, no new layer, and a GIMP that went on to the next command.
expect_refused() { # log what message-pattern
  local before=$failed
  check "$2: PDB error ($3)" grep -q "$3" "$1"
  check "$2: no new layer, GIMP still running" grep -q 'layers=1' "$1"
  [ "$failed" -eq "$before" ] || cat "$1" >&2
}

expect_gray() { # output log content scratch
  if [ ! -f "$1" ]; then fail "grayscale run exported"; cat "$2" >&2; return; fi
  convert "$3" -colorspace Gray "$4/content-gray.png"
  local changed
  changed=$(differing_pixels "$4/content-gray.png" "$1")
  check "grayscale layer repainted ($changed of 6912 pixels changed)" [ "$changed" -gt 3456 ]
}

# What GIMP does when the user presses Cancel on the plug-in's progress: it closes the plug-in
# with SIGKILL (gimp_plug_in_close). Waits until the plug-in has been computing for a while, then
# does the same.
kill_plugin_when_busy() { # plug-in executable
  local _
  for _ in $(seq 100); do
    pgrep -f "^$1" > /dev/null && break
    sleep 0.2
  done
  sleep 3
  pkill -KILL -f "^$1"
}

# The estimate's unit test (estimate.c has no GIMP types, so it builds with a plain compiler),
# against the libpastiche staged in target/gimp/PROFILE (its time is pastiche_estimate_seconds;
# pastiche.pc's rpath finds the library).
run_estimate_test() { # scratch profile
  local pc=target/gimp/$2/libpastiche/lib/pkgconfig
  # shellcheck disable=SC2046
  cc -std=gnu99 -Wall -Wextra -Werror gimp/tests/estimate_test.c gimp/src/estimate.c gimp/src/render.c \
    gimp/src/settings.c $(PKG_CONFIG_PATH=$pc pkg-config --cflags --libs pastiche) -o "$1/estimate_test"
  check "estimate unit test" "$1/estimate_test"
}

# A layer larger than one tile (512 px) for the full-size scenario, and a style picture to open.
FULL_SIZE=600x450
make_large_content() { convert ../shared/data/tubingen.jpg -resize "$FULL_SIZE!" "$1"; }
make_style_picture() { convert ../shared/data/starry_night.jpg -resize 128x "$1"; }

# Sharpness: the variance of the Laplacian of the gray picture (alpha dropped: GIMP 3 exports it).
laplacian_variance() {
  convert "$1" -alpha off -colorspace Gray -define convolve:scale='!' -morphology Convolve Laplacian:0 \
    -format '%[fx:standard_deviation*standard_deviation*1000000]' info:
}

# Full size keeps the layer's size and far more of its sharpness than a painting computed at 128
# px and enlarged.
expect_full_size() { # full-export enlarged-export log content
  if [ ! -f "$1" ] || [ ! -f "$2" ]; then fail "full-size and enlarged runs exported"; cat "$3" >&2; return; fi
  check "full size keeps the layer's size ($(size_of "$1"))" [ "$(size_of "$1")" = "$FULL_SIZE" ]
  check "enlarged run has the layer's size ($(size_of "$2"))" [ "$(size_of "$2")" = "$FULL_SIZE" ]
  local content full enlarged
  content=$(laplacian_variance "$4")
  full=$(laplacian_variance "$1")
  enlarged=$(laplacian_variance "$2")
  check "full size is sharper than size 128 enlarged (Laplacian variance: content $content, full $full, enlarged $enlarged)" \
    awk "BEGIN { exit !($full > 3 * $enlarged) }"
}
