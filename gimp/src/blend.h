/*
 * blend.h — confine a result to the selection, feathered edges included.
 */
#ifndef PASTICHE_GIMP_BLEND_H
#define PASTICHE_GIMP_BLEND_H

#include <stddef.h>

/* result = original + (result - original) * mask, for each of the 4 RGBA channels of `pixels`
 * pixels: where the selection is 0 the original comes back exactly, where it is 1 the
 * stylised pixel, and in a feathered edge a mix. `mask` holds one float (0..1) per pixel. */
void blend_by_mask(float *result, const float *original, const float *mask, size_t pixels);

#endif
