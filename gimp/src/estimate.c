#include "estimate.h"

#include <stdio.h>

#include <pastiche.h>

#include "render.h"

/* pastiche-core's constants (params.rs, tiling.rs): the first resolution's longest side, the
 * default tile and the pixels neighbouring tiles share. */
static const uint32_t SMALLEST_SCALE = 256;
static const uint32_t TILE_SIZE = 512;
static const uint32_t TILE_OVERLAP = 64;
static const uint32_t SMALLEST_SIDE = 16;

/* Peak RSS of a whole run at 512² (945 MB, docs/benchmarks.md): about 1 GB per 512² tile. */
static const double ENGINE_BYTES_512 = 1.0e9;
/* The plug-in holds the region as RGBA floats three times (original, result, and the engine's
 * copy) and the engine keeps the picture at the last resolution twice more. */
static const double REGION_COPIES = 5.0;

static uint32_t longest_of(uint32_t width, uint32_t height)
{
    return width > height ? width : height;
}

/* Windows of at most `tile` covering `length`, as tiling::starts counts them. */
static uint32_t windows(uint32_t length, uint32_t tile, uint32_t overlap)
{
    if (length <= tile)
        return 1;
    uint32_t step = tile - overlap;
    return (length - overlap + step - 1) / step;
}

static uint32_t ilog2(uint32_t value)
{
    uint32_t log = 0;
    while (value >>= 1)
        log++;
    return log;
}

/* libpastiche's time for the run render.c will make, or -1 when it refuses the parameters. */
static double seconds_of(const settings *s, uint32_t width, uint32_t height, uint32_t cores)
{
    pastiche_params params;
    render_params(s, width, height, &params);
    double seconds;
    return pastiche_estimate_seconds(&params, width, height, cores, &seconds) == PASTICHE_OK ? seconds : -1.0;
}

void estimate_run(const settings *s, uint32_t width, uint32_t height, uint32_t cores, estimate *e)
{
    uint32_t longest = longest_of(width, height);
    uint32_t size = s->size == SETTINGS_SIZE_FULL || (uint32_t)s->size > longest ? longest : (uint32_t)s->size;
    if (size < SMALLEST_SIDE)
        size = SMALLEST_SIDE;
    uint32_t ratio = size / SMALLEST_SCALE;
    e->working_size = size;
    e->scales = 1 + ilog2(ratio > 1 ? ratio : 1);
    e->enlarged = size < longest;
    e->cores = cores;
    e->seconds = seconds_of(s, width, height, cores);
    e->may_stop_early = s->quality != SETTINGS_QUALITY_CUSTOM;

    double largest_tile = 0.0;
    for (uint32_t k = 0; k < e->scales; k++) {
        uint32_t side = size >> (e->scales - 1 - k);
        if (side < SMALLEST_SIDE)
            side = SMALLEST_SIDE;
        double scale = (double)side / longest;
        uint32_t w = (uint32_t)(width * scale + 0.5), h = (uint32_t)(height * scale + 0.5);
        w = w ? w : 1;
        h = h ? h : 1;
        uint32_t overlap = TILE_OVERLAP < TILE_SIZE / 4 ? TILE_OVERLAP : TILE_SIZE / 4;
        uint32_t tile_w = w < TILE_SIZE ? w : TILE_SIZE, tile_h = h < TILE_SIZE ? h : TILE_SIZE;
        uint32_t tiles = windows(w, TILE_SIZE, overlap) * windows(h, TILE_SIZE, overlap);
        double tile_share = (double)tile_w * tile_h / ((double)TILE_SIZE * TILE_SIZE);
        if (tile_share > largest_tile)
            largest_tile = tile_share;
        e->tiles = tiles;
    }
    e->peak_bytes = ENGINE_BYTES_512 * largest_tile + REGION_COPIES * 16.0 * width * height;
}

/* "about 6 min"; "at most about 6 min" where a convergence stop may end the run sooner. */
static void describe_time(const estimate *e, char *text, size_t text_size)
{
    const char *bound = e->may_stop_early ? "at most about" : "about";
    if (e->seconds < 0)
        snprintf(text, text_size, "an unknown time");
    else if (e->seconds < 90)
        snprintf(text, text_size, "%s %.0f s", bound, e->seconds < 1 ? 1 : e->seconds);
    else if (e->seconds < 90 * 60)
        snprintf(text, text_size, "%s %.0f min", bound, e->seconds / 60);
    else
        snprintf(text, text_size, "%s %.1f h", bound, e->seconds / 3600);
}

void estimate_describe(const estimate *e, char *text, size_t text_size)
{
    char time[64];
    describe_time(e, time, sizeof time);
    char scales[32];
    snprintf(scales, sizeof scales, "%u resolution%s", e->scales, e->scales == 1 ? "" : "s");
    char tiles[64] = "";
    if (e->tiles > 1)
        snprintf(tiles, sizeof tiles, ", the last in %u tiles", e->tiles);
    snprintf(text, text_size, "Estimate: %s and %.1f GB of memory (on %u CPU core%s; %s%s)", time,
             e->peak_bytes / 1e9, e->cores, e->cores == 1 ? "" : "s", scales, tiles);
}

void estimate_warning(const estimate *e, uint32_t width, uint32_t height, char *text, size_t text_size)
{
    if (!e->enlarged) {
        snprintf(text, text_size, "%s", "");
        return;
    }
    snprintf(text, text_size,
             "The painting is computed at %u px and enlarged to the %u × %u layer: fine detail will be "
             "blurred. Choose Full size to paint at the layer's own size.",
             e->working_size, width, height);
}
