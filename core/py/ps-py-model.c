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

/* TRUE when the text defines a class (a line starting `class `): such a
 * model file is built by the interpreter */
gboolean
ps_py_text_defines_class (const char *text, gssize len)
{
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  const char *p = text, *end = text + n;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      if (end - p > 6 && strncmp (p, "class", 5) == 0 && (p[5] == ' ' || p[5] == '\t'))
        return TRUE;
      p = nl ? nl + 1 : end;
    }
  return FALSE;
}

static PsModule *
build_model (const char *text, gssize len, const char *filename, guint64 seed, PsRng *rng,
             char **name_out, GError **error)
{
  g_autoptr (PsPy) py = ps_py_new ();
  PsPyError *err = NULL;
  ps_py_set_timeout (py, 10);
  ps_py_manual_seed (py, seed);
  if (rng)
    *ps_py_get_rng (py) = *rng;
  if (!ps_py_run (py, text, len, filename, NULL, &err))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s:%d:%d: %s: %s", filename, err->line,
                   err->col, err->ename, err->evalue);
      ps_py_error_free (err);
      return NULL;
    }
  PsModule *m = ps_py_find_model (py, name_out);
  g_autofree char *why = NULL;
  if (!m)
    g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                 "%s: the code builds no network (bind one to `net`)", filename);
  else if (!ps_py_record_forwards (py, m, &why))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, g_ascii_isdigit (why[0]) ? "%s:%s" : "%s: %s",
                   filename, why);
      g_clear_pointer (&m, ps_module_unref);
      if (name_out)
        g_clear_pointer (name_out, g_free);
    }
  if (m && rng)
    *rng = *ps_py_get_rng (py);   /* the draws continue after the model's */
  return m;
}

PsModule *
ps_py_build_model (const char *text, gssize len, const char *filename, guint64 seed,
                   char **name_out, GError **error)
{
  return build_model (text, len, filename, seed, NULL, name_out, error);
}

PsModule *
ps_py_build_model_rng (const char *text, gssize len, const char *filename, PsRng *rng,
                       char **name_out, GError **error)
{
  return build_model (text, len, filename, PS_RNG_DEFAULT_SEED, rng, name_out, error);
}
