/*
 * One library, callers of two generations (the header's "Growth" rules):
 *
 *   cc -DCALLER_OLD    -I old/    test_compat.c   — built before the fields appended after the
 *                                                   first published layout existed;
 *   cc -DCALLER_FUTURE -I future/ test_compat.c   — built against a later header that appended
 *                                                   a field the library does not know yet.
 *
 *   test_compat STYLE_IMAGE
 *
 * tests/c/run.sh makes both headers from today's pastiche.h.
 */
#include <stdint.h>
#include <stdlib.h>

#include "check.h"

static pastiche_engine *engine;
static pastiche_style *style;

static pastiche_status run(const pastiche_params *params) {
    static unsigned char content_pixels[WIDTH * HEIGHT * 4], output_pixels[WIDTH * HEIGHT * 4];
    fill_frame(content_pixels, 0);
    pastiche_image content = image_of(content_pixels), output = image_of(output_pixels);
    memset(output_pixels, 0, sizeof output_pixels);
    pastiche_status status = pastiche_stylize(engine, style, params, &content, &output, NULL, NULL);
    if (status == PASTICHE_OK) {
        double change = 0;
        for (size_t i = 0; i < sizeof content_pixels; i++) change += abs(content_pixels[i] - output_pixels[i]);
        CHECK(change / sizeof content_pixels > 2, "the picture barely changed");
    }
    return status;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s STYLE_IMAGE\n", argv[0]);
        return 2;
    }
    pastiche_engine_options options;
    CHECK(pastiche_engine_options_init(&options, sizeof options) == PASTICHE_OK, "options init");
    options.threads = 1;
    if (pastiche_engine_create(&options, &engine) != PASTICHE_OK) {
        fprintf(stderr, "engine: %s\n", pastiche_last_error());
        return 1;
    }
    pastiche_params params;
    CHECK(pastiche_params_init(&params, sizeof params) == PASTICHE_OK, "params init with sizeof %zu", sizeof params);
    CHECK(params.struct_size == sizeof params, "struct_size %zu", params.struct_size);
    params.size = WIDTH;
    params.iterations = 2;
    const char *paths[1] = {argv[1]};
    CHECK(pastiche_style_create(engine, paths, NULL, 1, &params, NULL, &style) == PASTICHE_OK, "style");

#ifdef CALLER_OLD
    /* The old struct lacks the layer fields: the library's defaults fill in. */
    CHECK(sizeof params == PASTICHE_PARAMS_SIZE_V1, "old params are %zu bytes", sizeof params);
    CHECK(run(&params) == PASTICHE_OK, "an old caller's run");
#endif

#ifdef CALLER_FUTURE
    /* init zeroed the field the library does not know; zero means "as before", so it runs. */
    CHECK(params.future_field == 0, "init left the unknown field %llu", (unsigned long long)params.future_field);
    CHECK(run(&params) == PASTICHE_OK, "a newer caller's run with the new field unset");
    /* Set, the library cannot honour it: refused, naming the struct. */
    params.future_field = 1;
    CHECK(run(&params) == PASTICHE_ERROR_INVALID_ARGUMENT, "a newer caller's unknown field ignored");
    CHECK_MESSAGE("newer pastiche.h");

    /* An output struct larger than the library's: the library writes what it knows, says how
     * much, and leaves the rest alone. */
    pastiche_limits limits;
    memset(&limits, 0xAB, sizeof limits);
    limits.struct_size = sizeof limits;
    CHECK(pastiche_get_limits(&limits) == PASTICHE_OK, "limits");
    CHECK(limits.struct_size == sizeof limits - 8, "the library wrote %zu bytes", limits.struct_size);
    CHECK(!PASTICHE_HAS_FIELD(&limits, pastiche_limits, future_limit), "the unknown field reported as written");
    CHECK(limits.future_limit == 0xABABABABABABABABull, "the library wrote past its own struct");
    CHECK(limits.max_threads == 256, "max_threads %u", limits.max_threads);
#endif
    pastiche_style_destroy(style);
    pastiche_engine_destroy(engine);
#ifdef CALLER_OLD
    return report("test_compat (old caller)");
#else
    return report("test_compat (newer caller)");
#endif
}
