#include "style_picker.h"

#include <pastiche.h>

enum { COLUMN_ICON, COLUMN_PREVIEW, COLUMN_LABEL, COLUMN_NAME, N_COLUMNS };
enum { ICON_SIZE = 40, PREVIEW_SIZE = 96 };

typedef struct picker_state {
    GtkWidget *picker;
    GtkWidget *menu;
    GtkWidget *file;
    GtkWidget *preview;
    style_picker_changed changed;
    gpointer user_data;
} picker_state;

static GtkWidget *box_new(GtkOrientation orientation, gint spacing)
{
#if GTK_CHECK_VERSION(3, 0, 0)
    return gtk_box_new(orientation, spacing);
#else
    return orientation == GTK_ORIENTATION_VERTICAL ? gtk_vbox_new(FALSE, spacing) : gtk_hbox_new(FALSE, spacing);
#endif
}

/* `child` at its natural height, centred vertically in what it is given. */
static GtkWidget *centred_vertically(GtkWidget *child)
{
#if GTK_CHECK_VERSION(3, 0, 0)
    gtk_widget_set_valign(child, GTK_ALIGN_CENTER);
    return child;
#else
    GtkWidget *alignment = gtk_alignment_new(0.0, 0.5, 1.0, 0.0);
    gtk_container_add(GTK_CONTAINER(alignment), child);
    return alignment;
#endif
}

/* A copy of `pixbuf` whose longer side is `longest` pixels. */
static GdkPixbuf *scaled_to_fit(GdkPixbuf *pixbuf, int longest)
{
    int width = gdk_pixbuf_get_width(pixbuf), height = gdk_pixbuf_get_height(pixbuf);
    double scale = (double)longest / MAX(width, height);
    return gdk_pixbuf_scale_simple(pixbuf, MAX(1, (int)(width * scale + 0.5)), MAX(1, (int)(height * scale + 0.5)),
                                   GDK_INTERP_BILINEAR);
}

/* The bundled style's painting, decoded from the JPEG bytes libpastiche holds; NULL if it
 * cannot be decoded. */
static GdkPixbuf *bundled_preview(size_t index)
{
    const unsigned char *jpeg = NULL;
    size_t size = 0;
    if (pastiche_bundled_style_image(index, &jpeg, &size) != PASTICHE_OK)
        return NULL;
    GdkPixbufLoader *loader = gdk_pixbuf_loader_new();
    gboolean decoded = gdk_pixbuf_loader_write(loader, jpeg, size, NULL);
    decoded = gdk_pixbuf_loader_close(loader, NULL) && decoded;
    GdkPixbuf *preview = decoded ? scaled_to_fit(gdk_pixbuf_loader_get_pixbuf(loader), PREVIEW_SIZE) : NULL;
    g_object_unref(loader);
    return preview;
}

/* One row per bundled style, then "Image file…" (no name). */
static GtkListStore *menu_entries(void)
{
    GtkListStore *store = gtk_list_store_new(N_COLUMNS, GDK_TYPE_PIXBUF, GDK_TYPE_PIXBUF, G_TYPE_STRING, G_TYPE_STRING);
    for (size_t i = 0; i < pastiche_bundled_style_count(); i++) {
        const char *name, *title, *artist, *date;
        if (pastiche_bundled_style_info(i, &name, &title, &artist, &date, NULL) != PASTICHE_OK)
            continue;
        GdkPixbuf *preview = bundled_preview(i);
        GdkPixbuf *icon = preview ? scaled_to_fit(preview, ICON_SIZE) : NULL;
        gchar *label = g_markup_printf_escaped("%s\n<small>%s, %s</small>", title, artist, date);
        gtk_list_store_insert_with_values(store, NULL, -1, COLUMN_ICON, icon, COLUMN_PREVIEW, preview, COLUMN_LABEL,
                                          label, COLUMN_NAME, name, -1);
        g_free(label);
        if (icon)
            g_object_unref(icon);
        if (preview)
            g_object_unref(preview);
    }
    gtk_list_store_insert_with_values(store, NULL, -1, COLUMN_LABEL, "Image file\xe2\x80\xa6", COLUMN_NAME, NULL, -1);
    return store;
}

/* The bundled name of the active menu row, or NULL for "Image file…". Free with g_free. */
static gchar *active_name(const picker_state *state)
{
    GtkTreeIter row;
    gchar *name = NULL;
    if (gtk_combo_box_get_active_iter(GTK_COMBO_BOX(state->menu), &row))
        gtk_tree_model_get(gtk_combo_box_get_model(GTK_COMBO_BOX(state->menu)), &row, COLUMN_NAME, &name, -1);
    return name;
}

static void show_preview(picker_state *state)
{
    GtkTreeIter row;
    GdkPixbuf *pixbuf = NULL;
    gchar *name = active_name(state);
    gchar *path = name ? NULL : gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(state->file));
    if (name && gtk_combo_box_get_active_iter(GTK_COMBO_BOX(state->menu), &row))
        gtk_tree_model_get(gtk_combo_box_get_model(GTK_COMBO_BOX(state->menu)), &row, COLUMN_PREVIEW, &pixbuf, -1);
    else if (path)
        pixbuf = gdk_pixbuf_new_from_file_at_scale(path, PREVIEW_SIZE, PREVIEW_SIZE, TRUE, NULL);

    if (pixbuf)
        gtk_image_set_from_pixbuf(GTK_IMAGE(state->preview), pixbuf);
    else if (path)
        gtk_image_set_from_icon_name(GTK_IMAGE(state->preview), "image-missing", GTK_ICON_SIZE_DIALOG);
    else
        gtk_image_clear(GTK_IMAGE(state->preview));
    if (pixbuf)
        g_object_unref(pixbuf);
    g_free(name);
    g_free(path);
}

static void on_change(GtkWidget *source, picker_state *state)
{
    (void)source;
    gchar *name = active_name(state);
    gtk_widget_set_sensitive(state->file, name == NULL);
    g_free(name);
    show_preview(state);
    if (state->changed)
        state->changed(state->picker, state->user_data);
}

/* Selects the row named `style`; FALSE when no bundled style has that name. */
static gboolean select_bundled(picker_state *state, const char *style)
{
    GtkTreeModel *model = gtk_combo_box_get_model(GTK_COMBO_BOX(state->menu));
    GtkTreeIter row;
    for (gboolean more = gtk_tree_model_get_iter_first(model, &row); more; more = gtk_tree_model_iter_next(model, &row)) {
        gchar *name = NULL;
        gtk_tree_model_get(model, &row, COLUMN_NAME, &name, -1);
        gboolean found = name && g_strcmp0(name, style) == 0;
        g_free(name);
        if (found) {
            gtk_combo_box_set_active_iter(GTK_COMBO_BOX(state->menu), &row);
            return TRUE;
        }
    }
    return FALSE;
}

GtkWidget *style_picker_new(const char *style, const char *file_dialog_title, style_picker_changed changed,
                            gpointer user_data)
{
    picker_state *state = g_new0(picker_state, 1);

    GtkListStore *entries = menu_entries();
    state->menu = gtk_combo_box_new_with_model(GTK_TREE_MODEL(entries));
    g_object_unref(entries);
    GtkCellRenderer *icon = gtk_cell_renderer_pixbuf_new();
    gtk_cell_renderer_set_fixed_size(icon, ICON_SIZE + 4, ICON_SIZE + 4);
    gtk_cell_layout_pack_start(GTK_CELL_LAYOUT(state->menu), icon, FALSE);
    gtk_cell_layout_set_attributes(GTK_CELL_LAYOUT(state->menu), icon, "pixbuf", COLUMN_ICON, NULL);
    GtkCellRenderer *label = gtk_cell_renderer_text_new();
    gtk_cell_layout_pack_start(GTK_CELL_LAYOUT(state->menu), label, TRUE);
    gtk_cell_layout_set_attributes(GTK_CELL_LAYOUT(state->menu), label, "markup", COLUMN_LABEL, NULL);

    state->file = gtk_file_chooser_button_new(file_dialog_title, GTK_FILE_CHOOSER_ACTION_OPEN);
    GtkFileFilter *images = gtk_file_filter_new();
    gtk_file_filter_set_name(images, "Images");
    gtk_file_filter_add_pixbuf_formats(images);
    gtk_file_chooser_add_filter(GTK_FILE_CHOOSER(state->file), images);

    state->preview = gtk_image_new();
    gtk_widget_set_size_request(state->preview, PREVIEW_SIZE, PREVIEW_SIZE);

    /* The starting choice, before the signals are connected: a name, else a file, else the
     * first painting. */
    if (!style[0] || !select_bundled(state, style)) {
        if (style[0]) {
            gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(state->file), style);
            gtk_combo_box_set_active(GTK_COMBO_BOX(state->menu), (gint)pastiche_bundled_style_count());
        } else {
            gtk_combo_box_set_active(GTK_COMBO_BOX(state->menu), 0);
        }
    }
    gchar *name = active_name(state);
    gtk_widget_set_sensitive(state->file, name == NULL);
    g_free(name);
    show_preview(state);

    GtkWidget *controls = box_new(GTK_ORIENTATION_VERTICAL, 6);
    gtk_box_pack_start(GTK_BOX(controls), state->menu, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(controls), state->file, FALSE, FALSE, 0);
    state->picker = box_new(GTK_ORIENTATION_HORIZONTAL, 12);
    gtk_box_pack_start(GTK_BOX(state->picker), state->preview, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(state->picker), centred_vertically(controls), TRUE, TRUE, 0);

    state->changed = changed;
    state->user_data = user_data;
    g_signal_connect(state->menu, "changed", G_CALLBACK(on_change), state);
    g_signal_connect(state->file, "selection-changed", G_CALLBACK(on_change), state);
    g_object_set_data_full(G_OBJECT(state->picker), "style-picker", state, g_free);
    return state->picker;
}

gchar *style_picker_get_style(GtkWidget *picker)
{
    const picker_state *state = g_object_get_data(G_OBJECT(picker), "style-picker");
    gchar *name = active_name(state);
    if (name)
        return name;
    gchar *path = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(state->file));
    return path ? path : g_strdup("");
}
