#include "render.h"

#include <stdio.h>

#include <pastiche.h>

/* libpastiche refuses working sizes below this. */
static const uint32_t SMALLEST_WORKING_SIZE = 16;

uint32_t render_working_size(const settings *s, uint32_t width, uint32_t height)
{
    uint32_t longest = width > height ? width : height;
    uint32_t size = s->size != SETTINGS_SIZE_FULL && (uint32_t)s->size < longest ? (uint32_t)s->size : longest;
    return size < SMALLEST_WORKING_SIZE ? SMALLEST_WORKING_SIZE : size;
}

/* Each resolution has four times the pixels of the one before, so it costs about four times
 * as much; weighting by that keeps the bar moving at an even pace. */
static double scale_cost(uint32_t scale)
{
    double cost = 1.0;
    for (uint32_t k = 0; k < scale; k++)
        cost *= 4.0;
    return cost;
}

/* The picture as it is now, resampled to the request's size (pastiche_progress_preview may be
 * called only here, inside the progress callback). */
static void show_preview(const pastiche_progress *p, const render_request *request)
{
    pastiche_image frame = {sizeof(pastiche_image), request->preview_pixels,
                            (size_t)request->width * 4 * sizeof(float), request->width, request->height,
                            PASTICHE_PIXEL_RGBA32F, PASTICHE_ALPHA_STRAIGHT};
    if (pastiche_progress_preview(p, &frame) == PASTICHE_OK)
        request->preview_ready(request->user_data);
}

static int relay_progress(const pastiche_progress *p, void *user_data)
{
    const render_request *request = user_data;
    double done = 0.0, total = 0.0;
    for (uint32_t k = 0; k < p->scales; k++) {
        total += scale_cost(k);
        if (k < p->scale)
            done += scale_cost(k);
    }
    /* A scale run in tiles optimises each tile for all its iterations in turn. */
    double within = (double)p->iteration / (p->iterations ? p->iterations : 1);
    if (PASTICHE_HAS_FIELD(p, pastiche_progress, tiles) && p->tiles > 1)
        within = (p->tile + within) / p->tiles;
    done += scale_cost(p->scale) * within;
    if (request->preview_ready)
        show_preview(p, request);
    return request->progress(NULL, done / total, request->user_data);
}

static pastiche_device device_of(int32_t device)
{
    switch (device) {
    case SETTINGS_DEVICE_CPU:
        return PASTICHE_DEVICE_CPU;
    case SETTINGS_DEVICE_CUDA:
        return PASTICHE_DEVICE_CUDA;
    default:
        return PASTICHE_DEVICE_AUTO;
    }
}

static pastiche_colors colors_of(int32_t colors)
{
    switch (colors) {
    case SETTINGS_COLORS_LUMINANCE:
        return PASTICHE_COLORS_LUMINANCE;
    case SETTINGS_COLORS_HISTOGRAM:
        return PASTICHE_COLORS_HISTOGRAM;
    default:
        return PASTICHE_COLORS_STYLE;
    }
}

static pastiche_quality quality_of(int32_t quality)
{
    switch (quality) {
    case SETTINGS_QUALITY_DRAFT:
        return PASTICHE_QUALITY_DRAFT;
    case SETTINGS_QUALITY_STANDARD:
        return PASTICHE_QUALITY_STANDARD;
    case SETTINGS_QUALITY_FINE:
        return PASTICHE_QUALITY_FINE;
    default:
        return PASTICHE_QUALITY_NONE;
    }
}

void render_params(const settings *s, uint32_t width, uint32_t height, pastiche_params *params)
{
    pastiche_params_init(params, sizeof *params);
    params->size = render_working_size(s, width, height);
    params->iterations = (uint32_t)s->iterations;
    params->quality = quality_of(s->quality);
    params->style_weight = (float)settings_style_weight(s->strength);
    params->seed = (uint64_t)(uint32_t)s->seed;
    params->colors = colors_of(s->colors);
}

static int stage(const render_request *request, const char *text)
{
    return request->progress ? request->progress(text, 0.0, request->user_data) : 0;
}

static render_status fail(char *message, size_t message_size, const char *what)
{
    snprintf(message, message_size, "%s: %s", what, pastiche_last_error());
    return RENDER_FAILED;
}

/* The style targets: from the layer's pixels when the request carries them, else from the
 * settings' names or files, blended with the second style when there is one. */
static pastiche_status create_style(pastiche_engine *engine, const render_request *request,
                                    const pastiche_params *params, const pastiche_image *content,
                                    pastiche_style **style)
{
    const settings *s = request->settings;
    if (request->style_pixels) {
        pastiche_image image = {sizeof(pastiche_image), (void *)request->style_pixels,
                                (size_t)request->style_width * 4 * sizeof(float), request->style_width,
                                request->style_height, PASTICHE_PIXEL_RGBA32F, PASTICHE_ALPHA_STRAIGHT};
        const pastiche_image *images[1] = {&image};
        return pastiche_style_create_from_images(engine, images, NULL, 1, params, content, style);
    }
    const char *paths[2] = {s->style, s->style2};
    float weights[2] = {(float)(1.0 - s->style2_blend), (float)s->style2_blend};
    size_t count = s->style2[0] ? 2 : 1;
    if (count == 1)
        weights[0] = 1.0f;
    return pastiche_style_create(engine, paths, weights, count, params, content, style);
}

render_status render_stylize(const render_request *request, float *out, char *message, size_t message_size)
{
    const settings *s = request->settings;
    const char *problem = settings_problem(s);
    if (problem) {
        snprintf(message, message_size, "%s", problem);
        return RENDER_FAILED;
    }

    pastiche_image content = {sizeof(pastiche_image), (void *)request->pixels,
                              (size_t)request->width * 4 * sizeof(float), request->width, request->height,
                              PASTICHE_PIXEL_RGBA32F, PASTICHE_ALPHA_STRAIGHT};
    pastiche_image output = content;
    output.pixels = out;

    pastiche_params params;
    render_params(s, request->width, request->height, &params);

    pastiche_engine_options options;
    pastiche_engine_options_init(&options, sizeof options);
    options.model = request->model;
    options.device = device_of(s->device);

    if (stage(request, "Neural style: loading the model"))
        return RENDER_CANCELLED;
    pastiche_engine *engine = NULL;
    if (pastiche_engine_create(&options, &engine) != PASTICHE_OK)
        return fail(message, message_size, "Could not start the style engine");

    render_status status = RENDER_OK;
    if (stage(request, "Neural style: reading the style")) {
        pastiche_engine_destroy(engine);
        return RENDER_CANCELLED;
    }
    pastiche_style *style = NULL;
    if (create_style(engine, request, &params, &content, &style) != PASTICHE_OK) {
        status = fail(message, message_size, "Could not use the style image");
    } else if (stage(request, "Neural style: painting")) {
        status = RENDER_CANCELLED;
    } else {
        pastiche_status run = pastiche_stylize(engine, style, &params, &content, &output,
                                               request->progress ? relay_progress : NULL, (void *)request);
        if (run == PASTICHE_CANCELLED)
            status = RENDER_CANCELLED;
        else if (run != PASTICHE_OK)
            status = fail(message, message_size, "Style transfer failed");
    }
    pastiche_style_destroy(style);
    pastiche_engine_destroy(engine);
    return status;
}
