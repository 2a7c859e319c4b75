/* ps-util.c — small shared helpers */
#include "ps-util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *
ps_python_float_repr (double v)
{
  char digits[40], buf[64];
  int prec, exp10;
  char *e, *mant;
  GString *out;

  if (isnan (v))
    return g_strdup ("nan");
  if (isinf (v))
    return g_strdup (v > 0 ? "inf" : "-inf");
  if (v == 0)
    return g_strdup (signbit (v) ? "-0.0" : "0.0");

  /* shortest %e that round-trips */
  /* g_ascii_*: the same text under every locale (a German one writes 0,25) */
  for (prec = 0; prec < 17; prec++)
    {
      char fmt[8];
      snprintf (fmt, sizeof fmt, "%%.%de", prec);
      g_ascii_formatd (digits, sizeof digits, fmt, v);
      if (g_ascii_strtod (digits, NULL) == v)
        break;
    }
  e = strchr (digits, 'e');
  exp10 = atoi (e + 1);
  *e = '\0';
  /* mantissa digits without sign and point */
  mant = digits + (digits[0] == '-');
  {
    GString *d = g_string_new (NULL);
    for (char *p = mant; *p; p++)
      if (*p != '.')
        g_string_append_c (d, *p);
    g_strlcpy (buf, d->str, sizeof buf);
    g_string_free (d, TRUE);
  }
  out = g_string_new (v < 0 ? "-" : "");
  if (exp10 < -4 || exp10 >= 16)
    {
      g_string_append_c (out, buf[0]);
      if (buf[1])
        g_string_append_printf (out, ".%s", buf + 1);
      g_string_append_printf (out, "e%c%02d", exp10 < 0 ? '-' : '+', abs (exp10));
    }
  else if (exp10 < 0)
    {
      g_string_append (out, "0.");
      for (int i = 0; i < -exp10 - 1; i++)
        g_string_append_c (out, '0');
      g_string_append (out, buf);
    }
  else
    {
      int n = (int) strlen (buf);
      for (int i = 0; i <= exp10; i++)
        g_string_append_c (out, i < n ? buf[i] : '0');
      g_string_append_c (out, '.');
      if (n > exp10 + 1)
        g_string_append (out, buf + exp10 + 1);
      else
        g_string_append_c (out, '0');
    }
  return g_string_free (out, FALSE);
}

gint64
ps_param_budget_bytes (void)
{
  const char *env = g_getenv ("PARAMSCOPE_MAX_PARAM_GIB");
  double gib = 4;

  if (env)
    {
      char *end;
      double v = g_ascii_strtod (env, &end);
      if (end != env && *end == '\0' && v > 0 && v < 1e6)
        gib = v;
    }
  return (gint64) (gib * 1024 * 1024 * 1024);
}
