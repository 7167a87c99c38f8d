/*
 * pastiche.h — the C ABI of Pastiche, neural style transfer (Gatys et al.) on ONNX Runtime.
 *
 * Link with `pkg-config --cflags --libs pastiche`. ABI version 1 (PASTICHE_ABI_VERSION); only
 * symbols of version node PASTICHE_1 are exported.
 *
 * Conventions
 * - Every function that can fail returns a pastiche_status; on failure pastiche_last_error()
 *   explains it in one sentence. No function aborts or lets a Rust panic cross into the caller:
 *   internal failures come back as PASTICHE_ERROR_INTERNAL.
 * - Parameter structs start with `struct_size`; fill them with the matching *_default()
 *   function, then change fields. Fields are only ever appended, so old callers keep working.
 * - The caller owns every image buffer, input and output; the library never keeps pointers to
 *   them after a call returns. Handles are owned by the caller and freed with *_destroy().
 * - Threading: an engine, and the styles and video sessions made with it, must be used by one
 *   thread at a time (the library does not lock them). Separate engines may run concurrently
 *   on separate threads. pastiche_last_error() is per thread.
 */
#ifndef PASTICHE_H
#define PASTICHE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PASTICHE_ABI_VERSION 1

/* Results of calls. */
typedef enum pastiche_status {
    PASTICHE_OK = 0,
    /* A null pointer, wrong struct_size, zero or absurd size, NaN or negative parameter. */
    PASTICHE_ERROR_INVALID_ARGUMENT = 1,
    /* A file could not be read or decoded: model, style image. */
    PASTICHE_ERROR_IO = 2,
    /* ONNX Runtime could not be loaded or failed. */
    PASTICHE_ERROR_RUNTIME = 3,
    /* The requested device (CUDA) is not available. */
    PASTICHE_ERROR_DEVICE_UNAVAILABLE = 4,
    /* The progress callback returned non-zero; nothing was written to the output. */
    PASTICHE_CANCELLED = 5,
    /* A bug inside the library, caught at the boundary. */
    PASTICHE_ERROR_INTERNAL = 6
} pastiche_status;

typedef enum pastiche_pixel_format {
    PASTICHE_PIXEL_RGBA8 = 0,   /* 4 bytes per pixel, straight alpha */
    PASTICHE_PIXEL_RGB8 = 1,    /* 3 bytes per pixel */
    PASTICHE_PIXEL_RGBA32F = 2  /* 4 floats per pixel, 0..1 */
} pastiche_pixel_format;

typedef enum pastiche_device {
    PASTICHE_DEVICE_CPU = 0,
    PASTICHE_DEVICE_CUDA = 1,  /* fails with PASTICHE_ERROR_DEVICE_UNAVAILABLE without CUDA */
    PASTICHE_DEVICE_AUTO = 2   /* CUDA when available, else the CPU */
} pastiche_device;

typedef enum pastiche_pooling { PASTICHE_POOLING_AVG = 0, PASTICHE_POOLING_MAX = 1 } pastiche_pooling;
typedef enum pastiche_optimizer { PASTICHE_OPTIMIZER_LBFGS = 0, PASTICHE_OPTIMIZER_ADAM = 1 } pastiche_optimizer;
typedef enum pastiche_init { PASTICHE_INIT_CONTENT = 0, PASTICHE_INIT_NOISE = 1 } pastiche_init;
typedef enum pastiche_colors {
    PASTICHE_COLORS_STYLE = 0,      /* take the style's colours */
    PASTICHE_COLORS_LUMINANCE = 1,  /* keep the content's colours, transfer luminance only */
    PASTICHE_COLORS_HISTOGRAM = 2   /* recolour the styles to the content's colour statistics */
} pastiche_colors;

/* An image in caller-owned memory. Rows are `stride` bytes apart (stride >= width * pixel size). */
typedef struct pastiche_image {
    uint32_t width;
    uint32_t height;
    size_t stride;
    pastiche_pixel_format format;
    void *pixels;
} pastiche_image;

typedef struct pastiche_engine_options {
    size_t struct_size;
    /* Model file, model directory or store name; NULL: $PASTICHE_MODEL, else the default model. */
    const char *model;
    /* libonnxruntime to load; NULL: $PASTICHE_ORT_LIB, this library's directory, the cache. */
    const char *runtime_library;
    pastiche_device device;
    /* ONNX Runtime threads; 0: one per core. */
    uint32_t threads;
} pastiche_engine_options;

typedef struct pastiche_params {
    size_t struct_size;
    uint32_t size;           /* longest side the optimisation runs at (default 512) */
    uint32_t scales;         /* resolutions up to `size`, each double the last; 0: automatic */
    uint32_t iterations;     /* optimiser iterations at each scale (default 300) */
    float content_weight;    /* default 1 */
    float style_weight;      /* default 10; each layer's loss is relative to its target */
    float tv_weight;         /* smoothness, default 1; 0 disables it */
    float style_scale;       /* style image size relative to the content (default 1) */
    pastiche_pooling pooling;
    pastiche_optimizer optimizer;
    float learning_rate;     /* Adam only (default 0.02) */
    pastiche_init init;
    uint64_t seed;           /* same seed, threads and device: identical result */
    pastiche_colors colors;
} pastiche_params;

/* What the progress callback receives after every optimiser iteration. */
typedef struct pastiche_progress {
    uint32_t iteration;      /* within the scale, from 1 */
    uint32_t iterations;
    uint32_t scale;          /* from 0 */
    uint32_t scales;
    double loss;             /* total, and its weighted terms */
    double content_loss;
    double style_loss;
    double tv_loss;
    double elapsed_seconds;
} pastiche_progress;

/* Return 0 to continue, non-zero to cancel: the call then returns PASTICHE_CANCELLED at once. */
typedef int (*pastiche_progress_callback)(const pastiche_progress *progress, void *user_data);

typedef struct pastiche_frame_stats {
    size_t struct_size;
    uint32_t iterations;     /* at the last scale */
    uint32_t evaluations;    /* loss+gradient evaluations, all scales */
    int32_t warm_started;    /* 1 if the frame started from the previous stylised frame */
    double loss;
    double content_loss;
    double style_loss;
    double tv_loss;
} pastiche_frame_stats;

typedef struct pastiche_engine pastiche_engine;
typedef struct pastiche_style pastiche_style;
typedef struct pastiche_video pastiche_video;

/* PASTICHE_ABI_VERSION of the library actually loaded. Never fails. */
uint32_t pastiche_abi_version(void);

/* The library's version string, e.g. "0.1.0"; static storage. Never fails. */
const char *pastiche_version(void);

/* One sentence about the last failure on this thread, or "" after a success. Valid until the
 * next call into the library on this thread; do not free. */
const char *pastiche_last_error(void);

/* Fill with defaults (sets struct_size). Error: null pointer. */
pastiche_status pastiche_engine_options_default(pastiche_engine_options *options);
pastiche_status pastiche_params_default(pastiche_params *params);

/* Load the model and ONNX Runtime. On success *engine is a new handle for pastiche_engine_destroy.
 * Errors: invalid options, missing/corrupt model (IO), runtime not found (RUNTIME). */
pastiche_status pastiche_engine_create(const pastiche_engine_options *options, pastiche_engine **engine);

/* Free an engine (NULL is ignored). Destroy its styles and video sessions first. */
void pastiche_engine_destroy(pastiche_engine *engine);

/* Prepare the style targets of `count` style images (paths, UTF-8) blended by `weights` (NULL:
 * equal). `content` is needed only for PASTICHE_COLORS_HISTOGRAM and may be NULL otherwise.
 * The targets are computed once per working size and reused by every later call.
 * Errors: invalid arguments, unreadable or corrupt style image (IO). */
pastiche_status pastiche_style_create(pastiche_engine *engine, const char *const *paths, const float *weights,
                                      size_t count, const pastiche_params *params,
                                      const pastiche_image *content, pastiche_style **style);

/* Free style targets (NULL is ignored). */
void pastiche_style_destroy(pastiche_style *style);

/* Repaint `content` in `style`. The optimisation runs at params->size (longest side) and the
 * result is resampled to the output's width and height; the content's alpha is carried to the
 * output. `output` is written only on success. `progress` may be NULL.
 * Errors: invalid arguments, cancelled, runtime failure. */
pastiche_status pastiche_stylize(pastiche_engine *engine, pastiche_style *style, const pastiche_params *params,
                                 const pastiche_image *content, const pastiche_image *output,
                                 pastiche_progress_callback progress, void *user_data);

/* A video session: each pushed frame starts from the previous stylised frame (warm start), first
 * moved along the picture's global motion between the two input frames (a pan or tilt of up to
 * an eighth of each side), so that strokes travel with the picture. The
 * first frame (and the first after a reset) runs `first_frame_iterations` per scale, later
 * frames `later_frame_iterations` at full size. Keeps a pointer to `engine`, which must outlive
 * the session; copies `style`, which may be destroyed afterwards. */
pastiche_status pastiche_video_create(pastiche_engine *engine, const pastiche_style *style,
                                      const pastiche_params *params, uint32_t first_frame_iterations,
                                      uint32_t later_frame_iterations, pastiche_video **video);

/* Stylise the next frame into `output` (same rules as pastiche_stylize). */
pastiche_status pastiche_video_push(pastiche_video *video, const pastiche_image *frame, const pastiche_image *output,
                                    pastiche_progress_callback progress, void *user_data);

/* Forget the previous frame (a scene cut). */
pastiche_status pastiche_video_reset(pastiche_video *video);

/* Iterations, evaluations and loss of the last frame pushed. Set stats->struct_size first. */
pastiche_status pastiche_video_last_frame(const pastiche_video *video, pastiche_frame_stats *stats);

/* Free a video session (NULL is ignored). */
void pastiche_video_destroy(pastiche_video *video);

#ifdef __cplusplus
}
#endif

#endif /* PASTICHE_H */
