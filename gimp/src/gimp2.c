/*
 * gimp2.c — the GIMP 2.10 front of the Neural Style Transfer filter.
 *
 * Every call into GIMP 2.10's API lives in this file: PDB registration, reading and writing
 * pixels, the new layer, progress and the dialog. What the filter does with the pixels is in
 * render.c and blend.c, shared with the GIMP 3 front (gimp3.c).
 *
 * Cancel: GIMP 2.10 answers the progress bar's Cancel button by closing the plug-in (see
 * gimp_plug_in_progress_cancel_callback in GIMP), which stops the engine at once. The image is
 * only touched after the engine has finished, so a cancelled run leaves it exactly as it was.
 */
#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "blend.h"
#include "estimate.h"
#include "preview.h"
#include "render.h"
#include "settings.h"
#include "style_picker.h"
#include "support.h"

#define PLUG_IN_PROC "plug-in-pastiche"
/* The same filter with one more argument: a layer of an open image as the style. */
#define PLUG_IN_PROC_FROM_LAYER "plug-in-pastiche-from-layer"
/* And with a quality preset: GIMP 2.10's arguments are positional and all required, so one
 * appended to plug-in-pastiche would break every script that calls it. */
#define PLUG_IN_PROC_QUALITY "plug-in-pastiche-quality"
#define PLUG_IN_BINARY "pastiche"
#define PLUG_IN_ROLE "pastiche"
#define MESSAGE_SIZE 1024

static void query(void);
static void run(const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals,
                GimpParam **return_vals);

const GimpPlugInInfo PLUG_IN_INFO = {NULL, NULL, query, run};

MAIN()

/* ---- PDB registration ------------------------------------------------------------------ */

static const GimpParamDef ARGUMENTS[] = {
    {GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }"},
    {GIMP_PDB_IMAGE, "image", "Input image"},
    {GIMP_PDB_DRAWABLE, "drawable", "Layer to repaint"},
    {GIMP_PDB_STRING, "style",
     "A bundled style's name, e.g. starry-night (`pastiche styles` lists them), or a style image file (PNG, JPEG, "
     "WebP, TIFF); an existing file wins over a name"},
    {GIMP_PDB_STRING, "style2", "Second style, a name or a file like style, or \"\" for none"},
    {GIMP_PDB_FLOAT, "style2-blend", "Share of the second style, 0..1 (0.5: half each)"},
    {GIMP_PDB_FLOAT, "strength",
     "Style strength, 0.01..100: multiplies the default style/content weight ratio (10:1); 2 gives "
     "twice the style, 0.5 half"},
    {GIMP_PDB_INT32, "iterations",
     "Optimiser iterations at each resolution, 1..2000 (more: finer result, slower); plug-in-pastiche-quality's "
     "presets ignore it"},
    {GIMP_PDB_INT32, "size",
     "Longest side the optimisation runs at, 64..4096 pixels (never above the layer's), the result then "
     "enlarged to the layer's size; 0: full size, the layer's own (large layers run in tiles)"},
    {GIMP_PDB_INT32, "preserve-colors", "0: take the style's colours, 1: keep the layer's colours (luminance "
                                        "transfer), 2: recolour the style by histogram matching"},
    {GIMP_PDB_INT32, "device", "0: auto (CUDA when present, else CPU), 1: CPU, 2: CUDA"},
    {GIMP_PDB_INT32, "seed", "Random seed; the same seed and settings give the same result"},
};

/* plug-in-pastiche-from-layer: ARGUMENTS, then this (style and style2 must be ""). */
static const GimpParamDef STYLE_LAYER_ARGUMENT = {
    GIMP_PDB_DRAWABLE, "style-layer", "A layer of an open image whose pixels are the style (alpha ignored)"};

/* plug-in-pastiche-quality: ARGUMENTS, then this. */
static const GimpParamDef QUALITY_ARGUMENT = {
    GIMP_PDB_INT32, "quality",
    "0: custom (the iterations argument at every resolution), 1: draft (a quick look, 40 % of standard's work), "
    "2: standard, 3: fine (twice standard's work); a preset sets each resolution's iterations and ends one "
    "early once its loss has all but stopped falling"};

static const GimpParamDef RETURN_VALUES[] = {
    {GIMP_PDB_LAYER, "layer", "The new layer holding the stylised pixels"},
};

/* plug-in-pastiche with one more argument after ARGUMENTS, and no menu entry. */
static void install_variant(const char *name, const char *blurb, const char *help, const GimpParamDef *extra)
{
    GimpParamDef arguments[G_N_ELEMENTS(ARGUMENTS) + 1];
    memcpy(arguments, ARGUMENTS, sizeof ARGUMENTS);
    arguments[G_N_ELEMENTS(ARGUMENTS)] = *extra;
    gimp_install_procedure(name, blurb, help, "Pastiche contributors", "Pastiche contributors", "2026", NULL,
                           "RGB*, GRAY*", GIMP_PLUGIN, G_N_ELEMENTS(arguments), G_N_ELEMENTS(RETURN_VALUES),
                           arguments, RETURN_VALUES);
}

static void query(void)
{
    gimp_install_procedure(
        PLUG_IN_PROC, "Repaint a layer in the style of a painting (Gatys et al. neural style transfer)",
        "Optimises the layer's pixels so that a VGG network sees the content of the layer and the "
        "textures of the style image. The result is a new layer above the source, named after the "
        "style; with a selection only the selected area changes. The optimisation runs at 'size' "
        "(through coarser resolutions first) and is enlarged to the layer's size; size 0 runs it at the "
        "layer's own size (in overlapping tiles where it is large).",
        "Pastiche contributors", "Pastiche contributors", "2026", "Neural Style _Transfer...",
        "RGB*, GRAY*", GIMP_PLUGIN, G_N_ELEMENTS(ARGUMENTS), G_N_ELEMENTS(RETURN_VALUES), ARGUMENTS,
        RETURN_VALUES);
    gimp_plugin_menu_register(PLUG_IN_PROC, "<Image>/Filters/Artistic");

    install_variant(PLUG_IN_PROC_FROM_LAYER,
                    "Repaint a layer in the style of another layer (Gatys et al. neural style transfer)",
                    "As plug-in-pastiche, with the style taken from the pixels of 'style-layer', a layer of any "
                    "open image; 'style' and 'style2' must be empty.",
                    &STYLE_LAYER_ARGUMENT);
    install_variant(PLUG_IN_PROC_QUALITY,
                    "Repaint a layer in the style of a painting, at a quality preset (Gatys et al. neural style "
                    "transfer)",
                    "As plug-in-pastiche, with 'quality' choosing how finished the picture is (and so how long it "
                    "takes) instead of 'iterations'.",
                    &QUALITY_ARGUMENT);
}

/* ---- Running the filter on a layer ----------------------------------------------------- */

static int show_progress(const char *stage, double fraction, void *user_data)
{
    (void)user_data;
    if (stage)
        gimp_progress_set_text(stage);
    gimp_progress_update(fraction);
    return 0;
}

static GimpPDBStatusType refuse(char *message, const char *text)
{
    g_strlcpy(message, text, MESSAGE_SIZE);
    return GIMP_PDB_EXECUTION_ERROR;
}

/* Reads `rect` of a buffer as straight-alpha RGBA floats (or one float per pixel for "Y float"). */
static gfloat *read_pixels(GeglBuffer *buffer, const GeglRectangle *rect, const char *format, int channels)
{
    gfloat *pixels = g_try_new(gfloat, (gsize)rect->width * rect->height * channels);
    if (pixels)
        gegl_buffer_get(buffer, rect, 1.0, babl_format(format), pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    return pixels;
}

/* Where the selection is partial, mixes the stylised region back toward the original. */
static void confine_to_selection(gint32 image, gint32 drawable, const GeglRectangle *region,
                                 gfloat *stylised, const gfloat *original)
{
    gint offset_x, offset_y;
    gimp_drawable_offsets(drawable, &offset_x, &offset_y);
    GeglBuffer *selection = gimp_drawable_get_buffer(gimp_image_get_selection(image));
    GeglRectangle in_image = {region->x + offset_x, region->y + offset_y, region->width, region->height};
    gfloat *mask = read_pixels(selection, &in_image, "Y float", 1);
    g_object_unref(selection);
    if (mask)
        blend_by_mask(stylised, original, mask, (size_t)region->width * region->height);
    g_free(mask);
}

/* Adds the result as a new layer above `drawable`: a copy of the source with `region` replaced,
 * all in one undo step. */
static gint32 add_result_layer(gint32 image, gint32 drawable, const settings *s, const GeglRectangle *region,
                               const gfloat *stylised)
{
    gint offset_x, offset_y;
    gimp_drawable_offsets(drawable, &offset_x, &offset_y);
    gchar *name = s->style_layer ? gimp_item_get_name(s->style_layer) : support_layer_name(s);

    gimp_image_undo_group_start(image);
    gint32 layer = gimp_layer_new(image, name, gimp_drawable_width(drawable), gimp_drawable_height(drawable),
                                  gimp_drawable_type(drawable), 100.0, GIMP_LAYER_MODE_NORMAL);
    gimp_image_insert_layer(image, layer, gimp_item_get_parent(drawable),
                            gimp_image_get_item_position(image, drawable));
    gimp_layer_set_offsets(layer, offset_x, offset_y);

    GeglBuffer *source = gimp_drawable_get_buffer(drawable);
    GeglBuffer *target = gimp_drawable_get_buffer(layer);
    gegl_buffer_copy(source, NULL, GEGL_ABYSS_NONE, target, NULL);
    gegl_buffer_set(target, region, 0, babl_format("R'G'B'A float"), stylised, GEGL_AUTO_ROWSTRIDE);
    g_object_unref(source);
    g_object_unref(target);

    gimp_drawable_update(layer, 0, 0, gimp_drawable_width(layer), gimp_drawable_height(layer));
    gimp_image_undo_group_end(image);
    g_free(name);
    return layer;
}

/* ---- Style from an open image ---------------------------------------------------------- */

/* The pixels of `layer` (free with g_free) and its size, or NULL with `message`. */
static gfloat *read_style_layer(gint32 layer, uint32_t *width, uint32_t *height, char *message)
{
    if (!gimp_item_is_valid(layer) || !gimp_item_is_drawable(layer)) {
        g_snprintf(message, MESSAGE_SIZE, "style-layer %d is not a layer of an open image.", layer);
        return NULL;
    }
    if (gimp_drawable_is_indexed(layer)) {
        g_snprintf(message, MESSAGE_SIZE, "The style layer is indexed: convert with Image > Mode > RGB first.");
        return NULL;
    }
    GeglRectangle whole = {0, 0, gimp_drawable_width(layer), gimp_drawable_height(layer)};
    GeglBuffer *buffer = gimp_drawable_get_buffer(layer);
    gfloat *pixels = read_pixels(buffer, &whole, "R'G'B'A float", 4);
    g_object_unref(buffer);
    if (!pixels) {
        g_snprintf(message, MESSAGE_SIZE, "Not enough memory for the %d x %d style layer.", whole.width,
                   whole.height);
        return NULL;
    }
    *width = (uint32_t)whole.width;
    *height = (uint32_t)whole.height;
    return pixels;
}

static GimpPDBStatusType stylize_layer(gint32 image, gint32 drawable, const settings *s, gint32 *layer,
                                       char *message)
{
    if (!gimp_item_is_layer(drawable) || gimp_item_is_group(drawable))
        return refuse(message, "Neural style repaints a layer: select a layer, not a mask, channel or group.");
    if (gimp_drawable_is_indexed(drawable))
        return refuse(message, "Indexed images are not supported: convert with Image > Mode > RGB first.");
    const char *problem = settings_problem(s);
    if (problem)
        return refuse(message, problem);

    GeglRectangle region;
    if (!gimp_drawable_mask_intersect(drawable, &region.x, &region.y, &region.width, &region.height))
        return refuse(message, "The selection does not touch the layer: nothing to repaint.");

    GeglBuffer *buffer = gimp_drawable_get_buffer(drawable);
    gfloat *original = read_pixels(buffer, &region, "R'G'B'A float", 4);
    g_object_unref(buffer);
    gfloat *stylised = g_try_new(gfloat, (gsize)region.width * region.height * 4);
    if (!original || !stylised) {
        g_free(original);
        g_free(stylised);
        g_snprintf(message, MESSAGE_SIZE, "Not enough memory for a %d x %d layer region.", region.width,
                   region.height);
        return GIMP_PDB_EXECUTION_ERROR;
    }

    gchar *model = support_bundled_model_path();
    render_request request = {s, model, original, (uint32_t)region.width, (uint32_t)region.height,
                              show_progress, NULL, NULL, 0, 0, NULL, NULL};
    render_status status = RENDER_OK;
    if (s->style_layer != 0 &&
        !(request.style_pixels = read_style_layer(s->style_layer, &request.style_width, &request.style_height, message)))
        status = RENDER_FAILED;
    gimp_progress_init("Neural style");
    if (status == RENDER_OK)
        status = render_stylize(&request, stylised, message, MESSAGE_SIZE);
    g_free(model);
    g_free((gfloat *)request.style_pixels);

    if (status == RENDER_OK) {
        if (!gimp_selection_is_empty(image))
            confine_to_selection(image, drawable, &region, stylised, original);
        *layer = add_result_layer(image, drawable, s, &region, stylised);
    }
    gimp_progress_end();
    g_free(original);
    g_free(stylised);
    return status == RENDER_OK ? GIMP_PDB_SUCCESS : status == RENDER_CANCELLED ? GIMP_PDB_CANCEL
                                                                               : GIMP_PDB_EXECUTION_ERROR;
}

/* ---- The dialog ------------------------------------------------------------------------ */

typedef struct dialog_widgets {
    GtkWidget *dialog;
    settings *s;
    GtkWidget *style;
    GtkWidget *use_style2;
    GtkWidget *style2;
    GtkWidget *blend_frame;
    GtkObject *blend;
    /* Style from an open image */
    GtkWidget *use_style_layer;
    GtkWidget *style_layer;
    gint style_layer_id;
    /* Full size and the estimate */
    gint region_width, region_height;
    gint chosen_size; /* the size slider's value, used when Full size is off */
    GtkWidget *full_size;
    GtkObject *size;
    GtkWidget *estimate;
    GtkWidget *warning;
    gint32 drawable;
    GtkObject *iterations; /* applies with quality custom only */
} dialog_widgets;

static void update_sensitivity(GtkWidget *unused, dialog_widgets *w)
{
    (void)unused;
    gchar *style = style_picker_get_style(w->style);
    gboolean from_layer = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->use_style_layer));
    gboolean second = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->use_style2));
    gtk_widget_set_sensitive(w->style, !from_layer);
    gtk_widget_set_sensitive(w->blend_frame, !from_layer);
    gtk_widget_set_sensitive(w->style_layer, from_layer);
    gtk_widget_set_sensitive(w->style2, second);
    gimp_scale_entry_set_sensitive(w->blend, second);
    gtk_dialog_set_response_sensitive(GTK_DIALOG(w->dialog), GTK_RESPONSE_OK, from_layer || style[0] != '\0');
    g_free(style);
}

/* ---- Dialog: full size, the estimate and the enlargement warning ------------------------ */

static void update_estimate(dialog_widgets *w)
{
    gboolean full = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->full_size));
    w->s->size = full ? SETTINGS_SIZE_FULL : w->chosen_size;
    gimp_scale_entry_set_sensitive(w->size, !full);
    gimp_scale_entry_set_sensitive(w->iterations, w->s->quality == SETTINGS_QUALITY_CUSTOM);
    estimate e;
    char text[512];
    estimate_run(w->s, (uint32_t)w->region_width, (uint32_t)w->region_height, g_get_num_processors(), &e);
    estimate_describe(&e, text, sizeof text);
    gtk_label_set_text(GTK_LABEL(w->estimate), text);
    estimate_warning(&e, (uint32_t)w->region_width, (uint32_t)w->region_height, text, sizeof text);
    gchar *markup = g_markup_printf_escaped("<b>%s</b>", text);
    gtk_label_set_markup(GTK_LABEL(w->warning), markup);
    g_free(markup);
    gtk_widget_set_visible(w->warning, e.enlarged);
}

static void on_size_changed(GtkAdjustment *adjustment, dialog_widgets *w)
{
    w->chosen_size = (gint)gtk_adjustment_get_value(adjustment);
    update_estimate(w);
}

/* Rows 3 and 4 of `table`: the size slider and the Full size toggle; then the estimate and
 * warning lines at the end of `content`. */
static void add_size_widgets(dialog_widgets *w, GtkWidget *table, GtkWidget *content, gint32 drawable)
{
    gint x, y;
    if (!gimp_drawable_mask_intersect(drawable, &x, &y, &w->region_width, &w->region_height)) {
        w->region_width = gimp_drawable_width(drawable);
        w->region_height = gimp_drawable_height(drawable);
    }
    settings defaults;
    settings_default(&defaults);
    w->chosen_size = w->s->size == SETTINGS_SIZE_FULL ? defaults.size : w->s->size;
    w->size = gimp_scale_entry_new(
        GTK_TABLE(table), 0, 3, "Processing si_ze:", 200, 6, w->chosen_size, SETTINGS_SIZE_MIN, SETTINGS_SIZE_MAX,
        64, 256, 0, FALSE, SETTINGS_SIZE_MIN, 2048,
        "Longest side, in pixels, the painting is computed at before it is enlarged to the layer", NULL);
    g_signal_connect(w->size, "value-changed", G_CALLBACK(on_size_changed), w);
    gchar *full_label = g_strdup_printf("_Full size (the layer's own, %d × %d; large layers run in tiles)",
                                        w->region_width, w->region_height);
    w->full_size = gtk_check_button_new_with_mnemonic(full_label);
    g_free(full_label);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w->full_size), w->s->size == SETTINGS_SIZE_FULL);
    g_signal_connect_swapped(w->full_size, "toggled", G_CALLBACK(update_estimate), w);
    gtk_table_attach(GTK_TABLE(table), w->full_size, 1, 3, 4, 5, GTK_FILL, GTK_FILL, 0, 0);

    w->estimate = gtk_label_new(NULL);
    gtk_misc_set_alignment(GTK_MISC(w->estimate), 0.0, 0.5);
    gtk_box_pack_start(GTK_BOX(content), w->estimate, FALSE, FALSE, 0);
    w->warning = gtk_label_new(NULL);
    gtk_misc_set_alignment(GTK_MISC(w->warning), 0.0, 0.5);
    gtk_label_set_line_wrap(GTK_LABEL(w->warning), TRUE);
    gtk_widget_set_size_request(w->warning, 570, -1);
    gtk_box_pack_start(GTK_BOX(content), w->warning, FALSE, FALSE, 0);
}

/* ---- Dialog: quality ----------------------------------------------------------------------- */

static void on_quality_changed(GtkWidget *combo, dialog_widgets *w)
{
    gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &w->s->quality);
    update_estimate(w);
}

/* Rows 1 and 2 of `table`: the quality presets, and the iterations slider that only Custom
 * uses. Made after the size widgets, as choosing the quality updates the estimate at once. */
static void add_quality_widgets(dialog_widgets *w, GtkWidget *table)
{
    w->iterations = gimp_scale_entry_new(
        GTK_TABLE(table), 0, 2, "_Iterations:", 200, 6, w->s->iterations, SETTINGS_ITERATIONS_MIN,
        SETTINGS_ITERATIONS_MAX, 10, 100, 0, FALSE, SETTINGS_ITERATIONS_MIN, 1000,
        "Quality Custom: optimiser steps at each resolution; more gives a finer result and takes longer", NULL);
    g_signal_connect(w->iterations, "value-changed", G_CALLBACK(gimp_int_adjustment_update), &w->s->iterations);
    g_signal_connect_swapped(w->iterations, "value-changed", G_CALLBACK(update_estimate), w);
    GtkWidget *quality = gimp_int_combo_box_new(
        "Draft (a quick look)", SETTINGS_QUALITY_DRAFT, "Standard", SETTINGS_QUALITY_STANDARD,
        "Fine (twice standard's time)", SETTINGS_QUALITY_FINE, "Custom (the iterations below)",
        SETTINGS_QUALITY_CUSTOM, NULL);
    gimp_help_set_help_data(quality, "How finished the picture is, and so how long it takes (the estimate below)",
                            NULL);
    gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(quality), w->s->quality, G_CALLBACK(on_quality_changed), w);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, 1, "_Quality:", 0.0, 0.5, quality, 2, FALSE);
}

/* ---- Dialog: style from an open image ---------------------------------------------------- */

static gboolean usable_as_style(gint32 image, gint32 drawable, gpointer data)
{
    (void)image;
    (void)data;
    return gimp_item_is_layer(drawable) && !gimp_item_is_group(drawable) && !gimp_drawable_is_indexed(drawable);
}

/* A frame whose check button switches the style to a layer of an open image, chosen below it. */
static GtkWidget *style_layer_frame(dialog_widgets *w)
{
    GtkWidget *frame = gimp_frame_new(NULL);
    w->use_style_layer = gtk_check_button_new_with_mnemonic("Take the style from an _open image");
    gboolean valid = w->s->style_layer != 0 && gimp_item_is_valid(w->s->style_layer);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w->use_style_layer), valid);
    gtk_frame_set_label_widget(GTK_FRAME(frame), w->use_style_layer);
    w->style_layer = gimp_drawable_combo_box_new(usable_as_style, NULL);
    w->style_layer_id = valid ? w->s->style_layer : 0;
    gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(w->style_layer), w->style_layer_id,
                               G_CALLBACK(gimp_int_combo_box_get_active), &w->style_layer_id);
    gtk_container_add(GTK_CONTAINER(frame), w->style_layer);
    g_signal_connect(w->use_style_layer, "toggled", G_CALLBACK(update_sensitivity), w);
    return frame;
}

/* On OK: the layer when its check button is on (no second style then), else none. */
static void store_style_layer(const dialog_widgets *w)
{
    gboolean from_layer = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->use_style_layer));
    w->s->style_layer = from_layer ? w->style_layer_id : 0;
    if (from_layer)
        w->s->style2[0] = '\0';
}

static void on_style_chosen(GtkWidget *picker, gpointer w)
{
    update_sensitivity(picker, w);
}

static void copy_chosen_style(GtkWidget *picker, char *style)
{
    gchar *chosen = style_picker_get_style(picker);
    g_strlcpy(style, chosen, SETTINGS_PATH_MAX);
    g_free(chosen);
}

/* ---- Dialog: live preview ----------------------------------------------------------------- */

/* The dialog's current choices, the region scaled to the preview's size and the style layer. */
static gboolean gather_preview(preview_input *input, gpointer data, char *message, size_t message_size)
{
    dialog_widgets *w = data;
    input->settings = *w->s;
    copy_chosen_style(w->style, input->settings.style);
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->use_style2)))
        copy_chosen_style(w->style2, input->settings.style2);
    else
        input->settings.style2[0] = '\0';
    gboolean from_layer = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->use_style_layer));
    input->settings.style_layer = from_layer ? w->style_layer_id : 0;
    if (from_layer)
        input->settings.style2[0] = '\0';
    if (from_layer && !(input->style_pixels = read_style_layer(w->style_layer_id, &input->style_width,
                                                               &input->style_height, message)))
        return FALSE;

    GeglRectangle region;
    if (!gimp_drawable_mask_intersect(w->drawable, &region.x, &region.y, &region.width, &region.height)) {
        g_strlcpy(message, "The selection does not touch the layer: nothing to preview.", message_size);
        return FALSE;
    }
    double scale = MIN(1.0, (double)PREVIEW_SIDE / MAX(region.width, region.height));
    GeglRectangle scaled = {(gint)(region.x * scale), (gint)(region.y * scale), MAX(1, (gint)(region.width * scale)),
                            MAX(1, (gint)(region.height * scale))};
    GeglBuffer *buffer = gimp_drawable_get_buffer(w->drawable);
    input->pixels = g_new(gfloat, (gsize)scaled.width * scaled.height * 4);
    gegl_buffer_get(buffer, &scaled, scale, babl_format("R'G'B'A float"), input->pixels, GEGL_AUTO_ROWSTRIDE,
                    GEGL_ABYSS_NONE);
    g_object_unref(buffer);
    input->width = (uint32_t)scaled.width;
    input->height = (uint32_t)scaled.height;
    return TRUE;
}

/* Shows the dialog for `drawable`; TRUE when the user pressed OK, with `s` updated. */
static gboolean run_dialog(settings *s, gint32 drawable)
{
    dialog_widgets w = {0};
    w.s = s;
    w.drawable = drawable;
    gimp_ui_init(PLUG_IN_BINARY, TRUE);
    w.dialog = gimp_dialog_new("Neural Style Transfer", PLUG_IN_ROLE, NULL, 0, gimp_standard_help_func,
                               PLUG_IN_PROC, GTK_STOCK_CANCEL, GTK_RESPONSE_CANCEL, GTK_STOCK_OK,
                               GTK_RESPONSE_OK, NULL);
    gtk_dialog_set_alternative_button_order(GTK_DIALOG(w.dialog), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL, -1);
    gimp_window_set_transient(GTK_WINDOW(w.dialog));

    /* The settings on the left, the preview on the right. */
    GtkWidget *columns = gtk_hbox_new(FALSE, 12);
    gtk_container_set_border_width(GTK_CONTAINER(columns), 12);
    gtk_box_pack_start(GTK_BOX(gtk_dialog_get_content_area(GTK_DIALOG(w.dialog))), columns, TRUE, TRUE, 0);
    GtkWidget *content = gtk_vbox_new(FALSE, 12);
    gtk_box_pack_start(GTK_BOX(columns), content, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(columns), preview_new(gather_preview, &w), FALSE, FALSE, 0);

    GtkWidget *style_frame = gimp_frame_new("Style");
    w.style = style_picker_new(s->style, "Choose the style image", on_style_chosen, &w);
    gtk_container_add(GTK_CONTAINER(style_frame), w.style);
    gtk_box_pack_start(GTK_BOX(content), style_frame, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(content), style_layer_frame(&w), FALSE, FALSE, 0);

    GtkWidget *blend_frame = w.blend_frame = gimp_frame_new(NULL);
    w.use_style2 = gtk_check_button_new_with_mnemonic("_Blend with a second style");
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w.use_style2), s->style2[0] != '\0');
    gtk_frame_set_label_widget(GTK_FRAME(blend_frame), w.use_style2);
    GtkWidget *blend_box = gtk_vbox_new(FALSE, 6);
    w.style2 = style_picker_new(s->style2, "Choose the second style image", on_style_chosen, &w);
    gtk_box_pack_start(GTK_BOX(blend_box), w.style2, FALSE, FALSE, 0);
    GtkWidget *blend_table = gtk_table_new(1, 3, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(blend_table), 6);
    w.blend = gimp_scale_entry_new(GTK_TABLE(blend_table), 0, 0, "Share of the _second style:", 200, 6,
                                   s->style2_blend, 0.0, 1.0, 0.05, 0.25, 2, TRUE, 0, 0, NULL, NULL);
    g_signal_connect(w.blend, "value-changed", G_CALLBACK(gimp_double_adjustment_update), &s->style2_blend);
    gtk_box_pack_start(GTK_BOX(blend_box), blend_table, FALSE, FALSE, 0);
    gtk_container_add(GTK_CONTAINER(blend_frame), blend_box);
    gtk_box_pack_start(GTK_BOX(content), blend_frame, FALSE, FALSE, 0);
    g_signal_connect(w.use_style2, "toggled", G_CALLBACK(update_sensitivity), &w);

    GtkWidget *table = gtk_table_new(8, 3, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(table), 6);
    gtk_table_set_row_spacings(GTK_TABLE(table), 6);
    gtk_box_pack_start(GTK_BOX(content), table, FALSE, FALSE, 0);

    GtkObject *strength = gimp_scale_entry_new(GTK_TABLE(table), 0, 0, "S_trength:", 200, 6, s->strength,
                                               SETTINGS_STRENGTH_MIN, SETTINGS_STRENGTH_MAX, 0.1, 1.0, 2, TRUE,
                                               0, 0, "1 is the usual balance; 2 twice the style, 0.5 half", NULL);
    gimp_scale_entry_set_logarithmic(strength, TRUE);
    g_signal_connect(strength, "value-changed", G_CALLBACK(gimp_double_adjustment_update), &s->strength);

    add_size_widgets(&w, table, content, drawable);
    add_quality_widgets(&w, table);

    GtkWidget *colors = gimp_int_combo_box_new("Take the style's colours", SETTINGS_COLORS_STYLE,
                                               "Keep the layer's colours", SETTINGS_COLORS_LUMINANCE,
                                               "Recolour the style to the layer", SETTINGS_COLORS_HISTOGRAM, NULL);
    gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(colors), s->colors, G_CALLBACK(gimp_int_combo_box_get_active),
                               &s->colors);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, 5, "_Colours:", 0.0, 0.5, colors, 2, FALSE);

    GtkWidget *device = gimp_int_combo_box_new("Automatic (GPU when present)", SETTINGS_DEVICE_AUTO, "CPU",
                                               SETTINGS_DEVICE_CPU, "GPU (CUDA)", SETTINGS_DEVICE_CUDA, NULL);
    gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(device), s->device, G_CALLBACK(gimp_int_combo_box_get_active),
                               &s->device);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, 6, "_Device:", 0.0, 0.5, device, 2, FALSE);

    GtkObject *seed_adjustment;
    GtkWidget *seed = gimp_spin_button_new(&seed_adjustment, s->seed, 0, G_MAXINT32, 1, 10, 0, 1, 0);
    g_signal_connect(seed_adjustment, "value-changed", G_CALLBACK(gimp_int_adjustment_update), &s->seed);
    gimp_table_attach_aligned(GTK_TABLE(table), 0, 7, "S_eed:", 0.0, 0.5, seed, 1, FALSE);

    update_sensitivity(NULL, &w);
    gtk_widget_show_all(w.dialog);
    update_estimate(&w);
    gboolean accepted = gimp_dialog_run(GIMP_DIALOG(w.dialog)) == GTK_RESPONSE_OK;
    if (accepted) {
        copy_chosen_style(w.style, s->style);
        if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w.use_style2)))
            copy_chosen_style(w.style2, s->style2);
        else
            s->style2[0] = '\0';
        store_style_layer(&w);
    }
    gtk_widget_destroy(w.dialog);
    return accepted;
}

/* ---- Entry point ----------------------------------------------------------------------- */

/* The arguments of procedure `name` (ARGUMENTS, then its variant's one more). */
static void settings_from_arguments(settings *s, const gchar *name, const GimpParam *param)
{
    const GimpParam *extra = &param[G_N_ELEMENTS(ARGUMENTS)];
    s->style_layer = g_strcmp0(name, PLUG_IN_PROC_FROM_LAYER) == 0 ? extra->data.d_drawable : 0;
    /* The procedures without a quality argument predate the presets: their `iterations` keeps
     * its meaning, at every resolution. */
    s->quality = g_strcmp0(name, PLUG_IN_PROC_QUALITY) == 0 ? extra->data.d_int32 : SETTINGS_QUALITY_CUSTOM;
    g_strlcpy(s->style, param[3].data.d_string ? param[3].data.d_string : "", SETTINGS_PATH_MAX);
    g_strlcpy(s->style2, param[4].data.d_string ? param[4].data.d_string : "", SETTINGS_PATH_MAX);
    s->style2_blend = param[5].data.d_float;
    s->strength = param[6].data.d_float;
    s->iterations = param[7].data.d_int32;
    s->size = param[8].data.d_int32;
    s->colors = param[9].data.d_int32;
    s->device = param[10].data.d_int32;
    s->seed = param[11].data.d_int32;
}

static void run(const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals,
                GimpParam **return_vals)
{
    static GimpParam values[2];
    static char message[MESSAGE_SIZE];
    gint expected = (gint)G_N_ELEMENTS(ARGUMENTS) + (g_strcmp0(name, PLUG_IN_PROC) != 0);
    GimpRunMode run_mode = param[0].data.d_int32;
    gint32 image = param[1].data.d_image;
    gint32 drawable = param[2].data.d_drawable;

    /* The dialog starts from the last run's values; before any run, from the caller's arguments
     * when it passed them (so a script can open a pre-filled dialog), else the defaults. Stored
     * values of another size are another layout's (an older plug-in's in the same GIMP session:
     * `quality` took the struct from 8232 to 8240 bytes) and are not read. */
    settings s;
    settings_default(&s);
    if (run_mode != GIMP_RUN_NONINTERACTIVE && gimp_get_data_size(PLUG_IN_PROC) == sizeof s)
        gimp_get_data(PLUG_IN_PROC, &s);
    else if (nparams == expected && param[3].data.d_string && param[3].data.d_string[0])
        settings_from_arguments(&s, name, param);

    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    message[0] = '\0';
    if (run_mode == GIMP_RUN_NONINTERACTIVE) {
        if (nparams != expected) {
            g_snprintf(message, sizeof message, "%s takes %d arguments, got %d", name, expected, nparams);
            status = GIMP_PDB_CALLING_ERROR;
        } else {
            settings_from_arguments(&s, name, param);
        }
    } else if (run_mode == GIMP_RUN_INTERACTIVE && !run_dialog(&s, drawable)) {
        status = GIMP_PDB_CANCEL;
    }

    gint32 layer = -1;
    if (status == GIMP_PDB_SUCCESS) {
        gegl_init(NULL, NULL);
        status = stylize_layer(image, drawable, &s, &layer, message);
    }
    if (status == GIMP_PDB_SUCCESS && run_mode != GIMP_RUN_NONINTERACTIVE) {
        gimp_set_data(PLUG_IN_PROC, &s, sizeof s);
        gimp_displays_flush();
    }

    values[0].type = GIMP_PDB_STATUS;
    values[0].data.d_status = status;
    *nreturn_vals = 1;
    *return_vals = values;
    if (status == GIMP_PDB_SUCCESS) {
        values[1].type = GIMP_PDB_LAYER;
        values[1].data.d_layer = layer;
        *nreturn_vals = 2;
    } else if (message[0]) {
        /* GIMP shows a returned message in interactive runs and hands it to scripts. */
        values[1].type = GIMP_PDB_STRING;
        values[1].data.d_string = message;
        *nreturn_vals = 2;
    }
}
