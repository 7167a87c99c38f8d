/*
 * support.h — GLib helpers both GIMP fronts need and that touch no GIMP API.
 */
#ifndef PASTICHE_GIMP_SUPPORT_H
#define PASTICHE_GIMP_SUPPORT_H

#include <glib.h>

#include "settings.h"

/* The model `make install` copies beside the plug-in executable, or NULL when there is none
 * (libpastiche then searches $PASTICHE_MODEL and the user's model cache). Free with g_free. */
gchar *support_bundled_model_path(void);

/* The new layer's name: the bundled painting's title or the style file's name without
 * extension, "a + b" for a blend. */
gchar *support_layer_name(const settings *s);

#endif
