/*
 * pastiche.h — the C ABI of Pastiche, neural style transfer (Gatys et al.) on ONNX Runtime.
 *
 * Link with `pkg-config --cflags --libs pastiche`. ABI version 1 (PASTICHE_ABI_VERSION); only
 * symbols of version node PASTICHE_1 are exported.
 *
 * Conventions
 * - Every function that can fail returns a pastiche_status; on failure pastiche_last_error()
 *   explains it in one sentence. No function aborts or lets a Rust panic cross into the caller:
 *   internal failures come back as PASTICHE_ERROR_INTERNAL. Every argument is checked when the
 *   call starts, before any work: a bad image, size, stride, count or handle fails at once.
 * - The caller owns every image buffer, input and output; the library never keeps pointers to
 *   them after a call returns. Handles are owned by the caller and freed with *_destroy().
 *   The library keeps a list of its live handles: a destroyed or made-up handle passed to any
 *   call gives PASTICHE_ERROR_INVALID_ARGUMENT (a destroyed one is never used), and destroying
 *   it again does nothing.
 * - Threading: an engine, and the styles and video sessions made with it, must be used by one
 *   thread at a time (the library does not lock them). Separate engines may run concurrently
 *   on separate threads. pastiche_last_error() is per thread.
 * - Limits (pastiche_get_limits() reports them): image sides 1..32768 and at most 150 million
 *   pixels; strides up to 32768 × 16 bytes; optimisation size 16..32768; at most 8 scales,
 *   100000 iterations per scale, 256 threads and 64 styles. Beyond them: INVALID_ARGUMENT.
 * - ONNX Runtime is loaded once per process, from the library the caller names
 *   (runtime_library, else $PASTICHE_ORT_LIB: a library that cannot be loaded is an error, never
 *   replaced by another) or found beside libpastiche or in the model cache. Its telemetry is
 *   switched off. It stays loaded for the life of the process, also after dlclose(libpastiche):
 *   its threads and open files are released only when the process exits.
 *
 * Growth: how the structs change in later versions without breaking callers
 * - Every struct starts with `size_t struct_size`: the size of the struct as the header the
 *   caller was compiled with declares it. Fields are only ever appended, in whole 8-byte units,
 *   so every version of a struct has its own size and none ends in padding. The zero value of an
 *   appended field always means what the library did before that field existed.
 * - Structs the caller fills (options, params, images): initialise them with
 *   pastiche_*_init(&s, sizeof s) (images: set struct_size = sizeof(pastiche_image)). A library
 *   accepts every size from the first published one (PASTICHE_*_SIZE_V1 below) up: the fields
 *   an older, shorter struct lacks take their defaults; the fields a newer, longer struct has and
 *   this library does not know must be zero, or the call fails naming the struct — a newer
 *   feature is never silently ignored.
 * - Structs the library fills (limits, engine info, frame stats): set struct_size; the library
 *   writes the fields both sides know, min(struct_size, its own size) bytes, sets struct_size to
 *   that count and leaves the rest of the caller's struct untouched.
 * - pastiche_progress, which the library hands to a callback, carries the library's own
 *   struct_size: read a field appended after version 1 only when PASTICHE_HAS_FIELD says so.
 * - Enumerations only gain values; new functions are added under a new version node.
 */
#ifndef PASTICHE_H
#define PASTICHE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PASTICHE_ABI_VERSION 1

/* Whether a struct handed over by the library holds `field` (see "Growth" above). */
#define PASTICHE_HAS_FIELD(pointer, type, field) \
    ((pointer)->struct_size >= offsetof(type, field) + sizeof(((type *)0)->field))

/* Results of calls. */
typedef enum pastiche_status {
    PASTICHE_OK = 0,
    /* A null pointer, bad struct_size, bad handle, zero or absurd size, stride or count, NaN or
     * negative parameter. */
    PASTICHE_ERROR_INVALID_ARGUMENT = 1,
    /* A file could not be read or decoded: model, style image. */
    PASTICHE_ERROR_IO = 2,
    /* ONNX Runtime could not be loaded or failed. */
    PASTICHE_ERROR_RUNTIME = 3,
    /* The requested device (CUDA) is not available; reported by pastiche_engine_create. */
    PASTICHE_ERROR_DEVICE_UNAVAILABLE = 4,
    /* The progress callback returned non-zero; nothing was written to the output. */
    PASTICHE_CANCELLED = 5,
    /* A bug inside the library, caught at the boundary. */
    PASTICHE_ERROR_INTERNAL = 6
} pastiche_status;

typedef enum pastiche_pixel_format {
    PASTICHE_PIXEL_RGBA8 = 0,   /* 4 bytes per pixel: R, G, B, A */
    PASTICHE_PIXEL_RGB8 = 1,    /* 3 bytes per pixel */
    PASTICHE_PIXEL_RGBA32F = 2, /* 4 floats per pixel, 0..1; NaN and infinities are refused */
    PASTICHE_PIXEL_BGRA8 = 3    /* 4 bytes per pixel: B, G, R, A (Cairo, Qt, Windows bitmaps) */
} pastiche_pixel_format;

/* How the colour of a pixel with alpha is stored. */
typedef enum pastiche_alpha_mode {
    PASTICHE_ALPHA_STRAIGHT = 0,      /* colour independent of alpha */
    PASTICHE_ALPHA_PREMULTIPLIED = 1  /* colour multiplied by alpha (Cairo, compositors) */
} pastiche_alpha_mode;

typedef enum pastiche_device {
    PASTICHE_DEVICE_CPU = 0,
    PASTICHE_DEVICE_CUDA = 1,  /* pastiche_engine_create fails with DEVICE_UNAVAILABLE without CUDA */
    PASTICHE_DEVICE_AUTO = 2   /* CUDA when available, else the CPU (pastiche_engine_get_info says why) */
} pastiche_device;

typedef enum pastiche_pooling { PASTICHE_POOLING_AVG = 0, PASTICHE_POOLING_MAX = 1 } pastiche_pooling;
typedef enum pastiche_optimizer { PASTICHE_OPTIMIZER_LBFGS = 0, PASTICHE_OPTIMIZER_ADAM = 1 } pastiche_optimizer;
typedef enum pastiche_init {
    PASTICHE_INIT_CONTENT = 0,
    PASTICHE_INIT_NOISE = 1,
    PASTICHE_INIT_STYLE_COLOURS = 2  /* the content recoloured to the style's colour statistics */
} pastiche_init;
/* Quality presets: how finished the picture should be, against how long it takes. */
typedef enum pastiche_quality {
    PASTICHE_QUALITY_NONE = 0,      /* `iterations` at every scale, no convergence stop */
    PASTICHE_QUALITY_DRAFT = 1,     /* a quick look: 40 % of STANDARD's work */
    PASTICHE_QUALITY_STANDARD = 2,  /* what `pastiche stylize` does by default: half of FINE */
    PASTICHE_QUALITY_FINE = 3       /* 300 iterations at every scale, as NONE's default */
} pastiche_quality;
typedef enum pastiche_colors {
    PASTICHE_COLORS_STYLE = 0,      /* take the style's colours */
    PASTICHE_COLORS_LUMINANCE = 1,  /* keep the content's colours, transfer luminance only */
    PASTICHE_COLORS_HISTOGRAM = 2   /* recolour the styles to the content's colour statistics */
} pastiche_colors;

/* An image in caller-owned memory: `height` rows of `width` pixels, the first row at `pixels`,
 * each next row `stride` bytes further (width × pixel size <= stride <= 32768 × 16). Rows go
 * top to bottom; for a bottom-up buffer pass its top row and a positive stride. */
typedef struct pastiche_image {
    size_t struct_size;          /* sizeof(pastiche_image) */
    void *pixels;
    size_t stride;
    uint32_t width;
    uint32_t height;
    pastiche_pixel_format format;
    pastiche_alpha_mode alpha;   /* ignored for RGB8 */
} pastiche_image;

typedef struct pastiche_engine_options {
    size_t struct_size;
    /* Model file, model directory or store name; NULL: $PASTICHE_MODEL, else the default model. */
    const char *model;
    /* libonnxruntime to load; NULL: $PASTICHE_ORT_LIB, this library's directory, the cache.
     * A library named here or in $PASTICHE_ORT_LIB that cannot be loaded is an error. */
    const char *runtime_library;
    pastiche_device device;
    /* ONNX Runtime threads, 0..256; 0: one per core. */
    uint32_t threads;
} pastiche_engine_options;

typedef struct pastiche_params {
    size_t struct_size;
    uint64_t seed;           /* same seed, threads and device: identical result */
    uint32_t size;           /* longest side the optimisation and the result run at, 16..32768,
                                or PASTICHE_SIZE_FULL: the content's own size (default 512) */
    uint32_t scales;         /* resolutions up to `size`, each double the last, 0..8; 0: automatic */
    uint32_t iterations;     /* optimiser iterations at each scale, 1..100000 (default 300) */
    float content_weight;    /* default 1 */
    float style_weight;      /* default 10; each layer's loss is relative to its target */
    float tv_weight;         /* smoothness, default 1; 0 disables it */
    float style_scale;       /* style image size relative to the content, (0, 8] (default 1) */
    pastiche_pooling pooling;
    pastiche_optimizer optimizer;
    float learning_rate;     /* Adam only (default 0.02) */
    pastiche_init init;
    pastiche_colors colors;
    /* --- appended after the first published layout (PASTICHE_PARAMS_SIZE_V1 bytes) --- */
    /* Comma-separated layer names (e.g. "relu4_2"; pastiche_engine_get_info lists the model's);
     * NULL: the defaults, content relu4_2, style relu1_1,relu2_1,relu3_1,relu4_1,relu5_1. */
    const char *content_layers;
    const char *style_layers;
    /* Scales whose longest side exceeds this run in overlapping tiles of this size, 64..32768;
     * peak memory follows it (about 1 GB at 512), not the picture. 0: 512. */
    uint32_t tile_size;
    /* PASTICHE_QUALITY_* (this was `reserved`, which had to be 0). NONE (0): `iterations` at
     * every scale. DRAFT, STANDARD, FINE: the preset's iteration budgets (as many or more at the
     * cheap low resolutions than at full size) and its convergence stop; `iterations` is then
     * ignored. pastiche_params_init writes NONE, so that `iterations` keeps its meaning for
     * callers that set it; pastiche_estimate_seconds tells the time either way takes. */
    uint32_t quality;
    /* Video sessions only (pastiche_stylize ignores it): weight of the temporal term, which
     * holds each frame to the previous stylised frame warped along the optical flow, wherever
     * the flow finds the pixel in both frames (not occluded, not on a motion boundary), >= 0.
     * pastiche_params_init writes the default, 100, and a caller whose struct ends before this
     * field gets it too; 0 leaves the term out (frames then only start from the warped previous
     * frame). */
    float temporal_weight;
    uint32_t reserved;       /* must be 0 */
} pastiche_params;

/* params.size: optimise up to the content's own size (tiled beyond params.tile_size). */
#define PASTICHE_SIZE_FULL 0

/* The first published sizes: every library accepts these and anything larger. */
#define PASTICHE_IMAGE_SIZE_V1 40
#define PASTICHE_ENGINE_OPTIONS_SIZE_V1 32
#define PASTICHE_PARAMS_SIZE_V1 64

/* What the progress callback receives after every optimiser iteration. */
typedef struct pastiche_progress {
    size_t struct_size;      /* the library's; see PASTICHE_HAS_FIELD */
    uint32_t iteration;      /* within the scale, from 1 */
    uint32_t iterations;
    uint32_t scale;          /* from 0 */
    uint32_t scales;
    uint32_t width;          /* working size at this scale */
    uint32_t height;
    double loss;             /* total, and its weighted terms */
    double content_loss;
    double style_loss;
    double tv_loss;
    double elapsed_seconds;
    /* --- appended after the first published layout --- */
    uint32_t tile;           /* within the scale, from 0 */
    uint32_t tiles;          /* 1 when the scale runs whole */
} pastiche_progress;

/* Return 0 to continue, non-zero to cancel: the call then returns PASTICHE_CANCELLED at once. */
typedef int (*pastiche_progress_callback)(const pastiche_progress *progress, void *user_data);

typedef struct pastiche_frame_stats {
    size_t struct_size;
    uint32_t iterations;     /* at the last scale */
    uint32_t evaluations;    /* loss+gradient evaluations, all scales */
    int32_t warm_started;    /* 1 if the frame started from the previous stylised frame */
    uint32_t frame;          /* frames pushed since the session was created, this one included */
    double loss;
    double content_loss;
    double style_loss;
    double tv_loss;
    double seconds;          /* time the push took */
    /* --- appended after the first published layout (72 bytes) --- */
    double temporal_loss;    /* the temporal term, weighted (0 for a frame started cold) */
    double flow_seconds;     /* time the two optical flows took (part of `seconds`) */
} pastiche_frame_stats;

/* The library's limits (see Conventions). */
typedef struct pastiche_limits {
    size_t struct_size;
    uint64_t max_pixels;     /* width × height of an image */
    uint64_t max_stride;     /* bytes */
    uint32_t max_side;       /* of an image */
    uint32_t min_size;       /* params.size */
    uint32_t max_size;
    uint32_t max_scales;
    uint32_t max_iterations; /* per scale, and per video frame */
    uint32_t max_threads;
    uint32_t max_styles;     /* in one blend */
    float max_style_scale;
} pastiche_limits;

/* What an engine runs. The strings belong to the engine and live until it is destroyed. */
typedef struct pastiche_engine_info {
    size_t struct_size;
    const char *model_path;      /* the model file loaded */
    const char *architecture;    /* "vgg16", "vgg19", … */
    const char *layers;          /* every layer, comma-separated: conv1_1,relu1_1,…,pool5 */
    const char *runtime_path;    /* the ONNX Runtime library loaded */
    const char *fallback_reason; /* why DEVICE_AUTO runs on the CPU; "" otherwise */
    pastiche_device device;      /* CPU or CUDA: where graphs run (never AUTO) */
    uint32_t threads;            /* as asked; 0: one per core */
} pastiche_engine_info;

typedef struct pastiche_engine pastiche_engine;
typedef struct pastiche_style pastiche_style;
typedef struct pastiche_video pastiche_video;

/* The longest a pastiche_stylize with `params` on a `width` × `height` picture takes on the
 * CPU with `threads` ONNX Runtime threads (0: one per core), set-up excluded, in `*seconds`:
 * every scale running its whole budget (the convergence stop usually ends sooner). An estimate
 * from measured speeds, for showing before a run. Error: null pointer, bad params or size. */
pastiche_status pastiche_estimate_seconds(const pastiche_params *params, uint32_t width,
                                          uint32_t height, uint32_t threads, double *seconds);

/* PASTICHE_ABI_VERSION of the library actually loaded. Never fails. */
uint32_t pastiche_abi_version(void);

/* The library's version string, e.g. "0.1.0"; static storage. Never fails. */
const char *pastiche_version(void);

/* One sentence about the last failure on this thread, or "" after a success. Valid until the
 * next call into the library on this thread; do not free. *_destroy() leaves it unchanged
 * unless it was handed a handle that is not live. */
const char *pastiche_last_error(void);

/* Fill `limits` (set limits->struct_size first). Error: null pointer, struct_size too small. */
pastiche_status pastiche_get_limits(pastiche_limits *limits);

/* Fill with defaults: `struct_size` is sizeof the caller's struct (pass `sizeof *options`).
 * Fields this library does not know are zeroed. Error: null pointer, size below _SIZE_V1. */
pastiche_status pastiche_engine_options_init(pastiche_engine_options *options, size_t struct_size);
pastiche_status pastiche_params_init(pastiche_params *params, size_t struct_size);

/* Load the model and ONNX Runtime, and check the device. On success *engine is a new handle for
 * pastiche_engine_destroy. Errors: invalid options (threads above 256…), missing/corrupt model
 * (IO), runtime not found or not loadable (RUNTIME), CUDA requested but unusable
 * (DEVICE_UNAVAILABLE): a host can probe for CUDA by creating an engine. */
pastiche_status pastiche_engine_create(const pastiche_engine_options *options, pastiche_engine **engine);

/* What the engine runs: model, layers, runtime, device (set info->struct_size first). */
pastiche_status pastiche_engine_get_info(const pastiche_engine *engine, pastiche_engine_info *info);

/* Free an engine (NULL is ignored). Destroy its styles and video sessions first: a video session
 * whose engine is gone fails with INVALID_ARGUMENT. */
void pastiche_engine_destroy(pastiche_engine *engine);

/* Prepare the style targets of `count` style images (paths or bundled style names, UTF-8; an
 * existing file wins over a name) blended by `weights` (NULL:
 * equal). `content` is needed only for PASTICHE_COLORS_HISTOGRAM and may be NULL otherwise.
 * The targets are computed once per working size and reused by every later call.
 * Errors: invalid arguments, unreadable, corrupt or truncated style image (IO). */
pastiche_status pastiche_style_create(pastiche_engine *engine, const char *const *paths, const float *weights,
                                      size_t count, const pastiche_params *params,
                                      const pastiche_image *content, pastiche_style **style);

/* As pastiche_style_create, from `count` images in memory (a painting open in the host, a
 * video frame), copied during the call. Alpha is ignored. */
pastiche_status pastiche_style_create_from_images(pastiche_engine *engine, const pastiche_image *const *images,
                                                  const float *weights, size_t count,
                                                  const pastiche_params *params, const pastiche_image *content,
                                                  pastiche_style **style);

/* Free style targets (NULL is ignored). */
void pastiche_style_destroy(pastiche_style *style);

/* Repaint `content` in `style`. The optimisation runs at params->size (longest side) and the
 * result is resampled to the output's width and height; the content's alpha is carried to the
 * output. `output` is written only on success. `progress` may be NULL.
 * Errors: invalid arguments, cancelled, runtime failure. */
pastiche_status pastiche_stylize(pastiche_engine *engine, pastiche_style *style, const pastiche_params *params,
                                 const pastiche_image *content, const pastiche_image *output,
                                 pastiche_progress_callback progress, void *user_data);

/* Only inside a progress callback, with the `progress` it received: write the picture as it is
 * now (at the working size, resampled to the output's size; the content's alpha) into `output`,
 * for a live preview. Costs a resample, no evaluation. Error: called outside the callback. */
pastiche_status pastiche_progress_preview(const pastiche_progress *progress, const pastiche_image *output);

/* A video session: each pushed frame starts from the previous stylised frame (warm start) warped
 * along the dense optical flow between the two input frames (OpenCV's DIS, forward and
 * backward), so that strokes travel with the picture under any motion; pixels the previous
 * frame does not show (disoccluded) start from the new frame. A temporal term
 * (params->temporal_weight) holds the other pixels to the warped previous frame. The
 * first frame (and the first after a reset) runs `first_frame_iterations` per scale, later
 * frames `later_frame_iterations` at full size (each 1..100000). Keeps a pointer to `engine`,
 * which must outlive the session; copies `style`, which may be destroyed afterwards. */
pastiche_status pastiche_video_create(pastiche_engine *engine, const pastiche_style *style,
                                      const pastiche_params *params, uint32_t first_frame_iterations,
                                      uint32_t later_frame_iterations, pastiche_video **video);

/* Stylise the next frame into `output` (same rules as pastiche_stylize). */
pastiche_status pastiche_video_push(pastiche_video *video, const pastiche_image *frame, const pastiche_image *output,
                                    pastiche_progress_callback progress, void *user_data);

/* Forget the previous frame (a scene cut). */
pastiche_status pastiche_video_reset(pastiche_video *video);

/* Iterations, evaluations and loss of the last frame pushed (set stats->struct_size first). */
pastiche_status pastiche_video_last_frame(const pastiche_video *video, pastiche_frame_stats *stats);

/* Free a video session (NULL is ignored). */
void pastiche_video_destroy(pastiche_video *video);

/* ---- Bundled styles ------------------------------------------------------------------------
 * Public-domain paintings compiled into the library. Each has a name (e.g. "starry-night") that
 * pastiche_style_create accepts in place of a path. Indices run from 0 to
 * pastiche_bundled_style_count() - 1, in the order a menu should list them. All strings and
 * bytes handed out are static: valid for the life of the process, never to be freed. */

/* How many styles are bundled. Never fails. */
size_t pastiche_bundled_style_count(void);

/* The style at `index`: its name, the painting's title, artist, date (e.g. "1889", "c. 1810")
 * and licence, UTF-8. Any output pointer may be NULL to skip that field.
 * Error: index out of range. */
pastiche_status pastiche_bundled_style_info(size_t index, const char **name, const char **title, const char **artist,
                                            const char **date, const char **licence);

/* The style's image as a JPEG file in memory (for thumbnails; decode it with any JPEG reader).
 * Errors: index out of range, a NULL output pointer. */
pastiche_status pastiche_bundled_style_image(size_t index, const unsigned char **jpeg, size_t *size);

#ifdef __cplusplus
}
#endif

#endif /* PASTICHE_H */
