/* ps-repr-parse.c — build a model from the text print(net) writes
 *
 *   ResNet(
 *     (conv1): Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
 *     (layer1): Sequential(
 *       (0): BasicBlock(
 *       ...
 *     (blocks): ModuleList(
 *       (0-3): 4 x Block(            <- PyTorch 2's collapse of repeated modules
 *       ...
 *   )
 *
 * Any text print() writes is accepted: containers of any class (a user's
 * class, ModuleList, ModuleDict, Sequential with named children), one-line
 * reprs (`LSTM(10, 20, num_layers=2)`), multi-line extra_repr text, nesting
 * of any depth (up to PS_MODULE_MAX_DEPTH).  Each torch.nn layer of the table
 * (ps-layer.h) is rebuilt from its extra_repr with its parameters and
 * buffers; a class the table does not know is kept as a node with its
 * children and no known parameters of its own.  Parameters are meta until
 * an rng asks for PyTorch's default initialization.  Every module prints
 * back its extra_repr as read, so print() gives the same text.
 *
 * The repr cannot express tying, so every module is a fresh one.
 */
#include "ps-model-file.h"
#include "ps-layer.h"
#include "ps-error.h"
#include "ps-util.h"

#include <stdlib.h>
#include <string.h>

/* The kinds the core runs itself: built by ps-module's own constructors. */
static const char *core_kinds[] = {
  "Linear", "LazyLinear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Identity", "Flatten",
};

static gboolean
is_core_kind (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (core_kinds); i++)
    if (strcmp (name, core_kinds[i]) == 0)
      return TRUE;
  return FALSE;
}

/* Length of a class name at s followed by '(' (0 if there is none). */
static size_t
class_name_len (const char *s, const char *end)
{
  const char *p = s;
  if (p >= end || !(g_ascii_isalpha (*p) || *p == '_'))
    return 0;
  while (p < end && (g_ascii_isalnum (*p) || *p == '_'))
    p++;
  return p < end && *p == '(' ? (size_t) (p - s) : 0;
}

static const char *
next_significant (const char *p, const char *end)
{
  while (p < end)
    {
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
      if (p < end && *p == '#')
        {
          while (p < end && *p != '\n')
            p++;
          continue;
        }
      break;
    }
  return p;
}

gboolean
ps_model_text_is_repr (const char *text, gssize len)
{
  const char *p, *end, *eol, *q;
  size_t n;

  if (len < 0)
    len = (gssize) strlen (text);
  end = text + len;
  p = next_significant (text, end);
  n = class_name_len (p, end);
  if (n == 0)
    return FALSE;
  /* "Sequential(", "ResNet(", "LSTM(10, 20)": a class name (capitalized as
   * classes are), or any name whose next line is an indented "(name): " */
  if (g_ascii_isupper (*p))
    return TRUE;
  eol = memchr (p, '\n', (size_t) (end - p));
  if (eol == NULL)
    return FALSE;
  q = eol + 1;
  while (q < end && *q == ' ')
    q++;
  return q > eol + 1 && q < end && *q == '(';
}

typedef struct
{
  const char *file;
  int         line;
  GError    **error;
  double      param_bytes;
} R;

static gboolean G_GNUC_PRINTF (3, 4)
rfail (R *r, int col, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (r->error, PS_ERROR, PS_ERROR_PARSE, "%s:%d:%d: %s", r->file, r->line, col, msg);
  return FALSE;
}

/* Parse "k=v, k=v" into a table; values kept as text. */
static GHashTable *
parse_kv (R *r, const char *args, int col)
{
  GHashTable *kv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) parts = NULL;

  if (*args == '\0')
    return kv;
  parts = g_strsplit (args, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      g_autofree char *k = NULL, *v = NULL;
      if (eq == NULL)
        {
          rfail (r, col, "expected key=value in \"%s\"", args);
          g_hash_table_unref (kv);
          return NULL;
        }
      k = g_strstrip (g_strndup (parts[i], eq - parts[i]));
      v = g_strstrip (g_strdup (eq + 1));
      g_hash_table_replace (kv, g_steal_pointer (&k), g_steal_pointer (&v));
    }
  return kv;
}

static gboolean
kv_int (R *r, GHashTable *kv, const char *key, gboolean required, gint64 deflt, gint64 *out, int col)
{
  const char *v = g_hash_table_lookup (kv, key);
  char *end;
  if (v == NULL)
    {
      if (required)
        return rfail (r, col, "missing %s=", key);
      *out = deflt;
      return TRUE;
    }
  *out = g_ascii_strtoll (v, &end, 10);
  if (end == v || *end != '\0')
    return rfail (r, col, "%s must be an integer, got \"%s\"", key, v);
  g_hash_table_remove (kv, key);
  return TRUE;
}

static gboolean
kv_bool (R *r, GHashTable *kv, const char *key, gboolean deflt, gboolean *out, int col)
{
  const char *v = g_hash_table_lookup (kv, key);
  if (v == NULL)
    {
      *out = deflt;
      return TRUE;
    }
  if (strcmp (v, "True") != 0 && strcmp (v, "False") != 0)
    return rfail (r, col, "%s must be True or False, got \"%s\"", key, v);
  *out = strcmp (v, "True") == 0;
  g_hash_table_remove (kv, key);
  return TRUE;
}

static PsModule *
build_leaf (R *r, const char *kind, const char *args, PsRng *rng, int col)
{
  g_autoptr (GHashTable) kv = parse_kv (r, args, col);
  PsModule *m = NULL;
  gint64 fin, fout, sd, ed;
  gboolean bias, inplace;

  if (kv == NULL)
    return NULL;
  if (strcmp (kind, "Linear") == 0 || strcmp (kind, "LazyLinear") == 0)
    {
      if (!kv_int (r, kv, "in_features", TRUE, 0, &fin, col)
          || !kv_int (r, kv, "out_features", TRUE, 0, &fout, col)
          || !kv_bool (r, kv, "bias", TRUE, &bias, col))
        return NULL;
      if (fin < 0 || fout < 0)
        return rfail (r, col, "features must be >= 0"), NULL;
      if (rng == NULL && strcmp (kind, "LazyLinear") != 0)
        {
          /* only named or printed: shapes without storage, any size */
          m = ps_module_new_linear_meta (fin, fout, bias);
          if (m == NULL)
            return rfail (r, col, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") is too "
                          "large", fin, fout), NULL;
        }
      else if (fin * (double) fout > (double) (G_GINT64_CONSTANT (1) << 31))
        return rfail (r, col, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") is too large",
                      fin, fout), NULL;
      else if (strcmp (kind, "LazyLinear") == 0 || fin == 0)
        m = strcmp (kind, "LazyLinear") == 0 ? ps_module_new_lazy_linear (fout, bias)
                                              : ps_module_new_linear (0, fout, bias, NULL);
      else
        m = ps_module_new_linear (fin, fout, bias, NULL);   /* initialized with the tree */
      if (m == NULL)
        return rfail (r, col, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") is too large "
                      "to allocate", fin, fout), NULL;
    }
  else if (strcmp (kind, "ReLU") == 0)
    {
      if (!kv_bool (r, kv, "inplace", FALSE, &inplace, col))
        return NULL;
      m = ps_module_new (PS_MODULE_RELU);
      ps_module_set_inplace (m, inplace);
    }
  else if (strcmp (kind, "LeakyReLU") == 0)
    {
      const char *s = g_hash_table_lookup (kv, "negative_slope");
      char *end = NULL;
      double slope = 0.01;
      if (!kv_bool (r, kv, "inplace", FALSE, &inplace, col))
        return NULL;
      if (s)
        {
          slope = g_ascii_strtod (s, &end);
          if (end == s || *end != '\0')
            return rfail (r, col, "negative_slope must be a number, got \"%s\"", s), NULL;
        }
      m = ps_module_new_leaky_relu (slope, inplace);
      if (s)
        ps_module_set_slope_text (m, s);
      g_hash_table_remove (kv, "negative_slope");
    }
  else if (strcmp (kind, "GELU") == 0)
    {
      const char *a = g_hash_table_lookup (kv, "approximate");
      m = ps_module_new (PS_MODULE_GELU);
      if (a && strcmp (a, "'tanh'") == 0)
        ps_module_set_gelu_tanh (m, TRUE);
      else if (a && strcmp (a, "'none'") != 0)
        {
          ps_module_unref (m);
          return rfail (r, col, "GELU approximate must be 'none' or 'tanh'"), NULL;
        }
      g_hash_table_remove (kv, "approximate");
    }
  else if (strcmp (kind, "Flatten") == 0)
    {
      if (!kv_int (r, kv, "start_dim", FALSE, 1, &sd, col)
          || !kv_int (r, kv, "end_dim", FALSE, -1, &ed, col))
        return NULL;
      if (sd < -PS_TENSOR_MAX_DIMS || sd >= PS_TENSOR_MAX_DIMS || ed < -PS_TENSOR_MAX_DIMS
          || ed >= PS_TENSOR_MAX_DIMS)
        return rfail (r, col, "Flatten dimensions out of range"), NULL;
      m = ps_module_new_flatten ((int) sd, (int) ed);
    }
  else if (strcmp (kind, "Sigmoid") == 0)
    m = ps_module_new (PS_MODULE_SIGMOID);
  else if (strcmp (kind, "Tanh") == 0)
    m = ps_module_new (PS_MODULE_TANH);
  else if (strcmp (kind, "Identity") == 0)
    m = ps_module_new (PS_MODULE_IDENTITY);

  if (m && g_hash_table_size (kv) > 0)
    {
      GHashTableIter it;
      gpointer k;
      g_hash_table_iter_init (&it, kv);
      g_hash_table_iter_next (&it, &k, NULL);
      rfail (r, col, "%s has no option '%s'", kind, (char *) k);
      ps_module_unref (m);
      return NULL;
    }
  return m;
}


/* ---- the tree ---------------------------------------------------------- */

typedef struct
{
  char     *type;
  int       line, col, indent;
  GString  *extra;          /* extra_repr lines, '\n'-joined; NULL while none */
  GPtrArray *child_names;   /* char* */
  GPtrArray *children;      /* PsModule* */
  GArray    *child_lines;   /* int */
  char     *name;           /* its name in the parent, NULL for the root */
  int       repeat_from, repeat_to;   /* "(0-3): 4 x" (-1: none) */
} Frame;

static void
frame_free (Frame *f)
{
  g_free (f->type);
  g_free (f->name);
  if (f->extra)
    g_string_free (f->extra, TRUE);
  g_ptr_array_unref (f->child_names);
  g_ptr_array_unref (f->children);
  g_array_unref (f->child_lines);
  g_free (f);
}

static Frame *
frame_new (const char *type, size_t type_len, int line, int col, int indent)
{
  Frame *f = g_new0 (Frame, 1);
  f->type = g_strndup (type, type_len);
  f->line = line;
  f->col = col;
  f->indent = indent;
  f->child_names = g_ptr_array_new_with_free_func (g_free);
  f->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  f->child_lines = g_array_new (FALSE, FALSE, sizeof (int));
  f->repeat_from = f->repeat_to = -1;
  return f;
}

/* Modules a repr may make (PyTorch 2's "(0-999): 1000 x" can nest). */
/* An extra_repr line is printed back inside its module's parentheses, so its
 * own brackets and quotes must close, brackets in order of depth. */
static gboolean
brackets_balanced (const char *s)
{
  char open[64];                /* the closers expected, innermost last */
  int depth = 0;
  char quote = 0;

  for (; *s; s++)
    {
      if (quote)
        {
          if (*s == '\\' && s[1])
            s++;
          else if (*s == quote)
            quote = 0;
        }
      else if (*s == '\'' || *s == '"')
        quote = *s;
      else if (*s == '(' || *s == '[' || *s == '{')
        {
          if (depth == (int) sizeof open)
            return FALSE;
          open[depth++] = *s == '(' ? ')' : *s == '[' ? ']' : '}';
        }
      else if (*s == ')' || *s == ']' || *s == '}')
        {
          if (depth == 0 || open[depth - 1] != *s)
            return FALSE;
          depth--;
        }
    }
  return depth == 0 && quote == 0;
}

#ifndef MAX_REPR_MODULES
#define MAX_REPR_MODULES 200000
#endif

typedef struct
{
  R          r;
  PsRng     *rng;
  double     n_modules;
  GString   *errors;        /* messages of modules that could not be built */
  guint      n_errors;
} P;

/* Record an error of one module and go on (all of them are reported at once). */
static void G_GNUC_PRINTF (4, 5)
module_error (P *p, int line, int col, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (p->n_errors++ < 50)
    g_string_append_printf (p->errors, "%s%s:%d:%d: %s", p->errors->len ? "; " : "",
                            p->r.file, line, col, msg);
}

/* The module a closed frame (or a one-line repr) stands for.  Never NULL:
 * a module that cannot be built is recorded as an error and replaced by an
 * empty node so that parsing goes on. */
static PsModule *
build_node (P *p, Frame *f)
{
  const char *type = f->type;
  const char *extra = f->extra ? f->extra->str : "";
  PsLayerClass cls = ps_layer_classify (type);
  PsModule *m = NULL;
  GError *error = NULL;
  gboolean has_children = f->children->len > 0;

  if (strcmp (type, "Sequential") == 0 || is_core_kind (type))
    {
      if (strcmp (type, "Sequential") == 0)
        {
          if (*extra)
            module_error (p, f->line, f->col, "Sequential has no options, got \"%s\"", extra);
          m = ps_module_new_sequential ();
        }
      else if (has_children)
        module_error (p, f->line, f->col, "%s cannot contain modules", type);
      else if (strchr (extra, '\n'))
        module_error (p, f->line, f->col, "%s takes one line of options", type);
      else
        {
          R r = p->r;
          GError *e = NULL;
          r.line = f->line;
          r.error = &e;
          m = build_leaf (&r, type, extra, p->rng, f->col);
          if (m == NULL)
            {
              if (p->n_errors++ < 50)
                g_string_append_printf (p->errors, "%s%s", p->errors->len ? "; " : "",
                                        e->message);
              g_error_free (e);
            }
        }
    }
  else if (strcmp (type, "MultiheadAttention") == 0)
    {
      PsModule *out_proj = NULL;
      for (guint i = 0; i < f->children->len; i++)
        if (strcmp (f->child_names->pdata[i], "out_proj") == 0)
          out_proj = f->children->pdata[i];
      if (out_proj == NULL || f->children->len != 1 || *extra)
        module_error (p, f->line, f->col, "MultiheadAttention: expected one child, "
                      "(out_proj): NonDynamicallyQuantizableLinear(...)");
      else if ((m = ps_layer_new_mha_from_out_proj (out_proj, &error)) == NULL)
        {
          module_error (p, f->line, f->col, "%s", error->message);
          g_clear_error (&error);
        }
      return m ? m : ps_layer_new_node (type, NULL);
    }
  else if (cls == PS_LAYER_PARAMETRIZED)
    {
      g_autoptr (PsLayerArgs) args = NULL;
      if (has_children)
        module_error (p, f->line, f->col, "%s cannot contain modules", type);
      else if (((args = ps_layer_args_parse (extra, &error)) == NULL
                || (m = ps_layer_new (type, args, NULL, &error)) == NULL)
               && ps_layer_is_subclass_guess (type))
        {
          g_clear_error (&error);                  /* not that layer's subclass after all */
          m = ps_layer_new_node (type, extra);
          ps_module_set_params_known (m, FALSE);
        }
      else if (m == NULL)
        {
          module_error (p, f->line, f->col, "%s%s%s%s%s", f->name ? f->name : "",
                        f->name ? ": " : "", args ? "" : type, args ? "" : "(): ",
                        error->message);
          g_clear_error (&error);
        }
      else if (ps_module_get_kind (m) == PS_MODULE_LAYER)
        ps_module_set_extra_repr (m, extra);   /* as read: print() gives it back */
    }
  else
    m = ps_layer_new_node (type, extra);     /* known leaf or container, or unknown */

  if (m == NULL)
    return ps_layer_new_node (type, NULL);
  for (guint i = 0; i < f->children->len; i++)
    {
      if (!ps_module_append (m, f->child_names->pdata[i], ps_module_ref (f->children->pdata[i]),
                             &error))
        {
          module_error (p, g_array_index (f->child_lines, int, i), 1, "%s", error->message);
          g_clear_error (&error);
        }
    }
  return m;
}

/* "(NAME): " at p (NAME without ')'), or "(A-B): N x ".  Returns the text
 * after it, NULL if p is not a child line. */
static const char *
child_prefix (const char *p, char **name, int *from, int *to)
{
  const char *close = strstr (p, "): ");
  const char *q;

  if (*p != '(' || close == NULL)
    return NULL;
  *name = g_strndup (p + 1, close - p - 1);
  *from = *to = -1;
  q = close + 3;
  /* PyTorch 2's ModuleList collapse: "(0-3): 4 x Block(" */
  {
    char *end1, *end2, *end3;
    gint64 a = g_ascii_strtoll (*name, &end1, 10);
    if (end1 != *name && *end1 == '-' && g_ascii_isdigit (end1[1]))
      {
        gint64 b = g_ascii_strtoll (end1 + 1, &end2, 10);
        gint64 n = g_ascii_strtoll (q, &end3, 10);
        if (*end2 == '\0' && end3 != q && strncmp (end3, " x ", 3) == 0 && b >= a
            && n == b - a + 1 && b - a < 100000)
          {
            *from = (int) a;
            *to = (int) b;
            q = end3 + 3;
          }
      }
  }
  return q;
}

/* Attach a finished module to the frame below (or make it the root). */
static gboolean
attach (P *p, GPtrArray *stack, PsModule **root, PsModule *m, const char *name, int from,
        int to, int line)
{
  Frame *parent = stack->len ? stack->pdata[stack->len - 1] : NULL;

  if (parent == NULL)
    {
      *root = m;
      return TRUE;
    }
  if (from >= 0)
    {
      g_autoptr (GPtrArray) mods = ps_module_named_modules (m);
      p->n_modules += (double) mods->len * (to - from);
      if (p->n_modules > MAX_REPR_MODULES)
        {
          rfail (&p->r, 1, "%d x %s makes the model larger than %d modules", to - from + 1,
                 ps_module_get_type_name (m), MAX_REPR_MODULES);
          ps_module_unref (m);
          return FALSE;
        }
      for (int i = from; i <= to; i++)
        {
          g_ptr_array_add (parent->child_names, g_strdup_printf ("%d", i));
          g_ptr_array_add (parent->children, i == from ? ps_module_ref (m) : ps_module_clone (m, NULL));
          g_array_append_val (parent->child_lines, line);
        }
      ps_module_unref (m);
    }
  else
    {
      g_ptr_array_add (parent->child_names, g_strdup (name));
      g_ptr_array_add (parent->children, m);
      g_array_append_val (parent->child_lines, line);
    }
  return TRUE;
}

/* Parentheses depth change over s (strings skipped). */
static int
paren_balance (const char *s)
{
  int d = 0;
  char q = 0;
  for (; *s; s++)
    {
      if (q)
        {
          if (*s == q)
            q = 0;
        }
      else if (*s == '\'' || *s == '"')
        q = *s;
      else if (*s == '(' || *s == '[')
        d++;
      else if (*s == ')' || *s == ']')
        d--;
    }
  return d;
}

PsModule *
ps_model_parse_repr (const char *text, gssize len, const char *filename, PsRng *rng,
                     GError **error)
{
  g_autofree char *copy = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func ((GDestroyNotify) frame_free);
  PsModule *root = NULL;
  P p = { { filename ? filename : "<repr>", 0, error, 0 }, rng, 0, g_string_new (NULL), 0 };
  gboolean done = FALSE;

  if (len < 0)
    len = (gssize) strlen (text);
  if (!ps_model_check_text (text, (gsize) len, p.r.file, error))
    {
      g_string_free (p.errors, TRUE);
      return NULL;
    }
  copy = g_strndup (text, len);
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = lines[i], *s;
      g_autofree char *name = NULL;
      int col, indent, from = -1, to = -1;
      Frame *top = stack->len ? stack->pdata[stack->len - 1] : NULL;
      const char *rest;
      size_t tl;

      p.r.line = (int) i + 1;
      g_strchomp (line);
      s = line;
      while (*s == ' ' || *s == '\t')
        s++;
      indent = (int) (s - line);
      col = indent + 1;
      if (*s == '\0' || (top == NULL && *s == '#'))
        continue;
      if (done)
        {
          rfail (&p.r, col, "text after the end of the model");
          goto fail;
        }
      if (top && strcmp (s, ")") == 0)
        {
          Frame *f = g_ptr_array_steal_index (stack, stack->len - 1);
          PsModule *m = build_node (&p, f);
          if (!attach (&p, stack, &root, m, f->name, f->repeat_from, f->repeat_to, f->line))
            {
              frame_free (f);
              goto fail;
            }
          frame_free (f);
          if (stack->len == 0)
            done = TRUE;
          continue;
        }
      rest = s;
      if (top)
        {
          rest = child_prefix (s, &name, &from, &to);
          if (rest == NULL)
            {
              /* extra_repr lines come before the children */
              if (top->children->len > 0)
                {
                  rfail (&p.r, col, "expected \"(NAME): MODULE\" or \")\"");
                  goto fail;
                }
              if (!brackets_balanced (s))
                {
                  rfail (&p.r, col, "unbalanced brackets or quotes in a line of module options");
                  goto fail;
                }
              if (top->extra == NULL)
                top->extra = g_string_new (NULL);
              else
                g_string_append_c (top->extra, '\n');
              g_string_append (top->extra, line + MIN (indent, top->indent + 2));
              continue;
            }
          if (*name == '\0' || strchr (name, '.') != NULL)
            {
              rfail (&p.r, (int) (rest - line) + 1, "module name \"%s\" is not allowed: it must be non-empty "
                     "and contain no dot", name);
              goto fail;
            }
          col = (int) (rest - line) + 1;
        }
      tl = class_name_len (rest, rest + strlen (rest));
      if (tl == 0)
        {
          if (top && strcmp (rest, "None") == 0)
            continue;                              /* a child slot set to None */
          rfail (&p.r, col, "expected a module (\"ClassName(...)\"), got \"%s\"", rest);
          goto fail;
        }
      if (rest[strlen (rest) - 1] == '(' && paren_balance (rest) == 1)
        {
          Frame *f;
          if (stack->len >= PS_MODULE_MAX_DEPTH)
            {
              rfail (&p.r, col, "modules are nested more than %d deep", PS_MODULE_MAX_DEPTH);
              goto fail;
            }
          f = frame_new (rest, tl, p.r.line, col, indent);
          f->name = g_steal_pointer (&name);
          f->repeat_from = from;
          f->repeat_to = to;
          g_ptr_array_add (stack, f);
          continue;
        }
      if (rest[strlen (rest) - 1] != ')' || paren_balance (rest) != 0)
        {
          rfail (&p.r, col, "expected ')' at the end of the line");
          goto fail;
        }
      {
        Frame *f = frame_new (rest, tl, p.r.line, col, indent);
        const char *a = rest + tl + 1;
        f->name = g_strdup (name);
        f->extra = g_string_new_len (a, (gssize) strlen (a) - 1);
        gboolean ok = attach (&p, stack, &root, build_node (&p, f), name, from, to, p.r.line);
        frame_free (f);
        if (!ok)
          goto fail;
        if (stack->len == 0)
          done = TRUE;
      }
    }
  if (!done)
    {
      Frame *f = stack->len ? stack->pdata[stack->len - 1] : NULL;
      if (f)
        rfail (&p.r, 1, "unexpected end of text: %s( at line %d is not closed", f->type, f->line);
      else
        rfail (&p.r, 1, "no module in the text");
      goto fail;
    }
  if (p.n_errors > 0)
    {
      if (p.n_errors > 50)
        g_string_append_printf (p.errors, "; and %u more", p.n_errors - 50);
      g_set_error_literal (error, PS_ERROR, PS_ERROR_PARSE, p.errors->str);
      goto fail;
    }
  if (rng)
    {
      double bytes = ps_layer_tree_bytes (root);
      if (bytes > (double) ps_param_budget_bytes ())
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "%s: the model's parameters would "
                       "need %.1f GiB, above the limit of %.1f GiB (set PARAMSCOPE_MAX_PARAM_GIB "
                       "to change it)", p.r.file, bytes / (1 << 30),
                       (double) ps_param_budget_bytes () / (1 << 30));
          goto fail;
        }
      ps_layer_init_tree (root, rng);
    }
  g_string_free (p.errors, TRUE);
  return root;

fail:
  g_string_free (p.errors, TRUE);
  ps_module_unref (root);
  return NULL;
}
