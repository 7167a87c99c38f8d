/*
 * The C ABI as a host uses it: the installed header and library only.
 *
 *   test_pastiche STYLE_IMAGE SCRATCH_DIR
 *
 * Stylises a small image, runs a 5-frame warm-started video session, cancels from the progress
 * callback, and walks the error paths. Exits 0 when every check passes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pastiche.h>

static int failures = 0;

#define CHECK(condition, ...)                                        \
    do {                                                             \
        if (!(condition)) {                                          \
            fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__);   \
            fprintf(stderr, __VA_ARGS__);                            \
            fprintf(stderr, " (last error: %s)\n", pastiche_last_error()); \
            failures++;                                              \
        }                                                            \
    } while (0)

enum { WIDTH = 40, HEIGHT = 28, FRAMES = 5 };

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
    pastiche_image image = {WIDTH, HEIGHT, 4 * WIDTH, PASTICHE_PIXEL_RGBA8, pixels};
    return image;
}

/* Mean absolute RGB difference between `later` and `earlier` moved `shift` pixels to the left
 * (the pan of fill_frame), over their overlap. */
static double warped_difference(const unsigned char *earlier, const unsigned char *later, int shift) {
    double sum = 0;
    for (int y = 0; y < HEIGHT; y++) {
        for (int x = 0; x + shift < WIDTH; x++) {
            for (int c = 0; c < 3; c++) {
                sum += fabs((double)earlier[4 * (y * WIDTH + x + shift) + c] - (double)later[4 * (y * WIDTH + x) + c]);
            }
        }
    }
    return sum / ((WIDTH - shift) * HEIGHT * 3);
}

static double mean_difference(const unsigned char *a, const unsigned char *b) { return warped_difference(a, b, 0); }

static int count_progress(const pastiche_progress *progress, void *user_data) {
    (void)progress;
    (*(int *)user_data)++;
    return 0;
}

static int cancel_at_second(const pastiche_progress *progress, void *user_data) {
    *(uint32_t *)user_data = progress->iteration;
    return progress->iteration >= 2;
}

static void error_paths(pastiche_engine *engine, const pastiche_params *params, const char *scratch) {
    pastiche_style *style = NULL;
    const char *paths[1];
    unsigned char pixels[WIDTH * HEIGHT * 4];
    fill_frame(pixels, 0);
    pastiche_image content = image_of(pixels);

    /* Null handle. */
    CHECK(pastiche_stylize(NULL, NULL, params, &content, &content, NULL, NULL) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "NULL engine accepted");
    CHECK(strstr(pastiche_last_error(), "engine is NULL") != NULL, "message for NULL engine");

    /* Wrong struct_size. */
    pastiche_params wrong = *params;
    wrong.struct_size = sizeof wrong - 8;
    paths[0] = "unused.jpg";
    CHECK(pastiche_style_create(engine, paths, NULL, 1, &wrong, NULL, &style) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "wrong struct_size accepted");
    CHECK(strstr(pastiche_last_error(), "struct_size") != NULL, "message for struct_size");

    /* NaN weight and zero-sized image. */
    wrong = *params;
    wrong.style_weight = NAN;
    CHECK(pastiche_style_create(engine, paths, NULL, 1, &wrong, NULL, &style) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "NaN weight accepted");
    CHECK(strstr(pastiche_last_error(), "style weight") != NULL, "message for NaN weight");

    /* A zero-sized image. */
    pastiche_image empty = content;
    empty.width = 0;
    CHECK(pastiche_style_create(engine, paths, NULL, 1, params, &empty, &style) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "zero-sized image accepted");
    CHECK(strstr(pastiche_last_error(), "0x28") != NULL, "message for the zero-sized image");

    /* Corrupt style image. */
    char corrupt[512];
    snprintf(corrupt, sizeof corrupt, "%s/corrupt.jpg", scratch);
    FILE *file = fopen(corrupt, "wb");
    CHECK(file != NULL, "cannot create %s", corrupt);
    if (file) {
        fputs("\xff\xd8 this is not really a JPEG", file);
        fclose(file);
    }
    paths[0] = corrupt;
    CHECK(pastiche_style_create(engine, paths, NULL, 1, params, NULL, &style) == PASTICHE_ERROR_IO,
          "corrupt style accepted");
    CHECK(strstr(pastiche_last_error(), "corrupt.jpg") != NULL, "message names the corrupt file");
    CHECK(style == NULL, "no handle on failure");

    /* Missing model. */
    pastiche_engine_options options;
    CHECK(pastiche_engine_options_default(&options) == PASTICHE_OK, "options default");
    options.model = "/no/such/model.onnx";
    pastiche_engine *missing = NULL;
    CHECK(pastiche_engine_create(&options, &missing) == PASTICHE_ERROR_IO, "missing model accepted");
    CHECK(strstr(pastiche_last_error(), "/no/such/model.onnx") != NULL, "message names the model");
    CHECK(missing == NULL, "no engine on failure");
    CHECK(pastiche_params_default(NULL) == PASTICHE_ERROR_INVALID_ARGUMENT, "NULL params accepted");
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s STYLE_IMAGE SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    CHECK(pastiche_abi_version() == PASTICHE_ABI_VERSION, "ABI version %u", pastiche_abi_version());

    pastiche_engine_options options;
    pastiche_engine *engine = NULL;
    CHECK(pastiche_engine_options_default(&options) == PASTICHE_OK, "options default");
    options.threads = 1; /* no thread pool: quicker under valgrind, and enough for 40x28 */
    if (pastiche_engine_create(&options, &engine) != PASTICHE_OK) {
        fprintf(stderr, "engine: %s\n", pastiche_last_error());
        return 1;
    }

    pastiche_params params;
    CHECK(pastiche_params_default(&params) == PASTICHE_OK, "params default");
    params.size = WIDTH;
    params.iterations = 6;

    const char *paths[1] = {argv[1]};
    pastiche_style *style = NULL;
    unsigned char content_pixels[WIDTH * HEIGHT * 4], output_pixels[WIDTH * HEIGHT * 4];
    fill_frame(content_pixels, 0);
    pastiche_image content = image_of(content_pixels), output = image_of(output_pixels);
    CHECK(pastiche_style_create(engine, paths, NULL, 1, &params, &content, &style) == PASTICHE_OK, "style");

    /* A still. */
    int calls = 0;
    CHECK(pastiche_stylize(engine, style, &params, &content, &output, count_progress, &calls) == PASTICHE_OK,
          "stylize");
    CHECK(calls == 6, "progress called %d times", calls);
    CHECK(mean_difference(content_pixels, output_pixels) > 5, "the picture barely changed");
    for (int i = 3; i < WIDTH * HEIGHT * 4; i += 4) {
        if (output_pixels[i] != content_pixels[i]) {
            CHECK(0, "alpha changed at byte %d", i);
            break;
        }
    }

    /* Cancel from the callback: the output stays untouched. */
    unsigned char sentinel[WIDTH * HEIGHT * 4];
    memset(output_pixels, 7, sizeof output_pixels);
    memcpy(sentinel, output_pixels, sizeof sentinel);
    uint32_t last_iteration = 0;
    params.iterations = 50;
    CHECK(pastiche_stylize(engine, style, &params, &content, &output, cancel_at_second, &last_iteration) ==
              PASTICHE_CANCELLED, "cancel");
    CHECK(last_iteration == 2, "cancelled after iteration %u", last_iteration);
    CHECK(memcmp(sentinel, output_pixels, sizeof sentinel) == 0, "a cancelled call wrote its output");

    /* A 5-frame pan: warm-started frames follow the picture and stay closer to their predecessor
     * (once it is moved along the pan) than independently stylised ones. */
    params.iterations = 6;
    pastiche_video *video = NULL;
    CHECK(pastiche_video_create(engine, style, &params, 12, 3, &video) == PASTICHE_OK, "video");
    unsigned char frames[FRAMES][WIDTH * HEIGHT * 4], warm[FRAMES][WIDTH * HEIGHT * 4], cold[FRAMES][WIDTH * HEIGHT * 4];
    pastiche_params cold_params = params;
    cold_params.iterations = 12;
    for (int f = 0; f < FRAMES; f++) {
        fill_frame(frames[f], f);
        pastiche_image frame = image_of(frames[f]), warm_out = image_of(warm[f]), cold_out = image_of(cold[f]);
        CHECK(pastiche_video_push(video, &frame, &warm_out, NULL, NULL) == PASTICHE_OK, "push %d", f);
        pastiche_frame_stats stats;
        stats.struct_size = sizeof stats;
        CHECK(pastiche_video_last_frame(video, &stats) == PASTICHE_OK, "stats");
        CHECK(stats.warm_started == (f > 0), "frame %d warm_started %d", f, stats.warm_started);
        CHECK(stats.iterations == (f == 0 ? 12u : 3u), "frame %d ran %u iterations", f, stats.iterations);
        CHECK(pastiche_stylize(engine, style, &cold_params, &frame, &cold_out, NULL, NULL) == PASTICHE_OK, "cold");
    }
    double warm_change = 0, cold_change = 0;
    for (int f = 1; f < FRAMES; f++) {
        warm_change += warped_difference(warm[f - 1], warm[f], 1);
        cold_change += warped_difference(cold[f - 1], cold[f], 1);
    }
    printf("frame-to-frame change along the pan: warm %.2f, independent %.2f\n", warm_change, cold_change);
    CHECK(warm_change < 0.5 * cold_change, "warm start does not halve the flicker");
    CHECK(pastiche_video_reset(video) == PASTICHE_OK, "reset");

    error_paths(engine, &params, argv[2]);

    pastiche_video_destroy(video);
    pastiche_style_destroy(style);
    pastiche_engine_destroy(engine);
    pastiche_engine_destroy(NULL);
    if (failures == 0) printf("all checks passed\n");
    return failures == 0 ? 0 : 1;
}
