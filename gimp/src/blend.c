#include "blend.h"

void blend_by_mask(float *result, const float *original, const float *mask, size_t pixels)
{
    for (size_t i = 0; i < pixels; i++) {
        float m = mask[i];
        for (size_t c = 4 * i; c < 4 * i + 4; c++)
            result[c] = m <= 0.0f ? original[c] : original[c] + (result[c] - original[c]) * m;
    }
}
