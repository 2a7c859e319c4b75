/* ps-model-file-eval.c — the interpreter of model files
 *
 * Walks the tree of ps-model-file-parse.c: names in a global scope and one
 * local scope a call, functions defined in the file, int and float
 * arithmetic as Python's (floor division, modulo's sign, overflow refused),
 * f-strings, for loops over lists, tying by assignment of a parameter.
 * What a name of torch or nn does is ps-model-file-builtins.c's.  Every run
 * is bounded: statements, expression nodes, call depth and loop lengths.
 */
#include "ps-model-file-private.h"
#include "ps-util.h"

#include <math.h>

static Val *eval (Interp *in, Env *env, Node *n);

Env *
ps_mf_env_new (Env *globals)
{
  Env *e = g_new0 (Env, 1);
  e->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) val_unref);
  e->order = g_ptr_array_new_with_free_func (g_free);
  e->globals = globals;
  return e;
}

void
ps_mf_env_free (Env *e)
{
  g_hash_table_unref (e->vars);
  g_ptr_array_unref (e->order);
  g_free (e);
}

static void
env_set (Env *e, const char *name, Val *v)   /* takes v */
{
  if (!g_hash_table_contains (e->vars, name))
    g_ptr_array_add (e->order, g_strdup (name));
  g_hash_table_replace (e->vars, g_strdup (name), v);
}

static Val *
env_get (Env *e, const char *name)
{
  Val *v = g_hash_table_lookup (e->vars, name);
  if (v == NULL && e->globals)
    v = g_hash_table_lookup (e->globals->vars, name);
  return v;
}

static Val *
call_function (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn, GPtrArray *kwv)
{
  Node *def = f->func;
  GPtrArray *params = def->a->list;
  Env *local;
  Val *ret;
  gboolean ok;

  if (kwn->len)
    return FAIL (call, _("%s(): keyword arguments to functions are not supported"), def->text);
  if (pos->len != params->len)
    return FAIL (call, "%s() takes %u argument%s but %u were given", def->text, params->len,
                 params->len == 1 ? "" : "s", pos->len);
  if (in->call_depth >= MAX_CALL_DEPTH)
    return FAIL (call, _("calls are nested too deeply (limit %d): is %s() recursive?"),
                 MAX_CALL_DEPTH, def->text);
  local = ps_mf_env_new (in->globals);
  for (guint i = 0; i < params->len; i++)
    env_set (local, ((Node *) params->pdata[i])->text, val_ref (pos->pdata[i]));
  in->call_depth++;
  ok = ps_mf_exec_block (in, local, def->list);
  in->call_depth--;
  ps_mf_env_free (local);
  ret = in->ret;
  in->ret = NULL;
  in->returning = FALSE;
  if (!ok)
    {
      val_unref (ret);
      return NULL;
    }
  return ret ? ret : val_new (V_NONE);
}

static Val *
call_value (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn, GPtrArray *kwv)
{
  switch (f->kind)
    {
    case V_FUNC:
      return call_function (in, call, f, pos, kwn, kwv);
    case V_MODULE:
      return ps_mf_call_module (in, call, f, pos, kwn);
    case V_BUILTIN:
      return ps_mf_call_builtin (in, call, f, pos, kwn, kwv);
    case V_METHOD:
      return ps_mf_call_method (in, call, f, pos, kwn, kwv);
    default:
      break;
    }
  return FAIL (call, _("'%s' is not callable in a model file"),
               f->kind == V_NAMESPACE ? f->s : val_type (f));
}

static Val *
binop (Interp *in, Node *n, Val *l, Val *r)
{
  const char *op = n->text;

  if (strcmp (op, "+") == 0 && l->kind == V_STR && r->kind == V_STR)
    {
      Val *v = val_new (V_STR);
      v->s = g_strconcat (l->s, r->s, NULL);
      return v;
    }
  if ((l->kind == V_INT || l->kind == V_FLOAT) && (r->kind == V_INT || r->kind == V_FLOAT))
    {
      if (l->kind == V_INT && r->kind == V_INT && strcmp (op, "/") != 0)
        {
          gint64 a = l->i, b = r->i, res;
          if ((strcmp (op, "//") == 0 || strcmp (op, "%") == 0) && b == 0)
            return FAIL (n, _("integer division by zero"));
          if (strcmp (op, "+") == 0)
            {
              if (__builtin_add_overflow (a, b, &res))
                goto overflow;
            }
          else if (strcmp (op, "-") == 0)
            {
              if (__builtin_sub_overflow (a, b, &res))
                goto overflow;
            }
          else if (strcmp (op, "*") == 0)
            {
              if (__builtin_mul_overflow (a, b, &res))
                goto overflow;
            }
          else if (strcmp (op, "//") == 0)
            res = a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
          else if (strcmp (op, "%") == 0)
            {
              res = a % b;
              if (res != 0 && ((res < 0) != (b < 0)))
                res += b;
            }
          else  /* ** */
            {
              if (b < 0)
                return val_float (pow ((double) a, (double) b));
              /* by squaring: 1 ** 10**18 must not loop 10**18 times.  A square
               * that overflows while bits of b remain means the result does too
               * (|res| >= 1 unless a == 0, whose square cannot overflow). */
              gint64 base = a;
              res = 1;
              while (b > 0)
                {
                  if ((b & 1) && __builtin_mul_overflow (res, base, &res))
                    goto overflow;
                  b >>= 1;
                  if (b > 0 && __builtin_mul_overflow (base, base, &base))
                    goto overflow;
                }
            }
          return val_int (res);
        }
      else
        {
          double a = l->kind == V_INT ? (double) l->i : l->f;
          double b = r->kind == V_INT ? (double) r->i : r->f;
          double res;
          if (strcmp (op, "+") == 0)
            res = a + b;
          else if (strcmp (op, "-") == 0)
            res = a - b;
          else if (strcmp (op, "*") == 0)
            res = a * b;
          else if (strcmp (op, "/") == 0)
            {
              if (b == 0)
                return FAIL (n, _("division by zero"));
              res = a / b;
            }
          else if (strcmp (op, "//") == 0)
            {
              if (b == 0)
                return FAIL (n, _("division by zero"));
              res = floor (a / b);
            }
          else if (strcmp (op, "%") == 0)
            {
              if (b == 0)
                return FAIL (n, _("division by zero"));
              res = a - floor (a / b) * b;
            }
          else
            res = pow (a, b);
          return val_float (res);
        }
    }
  return FAIL (n, _("unsupported operand types for %s: %s and %s"), op, val_type (l), val_type (r));
overflow:
  return FAIL (n, _("integer overflow in '%s'"), op);
}

static Val *
eval (Interp *in, Env *env, Node *n)
{
  if (++in->n_evals > MAX_EVALS)
    return FAIL (n, _("the model file evaluates more than %d expressions (are loops nested "
                 "too deep?)"), MAX_EVALS);
  switch (n->kind)
    {
    case N_NAME:
      {
        Val *v = env_get (env, n->text);
        if (v == NULL)
          return FAIL (n, _("name '%s' is not defined"), n->text);
        return val_ref (v);
      }
    case N_INT:
      {
        char *end;
        gint64 i = g_ascii_strtoll (n->text, &end, 10);
        if (*end || (i == G_MAXINT64 && strcmp (n->text, "9223372036854775807") != 0))
          return FAIL (n, _("integer %s is too large"), n->text);
        return val_int (i);
      }
    case N_FLOAT:
      return val_float (g_ascii_strtod (n->text, NULL));
    case N_STR:
      return val_named (V_STR, n->text);
    case N_FSTR:
      {
        GString *s = g_string_new (NULL);
        for (guint i = 0; i < n->list->len; i++)
          {
            Node *part = n->list->pdata[i];
            g_autoptr (Val) v = eval (in, env, part);
            if (v == NULL)
              {
                g_string_free (s, TRUE);
                return NULL;
              }
            switch (v->kind)
              {
              case V_STR: g_string_append (s, v->s); break;
              case V_INT: g_string_append_printf (s, "%" G_GINT64_FORMAT, v->i); break;
              case V_BOOL: g_string_append (s, v->i ? "True" : "False"); break;
              case V_FLOAT:
                {
                  g_autofree char *repr = ps_python_float_repr (v->f);   /* f'{x}' is str(x) */
                  g_string_append (s, repr);
                  break;
                }
              case V_NONE: g_string_append (s, "None"); break;
              default:
                g_string_free (s, TRUE);
                return FAIL (part, _("f-string: cannot format a %s here"), val_type (v));
              }
          }
        {
          Val *v = val_new (V_STR);
          v->s = g_string_free (s, FALSE);
          return v;
        }
      }
    case N_NEG:
      {
        g_autoptr (Val) v = eval (in, env, n->a);
        if (v == NULL)
          return NULL;
        if (v->kind == V_INT)
          {
            if (v->i == G_MININT64)
              return FAIL (n, _("integer overflow"));
            return val_int (-v->i);
          }
        if (v->kind == V_FLOAT)
          return val_float (-v->f);
        return FAIL (n, _("bad operand type for unary -: %s"), val_type (v));
      }
    case N_BINOP:
      {
        g_autoptr (Val) l = eval (in, env, n->a);
        g_autoptr (Val) r = NULL;
        if (l == NULL)
          return NULL;
        r = eval (in, env, n->b);
        if (r == NULL)
          return NULL;
        return binop (in, n, l, r);
      }
    case N_TUPLE:
    case N_LIST:
      {
        Val *v = val_new (V_LIST);
        v->items = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
        for (guint i = 0; i < n->list->len; i++)
          {
            Val *e = eval (in, env, n->list->pdata[i]);
            if (e == NULL)
              {
                val_unref (v);
                return NULL;
              }
            g_ptr_array_add (v->items, e);
          }
        return v;
      }
    case N_ATTR:
      {
        g_autoptr (Val) obj = eval (in, env, n->a);
        if (obj == NULL)
          return NULL;
        return ps_mf_eval_attr (in, n, obj);
      }
    case N_INDEX:
      {
        g_autoptr (Val) obj = eval (in, env, n->a);
        g_autoptr (Val) idx = NULL;
        g_autoptr (GError) err = NULL;
        PsModule *child;
        if (obj == NULL)
          return NULL;
        idx = eval (in, env, n->b);
        if (idx == NULL)
          return NULL;
        if (obj->kind == V_LIST && idx->kind == V_INT)
          {
            gint64 len = obj->items->len, i = idx->i < 0 ? idx->i + len : idx->i;
            if (i < 0 || i >= len)
              return FAIL (n, _("list index out of range"));
            return val_ref (obj->items->pdata[i]);
          }
        if (obj->kind != V_MODULE)
          return FAIL (n, _("'%s' object is not subscriptable"), val_type (obj));
        if (idx->kind != V_INT)
          return FAIL (n, _("a Sequential is indexed by an integer, got %s"), val_type (idx));
        child = ps_module_index (obj->module, idx->i, &err);
        if (child == NULL)
          return FAIL (n, "%s", err->message);
        return val_module (ps_module_ref (child));
      }
    case N_CALL:
      {
        g_autoptr (Val) f = eval (in, env, n->a);
        g_autoptr (GPtrArray) pos = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
        g_autoptr (GPtrArray) kwn = g_ptr_array_new ();
        g_autoptr (GPtrArray) kwv = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
        if (f == NULL)
          return NULL;
        for (guint i = 0; i < n->list->len; i++)
          {
            Node *arg = n->list->pdata[i];
            Val *v = eval (in, env, arg->kind == N_KWARG ? arg->a : arg);
            if (v == NULL)
              return NULL;
            if (arg->kind == N_KWARG)
              {
                for (guint k = 0; k < kwn->len; k++)
                  if (strcmp (kwn->pdata[k], arg->text) == 0)
                    {
                      val_unref (v);
                      return FAIL (arg, _("keyword argument repeated: %s"), arg->text);
                    }
                g_ptr_array_add (kwn, arg->text);
                g_ptr_array_add (kwv, v);
              }
            else
              {
                if (kwn->len)
                  {
                    val_unref (v);
                    return FAIL (arg, _("positional argument follows keyword argument"));
                  }
                g_ptr_array_add (pos, v);
              }
          }
        return call_value (in, n, f, pos, kwn, kwv);
      }
    default:
      return FAIL (n, _("unsupported expression"));
    }
}

static gboolean
exec_stmt (Interp *in, Env *env, Node *s)
{
  if (++in->n_statements > MAX_STATEMENTS)
    return ps_mf_fail_at (in->c, s->line, s->col, _("the model file runs more than %d statements "
                    "(are loops nested too deep?)"), MAX_STATEMENTS);
  switch (s->kind)
    {
    case S_PASS:
    case S_PRINT:
      return TRUE;
    case S_DEF:
      {
        Val *f = val_new (V_FUNC);
        f->func = s;
        env_set (env, s->text, f);
        return TRUE;
      }
    case S_RETURN:
      in->ret = s->a ? eval (in, env, s->a) : val_new (V_NONE);
      if (in->ret == NULL)
        return FALSE;
      in->returning = TRUE;
      return TRUE;
    case S_FOR:
      {
        g_autoptr (Val) it = eval (in, env, s->a);
        if (it == NULL)
          return FALSE;
        if (it->kind != V_LIST)
          {
            ps_mf_fail_at (in->c, s->a->line, s->a->col,
                     _("for loops iterate over range(...) or a list, not over a %s"), val_type (it));
            return FALSE;
          }
        for (guint i = 0; i < it->items->len; i++)
          {
            env_set (env, s->text, val_ref (it->items->pdata[i]));
            if (!ps_mf_exec_block (in, env, s->list))
              return FALSE;
            if (in->returning)
              return TRUE;
          }
        return TRUE;
      }
    case S_EXPR:
      {
        g_autoptr (Val) v = eval (in, env, s->a);
        return v != NULL;
      }
    case S_ASSIGN:
      {
        g_autoptr (Val) v = eval (in, env, s->b);
        if (v == NULL)
          return FALSE;
        if (s->a->kind == N_NAME)
          {
            if (strcmp (s->a->text, "True") == 0 || strcmp (s->a->text, "False") == 0
                || strcmp (s->a->text, "None") == 0)
              return ps_mf_fail_at (in->c, s->line, s->col, _("cannot assign to %s"), s->a->text);
            env_set (env, s->a->text, g_steal_pointer (&v));
            return TRUE;
          }
        else
          {
            /* MODREF.weight = MODREF.weight */
            g_autoptr (Val) target = eval (in, env, s->a->a);
            g_autoptr (GError) err = NULL;
            const char *slot = s->a->text;
            if (target == NULL)
              return FALSE;
            if (target->kind != V_MODULE || (strcmp (slot, "weight") != 0 && strcmp (slot, "bias") != 0))
              return ps_mf_fail_at (in->c, s->line, s->col,
                              _("only parameters can be assigned: MODULE.weight = MODULE.weight "
                              "(or .bias)"));
            if (v->kind != V_PARAM)
              return ps_mf_fail_at (in->c, s->b->line, s->b->col,
                              _("a parameter can only be tied to another parameter "
                              "(e.g. net[4].weight = net[2].weight), not to a %s"), val_type (v));
            if (!ps_module_set_param (target->module, slot,
                                      ps_module_get_param_by_name (v->module, v->s), &err))
              return ps_mf_fail_at (in->c, s->line, s->col, "%s", err->message);
            return TRUE;
          }
      }
    default:
      return ps_mf_fail_at (in->c, s->line, s->col, _("unsupported statement"));
    }
}

gboolean
ps_mf_exec_block (Interp *in, Env *env, GPtrArray *body)
{
  for (guint i = 0; i < body->len; i++)
    {
      if (!exec_stmt (in, env, body->pdata[i]))
        return FALSE;
      if (in->returning)
        return TRUE;
    }
  return TRUE;
}
