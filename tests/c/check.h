/*
 * What the C host tests share: a CHECK that counts failures and prints the library's last
 * error, and small RGBA8 pictures.
 */
#ifndef PASTICHE_TEST_CHECK_H
#define PASTICHE_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <pastiche.h>

static int failures = 0;

#define CHECK(condition, ...)                                               \
    do {                                                                    \
        if (!(condition)) {                                                 \
            fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                   \
            fprintf(stderr, " (last error: %s)\n", pastiche_last_error()); \
            failures++;                                                     \
        }                                                                   \
    } while (0)

/* The last error mentions `text`. */
#define CHECK_MESSAGE(text) \
    CHECK(strstr(pastiche_last_error(), (text)) != NULL, "message does not mention \"%s\"", (text))

enum { WIDTH = 40, HEIGHT = 28 };

/* An RGBA8 picture: a smooth pattern shifted by `offset` pixels (a slow pan), alpha ramp. */
static void fill_frame(unsigned char *pixels, int offset) {
    for (int y = 0; y < HEIGHT; y++) {
        for (int x = 0; x < WIDTH; x++) {
            unsigned char *p = pixels + 4 * (y * WIDTH + x);
            double u = (x + offset) * 0.15, v = y * 0.2;
            p[0] = (unsigned char)(127 + 100 * sin(u) * cos(v));
            p[1] = (unsigned char)(127 + 100 * cos(u + v));
            p[2] = (unsigned char)(200 - 4 * y);
            p[3] = (unsigned char)(255 - 3 * x);
        }
    }
}

static pastiche_image image_of(unsigned char *pixels) {
    pastiche_image image;
    memset(&image, 0, sizeof image);
    image.struct_size = sizeof image;
    image.pixels = pixels;
    image.stride = 4 * WIDTH;
    image.width = WIDTH;
    image.height = HEIGHT;
    image.format = PASTICHE_PIXEL_RGBA8;
    return image;
}

static int report(const char *name) {
    if (failures == 0) printf("%s: all checks passed\n", name);
    return failures == 0 ? 0 : 1;
}

#endif
