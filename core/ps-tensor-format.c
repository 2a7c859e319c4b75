/* ps-tensor-format.c — repr() of tensors as PyTorch 1.13 writes it
 *
 * The rules of torch/_tensor_str.py, restated: one formatter for the whole
 * tensor (over the elements shown when summarizing) decides integer mode,
 * scientific mode and the common width; vectors wrap at the line width;
 * higher dimensions nest with blank lines between blocks; suffixes go on
 * the last line while it stays within the line width.
 */
#include "ps-tensor-format.h"
#include "ps-array-private.h"
#include "ps-autograd.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
ps_print_options_init (PsPrintOptions *opts)
{
  opts->precision = 4;
  opts->threshold = 1000;
  opts->edgeitems = 3;
  opts->linewidth = 80;
  opts->sci_mode = -1;
}

gboolean
ps_print_options_set_profile (PsPrintOptions *opts, const char *profile)
{
  if (g_strcmp0 (profile, "default") == 0)
    {
      opts->precision = 4;
      opts->threshold = 1000;
      opts->edgeitems = 3;
      opts->linewidth = 80;
    }
  else if (g_strcmp0 (profile, "short") == 0)
    {
      opts->precision = 2;
      opts->threshold = 1000;
      opts->edgeitems = 2;
      opts->linewidth = 80;
    }
  else if (g_strcmp0 (profile, "full") == 0)
    {
      opts->precision = 4;
      opts->threshold = INFINITY;
      opts->edgeitems = 3;
      opts->linewidth = 80;
    }
  else
    return FALSE;
  return TRUE;
}

typedef struct
{
  const PsPrintOptions *o;
  gboolean floating, boolean, int_mode, sci_mode;
  int      max_width;
  int      ndim;
  int64_t  shape[PS_ARRAY_MAX_DIMS];
  int64_t  strides[PS_ARRAY_MAX_DIMS];      /* contiguous */
  const double  *f;                         /* float and bool values */
  const int64_t *i;                         /* int64 values */
  gboolean summarize;
} Fmt;

/* Python's format of a float with "f" or "e" and a precision: as C's,
 * except that a NaN is never "-nan". */
static char *
py_format (double v, char conv, int precision)
{
  if (isnan (v))
    return g_strdup ("nan");
  if (isinf (v))
    return g_strdup (v > 0 ? "inf" : "-inf");
  return conv == 'e' ? g_strdup_printf ("%.*e", precision, v)
                     : g_strdup_printf ("%.*f", precision, v);
}

/* the elements shown (all of them unless summarizing), row-major */
static void
collect_shown (const Fmt *F, int d, int64_t off, GArray *out)
{
  int64_t n, e = F->o->edgeitems;

  if (d == F->ndim)
    {
      g_array_append_val (out, off);
      return;
    }
  n = F->shape[d];
  for (int64_t k = 0; k < n; k++)
    {
      if (F->summarize && n > 2 * e && k == e)
        k = n - e;
      collect_shown (F, d + 1, off + k * F->strides[d], out);
    }
}

static void
fmt_setup (Fmt *F)
{
  g_autoptr (GArray) shown = g_array_new (FALSE, FALSE, sizeof (int64_t));
  double mn = INFINITY, mx = 0;
  gboolean any = FALSE;
  int p = F->o->precision;

  F->int_mode = TRUE;
  F->sci_mode = FALSE;
  F->max_width = 1;
  collect_shown (F, 0, 0, shown);
  if (!F->floating)
    {
      for (guint k = 0; k < shown->len; k++)
        {
          int64_t at = g_array_index (shown, int64_t, k);
          char buf[32];
          int len = F->boolean ? (F->f[at] != 0 ? 4 : 5)
                               : g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, F->i[at]);
          F->max_width = MAX (F->max_width, len);
        }
      return;
    }
  for (guint k = 0; k < shown->len; k++)
    {
      double v = F->f[g_array_index (shown, int64_t, k)];
      if (!isfinite (v) || v == 0)
        continue;
      any = TRUE;
      mn = MIN (mn, fabs (v));
      mx = MAX (mx, fabs (v));
      if (v != ceil (v))
        F->int_mode = FALSE;
    }
  if (!any)
    return;
  if (F->int_mode)
    F->sci_mode = mx / mn > 1000.0 || mx > 1.0e8;
  else
    F->sci_mode = mx / mn > 1000.0 || mx > 1.0e8 || mn < 1.0e-4;
  for (guint k = 0; k < shown->len; k++)
    {
      double v = F->f[g_array_index (shown, int64_t, k)];
      g_autofree char *s = NULL;
      int extra = 0;
      if (!isfinite (v) || v == 0)
        continue;
      if (F->sci_mode)
        s = py_format (v, 'e', p);
      else if (F->int_mode)
        {
          s = py_format (v, 'f', 0);
          extra = 1;
        }
      else
        s = py_format (v, 'f', p);
      F->max_width = MAX (F->max_width, (int) strlen (s) + extra);
    }
  if (F->o->sci_mode >= 0)
    F->sci_mode = F->o->sci_mode;
}

static void
fmt_value (const Fmt *F, int64_t at, GString *out)
{
  g_autofree char *s = NULL;
  int len;

  if (F->floating)
    {
      double v = F->f[at];
      if (F->sci_mode)
        s = py_format (v, 'e', F->o->precision);
      else if (F->int_mode)
        {
          char *t = py_format (v, 'f', 0);
          s = isfinite (v) ? g_strconcat (t, ".", NULL) : g_strdup (t);
          g_free (t);
        }
      else
        s = py_format (v, 'f', F->o->precision);
    }
  else if (F->boolean)
    s = g_strdup (F->f[at] != 0 ? "True" : "False");
  else
    s = g_strdup_printf ("%" G_GINT64_FORMAT, F->i[at]);
  len = (int) strlen (s);
  for (int k = len; k < F->max_width; k++)
    g_string_append_c (out, ' ');
  g_string_append (out, s);
}

static void
fmt_vector (const Fmt *F, int64_t off, int64_t n, int64_t stride, int indent, GString *out)
{
  int element_length = F->max_width + 2;
  int per_line = MAX (1, (int) floor ((double) (F->o->linewidth - indent) / element_length));
  int64_t e = F->o->edgeitems;
  int col = 0;
  gboolean summ = F->summarize && n > 2 * e;
  int64_t count = summ ? 2 * e + 1 : n;

  g_string_append_c (out, '[');
  for (int64_t j = 0; j < count; j++)
    {
      if (j > 0)
        {
          if (col == per_line)
            {
              g_string_append (out, ",\n");
              for (int k = 0; k < indent + 1; k++)
                g_string_append_c (out, ' ');
              col = 0;
            }
          else
            g_string_append (out, ", ");
        }
      if (summ && j == e)
        g_string_append (out, " ...");
      else
        {
          int64_t k = summ && j > e ? n - (2 * e + 1 - j) : j;
          fmt_value (F, off + k * stride, out);
        }
      col++;
    }
  g_string_append_c (out, ']');
}

static void
fmt_tensor (const Fmt *F, int d, int64_t off, int indent, GString *out)
{
  int dim = F->ndim - d;
  int64_t n = F->shape[d], e = F->o->edgeitems;
  gboolean summ = F->summarize && n > 2 * e;
  int64_t count = summ ? 2 * e + 1 : n;

  if (dim == 1)
    {
      fmt_vector (F, off, n, F->strides[d], indent, out);
      return;
    }
  g_string_append_c (out, '[');
  for (int64_t j = 0; j < count; j++)
    {
      if (j > 0)
        {
          g_string_append_c (out, ',');
          for (int k = 0; k < dim - 1; k++)
            g_string_append_c (out, '\n');
          for (int k = 0; k < indent + 1; k++)
            g_string_append_c (out, ' ');
        }
      if (summ && j == e)
        g_string_append (out, "...");
      else
        {
          int64_t k = summ && j > e ? n - (2 * e + 1 - j) : j;
          fmt_tensor (F, d + 1, off + k * F->strides[d], indent + 1, out);
        }
    }
  g_string_append_c (out, ']');
}

char *
ps_size_repr (int ndim, const int64_t *shape)
{
  g_autofree char *s = ps_shape_to_string (ndim, shape);

  return g_strdup_printf ("torch.Size(%s)", s);
}

/* str(tuple(shape)): "(0, 3)", "(0,)", "()" */
static char *
shape_tuple (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("(");

  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
  if (ndim == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

char *
ps_array_format (PsArray *a, const PsPrintOptions *opts, const char *const *extra_suffixes)
{
  PsPrintOptions defaults;
  g_autoptr (GPtrArray) suffixes = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  const char *prefix = "tensor(";
  int indent = (int) strlen (prefix);
  gboolean default_dtype = a->dtype == PS_DTYPE_F32 || a->dtype == PS_DTYPE_I64
                           || a->dtype == PS_DTYPE_BOOL;
  int64_t last_line_len;

  if (opts == NULL)
    {
      ps_print_options_init (&defaults);
      opts = &defaults;
    }
  if (a->is_param)
    g_string_append (out, "Parameter containing:\n");
  g_string_append (out, prefix);
  {
    gsize body_start = out->len;
    if (a->numel == 0)
      {
        if (a->ndim != 1)
          {
            g_autofree char *t = shape_tuple (a->ndim, a->shape);
            g_ptr_array_add (suffixes, g_strconcat ("size=", t, NULL));
          }
        if (a->dtype != PS_DTYPE_F32)
          g_ptr_array_add (suffixes, g_strconcat ("dtype=", ps_array_dtype_torch_name (a->dtype),
                                                  NULL));
        g_string_append (out, "[]");
      }
    else
      {
        Fmt F = { 0 };
        g_autofree double *f = NULL;
        g_autofree int64_t *iv = NULL;
        g_autoptr (GError) error = NULL;

        if (!default_dtype)
          g_ptr_array_add (suffixes, g_strconcat ("dtype=", ps_array_dtype_torch_name (a->dtype),
                                                  NULL));
        F.o = opts;
        F.floating = a->dtype == PS_DTYPE_F32 || a->dtype == PS_DTYPE_F64;
        F.boolean = a->dtype == PS_DTYPE_BOOL;
        F.ndim = a->ndim;
        memcpy (F.shape, a->shape, sizeof F.shape);
        ps_array_contiguous_strides (a->ndim, a->shape, F.strides);
        F.summarize = (double) a->numel > opts->threshold;
        if (a->dtype == PS_DTYPE_I64)
          {
            iv = g_try_new (int64_t, a->numel);
            if (iv && !ps_array_read_as (a, PS_DTYPE_I64, a->ndim, a->shape, iv, &error))
              g_clear_pointer (&iv, g_free);
            F.i = iv;
          }
        else
          F.f = f = ps_array_to_doubles (a, &error);
        if (F.f == NULL && F.i == NULL)
          g_string_append_printf (out, "<%s>", error ? error->message : "out of memory");
        else
          {
            fmt_setup (&F);
            if (a->ndim == 0)
              fmt_value (&F, 0, out);
            else
              fmt_tensor (&F, 0, 0, indent, out);
          }
      }
    (void) body_start;
  }
  if (ps_array_get_grad_fn_name (a))
    g_ptr_array_add (suffixes, g_strdup_printf ("grad_fn=<%s>", ps_array_get_grad_fn_name (a)));
  else if (ps_array_get_requires_grad (a))
    g_ptr_array_add (suffixes, g_strdup ("requires_grad=True"));
  for (int k = 0; extra_suffixes && extra_suffixes[k]; k++)
    g_ptr_array_add (suffixes, g_strdup (extra_suffixes[k]));

  {
    /* _add_suffixes: measured on "tensor(..." without the Parameter line */
    const char *body = a->is_param ? out->str + strlen ("Parameter containing:\n") : out->str;
    const char *nl = strrchr (body, '\n');
    last_line_len = (int64_t) strlen (body) - (nl ? nl - body : -1) + 1;
  }
  for (guint k = 0; k < suffixes->len; k++)
    {
      const char *s = suffixes->pdata[k];
      int64_t len = (int64_t) strlen (s);
      if (last_line_len + len + 2 > opts->linewidth)
        {
          g_string_append (out, ",\n");
          for (int j = 0; j < indent; j++)
            g_string_append_c (out, ' ');
          g_string_append (out, s);
          last_line_len = indent + len;
        }
      else
        {
          g_string_append (out, ", ");
          g_string_append (out, s);
          last_line_len += len + 2;
        }
    }
  g_string_append_c (out, ')');
  return g_string_free (out, FALSE);
}

char *
ps_array_repr (PsArray *a, const PsPrintOptions *opts)
{
  return ps_array_format (a, opts, NULL);
}
