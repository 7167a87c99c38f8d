/*
 * gimp3.c — the GIMP 3 front of the Neural Style Transfer filter.
 *
 * Every call into GIMP 3's API lives in this file: the GimpPlugIn subclass, the image procedure
 * and its typed arguments, pixels, the new layers, progress and the GimpProcedureDialog. It
 * mirrors gimp2.c step for step; the pixel work is shared (render.c, blend.c, settings.c,
 * support.c). GIMP 3 replaced IDs with objects, GimpParam arrays with a procedure config and
 * GTK 2 with GTK 3, so the two fronts are separate files rather than one full of #ifs.
 *
 * Cancel: like GIMP 2.10, GIMP 3 closes a plug-in whose progress is cancelled, which stops the
 * engine at once; the image is only touched after the engine has finished.
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
#define PLUG_IN_BINARY "pastiche"
#define MESSAGE_SIZE 1024

typedef struct _Pastiche {
    GimpPlugIn parent_instance;
} Pastiche;

typedef struct _PasticheClass {
    GimpPlugInClass parent_class;
} PasticheClass;

#define PASTICHE_TYPE (pastiche_get_type())
GType pastiche_get_type(void) G_GNUC_CONST;

static GList *pastiche_query_procedures(GimpPlugIn *plug_in);
static GimpProcedure *pastiche_create_procedure(GimpPlugIn *plug_in, const gchar *name);
static GimpValueArray *pastiche_run(GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
                                    GimpDrawable **drawables, GimpProcedureConfig *config, gpointer run_data);

G_DEFINE_TYPE(Pastiche, pastiche, GIMP_TYPE_PLUG_IN)

GIMP_MAIN(PASTICHE_TYPE)

static void pastiche_class_init(PasticheClass *klass)
{
    GimpPlugInClass *plug_in_class = GIMP_PLUG_IN_CLASS(klass);
    plug_in_class->query_procedures = pastiche_query_procedures;
    plug_in_class->create_procedure = pastiche_create_procedure;
    /* No translations are shipped; without this GIMP looks for a locale folder. */
    plug_in_class->set_i18n = NULL;
}

static void pastiche_init(Pastiche *pastiche)
{
    (void)pastiche;
}

/* ---- Procedure and arguments ----------------------------------------------------------- */

static GList *pastiche_query_procedures(GimpPlugIn *plug_in)
{
    (void)plug_in;
    return g_list_append(NULL, g_strdup(PLUG_IN_PROC));
}

static GimpProcedure *pastiche_create_procedure(GimpPlugIn *plug_in, const gchar *name)
{
    if (g_strcmp0(name, PLUG_IN_PROC) != 0)
        return NULL;
    settings d;
    settings_default(&d);

    GimpProcedure *procedure =
        gimp_image_procedure_new(plug_in, name, GIMP_PDB_PROC_TYPE_PLUGIN, pastiche_run, NULL, NULL);
    gimp_procedure_set_image_types(procedure, "RGB*, GRAY*");
    gimp_procedure_set_sensitivity_mask(procedure,
                                        GIMP_PROCEDURE_SENSITIVE_DRAWABLE | GIMP_PROCEDURE_SENSITIVE_DRAWABLES);
    gimp_procedure_set_menu_label(procedure, "Neural Style _Transfer...");
    gimp_procedure_add_menu_path(procedure, "<Image>/Filters/Artistic");
    gimp_procedure_set_documentation(
        procedure, "Repaint layers in the style of a painting (Gatys et al. neural style transfer)",
        "Optimises each selected layer's pixels so that a VGG network sees the content of the layer "
        "and the textures of the style image. Each result is a new layer above its source, named "
        "after the style; with a selection only the selected area changes. The optimisation runs at "
        "'size' (through coarser resolutions first) and is enlarged to the layer's size, or with "
        "'full-size' at the layer's own size (in overlapping tiles where it is large).",
        name);
    gimp_procedure_set_attribution(procedure, "Pastiche contributors", "Pastiche contributors", "2026");

    /* Strings rather than files, so that a bundled style's name is a valid value. */
    gimp_procedure_add_string_argument(procedure, "style", "Style",
                                       "A bundled style's name, e.g. starry-night (`pastiche styles` lists them), "
                                       "or a style image file (PNG, JPEG, WebP, TIFF); an existing file wins over "
                                       "a name",
                                       "", G_PARAM_READWRITE);
    gimp_procedure_add_string_argument(procedure, "style2", "Second style",
                                       "Optional second style to blend, a name or a file like style; \"\" for none",
                                       "", G_PARAM_READWRITE);
    gimp_procedure_add_double_argument(procedure, "style2-blend", "Share of the second style",
                                       "Weight of the second style, 0..1", 0.0, 1.0, d.style2_blend,
                                       G_PARAM_READWRITE);
    gimp_procedure_add_double_argument(procedure, "strength", "S_trength",
                                       "Multiplies the default style/content weight ratio (10:1): 2 gives twice "
                                       "the style, 0.5 half",
                                       SETTINGS_STRENGTH_MIN, SETTINGS_STRENGTH_MAX, d.strength, G_PARAM_READWRITE);
    gimp_procedure_add_int_argument(procedure, "iterations", "_Iterations",
                                    "With quality custom: optimiser iterations at each resolution (more: finer "
                                    "result, slower)",
                                    SETTINGS_ITERATIONS_MIN, SETTINGS_ITERATIONS_MAX, d.iterations,
                                    G_PARAM_READWRITE);
    gimp_procedure_add_int_argument(procedure, "size", "Processing si_ze",
                                    "Longest side the optimisation runs at, in pixels (never above the layer's); "
                                    "the result is then enlarged to the layer's size",
                                    SETTINGS_SIZE_MIN, SETTINGS_SIZE_MAX, d.size, G_PARAM_READWRITE);
    gimp_procedure_add_boolean_argument(procedure, "full-size", "_Full size (the layer's own; large layers in tiles)",
                                        "Optimise at the layer's own size instead of 'size', in overlapping tiles "
                                        "where it is large: full sharpness, more time",
                                        FALSE, G_PARAM_READWRITE);
    gimp_procedure_add_drawable_argument(procedure, "style-layer", "Style layer",
                                         "A layer of an open image whose pixels are the style instead of 'style' "
                                         "(alpha ignored; not blended with style2)",
                                         TRUE, G_PARAM_READWRITE);
    gimp_procedure_add_choice_argument(
        procedure, "preserve-colors", "_Colours", "Whose colours the result has",
        gimp_choice_new_with_values("style", SETTINGS_COLORS_STYLE, "Take the style's colours", NULL, "luminance",
                                    SETTINGS_COLORS_LUMINANCE, "Keep the layer's colours", NULL, "histogram",
                                    SETTINGS_COLORS_HISTOGRAM, "Recolour the style to the layer", NULL, NULL),
        "style", G_PARAM_READWRITE);
    gimp_procedure_add_choice_argument(
        procedure, "device", "_Device", "Where ONNX Runtime computes",
        gimp_choice_new_with_values("auto", SETTINGS_DEVICE_AUTO, "Automatic (GPU when present)", NULL, "cpu",
                                    SETTINGS_DEVICE_CPU, "CPU", NULL, "cuda", SETTINGS_DEVICE_CUDA, "GPU (CUDA)",
                                    NULL, NULL),
        "auto", G_PARAM_READWRITE);
    gimp_procedure_add_int_argument(procedure, "seed", "S_eed",
                                    "Random seed; the same seed and settings give the same result", 0, G_MAXINT32,
                                    d.seed, G_PARAM_READWRITE);
    /* Last, so that calls written before it keep their arguments' positions; those passing
     * 'iterations' add quality "custom" to keep their iteration count (gimp/README.md). */
    gimp_procedure_add_choice_argument(
        procedure, "quality", "_Quality",
        "How finished the picture is, and so how long it takes: draft (a quick look, 40 % of standard's work), "
        "standard, fine (twice standard's work), or custom ('iterations' at every resolution). A preset sets "
        "each resolution's iterations and ends one early once its loss has all but stopped falling",
        gimp_choice_new_with_values("draft", SETTINGS_QUALITY_DRAFT, "Draft (a quick look)", NULL, "standard",
                                    SETTINGS_QUALITY_STANDARD, "Standard", NULL, "fine", SETTINGS_QUALITY_FINE,
                                    "Fine (twice standard's time)", NULL, "custom", SETTINGS_QUALITY_CUSTOM,
                                    "Custom (the iterations below)", NULL, NULL),
        "standard", G_PARAM_READWRITE);
    gimp_procedure_add_layer_return_value(procedure, "layer", "Layer",
                                          "The new layer (the topmost, when several layers were selected)", FALSE,
                                          G_PARAM_READWRITE);
    return procedure;
}

static void settings_from_config(settings *s, GimpProcedureConfig *config)
{
    gchar *style = NULL, *style2 = NULL;
    settings_default(s);
    g_object_get(config, "style", &style, "style2", &style2, "style2-blend", &s->style2_blend, "strength",
                 &s->strength, "iterations", &s->iterations, "size", &s->size, "seed", &s->seed, NULL);
    g_strlcpy(s->style, style ? style : "", SETTINGS_PATH_MAX);
    g_strlcpy(s->style2, style2 ? style2 : "", SETTINGS_PATH_MAX);
    g_free(style);
    g_free(style2);
    s->colors = gimp_procedure_config_get_choice_id(config, "preserve-colors");
    s->device = gimp_procedure_config_get_choice_id(config, "device");
    s->quality = gimp_procedure_config_get_choice_id(config, "quality");
    gboolean full = FALSE;
    GimpDrawable *style_layer = NULL;
    g_object_get(config, "full-size", &full, "style-layer", &style_layer, NULL);
    if (full)
        s->size = SETTINGS_SIZE_FULL;
    s->style_layer = style_layer ? gimp_item_get_id(GIMP_ITEM(style_layer)) : 0;
    g_clear_object(&style_layer);
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

static gfloat *read_pixels(GeglBuffer *buffer, const GeglRectangle *rect, const char *format, int channels)
{
    gfloat *pixels = g_try_new(gfloat, (gsize)rect->width * rect->height * channels);
    if (pixels)
        gegl_buffer_get(buffer, rect, 1.0, babl_format(format), pixels, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
    return pixels;
}

static void confine_to_selection(GimpImage *image, GimpDrawable *drawable, const GeglRectangle *region,
                                 gfloat *stylised, const gfloat *original)
{
    gint offset_x, offset_y;
    gimp_drawable_get_offsets(drawable, &offset_x, &offset_y);
    GeglBuffer *selection = gimp_drawable_get_buffer(GIMP_DRAWABLE(gimp_image_get_selection(image)));
    GeglRectangle in_image = {region->x + offset_x, region->y + offset_y, region->width, region->height};
    gfloat *mask = read_pixels(selection, &in_image, "Y float", 1);
    g_object_unref(selection);
    if (mask)
        blend_by_mask(stylised, original, mask, (size_t)region->width * region->height);
    g_free(mask);
}

static GimpLayer *add_result_layer(GimpImage *image, GimpDrawable *drawable, const settings *s,
                                   const GeglRectangle *region, const gfloat *stylised)
{
    gint offset_x, offset_y;
    gimp_drawable_get_offsets(drawable, &offset_x, &offset_y);
    gchar *name = s->style_layer ? gimp_item_get_name(gimp_item_get_by_id(s->style_layer)) : support_layer_name(s);
    gint width = gimp_drawable_get_width(drawable), height = gimp_drawable_get_height(drawable);

    GimpLayer *layer = gimp_layer_new(image, name, width, height, gimp_drawable_type(drawable), 100.0,
                                      GIMP_LAYER_MODE_NORMAL);
    GimpItem *parent = gimp_item_get_parent(GIMP_ITEM(drawable));
    gimp_image_insert_layer(image, layer, parent ? GIMP_LAYER(parent) : NULL,
                            gimp_image_get_item_position(image, GIMP_ITEM(drawable)));
    gimp_layer_set_offsets(layer, offset_x, offset_y);

    GeglBuffer *source = gimp_drawable_get_buffer(drawable);
    GeglBuffer *target = gimp_drawable_get_buffer(GIMP_DRAWABLE(layer));
    gegl_buffer_copy(source, NULL, GEGL_ABYSS_NONE, target, NULL);
    gegl_buffer_set(target, region, 0, babl_format("R'G'B'A float"), stylised, GEGL_AUTO_ROWSTRIDE);
    g_object_unref(source);
    g_object_unref(target);

    gimp_drawable_update(GIMP_DRAWABLE(layer), 0, 0, width, height);
    g_free(name);
    return layer;
}

static GimpPDBStatusType refuse(char *message, const char *text)
{
    g_strlcpy(message, text, MESSAGE_SIZE);
    return GIMP_PDB_EXECUTION_ERROR;
}

/* ---- Style from an open image ---------------------------------------------------------- */

/* The pixels of layer `id` (free with g_free) and its size, or NULL with `message`. */
static gfloat *read_style_layer(gint32 id, uint32_t *width, uint32_t *height, char *message)
{
    GimpItem *item = gimp_item_get_by_id(id);
    if (!item || !gimp_item_is_drawable(item)) {
        g_snprintf(message, MESSAGE_SIZE, "style-layer %d is not a layer of an open image.", id);
        return NULL;
    }
    GimpDrawable *layer = GIMP_DRAWABLE(item);
    if (gimp_drawable_is_indexed(layer)) {
        g_snprintf(message, MESSAGE_SIZE, "The style layer is indexed: convert with Image > Mode > RGB first.");
        return NULL;
    }
    GeglRectangle whole = {0, 0, gimp_drawable_get_width(layer), gimp_drawable_get_height(layer)};
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

/* Stylises one drawable into `*pixels`; the image is not touched. */
static GimpPDBStatusType render_layer(GimpDrawable *drawable, const settings *s, const render_request *style,
                                      GeglRectangle *region, gfloat **original, gfloat **stylised, char *message)
{
    if (!gimp_item_is_layer(GIMP_ITEM(drawable)) || gimp_item_is_group(GIMP_ITEM(drawable)))
        return refuse(message, "Neural style repaints layers: select layers, not masks, channels or groups.");
    if (gimp_drawable_is_indexed(drawable))
        return refuse(message, "Indexed images are not supported: convert with Image > Mode > RGB first.");
    if (!gimp_drawable_mask_intersect(drawable, &region->x, &region->y, &region->width, &region->height))
        return refuse(message, "The selection does not touch the layer: nothing to repaint.");

    GeglBuffer *buffer = gimp_drawable_get_buffer(drawable);
    *original = read_pixels(buffer, region, "R'G'B'A float", 4);
    g_object_unref(buffer);
    *stylised = g_try_new(gfloat, (gsize)region->width * region->height * 4);
    if (!*original || !*stylised) {
        g_snprintf(message, MESSAGE_SIZE, "Not enough memory for a %d x %d layer region.", region->width,
                   region->height);
        return GIMP_PDB_EXECUTION_ERROR;
    }
    gchar *model = support_bundled_model_path();
    render_request request = {s,           model, *original, (uint32_t)region->width, (uint32_t)region->height,
                              show_progress, NULL,  style->style_pixels, style->style_width, style->style_height,
                              NULL,        NULL};
    render_status status = render_stylize(&request, *stylised, message, MESSAGE_SIZE);
    g_free(model);
    return status == RENDER_OK ? GIMP_PDB_SUCCESS : status == RENDER_CANCELLED ? GIMP_PDB_CANCEL
                                                                               : GIMP_PDB_EXECUTION_ERROR;
}

/* Stylises every selected layer; the new layers are added together, in one undo step, only
 * after all of them have been computed, so a failure leaves the image untouched. */
static GimpPDBStatusType stylize_layers(GimpImage *image, GimpDrawable **drawables, const settings *s,
                                        GimpLayer **topmost, char *message)
{
    const char *problem = settings_problem(s);
    if (problem)
        return refuse(message, problem);
    guint count = drawables ? g_strv_length((gchar **)drawables) : 0;
    if (count == 0)
        return refuse(message, "No layer is selected.");

    GeglRectangle *regions = g_new0(GeglRectangle, count);
    gfloat **originals = g_new0(gfloat *, count);
    gfloat **results = g_new0(gfloat *, count);
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    render_request style = {0};
    gfloat *style_pixels = NULL;
    if (s->style_layer != 0 &&
        !(style.style_pixels = style_pixels = read_style_layer(s->style_layer, &style.style_width, &style.style_height,
                                                               message)))
        status = GIMP_PDB_EXECUTION_ERROR;
    gimp_progress_init("Neural style");
    for (guint i = 0; i < count && status == GIMP_PDB_SUCCESS; i++)
        status = render_layer(drawables[i], s, &style, &regions[i], &originals[i], &results[i], message);
    g_free(style_pixels);

    if (status == GIMP_PDB_SUCCESS) {
        gimp_image_undo_group_start(image);
        for (guint i = 0; i < count; i++) {
            if (!gimp_selection_is_empty(image))
                confine_to_selection(image, drawables[i], &regions[i], results[i], originals[i]);
            GimpLayer *layer = add_result_layer(image, drawables[i], s, &regions[i], results[i]);
            if (i == 0 || gimp_image_get_item_position(image, GIMP_ITEM(layer)) <
                              gimp_image_get_item_position(image, GIMP_ITEM(*topmost)))
                *topmost = layer;
        }
        gimp_image_undo_group_end(image);
    }
    gimp_progress_end();
    for (guint i = 0; i < count; i++) {
        g_free(originals[i]);
        g_free(results[i]);
    }
    g_free(regions);
    g_free(originals);
    g_free(results);
    return status;
}

/* ---- The dialog ------------------------------------------------------------------------ */

/* The two style pickers write the config's "style" and "style2"; the second only while its
 * check button is on, "" otherwise. */
typedef struct dialog_widgets {
    GtkWidget *dialog;
    GimpProcedureConfig *config;
    GtkWidget *style;
    GtkWidget *use_style2;
    GtkWidget *style2;
    GtkWidget *blend_frame;
    /* Style from an open image */
    GtkWidget *use_style_layer;
    GtkWidget *style_layer;
    gint style_layer_id;
    /* The estimate and the enlargement warning */
    gint region_width, region_height;
    GtkWidget *estimate;
    GtkWidget *warning;
    GtkWidget *iterations; /* applies with quality custom only */
    gulong estimate_handler; /* on the config, which outlives the dialog: disconnected at the end */
    GimpDrawable *drawable;
} dialog_widgets;

static void store_styles(GtkWidget *unused, gpointer data)
{
    (void)unused;
    const dialog_widgets *w = data;
    gboolean from_layer = gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->use_style_layer));
    gboolean second = !from_layer && gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(w->use_style2));
    gchar *style = style_picker_get_style(w->style);
    gchar *style2 = second ? style_picker_get_style(w->style2) : g_strdup("");
    GimpItem *layer = from_layer && w->style_layer_id ? gimp_item_get_by_id(w->style_layer_id) : NULL;
    g_object_set(w->config, "style", style, "style2", style2, "style-layer", layer, NULL);
    gtk_widget_set_sensitive(w->style, !from_layer);
    gtk_widget_set_sensitive(w->blend_frame, !from_layer);
    gtk_widget_set_sensitive(w->style_layer, from_layer);
    gtk_widget_set_sensitive(w->style2, second);
    gtk_dialog_set_response_sensitive(GTK_DIALOG(w->dialog), GTK_RESPONSE_OK,
                                      from_layer ? layer != NULL : style[0] != '\0');
    g_free(style);
    g_free(style2);
}

/* ---- Dialog: style from an open image ---------------------------------------------------- */

static gboolean usable_as_style(GimpImage *image, GimpItem *item, gpointer data)
{
    (void)image;
    (void)data;
    return gimp_item_is_layer(item) && !gimp_item_is_group(item) && !gimp_drawable_is_indexed(GIMP_DRAWABLE(item));
}

static void on_style_layer_chosen(GtkWidget *combo, dialog_widgets *w)
{
    gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &w->style_layer_id);
    store_styles(NULL, w);
}

/* A frame whose check button switches the style to a layer of an open image, chosen below it. */
static GtkWidget *style_layer_frame(dialog_widgets *w)
{
    GimpDrawable *chosen = NULL;
    g_object_get(w->config, "style-layer", &chosen, NULL);
    w->style_layer_id = chosen ? gimp_item_get_id(GIMP_ITEM(chosen)) : 0;
    g_clear_object(&chosen);
    GtkWidget *frame = gimp_frame_new(NULL);
    w->use_style_layer = gtk_check_button_new_with_mnemonic("Take the style from an _open image");
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w->use_style_layer), w->style_layer_id != 0);
    gtk_frame_set_label_widget(GTK_FRAME(frame), w->use_style_layer);
    w->style_layer = gimp_drawable_combo_box_new(usable_as_style, NULL, NULL);
    gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(w->style_layer), w->style_layer_id,
                               G_CALLBACK(on_style_layer_chosen), w, NULL);
    gtk_container_add(GTK_CONTAINER(frame), w->style_layer);
    g_signal_connect(w->use_style_layer, "toggled", G_CALLBACK(store_styles), w);
    return frame;
}

/* ---- Dialog: the estimate and the enlargement warning ------------------------------------ */

static void update_estimate(GObject *config, GParamSpec *unused, dialog_widgets *w)
{
    (void)unused;
    settings s;
    settings_from_config(&s, GIMP_PROCEDURE_CONFIG(config));
    estimate e;
    char text[512];
    /* Here rather than through gimp_procedure_dialog_set_sensitive_if_in: this follows every
     * change of the config already. */
    gtk_widget_set_sensitive(w->iterations, s.quality == SETTINGS_QUALITY_CUSTOM);
    estimate_run(&s, (uint32_t)w->region_width, (uint32_t)w->region_height, g_get_num_processors(), &e);
    estimate_describe(&e, text, sizeof text);
    gtk_label_set_text(GTK_LABEL(w->estimate), text);
    estimate_warning(&e, (uint32_t)w->region_width, (uint32_t)w->region_height, text, sizeof text);
    gchar *markup = g_markup_printf_escaped("<b>%s</b>", text);
    gtk_label_set_markup(GTK_LABEL(w->warning), markup);
    g_free(markup);
    gtk_widget_set_visible(w->warning, e.enlarged);
}

/* The estimate and warning lines at the end of `content`, following the config. */
static void add_estimate_widgets(dialog_widgets *w, GtkWidget *content, GimpDrawable *drawable)
{
    gint x, y;
    if (!drawable || !gimp_drawable_mask_intersect(drawable, &x, &y, &w->region_width, &w->region_height)) {
        w->region_width = drawable ? gimp_drawable_get_width(drawable) : 1;
        w->region_height = drawable ? gimp_drawable_get_height(drawable) : 1;
    }
    w->estimate = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(w->estimate), 0.0);
    gtk_box_pack_end(GTK_BOX(content), w->estimate, FALSE, FALSE, 0);
    w->warning = gtk_label_new(NULL);
    gtk_label_set_xalign(GTK_LABEL(w->warning), 0.0);
    gtk_label_set_line_wrap(GTK_LABEL(w->warning), TRUE);
    gtk_label_set_max_width_chars(GTK_LABEL(w->warning), 60);
    gtk_box_pack_end(GTK_BOX(content), w->warning, FALSE, FALSE, 0);
    gtk_widget_show(w->estimate);
    w->estimate_handler = g_signal_connect(w->config, "notify", G_CALLBACK(update_estimate), w);
    update_estimate(G_OBJECT(w->config), NULL, w);
}

/* ---- Dialog: live preview ----------------------------------------------------------------- */

/* The dialog's current choices, the region scaled to the preview's size and the style layer. */
static gboolean gather_preview(preview_input *input, gpointer data, char *message, size_t message_size)
{
    dialog_widgets *w = data;
    store_styles(NULL, w);
    settings_from_config(&input->settings, w->config);
    if (input->settings.style_layer != 0 &&
        !(input->style_pixels = read_style_layer(input->settings.style_layer, &input->style_width,
                                                 &input->style_height, message)))
        return FALSE;

    GeglRectangle region;
    if (!w->drawable ||
        !gimp_drawable_mask_intersect(w->drawable, &region.x, &region.y, &region.width, &region.height)) {
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

/* The generated dialog below the two style pickers (packed first, so they come on top). TRUE
 * on OK. */
static gboolean run_dialog(GimpProcedure *procedure, GimpProcedureConfig *config, GimpDrawable *drawable)
{
    gimp_ui_init(PLUG_IN_BINARY);
    dialog_widgets w = {0};
    w.dialog = gimp_procedure_dialog_new(procedure, config, "Neural Style Transfer");
    w.config = config;
    w.drawable = drawable;
    GimpProcedureDialog *generated = GIMP_PROCEDURE_DIALOG(w.dialog);
    gchar *style = NULL, *style2 = NULL;
    g_object_get(config, "style", &style, "style2", &style2, NULL);

    GtkWidget *content = gtk_dialog_get_content_area(GTK_DIALOG(w.dialog));
    GtkWidget *style_frame = gimp_frame_new("Style");
    w.style = style_picker_new(style ? style : "", "Choose the style image", store_styles, &w);
    gtk_container_add(GTK_CONTAINER(style_frame), w.style);
    gtk_box_pack_start(GTK_BOX(content), style_frame, FALSE, FALSE, 0);
    GtkWidget *layer_frame = style_layer_frame(&w);
    gtk_box_pack_start(GTK_BOX(content), layer_frame, FALSE, FALSE, 0);

    GtkWidget *blend_frame = w.blend_frame = gimp_frame_new(NULL);
    w.use_style2 = gtk_check_button_new_with_mnemonic("_Blend with a second style");
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(w.use_style2), style2 && style2[0]);
    gtk_frame_set_label_widget(GTK_FRAME(blend_frame), w.use_style2);
    w.style2 = style_picker_new(style2 ? style2 : "", "Choose the second style image", store_styles, &w);
    gtk_container_add(GTK_CONTAINER(blend_frame), w.style2);
    gtk_box_pack_start(GTK_BOX(content), blend_frame, FALSE, FALSE, 0);
    g_signal_connect(w.use_style2, "toggled", G_CALLBACK(store_styles), &w);
    gtk_widget_show_all(style_frame);
    gtk_widget_show_all(blend_frame);
    gtk_widget_show_all(layer_frame);
    store_styles(NULL, &w);
    g_free(style);
    g_free(style2);

    GtkWidget *strength = gimp_procedure_dialog_get_scale_entry(generated, "strength", 1.0);
    gimp_scale_entry_set_logarithmic(GIMP_SCALE_ENTRY(strength), TRUE);
    w.iterations = gimp_procedure_dialog_get_widget(generated, "iterations", G_TYPE_NONE);
    gimp_procedure_dialog_fill(generated, "style2-blend", "strength", "quality", "iterations", "size", "full-size",
                               "preserve-colors", "device", "seed", NULL);
    gimp_procedure_dialog_set_sensitive(generated, "size", TRUE, G_OBJECT(config), "full-size", TRUE);
    add_estimate_widgets(&w, content, drawable);
    GtkWidget *preview = preview_new(gather_preview, &w);
    gtk_box_pack_end(GTK_BOX(content), preview, FALSE, FALSE, 0);
    gtk_widget_show_all(preview);
    gboolean accepted = gimp_procedure_dialog_run(generated);
    /* Again: the dialog's Reset button rewrites the config but not the pickers. */
    if (accepted)
        store_styles(NULL, &w);
    g_signal_handler_disconnect(config, w.estimate_handler);
    gtk_widget_destroy(w.dialog);
    return accepted;
}

/* ---- Entry point ----------------------------------------------------------------------- */

static GimpValueArray *pastiche_run(GimpProcedure *procedure, GimpRunMode run_mode, GimpImage *image,
                                    GimpDrawable **drawables, GimpProcedureConfig *config, gpointer run_data)
{
    (void)run_data;
    char message[MESSAGE_SIZE] = "";
    if (run_mode == GIMP_RUN_INTERACTIVE && !run_dialog(procedure, config, drawables ? drawables[0] : NULL))
        return gimp_procedure_new_return_values(procedure, GIMP_PDB_CANCEL, NULL);

    settings s;
    settings_from_config(&s, config);
    GimpLayer *layer = NULL;
    GimpPDBStatusType status = stylize_layers(image, drawables, &s, &layer, message);
    if (status != GIMP_PDB_SUCCESS) {
        GError *error = message[0] ? g_error_new_literal(GIMP_PLUG_IN_ERROR, 0, message) : NULL;
        return gimp_procedure_new_return_values(procedure, status, error);
    }
    if (run_mode != GIMP_RUN_NONINTERACTIVE)
        gimp_displays_flush();
    GimpValueArray *values = gimp_procedure_new_return_values(procedure, GIMP_PDB_SUCCESS, NULL);
    GIMP_VALUES_SET_LAYER(values, 1, layer);
    return values;
}
