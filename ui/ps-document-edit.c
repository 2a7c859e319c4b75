/* ps-document-edit.c — the document's edits of values: set one element, add a
 * constant, fill, and initialize (one parameter, a subtree, or a lesson's
 * steps), each one undoable change that says its PyTorch code
 *
 * Written on ps-document.c's change protocol (begin, commit or cancel) and
 * nothing else of its insides.
 */
#include "ps-document-private.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* ---- editing ------------------------------------------------------------ */

static char *
param_key (PsDocument *doc, PsParam *param)
{
  g_autoptr (GPtrArray) aliases = ps_module_param_aliases (ps_document_get_model (doc), param);
  return aliases->len ? g_strdup (aliases->pdata[0]) : g_strdup ("?");
}

/* "net[0].weight.data[0, 0] = 42", as the lesson writes it */
static char *
describe_set_element (PsDocument *doc, const char *key, const PsTensor *t, int64_t index,
                      float value)
{
  g_autofree char *path = ps_module_key_to_index_path (ps_document_get_model (doc), key, ps_document_get_model_name (doc));
  g_autoptr (GString) s = g_string_new (path ? path : key);
  char num[G_ASCII_DTOSTR_BUF_SIZE];
  int64_t rest = index;
  int64_t idx[8] = { 0 };

  /* the flat index as one index per dimension, last dimension fastest */
  for (int d = MIN (t->ndim, 8) - 1; d >= 0; d--)
    {
      idx[d] = t->shape[d] > 0 ? rest % t->shape[d] : 0;
      rest = t->shape[d] > 0 ? rest / t->shape[d] : 0;
    }
  g_string_append (s, ".data[");
  for (int d = 0; d < MIN (t->ndim, 8); d++)
    g_string_append_printf (s, "%s%" PRId64, d ? ", " : "", idx[d]);
  if (t->ndim == 0)
    g_string_append (s, "()");
  g_string_append_printf (s, "] = %s", g_ascii_formatd (num, sizeof num, "%g", value));
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* "net[0].weight.data.fill_(42)": what, after the parameter's path */
static char *
describe_whole (PsDocument *doc, const char *key, const char *what, float value, const char *end)
{
  g_autofree char *path = ps_module_key_to_index_path (ps_document_get_model (doc), key, ps_document_get_model_name (doc));
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup_printf ("%s.%s%s%s", path ? path : key, what,
                          g_ascii_formatd (num, sizeof num, "%g", value), end);
}

/* A buffer (running_mean, running_var, num_batches_tracked) of the network. */
static gboolean
is_buffer (PsDocument *doc, PsParam *param)
{
  g_autoptr (GPtrArray) bufs = ps_module_named_buffers (ps_document_get_model (doc));

  for (guint i = 0; i < bufs->len; i++)
    if (((PsNamedParam *) bufs->pdata[i])->param == param)
      return TRUE;
  return FALSE;
}

static gboolean
check_editable (PsDocument *doc, PsParam *param, float value, gboolean need_value,
                GError **error)
{
  g_autofree char *key = NULL;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  key = param_key (doc, param);
  if (is_buffer (doc, param))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   _("%s is a buffer, not a parameter: it is read-only here (BatchNorm "
                     "updates its running statistics itself in training)"), key);
      return FALSE;
    }
  if (ps_param_get_data (param) == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   _("%s is uninitialized (lazy): run Forward first"), key);
      return FALSE;
    }
  if (need_value && !isfinite (value))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s: the value must be a finite number"),
                   key);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_document_set_element (PsDocument *doc, PsParam *param, int64_t index, float value,
                         GError **error)
{
  PsTensor *t;
  g_autofree char *key = NULL;

  if (!check_editable (doc, param, value, TRUE, error))
    return FALSE;
  t = ps_param_get_data (param);
  if (index < 0 || index >= t->numel)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("element %" PRId64 " is out of range"),
                   index);
      return FALSE;
    }
  key = param_key (doc, param);
  ps_document_begin_change (doc);
  t->data[index] = value;
  ps_param_changed (param, PS_CHANGE_DATA);
  {
    g_autofree char *label = describe_set_element (doc, key, t, index, value);
    ps_document_commit_change (doc, label);
  }
  ps_document_say_code (doc, describe_set_element (doc, key, t, index, value));
  return TRUE;
}

gboolean
ps_document_add_constant (PsDocument *doc, PsParam *param, float value, GError **error)
{
  PsTensor *t;
  g_autofree char *key = NULL;

  if (!check_editable (doc, param, value, TRUE, error))
    return FALSE;
  t = ps_param_get_data (param);
  key = param_key (doc, param);
  ps_document_begin_change (doc);
  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] += value;
  ps_param_changed (param, PS_CHANGE_DATA);
  {
    g_autofree char *label = describe_whole (doc, key, "data[:] += ", value, "");
    ps_document_commit_change (doc, label);
  }
  ps_document_say_code (doc, describe_whole (doc, key, "data[:] += ", value, ""));
  return TRUE;
}

gboolean
ps_document_fill (PsDocument *doc, PsParam *param, float value, GError **error)
{
  g_autofree char *key = NULL;

  if (!check_editable (doc, param, value, TRUE, error))
    return FALSE;
  key = param_key (doc, param);
  ps_document_begin_change (doc);
  ps_tensor_fill (ps_param_get_data (param), value);
  ps_param_changed (param, PS_CHANGE_DATA);
  {
    g_autofree char *label = describe_whole (doc, key, "data.fill_(", value, ")");
    ps_document_commit_change (doc, label);
  }
  ps_document_say_code (doc, describe_whole (doc, key, "data.fill_(", value, ")"));
  return TRUE;
}

typedef struct
{
  PsDocument         *doc;
  PsInitTarget        target;
  const PsInitScheme *scheme;
  PsRng              *rng;
  GHashTable         *done;
  int                 count;
  GError             *error;
} InitVisit;

static void
init_one (InitVisit *v, PsModule *owner, const char *slot, PsParam *p)
{
  int64_t fan_in;
  gboolean is_bias = strcmp (slot, "bias") == 0;

  if (v->error || g_hash_table_contains (v->done, p))
    return;
  if ((v->target == PS_TARGET_WEIGHTS && is_bias) || (v->target == PS_TARGET_BIASES && !is_bias))
    return;
  g_hash_table_add (v->done, p);
  fan_in = owner && ps_module_get_kind (owner) == PS_MODULE_LINEAR
           ? ps_module_get_in_features (owner) : -1;
  if (ps_init_apply (v->scheme, p, fan_in, v->rng, &v->error))
    v->count++;
  else
    {
      /* which parameter refused: "2.bias: fan in and fan out …" */
      g_autofree char *key = param_key (v->doc, p);
      g_prefix_error (&v->error, "%s: ", key);
    }
}

static void
init_visit (PsModule *m, gpointer data)
{
  InitVisit *v = data;
  for (guint i = 0; i < ps_module_get_n_params (m); i++)
    init_one (v, m, ps_module_get_param_name (m, i), ps_module_get_param (m, i));
}

/* One initialization inside a change begun by the caller: the parameters
 * it touched counted in *count; what (a key, or NULL for a subtree). */
static gboolean
initialize_in_change (PsDocument *doc, PsModule *module, PsParam *param, PsInitTarget target,
                      const PsInitScheme *scheme, PsRng *rng, int *count, char **what,
                      GError **error)
{
  InitVisit v = { doc, target, scheme, rng, NULL, 0, NULL };

  v.done = g_hash_table_new (NULL, NULL);
  if (param)
    {
      /* find the slot that holds it, for default()'s fan-in and the target filter */
      g_autoptr (GPtrArray) sd = ps_module_state_dict (ps_document_get_model (doc));
      for (guint i = 0; i < sd->len; i++)
        {
          PsNamedParam *np = sd->pdata[i];
          if (np->param == param)
            {
              v.target = PS_TARGET_BOTH;
              init_one (&v, np->owner, np->slot, param);
              if (what)
                *what = g_strdup (np->name);
              break;
            }
        }
    }
  else
    /* net.apply(fn): post-order, as PyTorch */
    ps_module_apply (module ? module : ps_document_get_model (doc), init_visit, &v);
  g_hash_table_unref (v.done);
  *count += v.count;
  if (v.error)
    {
      g_propagate_error (error, v.error);
      return FALSE;
    }
  if (v.count == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_KEY, _("nothing to initialize here"));
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_document_initialize (PsDocument *doc, PsModule *module, PsParam *param, PsInitTarget target,
                  const PsInitScheme *scheme, guint64 seed, GError **error)
{
  PsRng rng;
  g_autofree char *scheme_text = ps_init_scheme_to_string (scheme);
  g_autofree char *what = NULL;
  int count = 0;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  ps_rng_seed (&rng, seed);
  ps_document_begin_change (doc);
  if (!initialize_in_change (doc, module, param, target, scheme, &rng, &count, &what, error))
    {
      ps_document_cancel_change (doc);
      return FALSE;
    }
  if (what == NULL)
    what = g_strdup_printf (_("%d parameters"), count);
  {
    g_autofree char *label = g_strdup_printf (_("init %s on %s"), scheme_text, what);
    ps_document_commit_change (doc, label);
  }
  {
    GString *code = g_string_new (NULL);
    g_string_append_printf (code, "torch.manual_seed(%" G_GUINT64_FORMAT ")\n", seed);
    ps_document_code_init (ps_document_get_model (doc), ps_document_get_model_name (doc), code, module, param, target, scheme);
    ps_document_say_code (doc, g_string_free (code, FALSE));
  }
  return TRUE;
}

gboolean
ps_document_initialize_steps (PsDocument *doc, const PsInitStep *steps, guint n_steps,
                              guint64 seed, const char *label, GError **error)
{
  PsRng rng;
  int count = 0;

  g_return_val_if_fail (n_steps > 0 && label != NULL, FALSE);
  if (!ps_document_check_idle (doc, error))
    return FALSE;
  ps_rng_seed (&rng, seed);
  ps_document_begin_change (doc);
  for (guint i = 0; i < n_steps; i++)
    if (!initialize_in_change (doc, steps[i].module, NULL, steps[i].target, steps[i].scheme, &rng,
                               &count, NULL, error))
      {
        ps_document_cancel_change (doc);
        return FALSE;
      }
  ps_document_commit_change (doc, label);
  {
    GString *code = g_string_new (NULL);
    g_string_append_printf (code, "# %s\ntorch.manual_seed(%" G_GUINT64_FORMAT ")\n", label, seed);
    for (guint i = 0; i < n_steps; i++)
      ps_document_code_init (ps_document_get_model (doc), ps_document_get_model_name (doc), code, steps[i].module, NULL, steps[i].target, steps[i].scheme);
    ps_document_say_code (doc, g_string_free (code, FALSE));
  }
  return TRUE;
}
