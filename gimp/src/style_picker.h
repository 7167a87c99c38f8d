/*
 * style_picker.h — how both dialogs choose a style: a menu of libpastiche's bundled paintings
 * with thumbnails, ending in "Image file…", a file button for that last entry, and a larger
 * thumbnail of the current choice.
 *
 * Uses only GTK API common to GTK 2 (GIMP 2.10) and GTK 3 (GIMP 3), so one widget serves both
 * fronts; nothing here touches GIMP's API.
 */
#ifndef PASTICHE_GIMP_STYLE_PICKER_H
#define PASTICHE_GIMP_STYLE_PICKER_H

#include <gtk/gtk.h>

/* Called whenever the chosen style changes. */
typedef void (*style_picker_changed)(GtkWidget *picker, gpointer user_data);

/* A picker showing `style`: a bundled style's name selects it in the menu, any other non-empty
 * text is taken as a file, "" selects the first bundled style. `file_dialog_title` titles the
 * file chooser. */
GtkWidget *style_picker_new(const char *style, const char *file_dialog_title, style_picker_changed changed,
                            gpointer user_data);

/* The chosen style as libpastiche takes it: a bundled style's name or a file's path; "" when
 * "Image file…" is chosen but no file is. Free with g_free. */
gchar *style_picker_get_style(GtkWidget *picker);

#endif
