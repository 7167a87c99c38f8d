/*
 * settings.h — what a user chooses for one run of the Neural Style Transfer filter.
 *
 * Shared by every GIMP front (2.10 now, 3 later): nothing here touches GIMP's API, so the
 * ranges, defaults and the meaning of each setting are defined once.
 */
#ifndef PASTICHE_GIMP_SETTINGS_H
#define PASTICHE_GIMP_SETTINGS_H

#include <stddef.h>
#include <stdint.h>

#define SETTINGS_PATH_MAX 4096

/* Colour handling, as the PDB exposes it. */
enum settings_colors {
    SETTINGS_COLORS_STYLE = 0,     /* take the style's colours */
    SETTINGS_COLORS_LUMINANCE = 1, /* keep the layer's colours, transfer luminance only */
    SETTINGS_COLORS_HISTOGRAM = 2  /* recolour the style to the layer's colour statistics */
};

enum settings_device { SETTINGS_DEVICE_AUTO = 0, SETTINGS_DEVICE_CPU = 1, SETTINGS_DEVICE_CUDA = 2 };

/* How finished the picture should be: one of libpastiche's presets (each resolution's iteration
 * budget and a convergence stop, chosen by the time they take), or CUSTOM, where `iterations`
 * applies at every resolution. The numbers are those of the C ABI's PASTICHE_QUALITY_* (CUSTOM
 * is its NONE), so that the GIMP 2.10 PDB argument means the same as the C field. */
enum settings_quality {
    SETTINGS_QUALITY_CUSTOM = 0,
    SETTINGS_QUALITY_DRAFT = 1,
    SETTINGS_QUALITY_STANDARD = 2,
    SETTINGS_QUALITY_FINE = 3
};

/* Plain data, so GIMP can store it between runs (gimp_set_data) as bytes. GIMP 2.10 reads stored
 * bytes back only when their size is this struct's (gimp2.c): a new field that leaves the size as
 * it was (one fitting the tail padding) must change that check too. */
typedef struct settings {
    char style[SETTINGS_PATH_MAX];  /* style image path, or a bundled style's name */
    char style2[SETTINGS_PATH_MAX]; /* optional second style (path or name); "" for none */
    double style2_blend;            /* share of the second style, 0..1 */
    double strength;                /* multiplies the default style/content ratio (10:1) */
    int32_t iterations;             /* optimiser iterations per resolution, with SETTINGS_QUALITY_CUSTOM */
    int32_t size;                   /* longest side the optimisation runs at; SETTINGS_SIZE_FULL: the layer's */
    int32_t colors;                 /* enum settings_colors */
    int32_t device;                 /* enum settings_device */
    int32_t seed;
    /* A layer of an open image whose pixels are the style instead of `style` (GIMP's drawable
     * ID; 0 for none). Not blended with a second style. */
    int32_t style_layer;
    int32_t quality; /* enum settings_quality */
} settings;

#define SETTINGS_STRENGTH_MIN 0.01
#define SETTINGS_STRENGTH_MAX 100.0
#define SETTINGS_ITERATIONS_MIN 1
#define SETTINGS_ITERATIONS_MAX 2000
#define SETTINGS_SIZE_MIN 64
#define SETTINGS_SIZE_MAX 4096
/* size: optimise at the layer's (or selection's) own size, in tiles where it is large. */
#define SETTINGS_SIZE_FULL 0

void settings_default(settings *s);

/* NULL when the settings are usable, else a static sentence naming the parameter and why. */
const char *settings_problem(const settings *s);

/* The style weight libpastiche gets for a strength (content weight stays 1). */
double settings_style_weight(double strength);

#endif
