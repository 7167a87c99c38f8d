/* Unit test of estimate.c, the dialogs' time and memory estimate: built against libpastiche (the
 * time is its pastiche_estimate_seconds) and run by run.sh and run-gimp3.sh. */
#include <stdio.h>
#include <string.h>

#include "../src/estimate.h"

static int failures = 0;

static void check(int ok, const char *what)
{
    printf("estimate: %s %s\n", ok ? "ok  " : "FAIL", what);
    failures += !ok;
}

/* Two cores, as the measurements libpastiche's model comes from (docs/benchmarks.md). */
static const uint32_t CORES = 2;

static estimate run_quality(int32_t quality, int32_t size, int32_t iterations, uint32_t width, uint32_t height)
{
    settings s;
    settings_default(&s);
    s.quality = quality;
    s.size = size;
    s.iterations = iterations;
    estimate e;
    estimate_run(&s, width, height, CORES, &e);
    return e;
}

static estimate run(int32_t size, int32_t iterations, uint32_t width, uint32_t height)
{
    return run_quality(SETTINGS_QUALITY_CUSTOM, size, iterations, width, height);
}

static int near(double value, double expected)
{
    return value > 0.999 * expected && value < 1.001 * expected;
}

/* The presets' budgets come from libpastiche: at 256 then 512 px, standard is 150 iterations at
 * each (as custom 150), fine twice that, draft 100 then 50 (40 % of standard); the Iterations
 * setting does not change them. */
static void check_presets(void)
{
    estimate draft = run_quality(SETTINGS_QUALITY_DRAFT, 512, 100, 2000, 1500);
    estimate standard = run_quality(SETTINGS_QUALITY_STANDARD, 512, 100, 2000, 1500);
    estimate fine = run_quality(SETTINGS_QUALITY_FINE, 512, 100, 2000, 1500);
    estimate custom150 = run(512, 150, 2000, 1500);
    check(near(standard.seconds, custom150.seconds), "standard: 150 iterations at each resolution");
    check(near(fine.seconds, 2 * standard.seconds), "fine: twice standard");
    check(near(draft.seconds, 0.4 * standard.seconds), "draft: 40 % of standard");
    estimate standard_2000 = run_quality(SETTINGS_QUALITY_STANDARD, 512, 2000, 2000, 1500);
    check(near(standard_2000.seconds, standard.seconds), "a preset ignores the Iterations setting");
    check(standard.may_stop_early && !custom150.may_stop_early, "only a preset may stop early");

    char text[512];
    estimate_describe(&standard, text, sizeof text);
    check(strstr(text, "Estimate: at most about 2 min") != NULL, "standard: at most about 2 minutes");
    estimate_describe(&custom150, text, sizeof text);
    check(strstr(text, "Estimate: about 2 min") != NULL, "custom: about 2 minutes");
}

int main(void)
{
    /* 512 on a 2000 x 1500 layer: 256 then 512, whole; the painting is enlarged. */
    estimate small = run(512, 100, 2000, 1500);
    check(small.scales == 2 && small.tiles == 1 && small.working_size == 512, "size 512: 2 resolutions, 1 tile");
    check(small.enlarged, "size 512 on a 2000 px layer is enlarged");
    /* 100 iterations at 512x384 and at 256x192: 0.246 megapixels x 100 x 1.01 evaluations x
     * 6.6 s per megapixel-evaluation and core / 2 cores (libpastiche's model): 82 s. */
    check(small.seconds > 80 && small.seconds < 84, "size 512: about 82 seconds");
    check(near(run(512, 200, 2000, 1500).seconds, 2 * small.seconds), "twice the iterations, twice the time");
    settings s;
    settings_default(&s);
    s.quality = SETTINGS_QUALITY_CUSTOM;
    estimate four;
    estimate_run(&s, 2000, 1500, 4, &four);
    check(four.cores == 4 && near(four.seconds, small.seconds / 2), "four cores: half the time");

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

    check_presets();

    /* Iterations libpastiche refuses: the time is unknown, the rest still shown. */
    estimate refused = run(512, 0, 2000, 1500);
    char text[512];
    estimate_describe(&refused, text, sizeof text);
    check(refused.seconds < 0 && strstr(text, "Estimate: an unknown time and") != NULL, "refused settings: unknown time");

    estimate_describe(&full, text, sizeof text);
    check(strstr(text, "Estimate: about") && strstr(text, "20 tiles"), "description names the estimate and tiles");
    estimate_warning(&small, 2000, 1500, text, sizeof text);
    check(strstr(text, "512 px") && strstr(text, "enlarged"), "warning names the size and the enlargement");
    estimate_warning(&full, 2000, 1500, text, sizeof text);
    check(text[0] == '\0', "no warning at full size");
    return failures != 0;
}
