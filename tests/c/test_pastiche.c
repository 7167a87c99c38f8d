/*
 * The C ABI as a host uses it: the installed header and library only.
 *
 *   test_pastiche STYLE_IMAGE SCRATCH_DIR
 *
 * Stylises a small image (style from a file and from memory, a live preview from the progress
 * callback), runs a 5-frame warm-started video session, cancels from the progress callback,
 * reads the engine's information and limits, and walks the common error paths. Exits 0 when
 * every check passes. tests/c/test_integrator.c holds the hostile cases.
 */
#include <stdlib.h>

#include "check.h"

enum { FRAMES = 5 };

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

/* Counts calls and takes a preview at each: the picture as the optimisation has it now. */
struct previews {
    int calls;
    int previews;
    unsigned char pixels[WIDTH * HEIGHT * 4];
};

static int count_progress(const pastiche_progress *progress, void *user_data) {
    struct previews *seen = user_data;
    seen->calls++;
    CHECK(progress->struct_size == sizeof *progress, "progress struct_size %zu", progress->struct_size);
    CHECK(PASTICHE_HAS_FIELD(progress, pastiche_progress, tiles), "progress lacks tiles");
    CHECK(progress->tiles == 1 && progress->tile == 0, "a 40x28 picture in tile %u of %u", progress->tile,
          progress->tiles);
    pastiche_image preview = image_of(seen->pixels);
    if (pastiche_progress_preview(progress, &preview) == PASTICHE_OK) seen->previews++;
    return 0;
}

static int note_tiles(const pastiche_progress *progress, void *user_data) {
    *(uint32_t *)user_data = progress->tiles;
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

    /* A struct_size below the first published size. */
    pastiche_params wrong = *params;
    wrong.struct_size = PASTICHE_PARAMS_SIZE_V1 - 8;
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
    CHECK_MESSAGE("0x28");

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
    CHECK(pastiche_engine_options_init(&options, sizeof options) == PASTICHE_OK, "options init");
    options.model = "/no/such/model.onnx";
    pastiche_engine *missing = NULL;
    CHECK(pastiche_engine_create(&options, &missing) == PASTICHE_ERROR_IO, "missing model accepted");
    CHECK(strstr(pastiche_last_error(), "/no/such/model.onnx") != NULL, "message names the model");
    CHECK(missing == NULL, "no engine on failure");
    CHECK(pastiche_params_init(NULL, sizeof(pastiche_params)) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "NULL params accepted");

    /* Preview outside a callback. */
    pastiche_progress fake;
    memset(&fake, 0, sizeof fake);
    CHECK(pastiche_progress_preview(&fake, &content) == PASTICHE_ERROR_INVALID_ARGUMENT, "preview outside a callback");
    CHECK_MESSAGE("inside a progress callback");
}

/* Quality presets: estimates before running, ordered by time; a bad value refused by name. */
static void quality_presets(const pastiche_params *params) {
    pastiche_params preset = *params;
    preset.size = 512;
    double seconds[4] = {0};
    for (uint32_t quality = PASTICHE_QUALITY_NONE; quality <= PASTICHE_QUALITY_FINE; quality++) {
        preset.quality = quality;
        CHECK(pastiche_estimate_seconds(&preset, 640, 480, 2, &seconds[quality]) == PASTICHE_OK,
              "estimate for quality %u: %s", quality, pastiche_last_error());
    }
    CHECK(seconds[PASTICHE_QUALITY_DRAFT] > 0 && seconds[PASTICHE_QUALITY_DRAFT] < seconds[PASTICHE_QUALITY_STANDARD] &&
              seconds[PASTICHE_QUALITY_STANDARD] < seconds[PASTICHE_QUALITY_FINE],
          "estimates not ordered: draft %.0f s, standard %.0f s, fine %.0f s", seconds[1], seconds[2], seconds[3]);
    preset.quality = 7;
    CHECK(pastiche_estimate_seconds(&preset, 640, 480, 2, &seconds[0]) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "quality 7 accepted");
    CHECK_MESSAGE("params.quality");
}

/* The engine describes itself, and the limits are the header's. */
static void engine_information(pastiche_engine *engine) {
    pastiche_engine_info info;
    info.struct_size = sizeof info;
    CHECK(pastiche_engine_get_info(engine, &info) == PASTICHE_OK, "engine info");
    CHECK(info.struct_size == sizeof info, "info struct_size %zu", info.struct_size);
    CHECK(strcmp(info.architecture, "vgg16") == 0, "architecture %s", info.architecture);
    CHECK(strstr(info.layers, "conv1_1,relu1_1,") == info.layers, "layers %s", info.layers);
    CHECK(strstr(info.layers, "relu4_2") != NULL, "layers %s", info.layers);
    CHECK(strstr(info.model_path, "model.onnx") != NULL, "model %s", info.model_path);
    CHECK(strstr(info.runtime_path, "libonnxruntime.so") != NULL, "runtime %s", info.runtime_path);
    CHECK(info.device == PASTICHE_DEVICE_CPU && info.threads == 1, "device %d threads %u", info.device, info.threads);

    pastiche_limits limits;
    limits.struct_size = sizeof limits;
    CHECK(pastiche_get_limits(&limits) == PASTICHE_OK, "limits");
    CHECK(limits.max_side == 32768 && limits.max_threads == 256 && limits.max_iterations == 100000 &&
              limits.max_styles == 64 && limits.min_size == 16 && limits.max_size == 32768 &&
              limits.max_stride == 32768u * 16,
          "limits differ from the header's conventions");
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s STYLE_IMAGE SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    CHECK(pastiche_abi_version() == PASTICHE_ABI_VERSION, "ABI version %u", pastiche_abi_version());

    pastiche_engine_options options;
    pastiche_engine *engine = NULL;
    CHECK(pastiche_engine_options_init(&options, sizeof options) == PASTICHE_OK, "options init");
    options.threads = 1; /* no thread pool: quicker under valgrind, and enough for 40x28 */
    if (pastiche_engine_create(&options, &engine) != PASTICHE_OK) {
        fprintf(stderr, "engine: %s\n", pastiche_last_error());
        return 1;
    }

    pastiche_params params;
    CHECK(pastiche_params_init(&params, sizeof params) == PASTICHE_OK, "params init");
    params.size = WIDTH;
    params.iterations = 6;

    const char *paths[1] = {argv[1]};
    pastiche_style *style = NULL;
    unsigned char content_pixels[WIDTH * HEIGHT * 4], output_pixels[WIDTH * HEIGHT * 4];
    fill_frame(content_pixels, 0);
    pastiche_image content = image_of(content_pixels), output = image_of(output_pixels);
    CHECK(pastiche_style_create(engine, paths, NULL, 1, &params, &content, &style) == PASTICHE_OK, "style");

    /* A still, previewed at every iteration: the last preview is the result. */
    struct previews seen;
    memset(&seen, 0, sizeof seen);
    CHECK(pastiche_stylize(engine, style, &params, &content, &output, count_progress, &seen) == PASTICHE_OK,
          "stylize");
    CHECK(seen.calls == 6 && seen.previews == 6, "progress called %d times, %d previews", seen.calls, seen.previews);
    CHECK(mean_difference(content_pixels, output_pixels) > 5, "the picture barely changed");
    CHECK(mean_difference(seen.pixels, output_pixels) < 1, "the last preview is not the result");
    CHECK(mean_difference(seen.pixels, content_pixels) > 5, "the preview shows the content");

    /* Full size in tiles: a 150x100 picture with 64-pixel tiles comes back at its own size. */
    {
        enum { BIG_W = 150, BIG_H = 100 };
        static unsigned char big[BIG_W * BIG_H * 4], big_out[BIG_W * BIG_H * 4];
        for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7 % 251);
        pastiche_image big_in = {sizeof big_in, big, 4 * BIG_W, BIG_W, BIG_H, PASTICHE_PIXEL_RGBA8,
                                 PASTICHE_ALPHA_STRAIGHT};
        pastiche_image big_output = big_in;
        big_output.pixels = big_out;
        pastiche_params full = params;
        full.size = PASTICHE_SIZE_FULL;
        full.tile_size = 64;
        full.scales = 1;
        full.iterations = 1;
        uint32_t tiles = 0;
        CHECK(pastiche_stylize(engine, style, &full, &big_in, &big_output, note_tiles, &tiles) == PASTICHE_OK,
              "full size in tiles");
        CHECK(tiles >= 4, "%u tiles", tiles);
        full.quality = 9;
        CHECK(pastiche_stylize(engine, style, &full, &big_in, &big_output, NULL, NULL) ==
                  PASTICHE_ERROR_INVALID_ARGUMENT, "quality 9 accepted");
    }

    /* A style from pixels in memory (the painting as a host has it open). */
    unsigned char from_memory[WIDTH * HEIGHT * 4];
    pastiche_image memory_output = image_of(from_memory);
    pastiche_style *memory_style = NULL;
    {
        char command[1024];
        snprintf(command, sizeof command, "convert '%s' -resize 64x64! -depth 8 rgb:%s/style.rgb", argv[1], argv[2]);
        CHECK(system(command) == 0, "%s", command);
        static unsigned char painting[64 * 64 * 3];
        snprintf(command, sizeof command, "%s/style.rgb", argv[2]);
        FILE *raw = fopen(command, "rb");
        CHECK(raw && fread(painting, 1, sizeof painting, raw) == sizeof painting, "reading %s", command);
        if (raw) fclose(raw);
        pastiche_image style_image;
        memset(&style_image, 0, sizeof style_image);
        style_image.struct_size = sizeof style_image;
        style_image.pixels = painting;
        style_image.stride = 64 * 3;
        style_image.width = style_image.height = 64;
        style_image.format = PASTICHE_PIXEL_RGB8;
        const pastiche_image *images[1] = {&style_image};
        CHECK(pastiche_style_create_from_images(engine, images, NULL, 1, &params, NULL, &memory_style) == PASTICHE_OK,
              "style from memory");
        CHECK(pastiche_stylize(engine, memory_style, &params, &content, &memory_output, NULL, NULL) == PASTICHE_OK,
              "stylize with the style from memory");
        CHECK(mean_difference(content_pixels, from_memory) > 5, "the style from memory changed nothing");
        pastiche_style_destroy(memory_style);
    }
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
        CHECK(stats.frame == (uint32_t)f + 1 && stats.seconds > 0, "frame %u took %f s", stats.frame, stats.seconds);
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
    quality_presets(&params);
    engine_information(engine);

    pastiche_video_destroy(video);
    pastiche_style_destroy(style);
    pastiche_engine_destroy(engine);
    pastiche_engine_destroy(NULL);
    return report("test_pastiche");
}
