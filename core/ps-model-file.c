/* ps-model-file.c — the entry points of model files
 *
 * A text is checked (UTF-8, no NUL), handed to the Python interpreter when it
 * defines a class (core/py), to the print(net) reader when it looks like
 * one (ps-repr-parse.c), and otherwise run as the Python subset of model
 * files: tokens (ps-model-file-lex.c), a tree (ps-model-file-parse.c), the
 * interpreter (ps-model-file-eval.c) with its builtins
 * (ps-model-file-builtins.c).  ps-model-file-private.h tells what they share.
 */
#include "ps-model-file-private.h"
#include "py/ps-py.h"

#include <glib/gstdio.h>

PsModule *
ps_model_parse (const char *text, gssize len, const char *filename, PsRng *rng,
                char **name_out, GError **error)
{
  Ctx c = { 0 };
  Interp in = { 0 };
  PsRng rng_at_start;
  g_autoptr (GPtrArray) body = ps_mf_node_list ();
  PsModule *result = NULL;
  const char *file = filename ? filename : "<model>";
  char *normalized = NULL;
  Val *v;

  g_return_val_if_fail (text != NULL, NULL);
  if (len < 0)
    len = (gssize) strlen (text);
  if (!ps_model_check_text (text, (gsize) len, file, error))
    return NULL;
  /* a file with classes is the interpreter's (issue 14: model files are its language) */
  if (ps_py_text_defines_class (text, len))
    return ps_py_build_model_rng (text, len, file, rng, name_out, error);
  /* line endings: \r\n and a lone \r are newlines, as in Python */
  if (memchr (text, '\r', (gsize) len) != NULL)
    {
      GString *n = g_string_sized_new ((gsize) len);
      for (gssize i = 0; i < len; i++)
        {
          if (text[i] == '\r')
            {
              g_string_append_c (n, '\n');
              if (i + 1 < len && text[i + 1] == '\n')
                i++;
            }
          else
            g_string_append_c (n, text[i]);
        }
      len = (gssize) n->len;
      text = normalized = g_string_free (n, FALSE);
    }
  if (ps_model_text_is_repr (text, len))
    {
      result = ps_model_parse_repr (text, len, file, rng, error);
      goto out_text;
    }

  if (rng != NULL)
    rng_at_start = *rng;
  c.file = file;
  c.src = text;
  c.len = (gsize) len;
  c.error = error;
  c.toks = g_array_new (FALSE, FALSE, sizeof (Tok));
  g_array_set_clear_func (c.toks, ps_mf_tok_clear);
  if (!ps_mf_tokenize (&c))
    goto out;
  if (!ps_mf_parse_program (&c, body))
    goto out;

  in.c = &c;
  in.rng = rng;
  in.globals = ps_mf_env_new (NULL);
  ps_mf_install_builtins (in.globals);
  if (!ps_mf_exec_block (&in, in.globals, body))
    goto out_env;

  v = g_hash_table_lookup (in.globals->vars, "net");
  if (v && v->kind == V_MODULE)
    {
      result = ps_module_ref (v->module);
      if (name_out)
        *name_out = g_strdup ("net");
    }
  else
    {
      for (guint i = in.globals->order->len; i-- > 0;)
        {
          const char *name = in.globals->order->pdata[i];
          v = g_hash_table_lookup (in.globals->vars, name);
          if (v && v->kind == V_MODULE)
            {
              result = ps_module_ref (v->module);
              if (name_out)
                *name_out = g_strdup (name);
              break;
            }
        }
      if (result == NULL)
        g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                     _("%s: no module is bound at top level (write e.g. net = nn.Sequential(...))"),
                     file);
    }
out_env:
  val_unref (in.ret);
  ps_mf_env_free (in.globals);
out:
  g_array_unref (c.toks);
  /* a layer this reader does not build (nn.Conv2d, nn.LSTM, ...): the file is
   * the interpreter's, as a file with classes is, from the same random state
   * (d2l's LeNet is a class-less nn.Sequential of convolutions).  Where the
   * interpreter does not build it either, the reader's message stands. */
  if (result == NULL && c.unknown_layer)
    {
      PsRng retry;
      g_autoptr (GError) py_error = NULL;

      if (rng != NULL)
        retry = rng_at_start;
      result = ps_py_build_model_rng (text, len, file, rng ? &retry : NULL, name_out, &py_error);
      if (result != NULL)
        {
          g_clear_error (error);
          if (rng != NULL)
            *rng = retry;
        }
    }
out_text:
  g_free (normalized);
  return result;
}

PsModule *
ps_model_load_file (const char *path, PsRng *rng, char **name_out, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  GStatBuf st;

  if (g_stat (path, &st) == 0 && st.st_size > 16 * 1024 * 1024)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE,
                   _("%s: a model file of %.0f MB is too large (limit 16 MB)"), path,
                   (double) st.st_size / 1e6);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  return ps_model_parse (text, (gssize) len, path, rng, name_out, error);
}
