/*
 * render.h — one stylisation through libpastiche's public C API, with no GIMP types.
 *
 * Both GIMP fronts hand pixels here as straight-alpha RGBA floats (0..1, sRGB-encoded, the
 * "R'G'B'A float" babl format) and get pixels of the same size back.
 */
#ifndef PASTICHE_GIMP_RENDER_H
#define PASTICHE_GIMP_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "settings.h"

/* Declared, not included: gimp3.c's GObject type Pastiche defines a function pastiche_init,
 * the name of pastiche.h's init enum. */
struct pastiche_params;

typedef enum render_status { RENDER_OK = 0, RENDER_FAILED = 1, RENDER_CANCELLED = 2 } render_status;

/* Called while rendering: `stage` is a new status line or NULL, `fraction` the work done (0..1,
 * weighted by the cost of each resolution, and spread over its tiles). Return non-zero to
 * cancel. */
typedef int (*render_progress)(const char *stage, double fraction, void *user_data);

typedef struct render_request {
    const settings *settings;
    const char *model;       /* model file, or NULL for libpastiche's default */
    const float *pixels;     /* width * height * 4 floats */
    uint32_t width;
    uint32_t height;
    render_progress progress;
    void *user_data;
    /* The style as pixels (a layer of an open image; same format as `pixels`), used instead of
     * the settings' style names when not NULL. */
    const float *style_pixels;
    uint32_t style_width;
    uint32_t style_height;
    /* Live preview: when preview_ready is set, the picture as it forms (at the working size,
     * resampled) is written into preview_pixels, width * height RGBA floats, after every
     * iteration, and then preview_ready(user_data) is called. */
    float *preview_pixels;
    void (*preview_ready)(void *user_data);
} render_request;

/* Stylise request->pixels into `out` (width * height * 4 floats; alpha copied). `out` is written
 * only on RENDER_OK. On failure `message` holds one sentence for the user. */
render_status render_stylize(const render_request *request, float *out, char *message, size_t message_size);

/* The longest side the optimisation runs at: the chosen size (the region's own for
 * SETTINGS_SIZE_FULL), but never upscaling the region and never below libpastiche's minimum of
 * 16 pixels. */
uint32_t render_working_size(const settings *s, uint32_t width, uint32_t height);

/* The libpastiche parameters render_stylize runs `s` with on a `width` × `height` region, so
 * that the estimate (estimate.c) asks libpastiche about the very run it will get. */
void render_params(const settings *s, uint32_t width, uint32_t height, struct pastiche_params *params);

#endif
