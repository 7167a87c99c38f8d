/*
 * estimate.h — what a run will cost before it starts: time, peak memory, and whether the
 * painting is computed smaller than the layer and enlarged.
 *
 * The time is libpastiche's own estimate (pastiche_estimate_seconds, the one the CLI prints) for
 * the parameters render.c will run with, so a quality preset's budgets are known in one place.
 * Memory, the resolutions and the tiles mirror the engine's schedule and tiling (pastiche-core's
 * Params::plan), which the C API does not report. Both dialogs show it, marked as an estimate.
 * No GIMP or GTK types.
 */
#ifndef PASTICHE_GIMP_ESTIMATE_H
#define PASTICHE_GIMP_ESTIMATE_H

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

typedef struct estimate {
    uint32_t working_size; /* longest side the last resolution is optimised at */
    uint32_t scales;       /* resolutions, each double the last */
    uint32_t tiles;        /* tiles of the last resolution (1: it runs whole) */
    uint32_t cores;        /* the CPU cores the time is for */
    double seconds;        /* the longest it takes (all budgets spent); < 0: libpastiche could not say */
    int may_stop_early;    /* 1 for a quality preset, whose convergence stop often ends it sooner */
    double peak_bytes;     /* the engine's peak plus the plug-in's pixel buffers */
    int enlarged;          /* 1 when the working size is below the region's longest side */
} estimate;

/* The estimate for stylising a `width` × `height` region with `s` on `cores` CPU cores. */
void estimate_run(const settings *s, uint32_t width, uint32_t height, uint32_t cores, estimate *e);

/* One line for the dialog, e.g. "Estimate: at most about 6 min and 1.1 GB of memory (on 2 CPU
 * cores; 2 resolutions, the last in 4 tiles)". */
void estimate_describe(const estimate *e, char *text, size_t text_size);

/* The enlargement warning for the dialog, or "" when the painting is computed at full size. */
void estimate_warning(const estimate *e, uint32_t width, uint32_t height, char *text, size_t text_size);

#endif
