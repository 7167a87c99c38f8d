/* Unit test of estimate.c, the dialog's time and memory estimate: built and run by run.sh. */
#include <stdio.h>
#include <string.h>

#include "../src/estimate.h"

static int failures = 0;

static void check(int ok, const char *what)
{
    printf("estimate: %s %s\n", ok ? "ok  " : "FAIL", what);
    failures += !ok;
}

static estimate run(int32_t size, int32_t iterations, uint32_t width, uint32_t height)
{
    settings s;
    settings_default(&s);
    s.size = size;
    s.iterations = iterations;
    estimate e;
    estimate_run(&s, width, height, &e);
    return e;
}

int main(void)
{
    /* 512 on a 2000 x 1500 layer: 256 then 512, whole; the painting is enlarged. */
    estimate small = run(512, 100, 2000, 1500);
    check(small.scales == 2 && small.tiles == 1 && small.working_size == 512, "size 512: 2 resolutions, 1 tile");
    check(small.enlarged, "size 512 on a 2000 px layer is enlarged");
    /* 100 iterations at 512x384 and at 256x192: (0.75 + 0.1875) x 100 x 1.05 x 1.26 s. */
    check(small.seconds > 120 && small.seconds < 130, "size 512: about two minutes");

    /* Full size: 500, 1000, 2000 (doubling from at least 256); the last in 5 x 4 tiles of 512 with 64 px overlaps. */
    estimate full = run(SETTINGS_SIZE_FULL, 100, 2000, 1500);
    check(full.scales == 3 && full.working_size == 2000 && !full.enlarged, "full size: 3 resolutions, not enlarged");
    check(full.tiles == 20, "full size: 20 tiles at 2000 x 1500");
    check(full.seconds > 10 * small.seconds, "full size costs far more time");
    /* Memory follows the tile, not the picture: about 1 GB plus 5 copies of the region. */
    check(full.peak_bytes < 1.3e9 && full.peak_bytes > 1.0e9, "full size: about 1.2 GB");
    estimate huge = run(SETTINGS_SIZE_FULL, 100, 6000, 4000);
    check(huge.peak_bytes < 3.0e9, "6000 x 4000 full size: under 3 GB");

    /* A layer smaller than the size is neither enlarged nor worked above its own size. */
    estimate tiny = run(512, 30, 96, 72);
    check(tiny.working_size == 96 && tiny.scales == 1 && !tiny.enlarged, "96 x 72 at size 512: one scale at 96");

    char text[512];
    estimate_describe(&full, text, sizeof text);
    check(strstr(text, "Estimate: about") && strstr(text, "20 tiles"), "description names the estimate and tiles");
    estimate_warning(&small, 2000, 1500, text, sizeof text);
    check(strstr(text, "512 px") && strstr(text, "enlarged"), "warning names the size and the enlargement");
    estimate_warning(&full, 2000, 1500, text, sizeof text);
    check(text[0] == '\0', "no warning at full size");
    return failures != 0;
}
