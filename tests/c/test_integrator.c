/*
 * The hostile cases of an independent C integrator, one per process (ONNX Runtime is loaded once
 * per process, and the cases about loading it need a fresh one):
 *
 *   test_integrator CASE STYLE_IMAGE SCRATCH_DIR
 *
 * Each case exits 0 when the library refused the bad input with the documented status and a
 * message that names the problem, did no work, and left the process running.
 */
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

static const char *style_path, *scratch;
static pastiche_engine *engine;
static pastiche_params params;
static unsigned char content_pixels[WIDTH * HEIGHT * 4], output_pixels[WIDTH * HEIGHT * 4];
static pastiche_image content, output;

/* Counts progress calls: a refused call must make none. */
static int count(const pastiche_progress *progress, void *user_data) {
    (void)progress;
    (*(int *)user_data)++;
    return 0;
}

static pastiche_engine *create_engine(const char *runtime_library, pastiche_device device, uint32_t threads,
                                      pastiche_status *status) {
    pastiche_engine_options options;
    pastiche_engine_options_init(&options, sizeof options);
    options.runtime_library = runtime_library;
    options.device = device;
    options.threads = threads;
    pastiche_engine *created = NULL;
    *status = pastiche_engine_create(&options, &created);
    return created;
}

/* A working engine, params for a tiny quick run, and a content and output image. */
static void set_up(void) {
    pastiche_status status;
    engine = create_engine(NULL, PASTICHE_DEVICE_CPU, 1, &status);
    if (status != PASTICHE_OK) {
        fprintf(stderr, "engine: %s\n", pastiche_last_error());
        exit(1);
    }
    pastiche_params_init(&params, sizeof params);
    params.size = WIDTH;
    params.iterations = 2;
    fill_frame(content_pixels, 0);
    content = image_of(content_pixels);
    output = image_of(output_pixels);
}

static pastiche_style *make_style(void) {
    const char *paths[1] = {style_path};
    pastiche_style *style = NULL;
    CHECK(pastiche_style_create(engine, paths, NULL, 1, &params, NULL, &style) == PASTICHE_OK, "style");
    return style;
}

/* Stylises with `bad_content` and `bad_output`; expects INVALID_ARGUMENT naming `text`, no
 * progress, an untouched output, all in well under a second. */
static void expect_refused(const pastiche_image *bad_content, const pastiche_image *bad_output, const char *text) {
    pastiche_style *style = make_style();
    int calls = 0;
    memset(output_pixels, 7, sizeof output_pixels);
    clock_t started = clock();
    CHECK(pastiche_stylize(engine, style, &params, bad_content, bad_output, count, &calls) ==
              PASTICHE_ERROR_INVALID_ARGUMENT,
          "bad image accepted");
    double seconds = (double)(clock() - started) / CLOCKS_PER_SEC;
    CHECK_MESSAGE(text);
    CHECK(calls == 0, "%d progress calls before the refusal", calls);
    CHECK(seconds < 0.5, "the refusal took %.2f s of CPU: work was done first", seconds);
    CHECK(output_pixels[0] == 7 && output_pixels[sizeof output_pixels - 1] == 7, "output written");
    pastiche_style_destroy(style);
}

/* Issue 18: strides that would reach far outside any buffer, on input and output. */
static void absurd_strides(void) {
    set_up();
    const size_t strides[] = {SIZE_MAX / 2 + 1, (size_t)1 << 40, (size_t)-(4 * WIDTH), 4 * WIDTH - 1};
    for (size_t i = 0; i < sizeof strides / sizeof *strides; i++) {
        pastiche_image bad = content;
        bad.width = 128;
        bad.height = 3;
        bad.stride = strides[i];
        expect_refused(&bad, &output, "stride");
        bad = output;
        bad.stride = strides[i];
        expect_refused(&content, &bad, "output.stride");
    }
    pastiche_image wrapping = content;
    wrapping.pixels = (void *)(UINTPTR_MAX - 64);
    expect_refused(&wrapping, &output, "address space");
}

static void bad_image_fields(void) {
    set_up();
    pastiche_image bad = content;
    bad.format = 99;
    expect_refused(&bad, &output, "content.format 99");
    bad = content;
    bad.alpha = 7;
    expect_refused(&bad, &output, "content.alpha 7");
    bad = content;
    bad.struct_size = 8;
    expect_refused(&bad, &output, "content.struct_size is 8");
    bad = content;
    bad.pixels = NULL;
    expect_refused(&bad, &output, "content.pixels is NULL");
    bad = content;
    bad.width = 40000;
    expect_refused(&bad, &output, "40000x28");
}

/* Issue 14: NaN or infinite float pixels are refused, not turned into a NaN loss. */
static void nan_pixels(void) {
    set_up();
    static float floats[HEIGHT][WIDTH][4];
    for (int y = 0; y < HEIGHT; y++)
        for (int x = 0; x < WIDTH; x++)
            for (int c = 0; c < 4; c++) floats[y][x][c] = 0.5f;
    floats[3][5][1] = NAN;
    pastiche_image bad = content;
    bad.format = PASTICHE_PIXEL_RGBA32F;
    bad.pixels = floats;
    bad.stride = sizeof floats[0];
    expect_refused(&bad, &output, "pixel (5, 3)");
    floats[3][5][1] = INFINITY;
    expect_refused(&bad, &output, "inf");
}

/* Issues 14 and 18: thread counts beyond the documented 256 fail at engine creation. */
static void absurd_threads(void) {
    const uint32_t counts[] = {257, 1000, 100000, UINT32_MAX};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        pastiche_status status;
        clock_t started = clock();
        pastiche_engine *created = create_engine(NULL, PASTICHE_DEVICE_CPU, counts[i], &status);
        CHECK(status == PASTICHE_ERROR_INVALID_ARGUMENT && created == NULL, "threads %u accepted", counts[i]);
        CHECK_MESSAGE("threads");
        CHECK((double)(clock() - started) / CLOCKS_PER_SEC < 0.5, "threads %u: work before the refusal", counts[i]);
    }
}

/* Issue 14: iteration counts beyond the documented 100000 fail before any work. */
static void absurd_iterations(void) {
    set_up();
    pastiche_style *style = make_style();
    params.iterations = 4000000000u;
    int calls = 0;
    CHECK(pastiche_stylize(engine, style, &params, &content, &output, count, &calls) ==
              PASTICHE_ERROR_INVALID_ARGUMENT, "4e9 iterations accepted");
    CHECK_MESSAGE("iterations");
    CHECK(calls == 0, "work was done");
    pastiche_video *video = NULL;
    params.iterations = 2;
    CHECK(pastiche_video_create(engine, style, &params, 2, 200000, &video) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "200000 later-frame iterations accepted");
    CHECK_MESSAGE("later-frame iterations");
    pastiche_style_destroy(style);
}

/* Issue 18: handles used after destroy are refused, not freed twice. */
static void use_after_destroy(void) {
    set_up();
    pastiche_style *style = make_style();
    pastiche_video *video = NULL;
    CHECK(pastiche_video_create(engine, style, &params, 2, 1, &video) == PASTICHE_OK, "video");
    pastiche_engine_destroy(engine);
    CHECK(pastiche_video_push(video, &content, &output, NULL, NULL) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "push after the engine was destroyed");
    CHECK_MESSAGE("engine was destroyed");
    CHECK(pastiche_stylize(engine, style, &params, &content, &output, NULL, NULL) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "stylize with a destroyed engine");
    CHECK_MESSAGE("not a live engine handle");
    pastiche_engine_destroy(engine); /* twice: ignored, said */
    CHECK_MESSAGE("not a live engine handle");
    pastiche_video_destroy(video);
    CHECK(pastiche_video_push(video, &content, &output, NULL, NULL) == PASTICHE_ERROR_INVALID_ARGUMENT,
          "push after the video was destroyed");
    CHECK(pastiche_video_reset((pastiche_video *)style) == PASTICHE_ERROR_INVALID_ARGUMENT, "a style as a video");
    pastiche_style_destroy(style);
    pastiche_style_destroy(style);
    pastiche_engine_destroy((pastiche_engine *)&params); /* not a handle at all */
    CHECK_MESSAGE("not a live engine handle");
}

/* Issue 14: destroying NULL after a failure keeps the failure's message for the host to show. */
static void destroy_keeps_the_last_error(void) {
    CHECK(pastiche_params_init(NULL, sizeof params) == PASTICHE_ERROR_INVALID_ARGUMENT, "NULL params");
    pastiche_engine_destroy(NULL);
    pastiche_style_destroy(NULL);
    pastiche_video_destroy(NULL);
    CHECK_MESSAGE("params is NULL");
}

/* Issue 14: a truncated JPEG style is an IO error naming the file. */
static void truncated_style(void) {
    set_up();
    char truncated[1024], command[2048];
    snprintf(truncated, sizeof truncated, "%s/half.jpg", scratch);
    snprintf(command, sizeof command, "head -c $(( $(stat -c %%s '%s') / 2 )) '%s' > '%s'", style_path, style_path,
             truncated);
    CHECK(system(command) == 0, "%s", command);
    const char *paths[1] = {truncated};
    pastiche_style *style = NULL;
    CHECK(pastiche_style_create(engine, paths, NULL, 1, &params, NULL, &style) == PASTICHE_ERROR_IO,
          "truncated JPEG accepted");
    CHECK_MESSAGE("half.jpg");
    CHECK_MESSAGE("truncated");
}

/* Issue 14: a runtime library that cannot be loaded is an error naming it — never replaced by
 * another ONNX Runtime. `which` picks the bad library. */
static void bad_runtime(const char *which) {
    char path[1024];
    const char *library = path;
    if (strcmp(which, "text") == 0) {
        snprintf(path, sizeof path, "%s/notes.so", scratch);
        FILE *file = fopen(path, "w");
        fputs("not a library\n", file);
        fclose(file);
    } else if (strcmp(which, "fake-elf") == 0) {
        snprintf(path, sizeof path, "%s/fake.so", scratch);
        FILE *file = fopen(path, "wb");
        fputs("\177ELF\2\1\1\0\0\0\0\0\0\0\0\0 truncated ELF header", file);
        fclose(file);
    } else if (strcmp(which, "other-library") == 0) {
        library = "/lib/x86_64-linux-gnu/libz.so.1";
    } else {
        snprintf(path, sizeof path, "%s/no/such/libonnxruntime.so", scratch);
    }
    pastiche_status status;
    pastiche_engine *created = create_engine(library, PASTICHE_DEVICE_CPU, 1, &status);
    CHECK(status == PASTICHE_ERROR_RUNTIME && created == NULL, "%s runtime accepted (status %d)", which, status);
    CHECK_MESSAGE(library);
    CHECK_MESSAGE("runtime library option");
}

/* Issue 14: the same through $PASTICHE_ORT_LIB (set by the runner). */
static void bad_runtime_environment(void) {
    pastiche_status status;
    pastiche_engine *created = create_engine(NULL, PASTICHE_DEVICE_CPU, 1, &status);
    CHECK(status == PASTICHE_ERROR_RUNTIME && created == NULL, "bad $PASTICHE_ORT_LIB accepted");
    CHECK_MESSAGE(getenv("PASTICHE_ORT_LIB"));
    CHECK_MESSAGE("$PASTICHE_ORT_LIB");
}

/* A second engine asking for another runtime than the one the process runs is refused. */
static void second_runtime(void) {
    set_up();
    pastiche_status status;
    pastiche_engine *second = create_engine("/lib/x86_64-linux-gnu/libz.so.1", PASTICHE_DEVICE_CPU, 1, &status);
    CHECK(status == PASTICHE_ERROR_RUNTIME && second == NULL, "a second runtime accepted");
    CHECK_MESSAGE("already runs ONNX Runtime from");
}

/* Issues 14 and 16: CUDA that cannot run fails at engine creation, so a host can probe for it;
 * AUTO falls back to the CPU and says why. */
static void cuda_probe(void) {
    pastiche_status status;
    pastiche_engine *created = create_engine(NULL, PASTICHE_DEVICE_CUDA, 1, &status);
    CHECK(status == PASTICHE_ERROR_DEVICE_UNAVAILABLE && created == NULL, "CUDA engine created without CUDA");
    CHECK_MESSAGE("cuda");
    created = create_engine(NULL, PASTICHE_DEVICE_AUTO, 1, &status);
    CHECK(status == PASTICHE_OK, "AUTO failed");
    pastiche_engine_info info;
    info.struct_size = sizeof info;
    CHECK(pastiche_engine_get_info(created, &info) == PASTICHE_OK, "info");
    CHECK(info.device == PASTICHE_DEVICE_CPU && info.fallback_reason[0] != '\0', "AUTO: device %d, reason '%s'",
          info.device, info.fallback_reason);
    pastiche_engine_destroy(created);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CASE STYLE_IMAGE SCRATCH_DIR\n", argv[0]);
        return 2;
    }
    const char *name = argv[1];
    style_path = argv[2];
    scratch = argv[3];
    if (strcmp(name, "absurd-strides") == 0) absurd_strides();
    else if (strcmp(name, "bad-image-fields") == 0) bad_image_fields();
    else if (strcmp(name, "nan-pixels") == 0) nan_pixels();
    else if (strcmp(name, "absurd-threads") == 0) absurd_threads();
    else if (strcmp(name, "absurd-iterations") == 0) absurd_iterations();
    else if (strcmp(name, "use-after-destroy") == 0) use_after_destroy();
    else if (strcmp(name, "destroy-keeps-the-last-error") == 0) destroy_keeps_the_last_error();
    else if (strcmp(name, "truncated-style") == 0) truncated_style();
    else if (strcmp(name, "bad-runtime-environment") == 0) bad_runtime_environment();
    else if (strncmp(name, "bad-runtime-", 12) == 0) bad_runtime(name + 12);
    else if (strcmp(name, "second-runtime") == 0) second_runtime();
    else if (strcmp(name, "cuda-probe") == 0) cuda_probe();
    else {
        fprintf(stderr, "unknown case %s\n", name);
        return 2;
    }
    return report(name);
}
