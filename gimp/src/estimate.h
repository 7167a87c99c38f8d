/*
 * estimate.h — what a run will cost before it starts: time, peak memory, and whether the
 * painting is computed smaller than the layer and enlarged.
 *
 * A model, not a measurement: the engine's resolution schedule and tiling (mirrored from
 * pastiche-core's Params::plan) times the measured cost of one loss+gradient evaluation. Both
 * dialogs show it, marked as an estimate. No GIMP or GTK types.
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
    double seconds;        /* on two CPU cores */
    double peak_bytes;     /* the engine's peak plus the plug-in's pixel buffers */
    int enlarged;          /* 1 when the working size is below the region's longest side */
} estimate;

/* The estimate for stylising a `width` × `height` region with `s`. */
void estimate_run(const settings *s, uint32_t width, uint32_t height, estimate *e);

/* One line for the dialog, e.g. "Estimate: about 6 min and 1.1 GB (2 CPU cores; 2 resolutions,
 * the last in 4 tiles)". */
void estimate_describe(const estimate *e, char *text, size_t text_size);

/* The enlargement warning for the dialog, or "" when the painting is computed at full size. */
void estimate_warning(const estimate *e, uint32_t width, uint32_t height, char *text, size_t text_size);

#endif
