/*
 * preview.h — the dialogs' live preview: a Preview button runs a quick, small pass with the
 * dialog's current settings and shows the picture as it forms (libpastiche's
 * pastiche_progress_preview, through render.c) in a GimpPreviewArea. Nothing is written to the
 * image; closing the dialog or pressing OK or Cancel stops the pass.
 *
 * Shared by both fronts: only GTK and libgimpwidgets calls common to GIMP 2.10 and GIMP 3.
 */
#ifndef PASTICHE_GIMP_PREVIEW_H
#define PASTICHE_GIMP_PREVIEW_H

#include <gtk/gtk.h>

#include "settings.h"

/* Longest side of the preview, in pixels, and the most iterations it runs (at that one size). */
#define PREVIEW_SIDE 256
#define PREVIEW_ITERATIONS 30

/* What a preview pass needs, gathered by the front when Preview is pressed. The buffers are
 * g_malloc'ed; the panel frees them. */
typedef struct preview_input {
    settings settings;
    float *pixels; /* the layer region scaled to at most PREVIEW_SIDE, RGBA floats */
    uint32_t width;
    uint32_t height;
    float *style_pixels; /* the style layer's pixels when settings.style_layer is set, else NULL */
    uint32_t style_width;
    uint32_t style_height;
} preview_input;

/* Fills `input`; FALSE with `message` set when there is nothing to preview. */
typedef gboolean (*preview_gather)(preview_input *input, gpointer user_data, char *message, size_t message_size);

/* The preview area, a status line and the Preview button. */
GtkWidget *preview_new(preview_gather gather, gpointer user_data);

#endif
