/*
 * libFuzzer harness over libpastiche's C entry points (tests/fuzz/run.sh builds and runs it).
 *
 * The first byte of an input picks an operation; the rest fills its structs, sizes, strides,
 * handles, pixels or file contents. The harness knows the header's rules, and where they say a
 * call must be refused it aborts (a finding) unless the library returned
 * PASTICHE_ERROR_INVALID_ARGUMENT (or IO for files). Calls that the rules allow are made only
 * where the harness can back them with real memory of the declared size and the work stays
 * small, so that AddressSanitizer sees any access outside the caller's buffers.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <pastiche.h>

/* The library's limits, as the header documents them. */
enum { MAX_SIDE = 32768, MAX_STRUCT = 4096 };
#define MAX_PIXELS 150000000ull
#define MAX_STRIDE ((size_t)MAX_SIDE * 16)
/* Buffers the harness backs an image with stay below this. */
#define MAX_BACKED ((size_t)1 << 16)

static pastiche_engine *engine;
static pastiche_style *style;
static pastiche_video *video;
static pastiche_style *destroyed_style;
static char style_file[256];

/* Reads the fuzz input front to back; past its end everything is zero. */
typedef struct {
    const uint8_t *data;
    size_t size;
} input;

static uint64_t take(input *in, size_t bytes) {
    uint64_t value = 0;
    for (size_t i = 0; i < bytes; i++) {
        value |= (uint64_t)(in->size ? (in->size--, *in->data++) : 0) << (8 * i);
    }
    return value;
}

#define EXPECT(condition, ...)                                                           \
    do {                                                                                 \
        if (!(condition)) {                                                              \
            fprintf(stderr, "fuzz: broken rule: " __VA_ARGS__);                          \
            fprintf(stderr, " (last error: %s)\n", pastiche_last_error());              \
            abort();                                                                     \
        }                                                                                \
    } while (0)

static size_t bytes_per_pixel(int format) {
    switch (format) {
    case PASTICHE_PIXEL_RGBA8:
    case PASTICHE_PIXEL_BGRA8: return 4;
    case PASTICHE_PIXEL_RGB8: return 3;
    case PASTICHE_PIXEL_RGBA32F: return 16;
    default: return 0;
    }
}

/* A fuzzed image description. Returns 1 (valid, backed by `*buffer` of exactly the span the
 * header says is read, filled from the input), 0 (invalid by the rules, backed by a few bytes)
 * or -1 (valid but too large to back: not to be passed). */
static int fuzzed_image(input *in, pastiche_image *image, uint8_t **buffer) {
    memset(image, 0, sizeof *image);
    uint8_t shape = (uint8_t)take(in, 1);
    image->struct_size = (shape & 1) ? (size_t)take(in, 2) : sizeof *image;
    image->width = (shape & 2) ? (uint32_t)take(in, 4) : (uint32_t)take(in, 1) + 1;
    image->height = (shape & 4) ? (uint32_t)take(in, 4) : (uint32_t)take(in, 1) + 1;
    image->format = (pastiche_pixel_format)((shape & 8) ? (int32_t)take(in, 4) : (int32_t)take(in, 1) % 4);
    image->alpha = (pastiche_alpha_mode)((shape & 16) ? (int32_t)take(in, 4) : (int32_t)take(in, 1) % 2);
    size_t bpp = bytes_per_pixel(image->format);
    size_t row = (size_t)image->width * bpp;
    image->stride = (shape & 32) ? (size_t)take(in, 8) : row + take(in, 1);
    int null_pixels = (shape & 64) != 0;

    int valid = image->struct_size >= PASTICHE_IMAGE_SIZE_V1 && image->struct_size <= MAX_STRUCT &&
                image->struct_size % 8 == 0 && bpp != 0 && (image->alpha == 0 || image->alpha == 1) &&
                !null_pixels && image->width >= 1 && image->height >= 1 && image->width <= MAX_SIDE &&
                image->height <= MAX_SIDE && (uint64_t)image->width * image->height <= MAX_PIXELS &&
                image->stride >= row && image->stride <= MAX_STRIDE;
    size_t span = valid ? image->stride * (image->height - 1) + row : 0;
    if (valid && span > MAX_BACKED) return -1;
    *buffer = malloc(valid ? span : 8);
    if (valid) {
        for (size_t i = 0; i < span; i++) (*buffer)[i] = (uint8_t)take(in, 1);
    }
    image->pixels = null_pixels ? NULL : *buffer;
    return valid;
}

/* Copies `image` into a zeroed block of its declared struct_size (when that is larger than the
 * header's struct), so that the library reads only memory the caller owns. */
static const pastiche_image *declared(const pastiche_image *image, uint8_t *block) {
    if (image->struct_size <= sizeof *image || image->struct_size > MAX_STRUCT) return image;
    memset(block, 0, MAX_STRUCT);
    memcpy(block, image, sizeof *image);
    return (const pastiche_image *)block;
}

static int cancel_at_once(const pastiche_progress *progress, void *user_data) {
    (void)progress;
    (void)user_data;
    return 1;
}

/* Style from a fuzzed image in memory: invalid descriptions are refused; valid ones are read. */
static void image_operation(input *in) {
    pastiche_image image;
    uint8_t *buffer = NULL;
    static uint8_t block[MAX_STRUCT];
    int valid = fuzzed_image(in, &image, &buffer);
    if (valid >= 0) {
        pastiche_params params;
        pastiche_params_init(&params, sizeof params);
        const pastiche_image *images[1] = {declared(&image, block)};
        pastiche_style *made = NULL;
        pastiche_status status = pastiche_style_create_from_images(engine, images, NULL, 1, &params, NULL, &made);
        if (!valid) EXPECT(status == PASTICHE_ERROR_INVALID_ARGUMENT, "invalid style image accepted: %d", status);
        pastiche_style_destroy(made);
    }
    free(buffer);
}

/* Stylize with a fuzzed output description: an invalid one is refused before any work (the
 * callback would cancel at the first iteration and give CANCELLED instead). */
static void output_operation(input *in) {
    pastiche_image output;
    uint8_t *buffer = NULL;
    static uint8_t block[MAX_STRUCT];
    int valid = fuzzed_image(in, &output, &buffer);
    if (valid == 0) {
        uint8_t pixels[16 * 16 * 4];
        memset(pixels, 128, sizeof pixels);
        pastiche_image content = {sizeof content, pixels, 64, 16, 16, PASTICHE_PIXEL_RGBA8, PASTICHE_ALPHA_STRAIGHT};
        pastiche_params params;
        pastiche_params_init(&params, sizeof params);
        params.size = 16;
        params.iterations = 1;
        pastiche_status status =
            pastiche_stylize(engine, style, &params, &content, declared(&output, block), cancel_at_once, NULL);
        EXPECT(status == PASTICHE_ERROR_INVALID_ARGUMENT, "invalid output accepted: %d", status);
    }
    free(buffer);
}

/* Fuzzed params: any struct_size, any field values. The style file does not exist, so a params
 * struct that passes costs an IO error and no work. */
static void params_operation(input *in) {
    static uint8_t block[MAX_STRUCT];
    memset(block, 0, sizeof block);
    pastiche_params *params = (pastiche_params *)block;
    pastiche_params_init(params, sizeof *params);
    size_t fields = take(in, 1) % sizeof *params;
    for (size_t i = 0; i < fields; i++) block[take(in, 1) % sizeof *params] = (uint8_t)take(in, 1);
    uint8_t layers = (uint8_t)take(in, 1);
    int newer_field_set = 0;
    static char names[2][32];
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 31; i++) names[k][i] = (char)(take(in, 1) % 96 + 32);
        names[k][31] = 0;
    }
    params->content_layers = (layers & 1) ? names[0] : NULL;
    params->style_layers = (layers & 2) ? names[1] : NULL;
    if (layers & 4) {
        params->struct_size = (size_t)take(in, 2) % (MAX_STRUCT + 64);
        /* Beyond the header's struct, the caller's (zeroed) bytes; a set byte there is a newer
         * field this library must refuse. */
        newer_field_set = (layers & 8) && params->struct_size > sizeof *params && params->struct_size <= MAX_STRUCT;
        if (newer_field_set) block[params->struct_size - 1] = 1;
    }
    const char *paths[1] = {"/nonexistent/style.png"};
    pastiche_style *made = NULL;
    pastiche_status status = pastiche_style_create(engine, paths, NULL, 1, params, NULL, &made);
    EXPECT(status == PASTICHE_ERROR_INVALID_ARGUMENT || status == PASTICHE_ERROR_IO,
           "params with a missing style file gave %d", status);
    size_t size = params->struct_size;
    if (size < PASTICHE_PARAMS_SIZE_V1 || size > MAX_STRUCT || size % 8 || newer_field_set)
        EXPECT(status == PASTICHE_ERROR_INVALID_ARGUMENT, "params of struct_size %zu accepted", size);
    EXPECT(made == NULL, "a style from a missing file");
}

/* Engine options the rules refuse (a valid set would load the model: skipped). */
static void options_operation(input *in) {
    static uint8_t block[MAX_STRUCT];
    memset(block, 0, sizeof block);
    pastiche_engine_options *options = (pastiche_engine_options *)block;
    pastiche_engine_options_init(options, sizeof *options);
    size_t size = take(in, 1) & 1 ? (size_t)take(in, 2) : sizeof *options;
    options->struct_size = size;
    options->device = (pastiche_device)(int32_t)take(in, 4);
    options->threads = (uint32_t)take(in, 4);
    int valid = size >= PASTICHE_ENGINE_OPTIONS_SIZE_V1 && size <= MAX_STRUCT && size % 8 == 0 &&
                options->device >= 0 && options->device <= 2 && options->threads <= 256;
    if (valid) return;
    pastiche_engine *made = NULL;
    pastiche_status status = pastiche_engine_create(options, &made);
    EXPECT(status == PASTICHE_ERROR_INVALID_ARGUMENT && made == NULL,
           "options (device %d, threads %u, size %zu) gave %d", options->device, options->threads, size, status);
}

/* Handles: live, destroyed, of another type, or made up. Only live ones of the right type pass. */
static void handle_operation(input *in) {
    uint8_t which = (uint8_t)take(in, 1);
    void *candidates[] = {engine, style, video, destroyed_style, (void *)(uintptr_t)take(in, 8), NULL};
    void *handle = candidates[which % 6];
    pastiche_frame_stats stats;
    stats.struct_size = sizeof stats;
    pastiche_status status;
    switch ((which >> 4) % 4) {
    case 0:
        status = pastiche_video_last_frame(handle, &stats);
        EXPECT((status == PASTICHE_OK) == (handle == video), "video_last_frame(%p) gave %d", handle, status);
        break;
    case 1:
        status = pastiche_video_reset(handle == video ? NULL : handle);
        EXPECT(status == PASTICHE_ERROR_INVALID_ARGUMENT, "video_reset(%p) gave %d", handle, status);
        break;
    case 2: {
        pastiche_engine_info info;
        info.struct_size = sizeof info;
        status = pastiche_engine_get_info(handle, &info);
        EXPECT((status == PASTICHE_OK) == (handle == engine), "engine_get_info(%p) gave %d", handle, status);
        break;
    }
    default:
        if (handle != engine && handle != style && handle != video) {
            pastiche_style_destroy(handle);
            pastiche_video_destroy(handle);
            pastiche_engine_destroy(handle);
        }
    }
}

/* The *_init and output-struct size rules: refused or honoured, never a byte past the size. */
static void init_operation(input *in) {
    static uint8_t block[MAX_STRUCT + 64];
    size_t size = (size_t)take(in, 2) % (MAX_STRUCT + 64);
    memset(block, 0xEE, sizeof block);
    int params = take(in, 1) & 1;
    pastiche_status status;
    size_t smallest;
    if (params) {
        status = pastiche_params_init((pastiche_params *)block, size);
        smallest = PASTICHE_PARAMS_SIZE_V1;
    } else {
        memcpy(block, &size, sizeof size);
        status = pastiche_get_limits((pastiche_limits *)block);
        smallest = sizeof(pastiche_limits);
    }
    int valid = size % 8 == 0 && size <= MAX_STRUCT && size >= smallest;
    EXPECT((status == PASTICHE_OK) == valid, "size %zu gave %d", size, status);
    for (size_t i = size < sizeof(size_t) ? sizeof(size_t) : size; i < sizeof block; i++)
        EXPECT(block[i] == 0xEE, "byte %zu beyond the declared %zu bytes written", i, size);
}

/* Fuzzed file contents as a style image: decoded or refused as IO, never a crash. */
static void file_operation(input *in) {
    FILE *file = fopen(style_file, "wb");
    if (!file) abort();
    fwrite(in->data, 1, in->size, file);
    fclose(file);
    pastiche_params params;
    pastiche_params_init(&params, sizeof params);
    const char *paths[1] = {style_file};
    pastiche_style *made = NULL;
    pastiche_status status = pastiche_style_create(engine, paths, NULL, 1, &params, NULL, &made);
    EXPECT(status == PASTICHE_OK || status == PASTICHE_ERROR_IO, "a style file gave %d", status);
    pastiche_style_destroy(made);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    pastiche_engine_options options;
    pastiche_engine_options_init(&options, sizeof options);
    options.threads = 1;
    if (pastiche_engine_create(&options, &engine) != PASTICHE_OK) {
        fprintf(stderr, "fuzz: engine: %s\n", pastiche_last_error());
        exit(1);
    }
    const char *painting = getenv("PASTICHE_FUZZ_STYLE");
    pastiche_params params;
    pastiche_params_init(&params, sizeof params);
    params.size = 16;
    if (!painting || pastiche_style_create(engine, &painting, NULL, 1, &params, NULL, &style) != PASTICHE_OK ||
        pastiche_style_create(engine, &painting, NULL, 1, &params, NULL, &destroyed_style) != PASTICHE_OK ||
        pastiche_video_create(engine, style, &params, 1, 1, &video) != PASTICHE_OK) {
        fprintf(stderr, "fuzz: set PASTICHE_FUZZ_STYLE to a painting (%s)\n", pastiche_last_error());
        exit(1);
    }
    pastiche_style_destroy(destroyed_style);
    snprintf(style_file, sizeof style_file, "/tmp/pastiche-fuzz-%d.img", (int)getpid());
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    input in = {data, size};
    switch (take(&in, 1) % 7) {
    case 0: image_operation(&in); break;
    case 1: output_operation(&in); break;
    case 2: params_operation(&in); break;
    case 3: options_operation(&in); break;
    case 4: handle_operation(&in); break;
    case 5: init_operation(&in); break;
    default: file_operation(&in); break;
    }
    return 0;
}
