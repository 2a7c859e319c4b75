/* ps-model-file-builtins.c — what a model file can call or name
 *
 * torch.nn's constructors of the layers the core runs itself (Sequential,
 * Linear, LazyLinear, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity,
 * Flatten) with PyTorch's signatures and words for bad arguments; range and
 * len; torch.rand/randn/zeros/ones/empty, which draw from the rng as PyTorch
 * does so that layers built after them get PyTorch's numbers; torch.finfo;
 * net(X), a forward pass that materializes lazy layers; a module's
 * add_module, append, weight, bias, in_features and out_features.
 */
#include "ps-model-file-private.h"
#include "ps-tape.h"
#include "ps-util.h"

static const char *layer_names[] = {
  "Sequential", "Linear", "LazyLinear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
  "Identity", "Flatten",
};

static gboolean
is_layer_name (const char *s)
{
  for (guint i = 0; i < G_N_ELEMENTS (layer_names); i++)
    if (strcmp (s, layer_names[i]) == 0)
      return TRUE;
  return FALSE;
}

void
ps_mf_install_builtins (Env *g)
{
  g_ptr_array_set_size (g->order, 0);
  for (guint i = 0; i < G_N_ELEMENTS (layer_names); i++)
    g_hash_table_replace (g->vars, g_strdup (layer_names[i]), val_named (V_BUILTIN, layer_names[i]));
  g_hash_table_replace (g->vars, g_strdup ("range"), val_named (V_BUILTIN, "range"));
  g_hash_table_replace (g->vars, g_strdup ("len"), val_named (V_BUILTIN, "len"));
  g_hash_table_replace (g->vars, g_strdup ("torch"), val_named (V_NAMESPACE, "torch"));
  g_hash_table_replace (g->vars, g_strdup ("nn"), val_named (V_NAMESPACE, "nn"));
  g_hash_table_replace (g->vars, g_strdup ("None"), val_new (V_NONE));
  {
    Val *t = val_new (V_BOOL), *f = val_new (V_BOOL);
    t->i = 1;
    g_hash_table_replace (g->vars, g_strdup ("True"), t);
    g_hash_table_replace (g->vars, g_strdup ("False"), f);
  }
}

/* ---- argument binding for constructors -------------------------------- */

typedef struct
{
  const char *name;
  const char *deflt;   /* NULL: required; "" : optional, no value */
} ArgSpec;

static gboolean
bind_args (Interp *in, Node *call, const char *fname, const ArgSpec *spec, guint n_spec,
           GPtrArray *pos, GPtrArray *kwn, GPtrArray *kwv, Val **out)
{
  for (guint i = 0; i < n_spec; i++)
    out[i] = NULL;
  if (pos->len > n_spec)
    {
      ps_mf_fail_at (in->c, call->line, call->col, "%s() takes at most %u argument%s (%u given)",
               fname, n_spec, n_spec == 1 ? "" : "s", pos->len);
      return FALSE;
    }
  for (guint i = 0; i < pos->len; i++)
    out[i] = pos->pdata[i];
  for (guint k = 0; k < kwn->len; k++)
    {
      guint i;
      for (i = 0; i < n_spec; i++)
        if (strcmp (spec[i].name, kwn->pdata[k]) == 0)
          break;
      if (i == n_spec)
        {
          GString *names = g_string_new (NULL);
          for (guint j = 0; j < n_spec; j++)
            g_string_append_printf (names, "%s%s", j ? ", " : "", spec[j].name);
          ps_mf_fail_at (in->c, call->line, call->col,
                   _("%s() got an unexpected keyword argument '%s' (it takes: %s)"), fname,
                   (char *) kwn->pdata[k], n_spec ? names->str : "no arguments");
          g_string_free (names, TRUE);
          return FALSE;
        }
      if (out[i])
        {
          ps_mf_fail_at (in->c, call->line, call->col, _("%s() got multiple values for argument '%s'"),
                   fname, spec[i].name);
          return FALSE;
        }
      out[i] = kwv->pdata[k];
    }
  for (guint i = 0; i < n_spec; i++)
    if (out[i] == NULL && spec[i].deflt == NULL)
      {
        ps_mf_fail_at (in->c, call->line, call->col, _("%s() missing required argument '%s'"), fname,
                 spec[i].name);
        return FALSE;
      }
  return TRUE;
}

static gboolean
arg_int (Interp *in, Node *call, const char *fname, const char *aname, Val *v, gint64 deflt,
         gint64 min, gint64 *out)
{
  if (v == NULL)
    {
      *out = deflt;
      return TRUE;
    }
  if (v->kind != V_INT)
    {
      ps_mf_fail_at (in->c, call->line, call->col, _("%s(): %s must be an integer, got %s"), fname, aname,
               val_type (v));
      return FALSE;
    }
  if (v->i < min)
    {
      ps_mf_fail_at (in->c, call->line, call->col, "%s(): %s must be >= %" G_GINT64_FORMAT ", got %"
               G_GINT64_FORMAT, fname, aname, min, v->i);
      return FALSE;
    }
  *out = v->i;
  return TRUE;
}

static gboolean
arg_bool (Interp *in, Node *call, const char *fname, const char *aname, Val *v, gboolean deflt,
          gboolean *out)
{
  if (v == NULL)
    {
      *out = deflt;
      return TRUE;
    }
  if (v->kind != V_BOOL && v->kind != V_INT)
    {
      ps_mf_fail_at (in->c, call->line, call->col, _("%s(): %s must be True or False, got %s"), fname,
               aname, val_type (v));
      return FALSE;
    }
  *out = v->i != 0;
  return TRUE;
}

static gboolean
arg_ignored (Interp *in, Node *call, const char *fname, const char *aname, Val *v)
{
  /* device=None / dtype=torch.float32 are accepted; anything else is not */
  if (v == NULL || v->kind == V_NONE)
    return TRUE;
  if (strcmp (aname, "dtype") == 0 && v->kind == V_OPAQUE && g_strcmp0 (v->s, "torch.float32") == 0)
    return TRUE;
  if (strcmp (aname, "device") == 0 && v->kind == V_STR && strcmp (v->s, "cpu") == 0)
    return TRUE;
  ps_mf_fail_at (in->c, call->line, call->col,
           "%s(): only %s=None%s is supported (ParamScope computes in float32 on the CPU)",
           fname, aname, strcmp (aname, "dtype") == 0 ? " or dtype=torch.float32" : " or 'cpu'");
  return FALSE;
}

static Val *
count_module (Interp *in, Node *call, PsModule *m)
{
  if (m == NULL)
    return FAIL (call, _("this layer is too large to allocate"));
  if (++in->n_modules > MAX_MODULES)
    {
      ps_module_unref (m);
      return FAIL (call, _("the model has more than %d modules"), MAX_MODULES);
    }
  return val_module (m);
}

static Val *
construct (Interp *in, Node *call, const char *cls, GPtrArray *pos, GPtrArray *kwn,
           GPtrArray *kwv)
{
  Val *a[5];

  if (strcmp (cls, "Sequential") == 0)
    {
      g_autoptr (PsModule) seq = ps_module_new_sequential ();
      if (kwn->len)
        return FAIL (call, _("Sequential() takes modules as positional arguments only"));
      for (guint i = 0; i < pos->len; i++)
        {
          Val *v = pos->pdata[i];
          if (v->kind != V_MODULE)
            return FAIL (call, _("Sequential() argument %u is a %s, not a module"), i + 1,
                         val_type (v));
          ps_module_append (seq, NULL, ps_module_ref (v->module), NULL);
        }
      return count_module (in, call, g_steal_pointer (&seq));
    }
  if (strcmp (cls, "Linear") == 0)
    {
      static const ArgSpec spec[] = { { "in_features", NULL }, { "out_features", NULL },
                                      { "bias", "True" }, { "device", "" }, { "dtype", "" } };
      gint64 fin, fout;
      gboolean bias;
      if (!bind_args (in, call, cls, spec, 5, pos, kwn, kwv, a)
          || !arg_int (in, call, cls, "in_features", a[0], 0, 0, &fin)
          || !arg_int (in, call, cls, "out_features", a[1], 0, 0, &fout)
          || !arg_bool (in, call, cls, "bias", a[2], TRUE, &bias)
          || !arg_ignored (in, call, cls, "device", a[3])
          || !arg_ignored (in, call, cls, "dtype", a[4]))
        return NULL;
      if (ps_shape_numel (2, (int64_t[]) { fin, fout }) > (G_GINT64_CONSTANT (1) << 31))
        return FAIL (call, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") is too large: "
                     "its weight would need %.1f GiB", fin, fout,
                     (double) fin * (double) fout * 4 / (1 << 30));
      in->param_bytes += ((double) fin * (double) fout + (bias ? (double) fout : 0)) * 4;
      if (in->param_bytes > (double) ps_param_budget_bytes ())
        return FAIL (call, _("the model's parameters would need %.1f GiB, above the limit of "
                     "%.1f GiB (set PARAMSCOPE_MAX_PARAM_GIB to change it)"),
                     in->param_bytes / (1 << 30), (double) ps_param_budget_bytes () / (1 << 30));
      return count_module (in, call, ps_module_new_linear (fin, fout, bias, in->rng));
    }
  if (strcmp (cls, "LazyLinear") == 0)
    {
      static const ArgSpec spec[] = { { "out_features", NULL }, { "bias", "True" },
                                      { "device", "" }, { "dtype", "" } };
      gint64 fout;
      gboolean bias;
      if (!bind_args (in, call, cls, spec, 4, pos, kwn, kwv, a)
          || !arg_int (in, call, cls, "out_features", a[0], 0, 0, &fout)
          || !arg_bool (in, call, cls, "bias", a[1], TRUE, &bias)
          || !arg_ignored (in, call, cls, "device", a[2])
          || !arg_ignored (in, call, cls, "dtype", a[3]))
        return NULL;
      return count_module (in, call, ps_module_new_lazy_linear (fout, bias));
    }
  if (strcmp (cls, "ReLU") == 0)
    {
      static const ArgSpec spec[] = { { "inplace", "False" } };
      gboolean inplace;
      PsModule *m;
      if (!bind_args (in, call, cls, spec, 1, pos, kwn, kwv, a)
          || !arg_bool (in, call, cls, "inplace", a[0], FALSE, &inplace))
        return NULL;
      m = ps_module_new (PS_MODULE_RELU);
      ps_module_set_inplace (m, inplace);
      return count_module (in, call, m);
    }
  if (strcmp (cls, "LeakyReLU") == 0)
    {
      static const ArgSpec spec[] = { { "negative_slope", "0.01" }, { "inplace", "False" } };
      gboolean inplace;
      PsModule *m;
      double slope = 0.01;
      g_autofree char *text = g_strdup ("0.01");
      if (!bind_args (in, call, cls, spec, 2, pos, kwn, kwv, a)
          || !arg_bool (in, call, cls, "inplace", a[1], FALSE, &inplace))
        return NULL;
      if (a[0])
        {
          if (a[0]->kind == V_INT)
            {
              slope = (double) a[0]->i;
              g_free (text);
              text = g_strdup_printf ("%" G_GINT64_FORMAT, a[0]->i);
            }
          else if (a[0]->kind == V_FLOAT)
            {
              slope = a[0]->f;
              g_free (text);
              text = ps_python_float_repr (slope);
            }
          else
            return FAIL (call, _("LeakyReLU(): negative_slope must be a number, got %s"),
                         val_type (a[0]));
        }
      m = ps_module_new_leaky_relu (slope, inplace);
      ps_module_set_slope_text (m, text);
      return count_module (in, call, m);
    }
  if (strcmp (cls, "GELU") == 0)
    {
      static const ArgSpec spec[] = { { "approximate", "'none'" } };
      PsModule *m;
      gboolean tanh_approx = FALSE;
      if (!bind_args (in, call, cls, spec, 1, pos, kwn, kwv, a))
        return NULL;
      if (a[0])
        {
          if (a[0]->kind != V_STR || (strcmp (a[0]->s, "none") != 0 && strcmp (a[0]->s, "tanh") != 0))
            return FAIL (call, _("GELU(): approximate must be 'none' or 'tanh'"));
          tanh_approx = strcmp (a[0]->s, "tanh") == 0;
        }
      m = ps_module_new (PS_MODULE_GELU);
      ps_module_set_gelu_tanh (m, tanh_approx);
      return count_module (in, call, m);
    }
  if (strcmp (cls, "Flatten") == 0)
    {
      static const ArgSpec spec[] = { { "start_dim", "1" }, { "end_dim", "-1" } };
      gint64 sd, ed;
      if (!bind_args (in, call, cls, spec, 2, pos, kwn, kwv, a)
          || !arg_int (in, call, cls, "start_dim", a[0], 1, -PS_TENSOR_MAX_DIMS, &sd)
          || !arg_int (in, call, cls, "end_dim", a[1], -1, -PS_TENSOR_MAX_DIMS, &ed))
        return NULL;
      if (sd >= PS_TENSOR_MAX_DIMS || ed >= PS_TENSOR_MAX_DIMS)
        return FAIL (call, _("Flatten(): dimensions must be below %d"), PS_TENSOR_MAX_DIMS);
      return count_module (in, call, ps_module_new_flatten ((int) sd, (int) ed));
    }
  if (strcmp (cls, "Identity") == 0)   /* Identity(*args, **kwargs) ignores its arguments */
    return count_module (in, call, ps_module_new (PS_MODULE_IDENTITY));
  {
    PsModuleKind k = strcmp (cls, "Sigmoid") == 0 ? PS_MODULE_SIGMOID : PS_MODULE_TANH;
    if (!bind_args (in, call, cls, NULL, 0, pos, kwn, kwv, a))
      return NULL;
    return count_module (in, call, ps_module_new (k));
  }
}

static gboolean
shape_from_args (Interp *in, Node *call, const char *fname, GPtrArray *pos, GPtrArray *kwn,
                 GPtrArray *kwv, Val *out)
{
  GPtrArray *dims = pos;
  g_autoptr (GPtrArray) tmp = NULL;

  for (guint k = 0; k < kwn->len; k++)
    {
      const char *name = kwn->pdata[k];
      Val *v = kwv->pdata[k];
      if (strcmp (name, "size") == 0)
        {
          if (v->kind != V_LIST)
            {
              ps_mf_fail_at (in->c, call->line, call->col, _("%s(): size must be a tuple of integers"),
                       fname);
              return FALSE;
            }
          dims = v->items;
        }
      else if (strcmp (name, "dtype") == 0 || strcmp (name, "device") == 0
               || strcmp (name, "requires_grad") == 0 || strcmp (name, "generator") == 0)
        {
          if (!arg_ignored (in, call, fname, strcmp (name, "device") == 0 ? "device" : "dtype", v)
              && strcmp (name, "requires_grad") != 0 && strcmp (name, "generator") != 0)
            return FALSE;
          if (in->c->error && *in->c->error)
            g_clear_error (in->c->error);
        }
      else
        {
          ps_mf_fail_at (in->c, call->line, call->col, _("%s(): unexpected keyword argument '%s'"), fname,
                   name);
          return FALSE;
        }
    }
  if (dims->len == 1 && ((Val *) dims->pdata[0])->kind == V_LIST)
    dims = ((Val *) dims->pdata[0])->items;
  if (dims->len == 0 || dims->len > PS_TENSOR_MAX_DIMS)
    {
      ps_mf_fail_at (in->c, call->line, call->col, _("%s(): give 1 to %d dimensions"), fname,
               PS_TENSOR_MAX_DIMS);
      return FALSE;
    }
  out->ndim = (int) dims->len;
  for (guint i = 0; i < dims->len; i++)
    {
      Val *d = dims->pdata[i];
      if (d->kind != V_INT || d->i < 0 || d->i > (1 << 24))
        {
          ps_mf_fail_at (in->c, call->line, call->col,
                   _("%s(): dimensions must be integers between 0 and %d"), fname, 1 << 24);
          return FALSE;
        }
      out->shape[i] = d->i;
    }
  if (ps_shape_numel (out->ndim, out->shape) > (1 << 26))
    {
      ps_mf_fail_at (in->c, call->line, call->col, _("%s(): tensor is too large for a model file"), fname);
      return FALSE;
    }
  return TRUE;
}

static void
consume_uniform (Interp *in, const Val *t)
{
  int64_t n = ps_shape_numel (t->ndim, t->shape);
  if (in->rng)
    for (int64_t i = 0; i < n; i++)
      ps_rng_u32 (in->rng);
}

static void
consume_normal (Interp *in, const Val *t)
{
  int64_t n = ps_shape_numel (t->ndim, t->shape);
  if (in->rng && n > 0)
    {
      g_autofree float *tmp = g_new (float, n);
      ps_rng_fill_normal (in->rng, tmp, n, 0, 1);
    }
}

Val *
ps_mf_call_builtin (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn,
                    GPtrArray *kwv)
{
  if (is_layer_name (f->s))
    return construct (in, call, f->s, pos, kwn, kwv);
  if (strcmp (f->s, "range") == 0)
    {
      gint64 a = 0, b, s = 1;
      Val *v;
      for (guint i = 0; i < pos->len; i++)
        if (((Val *) pos->pdata[i])->kind != V_INT)
          return FAIL (call, _("range() takes integers"));
      if (kwn->len || pos->len < 1 || pos->len > 3)
        return FAIL (call, _("range() takes 1 to 3 integer arguments"));
      if (pos->len == 1)
        b = ((Val *) pos->pdata[0])->i;
      else
        {
          a = ((Val *) pos->pdata[0])->i;
          b = ((Val *) pos->pdata[1])->i;
          if (pos->len == 3)
            s = ((Val *) pos->pdata[2])->i;
        }
      if (s == 0)
        return FAIL (call, _("range() step must not be zero"));
      v = val_new (V_LIST);
      v->items = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
      for (gint64 i = a; s > 0 ? i < b : i > b; i += s)
        {
          if (v->items->len >= MAX_LOOP_ITERS)
            {
              val_unref (v);
              return FAIL (call, _("range() is too long (limit %d)"), MAX_LOOP_ITERS);
            }
          g_ptr_array_add (v->items, val_int (i));
        }
      return v;
    }
  if (strcmp (f->s, "len") == 0)
    {
      Val *x = pos->len == 1 ? pos->pdata[0] : NULL;
      if (x && x->kind == V_MODULE)
        return val_int (ps_module_get_n_children (x->module));
      if (x && x->kind == V_LIST)
        return val_int (x->items->len);
      return FAIL (call, _("len() takes one Sequential or list"));
    }
  if (strcmp (f->s, "torch.rand") == 0 || strcmp (f->s, "torch.randn") == 0
      || strcmp (f->s, "torch.zeros") == 0 || strcmp (f->s, "torch.ones") == 0
      || strcmp (f->s, "torch.empty") == 0)
    {
      g_autoptr (Val) t = val_new (V_TENSOR);
      if (!shape_from_args (in, call, f->s, pos, kwn, kwv, t))
        return NULL;
      /* the values do not matter here, but the draws do: layers built
       * afterwards get PyTorch's numbers only if as many were drawn */
      if (strcmp (f->s, "torch.rand") == 0)
        consume_uniform (in, t);
      else if (strcmp (f->s, "torch.randn") == 0)
        consume_normal (in, t);
      return g_steal_pointer (&t);
    }
  if (strcmp (f->s, "torch.finfo") == 0)
    return val_named (V_OPAQUE, "finfo");
  return FAIL (call, _("'%s' is not callable in a model file"), f->s);
}

Val *
ps_mf_call_method (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn,
                   GPtrArray *kwv)
{
  Val *self = f->self;
  if (self->kind == V_MODULE && strcmp (f->s, "add_module") == 0)
    {
      g_autoptr (GError) err = NULL;
      Val *name = pos->len > 0 ? pos->pdata[0] : NULL, *child = pos->len > 1 ? pos->pdata[1] : NULL;
      for (guint k = 0; k < kwn->len; k++)
        {
          if (strcmp (kwn->pdata[k], "name") == 0 && !name)
            name = kwv->pdata[k];
          else if (strcmp (kwn->pdata[k], "module") == 0 && !child)
            child = kwv->pdata[k];
          else
            return FAIL (call, _("add_module() takes (name, module)"));
        }
      if (pos->len + kwn->len != 2 || name == NULL || child == NULL)
        return FAIL (call, _("add_module() takes two arguments: a name and a module"));
      if (name->kind != V_STR)
        return FAIL (call, _("add_module(): the name must be a string, got %s"),
                     val_type (name));
      if (child->kind != V_MODULE)
        return FAIL (call, _("add_module(): the second argument must be a module, got %s"),
                     val_type (child));
      if (!ps_module_append (self->module, name->s, ps_module_ref (child->module), &err))
        return FAIL (call, "add_module(): %s", err->message);
      return val_new (V_NONE);
    }
  if (self->kind == V_MODULE && strcmp (f->s, "append") == 0)
    {
      g_autoptr (GError) err = NULL;
      if (pos->len != 1 || kwn->len || ((Val *) pos->pdata[0])->kind != V_MODULE)
        return FAIL (call, _("append() takes one module"));
      if (!ps_module_append (self->module, NULL,
                             ps_module_ref (((Val *) pos->pdata[0])->module), &err))
        return FAIL (call, "append(): %s", err->message);
      return val_ref (self);
    }
  if (self->kind == V_MODULE && (strcmp (f->s, "eval") == 0 || strcmp (f->s, "train") == 0))
    {
      /* net.eval() / net.train(mode=True): the mode run and train use */
      gboolean train = strcmp (f->s, "train") == 0;
      Val *mode = pos->len > 0 ? pos->pdata[0] : kwn->len > 0 ? kwv->pdata[0] : NULL;
      if (pos->len + kwn->len > (train ? 1u : 0u)
          || (kwn->len && strcmp (kwn->pdata[0], "mode") != 0))
        return FAIL (call, train ? _("train() takes one argument, mode") : _("eval() takes no arguments"));
      if (mode && mode->kind != V_BOOL)
        return FAIL (call, _("training mode is expected to be boolean"));
      ps_module_set_training (self->module, train && (!mode || mode->i));
      return val_ref (self);
    }
  if (self->kind == V_TENSOR)   /* X.uniform_(a, b) etc.: values do not matter here */
    {
      if (strcmp (f->s, "uniform_") == 0)
        consume_uniform (in, self);
      else if (strcmp (f->s, "normal_") == 0)
        consume_normal (in, self);
      return val_ref (self);
    }
  return FAIL (call, _("%s.%s() is not supported in model files (supported: add_module, "
               "append, train, eval)"), val_type (self), f->s);
}

/* net(X) in a model file: run a forward pass on zeros of X's shape so that
 * lazy layers materialize, as in PyTorch.  Returns the output's shape. */
Val *
ps_mf_call_module (Interp *in, Node *call, Val *mod, GPtrArray *pos, GPtrArray *kwn)
{
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (GError) err = NULL;
  const PsTensor *y;
  Val *out;

  if (pos->len != 1 || kwn->len != 0 || ((Val *) pos->pdata[0])->kind != V_TENSOR)
    return FAIL (call, _("calling a module takes one tensor, e.g. net(X) with X = torch.rand(2, 4)"));
  x = ps_tensor_new (((Val *) pos->pdata[0])->ndim, ((Val *) pos->pdata[0])->shape);
  tape = ps_tape_new (mod->module, in->rng);
  y = ps_tape_forward (tape, x, &err);
  if (y == NULL)
    return FAIL (call, "%s", err->message);
  out = val_new (V_TENSOR);
  out->ndim = y->ndim;
  memcpy (out->shape, y->shape, sizeof out->shape);
  return out;
}

Val *
ps_mf_eval_attr (Interp *in, Node *n, Val *obj)
{
  const char *a = n->text;

  if (obj->kind == V_NAMESPACE)
    {
      g_autofree char *full = g_strconcat (obj->s, ".", a, NULL);
      if (strcmp (obj->s, "torch") == 0 && strcmp (a, "nn") == 0)
        return val_named (V_NAMESPACE, "nn");
      if ((strcmp (obj->s, "nn") == 0) && is_layer_name (a))
        return val_named (V_BUILTIN, a);
      if (strcmp (obj->s, "torch") == 0
          && (strcmp (a, "rand") == 0 || strcmp (a, "randn") == 0 || strcmp (a, "zeros") == 0
              || strcmp (a, "ones") == 0 || strcmp (a, "empty") == 0 || strcmp (a, "finfo") == 0))
        return val_named (V_BUILTIN, full);
      if (strcmp (obj->s, "torch") == 0 && (strcmp (a, "float32") == 0 || strcmp (a, "float") == 0))
        return val_named (V_OPAQUE, "torch.float32");
      if (strcmp (obj->s, "nn") == 0)
        {
          in->c->unknown_layer = TRUE;   /* ps_model_parse hands the file to core/py */
          return FAIL (n, _("nn.%s is not supported (supported layers: Sequential, Linear, "
                            "LazyLinear, ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity, "
                            "Flatten)"), a);
        }
      return FAIL (n, _("%s is not supported in model files"), full);
    }
  if (obj->kind == V_OPAQUE && strcmp (obj->s, "finfo") == 0)
    {
      if (strcmp (a, "min") == 0)
        return val_float (-3.4028234663852886e+38);
      if (strcmp (a, "max") == 0)
        return val_float (3.4028234663852886e+38);
      if (strcmp (a, "eps") == 0)
        return val_float (1.1920928955078125e-07);
      return FAIL (n, _("finfo.%s is not supported (min, max, eps are)"), a);
    }
  if (obj->kind == V_MODULE)
    {
      if (strcmp (a, "weight") == 0 || strcmp (a, "bias") == 0)
        {
          Val *p;
          if (ps_module_get_param_by_name (obj->module, a) == NULL)
            return FAIL (n, _("%s has no parameter '%s'%s"), ps_module_get_type_name (obj->module), a,
                         ps_module_get_kind (obj->module) == PS_MODULE_LINEAR ? " (bias=False)" : "");
          p = val_named (V_PARAM, a);
          p->module = ps_module_ref (obj->module);
          return p;
        }
      if (strcmp (a, "add_module") == 0 || strcmp (a, "append") == 0 || strcmp (a, "eval") == 0
          || strcmp (a, "train") == 0)
        {
          Val *m = val_named (V_METHOD, a);
          m->self = val_ref (obj);
          return m;
        }
      if (strcmp (a, "in_features") == 0 || strcmp (a, "out_features") == 0)
        return val_int (strcmp (a, "in_features") == 0 ? ps_module_get_in_features (obj->module)
                        : ps_module_get_out_features (obj->module));
      return FAIL (n, _("%s has no attribute '%s' usable in a model file (weight, bias, add_module, "
                   "train, eval, in_features, out_features)"), ps_module_get_type_name (obj->module), a);
    }
  if (obj->kind == V_TENSOR)
    {
      Val *m = val_named (V_METHOD, a);
      m->self = val_ref (obj);
      return m;
    }
  return FAIL (n, _("%s has no attribute '%s'"), val_type (obj), a);
}
