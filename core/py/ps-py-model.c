/* ps-py-model.c — a network built by running Python (ps-py.h): the Keras
 * dialect's models open in the window this way, as model files of the
 * PyTorch subset open through ps-model-file.h */
#include "ps-py.h"
#include "ps-error.h"

#include <string.h>

gboolean
ps_py_text_uses_keras (const char *text, gssize len)
{
  static const char *const heads[] = { "import tensorflow", "from tensorflow", "import keras",
                                       "from keras", NULL };
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  const char *p = text, *end = text + n;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize l = (nl ? nl : end) - p;
      for (int i = 0; heads[i]; i++)
        {
          gsize h = strlen (heads[i]);
          if (l >= h && strncmp (p, heads[i], h) == 0
              && (l == h || p[h] == ' ' || p[h] == '.' || p[h] == ',' || p[h] == '\r'))
            return TRUE;
        }
      p = nl ? nl + 1 : end;
    }
  return FALSE;
}

PsModule *
ps_py_build_model (const char *text, gssize len, const char *filename, guint64 seed,
                   char **name_out, GError **error)
{
  g_autoptr (PsPy) py = ps_py_new ();
  PsPyError *err = NULL;
  ps_py_set_timeout (py, 10);
  ps_py_manual_seed (py, seed);
  if (!ps_py_run (py, text, len, filename, NULL, &err))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s:%d:%d: %s: %s", filename, err->line,
                   err->col, err->ename, err->evalue);
      ps_py_error_free (err);
      return NULL;
    }
  PsModule *m = ps_py_find_model (py, name_out);
  if (!m)
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                 "%s: the code builds no network (bind one to `net`)", filename);
  return m;
}
