/* ps-numpy-format.c — NumPy's array repr and str (ps-numpy-format.h)
 *
 * The steps follow NumPy's documented printing rules: one format fitted to
 * all the printed values (FloatingFormat / IntegerFormat / BoolFormat), then
 * the nested brackets with wrapping at the line width.  Digits are the
 * shortest that read back to the same float32 (or float64) value.
 */
#include "ps-numpy-format.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PRECISION   8
#define LINEWIDTH   75
#define THRESHOLD   1000
#define EDGEITEMS   3

const char *
ps_numpy_dtype_name (PsNumpyDtype dtype)
{
  switch (dtype)
    {
    case PS_NUMPY_FLOAT32: return "float32";
    case PS_NUMPY_FLOAT64: return "float64";
    case PS_NUMPY_INT32: return "int32";
    case PS_NUMPY_INT64: return "int64";
    case PS_NUMPY_BOOL: default: return "bool";
    }
}

static gboolean
is_float (PsNumpyDtype d)
{
  return d == PS_NUMPY_FLOAT32 || d == PS_NUMPY_FLOAT64;
}

/* The shortest significant digits of |v| that read back to v in its dtype:
 * digits[] (no point) and the decimal exponent of the first digit. */
static void
shortest_digits (double v, gboolean f32, char *digits, int *exp10)
{
  char buf[64];
  v = fabs (v);
  for (int p = 1; p <= 17; p++)
    {
      snprintf (buf, sizeof buf, "%.*e", p - 1, v);
      gboolean same = f32 ? strtof (buf, NULL) == (float) v : strtod (buf, NULL) == v;
      if (same || p == 17)
        break;
    }
  /* buf: d.ddde±xx */
  char *e = strchr (buf, 'e');
  *exp10 = atoi (e + 1);
  int n = 0;
  for (const char *p = buf; p < e; p++)
    if (*p != '.')
      digits[n++] = *p;
  while (n > 1 && digits[n - 1] == '0')
    n--;
  digits[n] = '\0';
}

/* dragon4_positional(unique=True, precision=8, trim='.'): "0.44521675", "42.", "-0." */
static char *
positional (double v, gboolean f32)
{
  char digits[32];
  int e;
  GString *s = g_string_new (signbit (v) ? "-" : "");
  if (v == 0)
    {
      g_string_append (s, "0.");
      return g_string_free (s, FALSE);
    }
  shortest_digits (v, f32, digits, &e);
  int n = (int) strlen (digits);
  int frac = MAX (0, n - 1 - e);
  if (frac > PRECISION)
    {
      /* rounded at 8 places after the point, trailing zeros trimmed */
      char buf[400];
      snprintf (buf, sizeof buf, "%.*f", PRECISION, fabs (v));
      char *end = buf + strlen (buf);
      while (end[-1] == '0')
        *--end = '\0';
      g_string_append (s, buf);
      return g_string_free (s, FALSE);
    }
  if (e < 0)
    {
      g_string_append (s, "0.");
      for (int i = 0; i < -e - 1; i++)
        g_string_append_c (s, '0');
      g_string_append (s, digits);
    }
  else
    {
      for (int i = 0; i <= e; i++)
        g_string_append_c (s, i < n ? digits[i] : '0');
      g_string_append_c (s, '.');
      if (n > e + 1)
        g_string_append (s, digits + e + 1);
    }
  return g_string_free (s, FALSE);
}

/* dragon4_scientific(unique=True, precision=8, trim='.'): mantissa digits
 * after the point (at most 8, maybe none) and the exponent */
static void
scientific_parts (double v, gboolean f32, char *mant, int *exp10)
{
  int n;
  shortest_digits (v, f32, mant, exp10);
  n = (int) strlen (mant);
  if (n - 1 > PRECISION)
    {
      char buf[64];
      snprintf (buf, sizeof buf, "%.*e", PRECISION, fabs (v));
      char *e = strchr (buf, 'e');
      *exp10 = atoi (e + 1);
      n = 0;
      for (const char *p = buf; p < e; p++)
        if (*p != '.')
          mant[n++] = *p;
      while (n > 1 && mant[n - 1] == '0')
        n--;
      mant[n] = '\0';
    }
}

typedef struct
{
  PsNumpyDtype dtype;
  /* floats */
  gboolean exp_format;
  int pad_left, pad_right, precision, exp_size;
  /* integers */
  int width;
  gboolean scalar;
} Fmt;

static void
fit_format (Fmt *f, const double *vals, gsize n)
{
  f->exp_format = FALSE;
  f->pad_left = f->pad_right = 0;
  f->precision = PRECISION;
  f->exp_size = -1;
  f->width = 0;
  if (f->dtype == PS_NUMPY_BOOL)
    return;
  if (!is_float (f->dtype))
    {
      for (gsize i = 0; i < n; i++)
        {
          char buf[32];
          int len = snprintf (buf, sizeof buf, "%lld", (long long) vals[i]);
          f->width = MAX (f->width, len);
        }
      return;
    }
  gboolean f32 = f->dtype == PS_NUMPY_FLOAT32;
  double maxv = 0, minv = INFINITY;
  gsize n_finite = 0;
  gboolean has_nonfinite = FALSE, neginf = FALSE;
  for (gsize i = 0; i < n; i++)
    {
      double v = vals[i];
      if (!isfinite (v))
        {
          has_nonfinite = TRUE;
          if (isinf (v) && v < 0)
            neginf = TRUE;
          continue;
        }
      n_finite++;
      if (v != 0)
        {
          maxv = MAX (maxv, fabs (v));
          minv = MIN (minv, fabs (v));
        }
    }
  if (maxv > 0 && (maxv >= 1e8 || minv < 0.0001 || maxv / minv > 1000.))
    f->exp_format = TRUE;
  if (n_finite == 0)
    ;
  else if (f->exp_format)
    {
      int maxfrac = 0, maxint = 0, maxexp = 0;
      for (gsize i = 0; i < n; i++)
        {
          char mant[32];
          int e;
          double v = vals[i];
          if (!isfinite (v))
            continue;
          if (v == 0)
            mant[0] = '0', mant[1] = '\0', e = 0;
          else
            scientific_parts (v, f32, mant, &e);
          maxfrac = MAX (maxfrac, (int) strlen (mant) - 1);
          maxint = MAX (maxint, signbit (v) ? 2 : 1);
          char eb[16];
          maxexp = MAX (maxexp, snprintf (eb, sizeof eb, "%02d", abs (e)));
        }
      f->precision = maxfrac;
      f->pad_left = maxint;
      f->exp_size = maxexp;
      f->pad_right = f->exp_size + 2 + f->precision;
    }
  else
    {
      for (gsize i = 0; i < n; i++)
        {
          if (!isfinite (vals[i]))
            continue;
          g_autofree char *s = positional (vals[i], f32);
          const char *dot = strchr (s, '.');
          f->pad_left = MAX (f->pad_left, (int) (dot - s));
          f->pad_right = MAX (f->pad_right, (int) strlen (dot + 1));
        }
    }
  if (has_nonfinite)
    {
      int offset = f->pad_right + 1;
      f->pad_left = MAX (f->pad_left, 3 - offset);
      f->pad_left = MAX (f->pad_left, 3 + (neginf ? 1 : 0) - offset);
    }
}

static char *
format_value (const Fmt *f, double v)
{
  if (f->dtype == PS_NUMPY_BOOL)
    return g_strdup (v != 0 ? (f->scalar ? "True" : " True") : "False");
  if (!is_float (f->dtype))
    return g_strdup_printf ("%*lld", f->width, (long long) v);
  gboolean f32 = f->dtype == PS_NUMPY_FLOAT32;
  if (!isfinite (v))
    {
      const char *t = isnan (v) ? "nan" : v < 0 ? "-inf" : "inf";
      int w = f->pad_left + f->pad_right + 1 - (int) strlen (t);
      return g_strdup_printf ("%*s%s", MAX (w, 0), "", t);
    }
  GString *s = g_string_new (NULL);
  if (f->exp_format)
    {
      /* min_digits = precision: digits past the shortest ones are the value's own */
      char mant[64], buf[64];
      int e;
      snprintf (buf, sizeof buf, "%.*e", f->precision, fabs (v));
      char *ep = strchr (buf, 'e');
      e = atoi (ep + 1);
      int nm0 = 0;
      for (const char *q = buf; q < ep; q++)
        if (*q != '.')
          mant[nm0++] = *q;
      mant[nm0] = '\0';
      int lead = signbit (v) ? 2 : 1;
      for (int i = lead; i < f->pad_left; i++)
        g_string_append_c (s, ' ');
      if (signbit (v))
        g_string_append_c (s, '-');
      g_string_append_c (s, mant[0]);
      g_string_append_c (s, '.');
      int nm = (int) strlen (mant) - 1;
      for (int i = 0; i < f->precision; i++)
        g_string_append_c (s, i < nm ? mant[1 + i] : '0');
      g_string_append_printf (s, "e%c%0*d", e < 0 ? '-' : '+', f->exp_size, abs (e));
      return g_string_free (s, FALSE);
    }
  g_autofree char *p = positional (v, f32);
  const char *dot = strchr (p, '.');
  int il = (int) (dot - p), fl = (int) strlen (dot + 1);
  for (int i = il; i < f->pad_left; i++)
    g_string_append_c (s, ' ');
  g_string_append (s, p);
  for (int i = fl; i < f->pad_right; i++)
    g_string_append_c (s, ' ');
  return g_string_free (s, FALSE);
}

/* ---- the nested brackets (NumPy's _formatArray) ---------------------------------------- */

typedef struct
{
  const double *x;
  int ndim;
  const int64_t *shape;
  int64_t strides[32];
  Fmt *fmt;
  const char *sep;
  gboolean summarize;
} Ctx;

static void
extend_line (GString *s, GString *line, const char *word, int width, const char *prefix)
{
  gboolean wrap = (int) (line->len + strlen (word)) > width;
  if ((int) line->len <= (int) strlen (prefix))
    wrap = FALSE;
  if (wrap)
    {
      /* line.rstrip() */
      gsize n = line->len;
      while (n > 0 && line->str[n - 1] == ' ')
        n--;
      g_string_append_len (s, line->str, n);
      g_string_append_c (s, '\n');
      g_string_assign (line, prefix);
    }
  g_string_append (line, word);
}

static char *
recurse (Ctx *c, int axis, int64_t offset, const char *hanging, int width)
{
  if (axis == c->ndim)
    return format_value (c->fmt, c->x[offset]);
  g_autofree char *next_hanging = g_strconcat (hanging, " ", NULL);
  int next_width = width - 1;
  int64_t len = c->shape[axis];
  gboolean summary = c->summarize && 2 * EDGEITEMS < len;
  int64_t leading = summary ? EDGEITEMS : 0, trailing = summary ? EDGEITEMS : len;
  int axes_left = c->ndim - axis;
  GString *s = g_string_new (NULL);
  if (axes_left == 1)
    {
      /* width - max(len(separator.rstrip()), len(']')): both are 1 or less */
      int elem_width = width - 1;
      GString *line = g_string_new (hanging);
      for (int64_t i = 0; i < leading; i++)
        {
          g_autofree char *w = recurse (c, axis + 1, offset + i * c->strides[axis], next_hanging, next_width);
          extend_line (s, line, w, elem_width, hanging);
          g_string_append (line, c->sep);
        }
      if (summary)
        {
          extend_line (s, line, "...", elem_width, hanging);
          g_string_append (line, c->sep);
        }
      for (int64_t i = trailing; i > 1; i--)
        {
          g_autofree char *w = recurse (c, axis + 1, offset + (len - i) * c->strides[axis], next_hanging, next_width);
          extend_line (s, line, w, elem_width, hanging);
          g_string_append (line, c->sep);
        }
      g_autofree char *w = recurse (c, axis + 1, offset + (len - 1) * c->strides[axis], next_hanging, next_width);
      extend_line (s, line, w, elem_width, hanging);
      g_string_append (s, line->str);
      g_string_free (line, TRUE);
    }
  else
    {
      GString *line_sep = g_string_new (strchr (c->sep, ',') ? "," : "");
      for (int i = 0; i < axes_left - 1; i++)
        g_string_append_c (line_sep, '\n');
      for (int64_t i = 0; i < leading; i++)
        {
          g_autofree char *nested = recurse (c, axis + 1, offset + i * c->strides[axis], next_hanging, next_width);
          g_string_append_printf (s, "%s%s%s", hanging, nested, line_sep->str);
        }
      if (summary)
        g_string_append_printf (s, "%s...%s", hanging, line_sep->str);
      for (int64_t i = trailing; i > 1; i--)
        {
          g_autofree char *nested = recurse (c, axis + 1, offset + (len - i) * c->strides[axis], next_hanging, next_width);
          g_string_append_printf (s, "%s%s%s", hanging, nested, line_sep->str);
        }
      g_autofree char *nested = recurse (c, axis + 1, offset + (len - 1) * c->strides[axis], next_hanging, next_width);
      g_string_append_printf (s, "%s%s", hanging, nested);
      g_string_free (line_sep, TRUE);
    }
  /* remove the hanging indent, wrap in [] */
  char *r = g_strdup_printf ("[%s]", s->str + MIN (strlen (hanging), s->len));
  g_string_free (s, TRUE);
  return r;
}

/* the values that are printed (all, or the edge items of each axis) */
static void
collect (const Ctx *c, int axis, int64_t offset, GArray *out)
{
  if (axis == c->ndim)
    {
      g_array_append_val (out, c->x[offset]);
      return;
    }
  int64_t len = c->shape[axis];
  if (c->summarize && 2 * EDGEITEMS < len)
    {
      for (int64_t i = 0; i < EDGEITEMS; i++)
        collect (c, axis + 1, offset + i * c->strides[axis], out);
      for (int64_t i = len - EDGEITEMS; i < len; i++)
        collect (c, axis + 1, offset + i * c->strides[axis], out);
    }
  else
    for (int64_t i = 0; i < len; i++)
      collect (c, axis + 1, offset + i * c->strides[axis], out);
}

static void
append_shape (GString *s, int ndim, const int64_t *shape)
{
  g_string_append_c (s, '(');
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, i ? ", %lld" : "%lld", (long long) shape[i]);
  if (ndim == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
}

char *
ps_numpy_scalar_str (double v, PsNumpyDtype dtype)
{
  if (dtype == PS_NUMPY_BOOL)
    return g_strdup (v != 0 ? "True" : "False");
  if (!is_float (dtype))
    return g_strdup_printf ("%lld", (long long) v);
  if (isnan (v))
    return g_strdup ("nan");
  if (isinf (v))
    return g_strdup (v < 0 ? "-inf" : "inf");
  /* Python's repr rules with the dtype's shortest digits */
  char digits[32];
  int e;
  GString *s = g_string_new (signbit (v) ? "-" : "");
  if (v == 0)
    {
      g_string_append (s, "0.0");
      return g_string_free (s, FALSE);
    }
  shortest_digits (v, dtype == PS_NUMPY_FLOAT32, digits, &e);
  int n = (int) strlen (digits);
  if (e < -4 || e >= 16)
    {
      g_string_append_c (s, digits[0]);
      if (n > 1)
        g_string_append_printf (s, ".%s", digits + 1);
      g_string_append_printf (s, "e%c%02d", e < 0 ? '-' : '+', abs (e));
    }
  else if (e < 0)
    {
      g_string_append (s, "0.");
      for (int i = 0; i < -e - 1; i++)
        g_string_append_c (s, '0');
      g_string_append (s, digits);
    }
  else
    {
      for (int i = 0; i <= e; i++)
        g_string_append_c (s, i < n ? digits[i] : '0');
      g_string_append_c (s, '.');
      g_string_append (s, n > e + 1 ? digits + e + 1 : "0");
    }
  return g_string_free (s, FALSE);
}

char *
ps_numpy_format (const double *x, int ndim, const int64_t *shape, PsNumpyDtype dtype,
                 gboolean repr)
{
  int64_t size = 1;
  g_return_val_if_fail (ndim >= 0 && ndim < 32, NULL);
  for (int i = 0; i < ndim; i++)
    size *= shape[i];
  gboolean skip_dtype = size > 0 && (dtype == PS_NUMPY_FLOAT64 || dtype == PS_NUMPY_INT64 || dtype == PS_NUMPY_BOOL);
  GString *out = g_string_new (NULL);
  Fmt fmt = { .dtype = dtype, .scalar = ndim == 0 };

  if (ndim == 0)
    {
      if (!repr)
        {
          g_string_free (out, TRUE);
          return ps_numpy_scalar_str (x[0], dtype);
        }
      fit_format (&fmt, x, 1);
      g_autofree char *v = format_value (&fmt, x[0]);
      g_string_append_printf (out, "array(%s", v);
    }
  else if (size == 0)
    {
      if (!repr)
        {
          g_string_free (out, TRUE);
          return g_strdup ("[]");
        }
      g_string_append (out, "array([]");
      if (!(ndim == 1))
        {
          g_string_append (out, ", shape=");
          append_shape (out, ndim, shape);
        }
    }
  else
    {
      Ctx c = { x, ndim, shape, { 0 }, &fmt, repr ? ", " : " ", size > THRESHOLD };
      c.strides[ndim - 1] = 1;
      for (int i = ndim - 2; i >= 0; i--)
        c.strides[i] = c.strides[i + 1] * shape[i + 1];
      GArray *vals = g_array_new (FALSE, FALSE, sizeof (double));
      collect (&c, 0, 0, vals);
      fit_format (&fmt, (const double *) vals->data, vals->len);
      g_array_unref (vals);
      const char *prefix = repr ? "       " : " ";     /* " " + len("array(") */
      int width = LINEWIDTH - (repr ? 1 : 0);            /* the suffix "," */
      g_autofree char *body = recurse (&c, 0, 0, prefix, width);
      if (!repr)
        {
          g_string_free (out, TRUE);
          return g_steal_pointer (&body);
        }
      g_string_append_printf (out, "array(%s", body);
    }
  if (skip_dtype)
    {
      g_string_append_c (out, ')');
      return g_string_free (out, FALSE);
    }
  g_string_append_c (out, ',');
  const char *nl = strrchr (out->str, '\n');
  int last = (int) (out->len - (nl ? (gsize) (nl + 1 - out->str) : 0));
  g_autofree char *dt = g_strdup_printf ("dtype=%s)", ps_numpy_dtype_name (dtype));
  if (last + (int) strlen (dt) + 1 > LINEWIDTH)
    g_string_append (out, "\n      ");
  else
    g_string_append_c (out, ' ');
  g_string_append (out, dt);
  return g_string_free (out, FALSE);
}
