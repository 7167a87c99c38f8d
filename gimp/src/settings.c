#include "settings.h"

#include <string.h>

/* libpastiche's default style weight for content weight 1: strength 1 reproduces the CLI. */
static const double DEFAULT_STYLE_WEIGHT = 10.0;

void settings_default(settings *s)
{
    memset(s, 0, sizeof *s);
    s->style2_blend = 0.5;
    s->strength = 1.0;
    /* The CLI's default: a user picks a time, not an iteration count. */
    s->quality = SETTINGS_QUALITY_STANDARD;
    /* For quality custom: far fewer than the C API's 300, a result in minutes on a laptop CPU. */
    s->iterations = 100;
    s->size = 512;
    s->colors = SETTINGS_COLORS_STYLE;
    s->device = SETTINGS_DEVICE_AUTO;
    s->seed = 0;
}

const char *settings_problem(const settings *s)
{
    if (s->style[0] == '\0' && s->style_layer == 0)
        return "no style given (parameter style: a bundled style's name or an image file)";
    if (s->style_layer != 0 && s->style2[0] != '\0')
        return "a style taken from a layer cannot be blended with a second style (set style2 to \"\")";
    if (!(s->style2_blend >= 0.0 && s->style2_blend <= 1.0))
        return "style2-blend must be between 0 and 1";
    if (!(s->strength >= SETTINGS_STRENGTH_MIN && s->strength <= SETTINGS_STRENGTH_MAX))
        return "strength must be between 0.01 and 100";
    if (s->quality < SETTINGS_QUALITY_CUSTOM || s->quality > SETTINGS_QUALITY_FINE)
        return "quality must be 0 (custom: the iterations argument), 1 (draft), 2 (standard) or 3 (fine)";
    if (s->iterations < SETTINGS_ITERATIONS_MIN || s->iterations > SETTINGS_ITERATIONS_MAX)
        return "iterations must be between 1 and 2000";
    if (s->size != SETTINGS_SIZE_FULL && (s->size < SETTINGS_SIZE_MIN || s->size > SETTINGS_SIZE_MAX))
        return "size must be 0 (full: the layer's own size) or between 64 and 4096 pixels";
    if (s->colors < SETTINGS_COLORS_STYLE || s->colors > SETTINGS_COLORS_HISTOGRAM)
        return "preserve-colors must be 0 (style), 1 (luminance) or 2 (histogram)";
    if (s->device < SETTINGS_DEVICE_AUTO || s->device > SETTINGS_DEVICE_CUDA)
        return "device must be 0 (auto), 1 (cpu) or 2 (cuda)";
    return NULL;
}

double settings_style_weight(double strength)
{
    return DEFAULT_STYLE_WEIGHT * strength;
}
