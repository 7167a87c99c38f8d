#include "preview.h"

#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "render.h"
#include "support.h"

typedef struct preview_panel {
    preview_gather gather;
    gpointer user_data;
    GtkWidget *area;
    GtkWidget *status;
    GtkWidget *button;
    gboolean running;
    gboolean stop;      /* the dialog answered or went away: end the pass at the next iteration */
    gboolean destroyed; /* freed by the pass once it ends */
    float *frame;       /* the picture as it forms, preview size */
    uint32_t width;
    uint32_t height;
} preview_panel;

static void process_events(void)
{
    while (gtk_events_pending())
        gtk_main_iteration();
}

static int on_progress(const char *stage, double fraction, void *user_data)
{
    preview_panel *panel = user_data;
    /* render.c's stages read "Neural style: loading the model"; the panel says "Preview: …". */
    const char *prefix = "Neural style: ";
    if (stage && g_str_has_prefix(stage, prefix))
        stage += strlen(prefix);
    gchar *text = stage ? g_strdup_printf("Preview: %s", stage) : g_strdup_printf("Preview: %.0f %%", 100.0 * fraction);
    gtk_label_set_text(GTK_LABEL(panel->status), text);
    g_free(text);
    process_events();
    return panel->stop;
}

/* Draws the frame render.c has just written (straight-alpha floats) as 8-bit RGBA. */
static void on_frame(void *user_data)
{
    preview_panel *panel = user_data;
    size_t count = (size_t)panel->width * panel->height * 4;
    guchar *bytes = g_new(guchar, count);
    for (size_t i = 0; i < count; i++) {
        float v = panel->frame[i];
        bytes[i] = (guchar)(v <= 0.0f ? 0 : v >= 1.0f ? 255 : v * 255.0f + 0.5f);
    }
    gimp_preview_area_draw(GIMP_PREVIEW_AREA(panel->area), 0, 0, (gint)panel->width, (gint)panel->height,
                           GIMP_RGBA_IMAGE, bytes, (gint)panel->width * 4);
    g_free(bytes);
    process_events();
}

static void on_dialog_response(GtkWidget *dialog, gint response, preview_panel *panel)
{
    (void)dialog;
    (void)response;
    panel->stop = TRUE;
}

static void run_preview(preview_panel *panel, preview_input *input)
{
    settings s = input->settings;
    s.size = SETTINGS_SIZE_FULL; /* the preview's own, already small */
    /* A quick pass whatever the quality: every preset's budgets exceed PREVIEW_ITERATIONS. */
    if (s.quality != SETTINGS_QUALITY_CUSTOM || s.iterations > PREVIEW_ITERATIONS)
        s.iterations = PREVIEW_ITERATIONS;
    s.quality = SETTINGS_QUALITY_CUSTOM;
    panel->width = input->width;
    panel->height = input->height;
    panel->frame = g_new0(float, (size_t)input->width * input->height * 4);
    float *result = g_new(float, (size_t)input->width * input->height * 4);
    gtk_widget_set_size_request(panel->area, (gint)input->width, (gint)input->height);

    gchar *model = support_bundled_model_path();
    render_request request = {&s, model, input->pixels, input->width, input->height, on_progress, panel,
                              input->style_pixels, input->style_width, input->style_height, panel->frame,
                              on_frame};
    char message[1024];
    render_status status = render_stylize(&request, result, message, sizeof message);
    g_free(model);
    if (!panel->destroyed) {
        if (status == RENDER_OK) {
            memcpy(panel->frame, result, (size_t)input->width * input->height * 4 * sizeof(float));
            on_frame(panel);
        }
        gtk_label_set_text(GTK_LABEL(panel->status), status == RENDER_OK          ? "Preview: done (a quick, small pass)"
                                                     : status == RENDER_CANCELLED ? "Preview: stopped"
                                                                                  : message);
    }
    g_free(result);
    g_free(panel->frame);
    panel->frame = NULL;
}

static void on_preview_clicked(GtkWidget *button, preview_panel *panel)
{
    preview_input input = {0};
    char message[1024] = "";
    if (!panel->gather(&input, panel->user_data, message, sizeof message)) {
        gtk_label_set_text(GTK_LABEL(panel->status), message);
    } else {
        GtkWidget *dialog = gtk_widget_get_toplevel(button);
        gulong response = g_signal_connect(dialog, "response", G_CALLBACK(on_dialog_response), panel);
        panel->running = TRUE;
        panel->stop = FALSE;
        gtk_widget_set_sensitive(button, FALSE);
        run_preview(panel, &input);
        panel->running = FALSE;
        if (!panel->destroyed) {
            g_signal_handler_disconnect(dialog, response);
            gtk_widget_set_sensitive(button, TRUE);
        }
    }
    g_free(input.pixels);
    g_free(input.style_pixels);
    if (panel->destroyed)
        g_free(panel);
}

static void on_destroy(GtkWidget *widget, preview_panel *panel)
{
    (void)widget;
    panel->stop = TRUE;
    panel->destroyed = TRUE;
    if (!panel->running)
        g_free(panel);
}

GtkWidget *preview_new(preview_gather gather, gpointer user_data)
{
    preview_panel *panel = g_new0(preview_panel, 1);
    panel->gather = gather;
    panel->user_data = user_data;
#if GTK_CHECK_VERSION(3, 0, 0)
    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 6);
#else
    GtkWidget *box = gtk_vbox_new(FALSE, 6);
#endif
    panel->area = gimp_preview_area_new();
    gtk_widget_set_size_request(panel->area, PREVIEW_SIDE, PREVIEW_SIDE * 3 / 4);
#if GTK_CHECK_VERSION(3, 0, 0)
    /* GIMP 3's dialog is one wide column: keep the area the picture's size, centred. */
    gtk_widget_set_halign(panel->area, GTK_ALIGN_CENTER);
#endif
    gtk_box_pack_start(GTK_BOX(box), panel->area, FALSE, FALSE, 0);
    panel->status = gtk_label_new("A quick, small pass of these settings; the layer is not changed.");
    gtk_label_set_line_wrap(GTK_LABEL(panel->status), TRUE);
    gtk_widget_set_size_request(panel->status, PREVIEW_SIDE, -1);
    gtk_box_pack_start(GTK_BOX(box), panel->status, FALSE, FALSE, 0);
    panel->button = gtk_button_new_with_mnemonic("_Preview");
    gtk_box_pack_start(GTK_BOX(box), panel->button, FALSE, FALSE, 0);
    g_signal_connect(panel->button, "clicked", G_CALLBACK(on_preview_clicked), panel);
    g_signal_connect(box, "destroy", G_CALLBACK(on_destroy), panel);
    return box;
}
