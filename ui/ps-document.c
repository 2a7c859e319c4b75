/* ps-document.c — one network, its state and its history */
#include "ps-document-private.h"
#include "ps-data.h"
#include "ps-py.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

typedef struct
{
  PsParam  *param;     /* ref */
  PsTensor *data;      /* copy, NULL if uninitialized then */
  PsTensor *grad;      /* copy, NULL if absent then */
} ParamState;

typedef struct
{
  char   *label;
  GArray *before;      /* ParamState */
  GArray *after;
  gsize   bytes;
} Change;

struct _PsDocument
{
  GObject    parent_instance;

  PsModule  *model;
  char      *title;
  char      *model_name;
  char      *input_code;      /* how the input was made: "X = torch.rand(2, 1, 28, 28)" */
  PsRng      rng;
  PsTape    *tape;
  PsTensor  *input;
  PsTensor  *target;
  PsTensor  *output;     /* copy of the last forward's output */
  double     loss;
  gboolean   forward_valid;

  GQueue     undo;       /* Change*, newest at the head */
  GQueue     redo;
  gsize      history_bytes;  /* of the changes in undo and redo */
  guint64    history_limit;  /* for them and the kept bytes together */
  guint64    kept_bytes;     /* held for the history elsewhere (the run's snapshots) */
  Change    *pending;    /* between begin and commit */
  char      *busy;       /* why changes are refused now (training runs), or NULL */

  /* the values' version (data_version) when they were last loaded or saved,
   * and when the last output and gradients were computed from them */
  guint64    clean_version, forward_version, backward_version;
  guint      n_backward;   /* backward passes summed in the gradients now */
};

G_DEFINE_FINAL_TYPE (PsDocument, ps_document, G_TYPE_OBJECT)

enum { PROP_0, PROP_CAN_UNDO, PROP_CAN_REDO, PROP_TITLE, PROP_HISTORY_LIMIT, PROP_INPUT_CODE,
       N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIG_MODEL_REPLACED, SIG_STRUCTURE_CHANGED, SIG_CHANGED, SIG_HISTORY_MOVED,
       SIG_HISTORY_TRIMMED, SIG_CODE, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- snapshots ---------------------------------------------------------- */

static void
param_state_clear (gpointer p)
{
  ParamState *s = p;
  ps_param_unref (s->param);
  ps_tensor_unref (s->data);
  ps_tensor_unref (s->grad);
}

static GArray *
snapshot (PsDocument *doc, gsize *bytes)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (doc->model);
  GArray *a = g_array_sized_new (FALSE, TRUE, sizeof (ParamState), np->len);

  g_array_set_clear_func (a, param_state_clear);
  for (guint i = 0; i < np->len; i++)
    {
      PsParam *p = ((PsNamedParam *) np->pdata[i])->param;
      ParamState s = { ps_param_ref (p), NULL, NULL };
      if (ps_param_get_data (p))
        {
          s.data = ps_tensor_copy (ps_param_get_data (p));
          *bytes += (gsize) s.data->numel * 4;
        }
      if (ps_param_get_grad (p))
        {
          s.grad = ps_tensor_copy (ps_param_get_grad (p));
          *bytes += (gsize) s.grad->numel * 4;
        }
      g_array_append_val (a, s);
    }
  return a;
}

static void
restore (GArray *states)
{
  for (guint i = 0; i < states->len; i++)
    {
      ParamState *s = &g_array_index (states, ParamState, i);
      ps_param_restore (s->param, s->data, s->grad);
    }
}

static void
change_free (Change *c)
{
  g_free (c->label);
  if (c->before)
    g_array_unref (c->before);
  if (c->after)
    g_array_unref (c->after);
  g_free (c);
}

static void
clear_history (PsDocument *doc)
{
  g_queue_clear_full (&doc->undo, (GDestroyNotify) change_free);
  g_queue_clear_full (&doc->redo, (GDestroyNotify) change_free);
  doc->history_bytes = 0;
}

static void
notify_history (PsDocument *doc)
{
  g_object_notify_by_pspec (G_OBJECT (doc), properties[PROP_CAN_UNDO]);
  g_object_notify_by_pspec (G_OBJECT (doc), properties[PROP_CAN_REDO]);
}

gboolean
ps_document_check_idle (PsDocument *doc, GError **error)
{
  if (doc->busy == NULL)
    return TRUE;
  g_set_error_literal (error, PS_ERROR, PS_ERROR_VALUE, doc->busy);
  return FALSE;
}

/* Keep the changes and the kept bytes within the limit: the oldest undo
 * goes first, then the farthest redo (when the limit was lowered).  Strict:
 * a change alone larger than the limit is not kept either. */
static void
trim_history (PsDocument *doc)
{
  guint dropped = 0;

  while (doc->history_bytes + doc->kept_bytes > doc->history_limit
         && (doc->undo.length > 0 || doc->redo.length > 0))
    {
      Change *old = g_queue_pop_tail (doc->undo.length > 0 ? &doc->undo : &doc->redo);
      doc->history_bytes -= old->bytes;
      change_free (old);
      dropped++;
    }
  if (dropped > 0)
    g_signal_emit (doc, signals[SIG_HISTORY_TRIMMED], 0, dropped);
}

/* Every undoable change: begin (snapshot), mutate, then commit or cancel. */
static void
begin (PsDocument *doc)
{
  g_assert (doc->pending == NULL);
  doc->pending = g_new0 (Change, 1);
  doc->pending->before = snapshot (doc, &doc->pending->bytes);
}

static void
cancel (PsDocument *doc)
{
  restore (doc->pending->before);
  g_clear_pointer (&doc->pending, change_free);
}

static void
commit (PsDocument *doc, char *label)
{
  Change *c = doc->pending;
  g_autofree char *said = NULL;

  doc->pending = NULL;
  c->label = label;
  c->after = snapshot (doc, &c->bytes);
  g_queue_push_head (&doc->undo, c);
  doc->history_bytes += c->bytes;
  g_queue_clear_full (&doc->redo, (GDestroyNotify) change_free);
  /* c itself may be dropped (alone over the limit): its label is said after */
  said = g_strdup (label);
  trim_history (doc);
  notify_history (doc);
  g_signal_emit (doc, signals[SIG_CHANGED], 0, said);
}

/* ---- object ------------------------------------------------------------- */

static void
ps_document_finalize (GObject *object)
{
  PsDocument *doc = PS_DOCUMENT (object);

  clear_history (doc);
  g_clear_pointer (&doc->pending, change_free);
  g_clear_pointer (&doc->tape, ps_tape_free);
  g_clear_pointer (&doc->model, ps_module_unref);
  g_clear_pointer (&doc->input, ps_tensor_unref);
  g_clear_pointer (&doc->target, ps_tensor_unref);
  g_clear_pointer (&doc->output, ps_tensor_unref);
  g_free (doc->title);
  g_free (doc->model_name);
  g_free (doc->input_code);
  g_free (doc->busy);
  G_OBJECT_CLASS (ps_document_parent_class)->finalize (object);
}

static void
ps_document_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PsDocument *doc = PS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_CAN_UNDO:
      g_value_set_boolean (value, ps_document_can_undo (doc));
      break;
    case PROP_CAN_REDO:
      g_value_set_boolean (value, ps_document_can_redo (doc));
      break;
    case PROP_TITLE:
      g_value_set_string (value, doc->title);
      break;
    case PROP_HISTORY_LIMIT:
      g_value_set_uint64 (value, doc->history_limit);
      break;
    case PROP_INPUT_CODE:
      g_value_set_string (value, doc->input_code);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_document_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  PsDocument *doc = PS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_HISTORY_LIMIT:
      ps_document_set_history_limit (doc, g_value_get_uint64 (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_document_class_init (PsDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = ps_document_finalize;
  object_class->get_property = ps_document_get_property;
  object_class->set_property = ps_document_set_property;

  properties[PROP_CAN_UNDO] = g_param_spec_boolean ("can-undo", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                    | G_PARAM_STATIC_STRINGS);
  properties[PROP_CAN_REDO] = g_param_spec_boolean ("can-redo", NULL, NULL, FALSE,
                                                    G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                    | G_PARAM_STATIC_STRINGS);
  properties[PROP_TITLE] = g_param_spec_string ("title", NULL, NULL, NULL,
                                                G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                | G_PARAM_STATIC_STRINGS);
  properties[PROP_HISTORY_LIMIT] = g_param_spec_uint64 ("history-limit", NULL, NULL,
                                                       0, G_MAXUINT64, 0,
                                                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                       | G_PARAM_STATIC_STRINGS);
  /**
   * PsDocument:input-code:
   *
   * How the input Forward feeds was made, as code: `X = torch.rand(2, 1, 28, 28)`,
   * `X = torch.randint(0, 28, (2, 16))`, or where it came from.
   */
  properties[PROP_INPUT_CODE] = g_param_spec_string ("input-code", NULL, NULL, NULL,
                                                     G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                     | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* A new network: views rebuild. */
  signals[SIG_MODEL_REPLACED] = g_signal_new ("model-replaced", G_TYPE_FROM_CLASS (klass),
                                              G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                              G_TYPE_NONE, 0);
  /* Lazy layers materialized: labels and badges change, the tree stays. */
  signals[SIG_STRUCTURE_CHANGED] = g_signal_new ("structure-changed", G_TYPE_FROM_CLASS (klass),
                                                 G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                                 G_TYPE_NONE, 0);
  /* After every change (also undo and redo), with its description. */
  signals[SIG_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                       0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* Undo or redo put back an earlier or later state (before "changed"). */
  signals[SIG_HISTORY_MOVED] = g_signal_new ("history-moved", G_TYPE_FROM_CLASS (klass),
                                             G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                             G_TYPE_NONE, 0);
  /* The oldest changes were dropped to keep within the limit: how many. */
  /* The PyTorch code that does what a command just did (the console shows it). */
  signals[SIG_CODE] = g_signal_new ("code", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  signals[SIG_HISTORY_TRIMMED] = g_signal_new ("history-trimmed", G_TYPE_FROM_CLASS (klass),
                                               G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                               G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
ps_document_init (PsDocument *doc)
{
  ps_rng_seed (&doc->rng, 0);
  doc->loss = NAN;
  doc->history_limit = ps_document_default_history_limit ();
}

PsDocument *
ps_document_new (void)
{
  return g_object_new (PS_TYPE_DOCUMENT, NULL);
}

/* ---- versions: unsaved edits, stale results ------------------------------ */

/* A number that changes whenever any value of the network changes. */
static guint64
values_version (PsDocument *doc)
{
  g_autoptr (GPtrArray) np = doc->model ? ps_module_named_parameters (doc->model) : NULL;
  guint64 v = 0;

  for (guint i = 0; np && i < np->len; i++)
    v += ps_param_get_data_version (((PsNamedParam *) np->pdata[i])->param);
  return v;
}

gboolean
ps_document_is_modified (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), FALSE);
  return values_version (doc) != doc->clean_version;
}

gboolean
ps_document_output_is_stale (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), FALSE);
  return doc->output != NULL && values_version (doc) != doc->forward_version;
}

gboolean
ps_document_grads_are_stale (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), FALSE);
  return doc->n_backward > 0 && values_version (doc) != doc->backward_version;
}

GPtrArray *
ps_document_get_use_grads (PsDocument *doc, PsParam *param)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc) && param != NULL, NULL);
  return ps_tape_get_use_grads (doc->tape, param);
}

guint
ps_document_get_backward_passes (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), 0);
  return doc->n_backward;
}

/* Any gradient that is not None and not all zeros. */
static gboolean
has_gradients (PsDocument *doc)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (doc->model);

  for (guint i = 0; i < np->len; i++)
    {
      PsTensor *g = ps_param_get_grad (((PsNamedParam *) np->pdata[i])->param);
      for (int64_t k = 0; g && k < g->numel; k++)
        if (g->data[k] != 0)
          return TRUE;
    }
  return FALSE;
}

/* ---- the PyTorch code of each command ------------------------------------ */

/* Said once the command is done: the one place the console learns of it. */
void
ps_document_say_code (PsDocument *doc, char *code)
{
  g_signal_emit (doc, signals[SIG_CODE], 0, code);
  g_free (code);
}

/* ---- loading ------------------------------------------------------------ */

static void
replace_model (PsDocument *doc, PsModule *model, const char *title, char *name)
{
  g_clear_pointer (&doc->tape, ps_tape_free);
  g_clear_pointer (&doc->model, ps_module_unref);
  g_clear_pointer (&doc->output, ps_tensor_unref);
  g_clear_pointer (&doc->target, ps_tensor_unref);
  doc->model = model;
  doc->tape = ps_tape_new (model, &doc->rng);
  ps_tape_set_record_uses (doc->tape, TRUE);      /* the inspector shows a tied gradient by use */
  doc->forward_valid = FALSE;
  doc->loss = NAN;
  g_free (doc->title);
  doc->title = g_strdup (title);
  g_free (doc->model_name);
  doc->model_name = name ? name : g_strdup ("net");
  clear_history (doc);
  /* the input keeps its batch; its width follows the new network */
  {
    int64_t batch = doc->input ? doc->input->shape[0] : 2;
    g_clear_pointer (&doc->input, ps_tensor_unref);
    ps_document_set_random_input (doc, batch, 0);
  }
  doc->clean_version = values_version (doc);
  doc->n_backward = 0;
  notify_history (doc);
  g_object_notify_by_pspec (G_OBJECT (doc), properties[PROP_TITLE]);
  g_signal_emit (doc, signals[SIG_MODEL_REPLACED], 0);
}

gboolean
ps_document_load_model_text (PsDocument *doc, const char *text, const char *label,
                             GError **error)
{
  char *name = NULL;
  PsModule *m;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  ps_rng_seed (&doc->rng, 0);          /* PyTorch's default init under manual_seed(0) */
  if (ps_py_text_uses_keras (text, -1))   /* Keras' models are built by the interpreter */
    m = ps_py_build_model (text, -1, label, 0, &name, error);
  else
    m = ps_model_parse (text, -1, label, &doc->rng, &name, error);
  if (m == NULL)
    return FALSE;
  replace_model (doc, m, label, name);
  return TRUE;
}

gboolean
ps_document_load_model_file (PsDocument *doc, const char *path, GError **error)
{
  char *name = NULL;
  g_autofree char *base = g_path_get_basename (path);
  PsModule *m;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  ps_rng_seed (&doc->rng, 0);
  g_autofree char *text = NULL;
  gsize len;
  if (g_file_get_contents (path, &text, &len, NULL) && len < (64 << 20)
      && ps_py_text_uses_keras (text, (gssize) len))
    m = ps_py_build_model (text, (gssize) len, base, 0, &name, error);
  else
    m = ps_model_load_file (path, &doc->rng, &name, error);
  if (m == NULL)
    return FALSE;
  replace_model (doc, m, base, name);
  return TRUE;
}

static gboolean
has_unknown_classes (PsModule *model)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (model);
  for (guint i = 0; i < mods->len; i++)
    if (!ps_module_get_params_known (((PsNamedModule *) mods->pdata[i])->module))
      return TRUE;
  return FALSE;
}

/* A model read from print(model) with classes whose own parameters its text
 * cannot tell: the file gives them (ps_module_adopt_weights).  That changes
 * the tree, so a copy takes the weights and, if they all fit, becomes the
 * network (nothing changes otherwise). */
static gboolean
load_weights_adopting (PsDocument *doc, PsSafetensors *st, GError **error)
{
  g_autoptr (PsModule) m = ps_module_clone (doc->model, NULL);
  g_autofree char *title = g_strdup (doc->title);

  ps_module_adopt_weights (m, st);
  if (!ps_module_load_state_dict (m, st, error))
    return FALSE;
  replace_model (doc, g_steal_pointer (&m), title, g_strdup (doc->model_name));
  doc->clean_version = 0;                 /* the file's values: not what was opened */
  notify_history (doc);
  return TRUE;
}

gboolean
ps_document_load_weights (PsDocument *doc, const char *path, GError **error)
{
  g_autoptr (PsSafetensors) st = ps_weights_open (path, error);
  g_autofree char *base = g_path_get_basename (path);

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  if (st == NULL)
    return FALSE;
  if (has_unknown_classes (doc->model))
    return load_weights_adopting (doc, st, error);
  begin (doc);
  if (!ps_module_load_state_dict (doc->model, st, error))
    {
      cancel (doc);
      return FALSE;
    }
  doc->forward_valid = FALSE;
  commit (doc, g_strdup_printf (_("load weights from %s"), base));
  return TRUE;
}

gboolean
ps_document_save_weights (PsDocument *doc, const char *path, GError **error)
{
  if (!ps_module_save_state_dict (doc->model, path, error))
    return FALSE;
  doc->clean_version = values_version (doc);
  return TRUE;
}

PsModule *
ps_document_get_model (PsDocument *doc)
{
  return doc->model;
}

const char *
ps_document_get_title (PsDocument *doc)
{
  return doc->title;
}

const char *
ps_document_get_model_name (PsDocument *doc)
{
  return doc->model_name;
}

/* ---- forward and backward ------------------------------------------------ */

static void
set_input_code (PsDocument *doc, char *code)
{
  g_free (doc->input_code);
  doc->input_code = code;
  g_object_notify_by_pspec (G_OBJECT (doc), properties[PROP_INPUT_CODE]);
}

/* "(2, 1, 28, 28)" */
static char *
shape_tuple (const PsTensor *x)
{
  GString *s = g_string_new ("(");
  for (int d = 0; d < x->ndim; d++)
    g_string_append_printf (s, d ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, x->shape[d]);
  g_string_append (s, x->ndim == 1 ? ",)" : ")");
  return g_string_free (s, FALSE);
}

void
ps_document_set_random_input (PsDocument *doc, int64_t batch, guint64 seed)
{
  PsTensor *x = doc->model ? ps_data_random_input (doc->model, MAX (batch, 1), seed) : NULL;
  int64_t tokens = doc->model ? ps_data_input_tokens (doc->model) : 0;
  g_autofree char *shape = NULL;

  if (x == NULL)
    {
      /* lazy: the width of the input before, or the lesson's 20 */
      int64_t width = doc->input ? doc->input->shape[doc->input->ndim - 1] : 20;
      PsRng rng;
      x = ps_tensor_new_2d (MAX (batch, 1), width);
      ps_rng_seed (&rng, seed);
      ps_rng_fill_uniform (&rng, x->data, x->numel, 0, 1);   /* torch.rand */
    }
  g_clear_pointer (&doc->input, ps_tensor_unref);
  doc->input = x;
  g_clear_pointer (&doc->target, ps_tensor_unref);
  doc->forward_valid = FALSE;
  /* the call that makes these values (ps_data_random_input): token indices for an
   * Embedding first, else uniform [0, 1) in the first layer's shape */
  shape = shape_tuple (x);
  if (tokens > 0 && x->ndim == 2)
    set_input_code (doc, g_strdup_printf ("X = torch.randint(0, %" G_GINT64_FORMAT ", %s)",
                                          tokens, shape));
  else
    {
      shape[strlen (shape) - (x->ndim == 1 ? 2 : 1)] = '\0';
      set_input_code (doc, g_strdup_printf ("X = torch.rand%s)", shape));
    }
}

gboolean
ps_document_load_input (PsDocument *doc, const char *path, GError **error)
{
  g_autoptr (PsSafetensors) st = ps_weights_open (path, error);
  PsTensor *x;

  if (st == NULL)
    return FALSE;
  x = ps_safetensors_load_tensor (st, "input", error);
  if (x == NULL)
    return FALSE;
  g_clear_pointer (&doc->input, ps_tensor_unref);
  doc->input = x;
  g_clear_pointer (&doc->target, ps_tensor_unref);
  if (ps_safetensors_resolve (st, "target"))
    doc->target = ps_safetensors_load_tensor (st, "target", NULL);
  doc->forward_valid = FALSE;
  {
    g_autofree char *base = g_path_get_basename (path);
    g_autofree char *shape = shape_tuple (x);
    set_input_code (doc, g_strdup_printf ("X = load_file('%s')['input']  # %s", base, shape));
  }
  return TRUE;
}

void
ps_document_set_input (PsDocument *doc, const PsTensor *x, int64_t n)
{
  int64_t shape[PS_TENSOR_MAX_DIMS];
  PsTensor *in;

  g_return_if_fail (x != NULL && x->ndim >= 1);
  memcpy (shape, x->shape, sizeof (int64_t) * (size_t) x->ndim);
  shape[0] = CLAMP (n, 1, x->shape[0]);
  in = ps_tensor_new (x->ndim, shape);
  g_return_if_fail (in != NULL);
  memcpy (in->data, x->data, sizeof (float) * (size_t) in->numel);   /* the first samples */
  g_clear_pointer (&doc->input, ps_tensor_unref);
  doc->input = in;
  g_clear_pointer (&doc->target, ps_tensor_unref);
  doc->forward_valid = FALSE;
  {
    g_autofree char *tuple = shape_tuple (in);
    /* TRANSLATORS: the Run panel's input when it is the Train panel's data: "X =
     * the first 8 samples of the training data, (8, 1, 28, 28)" */
    set_input_code (doc, g_strdup_printf (_("X = the first %" PRId64 " samples of the "
                                            "training data, %s"), in->shape[0], tuple));
  }
}

const char *
ps_document_get_input_code (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), NULL);
  return doc->input_code;
}

const PsTensor *
ps_document_get_input (PsDocument *doc)
{
  return doc->input;
}

guint
ps_document_get_n_activations (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), 0);
  return doc->tape ? ps_tape_get_n_outputs (doc->tape) : 0;
}

const PsTensor *
ps_document_get_activation (PsDocument *doc, guint i, PsModule **module, gboolean *overwritten)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), NULL);
  return doc->tape ? ps_tape_get_output (doc->tape, i, module, overwritten) : NULL;
}

gboolean
ps_document_forward (PsDocument *doc, GError **error)
{
  const PsTensor *y;
  guint lazy_before = 0, lazy_after = 0;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  ps_module_count_params (doc->model, &lazy_before);
  /* net(X) in the mode the code left the network in (net.eval(): BatchNorm's
   * running statistics, Dropout the identity) */
  ps_tape_set_training (doc->tape, ps_module_get_training (doc->model));
  y = ps_tape_forward (doc->tape, doc->input, error);
  if (y == NULL)
    return FALSE;
  g_clear_pointer (&doc->output, ps_tensor_unref);
  doc->output = ps_tensor_copy (y);
  doc->forward_valid = TRUE;
  doc->forward_version = values_version (doc);
  ps_module_count_params (doc->model, &lazy_after);
  /* Lazy layers that materialized stay so: earlier snapshots leave
   * parameters that did not exist then as they are. */
  if (lazy_after != lazy_before)
    g_signal_emit (doc, signals[SIG_STRUCTURE_CHANGED], 0);
  g_signal_emit (doc, signals[SIG_CHANGED], 0, _("forward"));
  ps_document_say_code (doc, g_strdup_printf ("Y = %s(X)  # X: the input, shape (%" G_GINT64_FORMAT
                                  ", %" G_GINT64_FORMAT ")", doc->model_name,
                                  doc->input->shape[0], doc->input->shape[doc->input->ndim - 1]));
  return TRUE;
}

gboolean
ps_document_backward (PsDocument *doc, PsLossKind loss, GError **error)
{
  gboolean accumulates;
  char *label;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  if (!doc->forward_valid && !ps_document_forward (doc, error))
    return FALSE;
  if (loss == PS_LOSS_MSE && doc->target == NULL)
    {
      /* a random regression target of the output's shape, seeded */
      PsRng rng;
      doc->target = ps_tensor_new (doc->output->ndim, doc->output->shape);
      ps_rng_seed (&rng, 1);
      ps_rng_fill_uniform (&rng, doc->target->data, doc->target->numel, 0, 1);
    }
  /* gradients add up, as in PyTorch: count the passes since they were clear */
  accumulates = has_gradients (doc);
  begin (doc);
  if (!ps_tape_backward_loss (doc->tape, loss, doc->target, &doc->loss, error))
    {
      cancel (doc);
      return FALSE;
    }
  doc->n_backward = accumulates ? MAX (doc->n_backward, 1) + 1 : 1;
  doc->backward_version = values_version (doc);
  if (doc->n_backward > 1)
    label = g_strdup_printf (g_dngettext (NULL, "backward (%s loss = %g): gradients accumulated over %u backward pass; Zero Grad clears them",
                                          "backward (%s loss = %g): gradients accumulated over %u backward passes; Zero Grad clears them",
                                          doc->n_backward),
                             ps_loss_kind_to_string (loss), doc->loss, doc->n_backward);
  else
    label = g_strdup_printf (_("backward (%s loss = %g)"), ps_loss_kind_to_string (loss), doc->loss);
  commit (doc, label);
  ps_document_say_code (doc, loss == PS_LOSS_SUM
            ? g_strdup_printf ("%s(X).sum().backward()", doc->model_name)
            : loss == PS_LOSS_MSE
            ? g_strdup_printf ("nn.functional.mse_loss(%s(X), target).backward()", doc->model_name)
            : g_strdup_printf ("nn.functional.%s(%s(X), target).backward()",
                               loss == PS_LOSS_CROSS_ENTROPY ? "cross_entropy"
                               : loss == PS_LOSS_NLL ? "nll_loss"
                               : "binary_cross_entropy_with_logits", doc->model_name));
  return TRUE;
}

gboolean
ps_document_zero_grad (PsDocument *doc, GError **error)
{
  g_autoptr (GPtrArray) np = NULL;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  np = ps_module_named_parameters (doc->model);
  begin (doc);
  for (guint i = 0; i < np->len; i++)
    ps_param_zero_grad (((PsNamedParam *) np->pdata[i])->param, TRUE);
  doc->n_backward = 0;
  commit (doc, g_strdup (_("zero grad")));
  ps_document_say_code (doc, g_strdup_printf ("%s.zero_grad()", doc->model_name));
  return TRUE;
}
gboolean
ps_document_sgd_step (PsDocument *doc, double lr, GError **error)
{
  PsOptimConfig c;
  g_autoptr (PsOptimizer) opt = NULL;

  if (!ps_document_check_idle (doc, error))
    return FALSE;
  ps_optim_config_init (&c, PS_OPTIM_SGD, lr);
  opt = ps_optimizer_new (doc->model, &c, error);
  if (opt == NULL)
    return FALSE;
  begin (doc);
  ps_optimizer_step (opt);
  doc->forward_valid = FALSE;
  commit (doc, g_strdup_printf (_("SGD step (lr = %g)"), lr));
  {
    char num[G_ASCII_DTOSTR_BUF_SIZE];
    ps_document_say_code (doc, g_strdup_printf ("torch.optim.SGD(%s.parameters(), lr=%s).step()",
                                    doc->model_name, g_ascii_formatd (num, sizeof num, "%g", lr)));
  }
  return TRUE;
}

const PsTensor *
ps_document_get_output (PsDocument *doc)
{
  return doc->output;
}

double
ps_document_get_loss (PsDocument *doc)
{
  return doc->loss;
}

/* ---- history ------------------------------------------------------------ */

gboolean
ps_document_can_undo (PsDocument *doc)
{
  return doc->undo.length > 0;
}

gboolean
ps_document_can_redo (PsDocument *doc)
{
  return doc->redo.length > 0;
}

const char *
ps_document_get_undo_label (PsDocument *doc)
{
  Change *c = g_queue_peek_head (&doc->undo);
  return c ? c->label : NULL;
}

const char *
ps_document_get_redo_label (PsDocument *doc)
{
  Change *c = g_queue_peek_head (&doc->redo);
  return c ? c->label : NULL;
}

/* Undo (the head of doc->undo goes back to its before, onto doc->redo) or
 * redo (the reverse); FALSE with nothing to move or while busy. */
static gboolean
move_in_history (PsDocument *doc, gboolean undo)
{
  GQueue *from = undo ? &doc->undo : &doc->redo, *to = undo ? &doc->redo : &doc->undo;
  Change *c = doc->busy ? NULL : g_queue_pop_head (from);
  g_autofree char *msg = NULL;

  if (c == NULL)
    return FALSE;
  restore (undo ? c->before : c->after);
  g_queue_push_head (to, c);
  doc->forward_valid = FALSE;
  notify_history (doc);
  g_signal_emit (doc, signals[SIG_HISTORY_MOVED], 0);
  msg = undo ? g_strdup_printf (_("undo %s"), c->label) : g_strdup_printf (_("redo %s"), c->label);
  g_signal_emit (doc, signals[SIG_CHANGED], 0, msg);
  return TRUE;
}

gboolean
ps_document_undo (PsDocument *doc)
{
  return move_in_history (doc, TRUE);
}

gboolean
ps_document_redo (PsDocument *doc)
{
  return move_in_history (doc, FALSE);
}

guint64
ps_document_default_history_limit (void)
{
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
  guint64 gib = G_GUINT64_CONSTANT (1) << 30;

  if (pages <= 0 || page <= 0)
    return gib;
  return MIN (gib, (guint64) pages * (guint64) page / 10);
}

void
ps_document_set_history_limit (PsDocument *doc, guint64 bytes)
{
  g_return_if_fail (PS_IS_DOCUMENT (doc));

  if (doc->history_limit == bytes)
    return;
  doc->history_limit = bytes;
  trim_history (doc);
  notify_history (doc);
  g_object_notify_by_pspec (G_OBJECT (doc), properties[PROP_HISTORY_LIMIT]);
}

guint64
ps_document_get_history_limit (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), 0);
  return doc->history_limit;
}

guint64
ps_document_get_history_bytes (PsDocument *doc)
{
  g_return_val_if_fail (PS_IS_DOCUMENT (doc), 0);
  return doc->history_bytes;
}

void
ps_document_set_kept_bytes (PsDocument *doc, guint64 bytes)
{
  g_return_if_fail (PS_IS_DOCUMENT (doc));
  doc->kept_bytes = bytes;
  if (doc->history_bytes + bytes > doc->history_limit)
    {
      trim_history (doc);
      notify_history (doc);
    }
}

void
ps_document_history_trimmed (PsDocument *doc, guint n_dropped)
{
  g_return_if_fail (PS_IS_DOCUMENT (doc));
  if (n_dropped > 0)
    g_signal_emit (doc, signals[SIG_HISTORY_TRIMMED], 0, n_dropped);
}

/* ---- changes made elsewhere (training) ------------------------------------ */

void
ps_document_set_busy (PsDocument *doc, const char *reason)
{
  g_free (doc->busy);
  doc->busy = g_strdup (reason);
}

const char *
ps_document_get_busy (PsDocument *doc)
{
  return doc->busy;
}

void
ps_document_begin_change (PsDocument *doc)
{
  begin (doc);
}

void
ps_document_commit_change (PsDocument *doc, const char *label)
{
  doc->forward_valid = FALSE;
  commit (doc, g_strdup (label));
}

void
ps_document_cancel_change (PsDocument *doc)
{
  cancel (doc);
}

gboolean
ps_document_in_change (PsDocument *doc)
{
  return doc->pending != NULL;
}

PsTensor *
ps_document_get_target (PsDocument *doc)
{
  return doc->target;
}

/* ---- changes made by code ------------------------------------------------- */

static gboolean
tensor_differs (const PsTensor *a, const PsTensor *b)
{
  if (a == NULL || b == NULL)
    return a != b;
  return a->numel != b->numel || a->ndim != b->ndim
         || memcmp (a->data, b->data, (gsize) a->numel * sizeof (float)) != 0;
}

guint
ps_document_finish_code_change (PsDocument *doc, const char *label)
{
  g_autoptr (GPtrArray) np = NULL;
  gboolean structure = FALSE;
  guint n_changed = 0;
  Change *c = doc->pending;

  g_return_val_if_fail (PS_IS_DOCUMENT (doc) && c != NULL, 0);
  np = ps_module_named_parameters (doc->model);
  structure = np->len != c->before->len;
  for (guint i = 0; i < c->before->len; i++)
    {
      ParamState *st = &g_array_index (c->before, ParamState, i);
      PsParam *p = st->param;
      PsChange what = 0;

      if (!structure && ((PsNamedParam *) np->pdata[i])->param != p)
        structure = TRUE;
      if (!ps_param_is_initialized (p))
        continue;
      if (st->data == NULL && ps_param_get_data (p) != NULL)
        {
          what |= PS_CHANGE_SHAPE;
          structure = TRUE;
        }
      if (tensor_differs (st->data, ps_param_get_data (p)))
        what |= PS_CHANGE_DATA;
      if (tensor_differs (st->grad, ps_param_get_grad (p)))
        what |= PS_CHANGE_GRAD;
      if (what)
        {
          ps_param_changed (p, what);
          n_changed++;
        }
    }
  if (structure)
    g_signal_emit (doc, signals[SIG_STRUCTURE_CHANGED], 0);
  if (n_changed == 0)
    {
      /* nothing to undo: no step in the history */
      g_clear_pointer (&doc->pending, change_free);
      return 0;
    }
  doc->forward_valid = FALSE;
  commit (doc, g_strdup (label));
  return n_changed;
}

void
ps_document_adopt_model (PsDocument *doc, PsModule *model, const char *name, const char *title)
{
  g_return_if_fail (PS_IS_DOCUMENT (doc) && model != NULL);
  /* the change begun before the code ran was of the old network */
  g_clear_pointer (&doc->pending, change_free);
  replace_model (doc, ps_module_ref (model), title, g_strdup (name));
}
