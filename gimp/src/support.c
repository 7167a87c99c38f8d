#include "support.h"

#include <string.h>

#include <pastiche.h>

#define BUNDLED_MODEL "model.onnx"

gchar *support_bundled_model_path(void)
{
    gchar *exe = g_file_read_link("/proc/self/exe", NULL);
    gchar *dir = exe ? g_path_get_dirname(exe) : NULL;
    gchar *model = dir ? g_build_filename(dir, BUNDLED_MODEL, NULL) : NULL;
    g_free(exe);
    g_free(dir);
    if (model && !g_file_test(model, G_FILE_TEST_IS_REGULAR)) {
        g_free(model);
        model = NULL;
    }
    return model;
}

static gchar *style_stem(const char *path)
{
    gchar *base = g_path_get_basename(path);
    gchar *dot = strrchr(base, '.');
    if (dot && dot != base)
        *dot = '\0';
    return base;
}

/* What libpastiche will read for `style`: a file when one exists (it wins over a name), else the
 * bundled painting of that name, named by its title. */
static gchar *style_label(const char *style)
{
    if (!g_file_test(style, G_FILE_TEST_EXISTS)) {
        for (size_t i = 0; i < pastiche_bundled_style_count(); i++) {
            const char *name, *title;
            if (pastiche_bundled_style_info(i, &name, &title, NULL, NULL, NULL) == PASTICHE_OK &&
                strcmp(name, style) == 0)
                return g_strdup(title);
        }
    }
    return style_stem(style);
}

gchar *support_layer_name(const settings *s)
{
    gchar *first = style_label(s->style);
    if (!s->style2[0])
        return first;
    gchar *second = style_label(s->style2);
    gchar *name = g_strdup_printf("%s + %s", first, second);
    g_free(first);
    g_free(second);
    return name;
}
