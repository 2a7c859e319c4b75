/* ps-init.c — initializers */
#include "ps-init.h"
#include "ps-i18n.h"
#include "ps-error.h"

#include <math.h>
#include <string.h>

#define F(n, d)  { n, PS_ARG_FLOAT, d }
#define S(n, d)  { n, PS_ARG_STRING, d }

static const PsInitInfo infos[] = {
  { PS_INIT_DEFAULT, "default", "torch", "PyTorch's Linear default: kaiming_uniform(a=sqrt(5)); bias U(-1/sqrt(in), 1/sqrt(in))", 0, {} },
  { PS_INIT_UNIFORM, "uniform", "torch", "U(a, b)", 2, { F ("a", "0.0"), F ("b", "1.0") } },
  { PS_INIT_NORMAL, "normal", "torch", "N(mean, std^2)", 2, { F ("mean", "0.0"), F ("std", "1.0") } },
  { PS_INIT_CONSTANT, "constant", "torch", "every element = val", 1, { F ("val", NULL) } },
  { PS_INIT_ONES, "ones", "torch", "every element = 1", 0, {} },
  { PS_INIT_ZEROS, "zeros", "torch", "every element = 0", 0, {} },
  { PS_INIT_EYE, "eye", "torch", "identity matrix (2-D only)", 0, {} },
  { PS_INIT_XAVIER_UNIFORM, "xavier_uniform", "torch", "U(-a, a), a = gain*sqrt(6/(fan_in+fan_out))", 1, { F ("gain", "1.0") } },
  { PS_INIT_XAVIER_NORMAL, "xavier_normal", "torch", "N(0, std^2), std = gain*sqrt(2/(fan_in+fan_out))", 1, { F ("gain", "1.0") } },
  { PS_INIT_KAIMING_UNIFORM, "kaiming_uniform", "torch", "U(-b, b), b = gain*sqrt(3/fan)", 3,
    { F ("a", "0"), S ("mode", "'fan_in'"), S ("nonlinearity", "'leaky_relu'") } },
  { PS_INIT_KAIMING_NORMAL, "kaiming_normal", "torch", "N(0, std^2), std = gain/sqrt(fan)", 3,
    { F ("a", "0"), S ("mode", "'fan_in'"), S ("nonlinearity", "'leaky_relu'") } },
  { PS_INIT_TRUNC_NORMAL, "trunc_normal", "torch", "N(mean, std^2) truncated to [a, b] (absolute bounds)", 4,
    { F ("mean", "0.0"), F ("std", "1.0"), F ("a", "-2.0"), F ("b", "2.0") } },
  { PS_INIT_ORTHOGONAL, "orthogonal", "torch", "(semi-)orthogonal matrix times gain, via QR", 1, { F ("gain", "1") } },
  { PS_INIT_SPARSE, "sparse", "torch", "N(0, std^2) with a share `sparsity` of each column zero (2-D only)", 2,
    { F ("sparsity", NULL), F ("std", "0.01") } },
  { PS_INIT_D2L_CUSTOM, "d2l_custom", "lesson", "U(5,10) w.p. 1/4, 0 w.p. 1/2, U(-10,-5) w.p. 1/4 (the lesson's my_init)", 0, {} },
  { PS_INIT_KERAS_GLOROT_UNIFORM, "glorot_uniform", "keras", "U(-l, l), l = sqrt(6/(fan_in+fan_out))", 0, {} },
  { PS_INIT_KERAS_GLOROT_NORMAL, "glorot_normal", "keras", "truncated N, std = sqrt(2/(fan_in+fan_out))", 0, {} },
  { PS_INIT_KERAS_HE_NORMAL, "he_normal", "keras", "truncated N, std = sqrt(2/fan_in)", 0, {} },
  { PS_INIT_KERAS_HE_UNIFORM, "he_uniform", "keras", "U(-l, l), l = sqrt(6/fan_in)", 0, {} },
  { PS_INIT_KERAS_LECUN_NORMAL, "lecun_normal", "keras", "truncated N, std = sqrt(1/fan_in)", 0, {} },
  { PS_INIT_KERAS_LECUN_UNIFORM, "lecun_uniform", "keras", "U(-l, l), l = sqrt(3/fan_in)", 0, {} },
  { PS_INIT_KERAS_RANDOM_NORMAL, "random_normal", "keras", "N(mean, stddev^2)", 2, { F ("mean", "0.0"), F ("stddev", "0.05") } },
  { PS_INIT_KERAS_RANDOM_UNIFORM, "random_uniform", "keras", "U(minval, maxval)", 2, { F ("minval", "-0.05"), F ("maxval", "0.05") } },
  { PS_INIT_KERAS_TRUNCATED_NORMAL, "truncated_normal", "keras", "N(mean, stddev^2) redrawn beyond 2 stddev", 2,
    { F ("mean", "0.0"), F ("stddev", "0.05") } },
};

#undef F
#undef S

/* Keras: std of a unit normal truncated to [-2, 2] is 0.87962566103423978 */
#define KERAS_TRUNC_STD 0.87962566103423978

const PsInitInfo *
ps_init_get_infos (guint *n)
{
  *n = G_N_ELEMENTS (infos);
  return infos;
}

const PsInitInfo *
ps_init_find_info (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    if (strcmp (infos[i].name, name) == 0)
      return &infos[i];
  return NULL;
}

static int
arg_index (const PsInitInfo *info, const char *name)
{
  for (guint i = 0; i < info->n_args; i++)
    if (strcmp (info->args[i].name, name) == 0)
      return (int) i;
  return -1;
}

static gboolean
parse_value (const PsInitInfo *info, guint idx, const char *text, double *num, char **str,
             GError **error)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  size_t len = strlen (t);

  if (info->args[idx].type == PS_ARG_STRING)
    {
      /* a plain Python string literal: no quote or backslash inside */
      if (len >= 2 && (t[0] == '\'' || t[0] == '"') && t[len - 1] == t[0]
          && strcspn (t + 1, "'\"\\") == len - 2)
        {
          g_free (*str);
          *str = g_strndup (t + 1, len - 2);
          return TRUE;
        }
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "%s: argument %s takes a quoted string, e.g. %s=%s; got \"%s\"",
                   info->name, info->args[idx].name, info->args[idx].name,
                   info->args[idx].default_text, t);
      return FALSE;
    }
  else
    {
      char *end = NULL;
      double v;
      if (strcmp (t, "True") == 0)
        v = 1;
      else if (strcmp (t, "False") == 0)
        v = 0;
      else if (g_str_has_prefix (t, "math.sqrt(") && t[len - 1] == ')')
        {
          g_autofree char *inner = g_strndup (t + 10, len - 11);
          v = g_ascii_strtod (inner, &end);
          if (end == inner || *g_strchug (end) != '\0' || v < 0)
            goto bad;
          v = sqrt (v);
          end = NULL;
        }
      else
        {
          v = g_ascii_strtod (t, &end);
          if (end == t || *end != '\0')
            goto bad;
        }
      if (!isfinite (v))
        goto bad;
      *num = v;
      return TRUE;
    }
bad:
  g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
               "%s: argument %s takes a finite number, got \"%s\"",
               info->name, info->args[idx].name, t);
  return FALSE;
}

PsInitScheme *
ps_init_scheme_new (PsInitKind kind)
{
  PsInitScheme *s = g_new0 (PsInitScheme, 1);

  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    if (infos[i].kind == kind)
      s->info = &infos[i];
  g_assert (s->info);
  for (guint i = 0; i < s->info->n_args; i++)
    {
      s->num[i] = NAN;
      if (s->info->args[i].default_text)
        parse_value (s->info, i, s->info->args[i].default_text, &s->num[i], &s->str[i], NULL);
    }
  return s;
}

void
ps_init_scheme_free (PsInitScheme *s)
{
  if (s == NULL)
    return;
  for (guint i = 0; i < PS_INIT_MAX_ARGS; i++)
    g_free (s->str[i]);
  g_free (s);
}

gboolean
ps_init_scheme_set_arg (PsInitScheme *s, const char *name, const char *value, GError **error)
{
  int i = arg_index (s->info, name);

  if (i < 0)
    {
      GString *names = g_string_new (NULL);
      for (guint k = 0; k < s->info->n_args; k++)
        g_string_append_printf (names, "%s%s", k ? ", " : "", s->info->args[k].name);
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "%s() has no argument '%s' (it takes: %s)",
                   s->info->name, name, s->info->n_args ? names->str : "no arguments");
      g_string_free (names, TRUE);
      return FALSE;
    }
  return parse_value (s->info, (guint) i, value, &s->num[i], &s->str[i], error);
}

static void
known_schemes (GString *out)
{
  for (guint i = 0; i < G_N_ELEMENTS (infos); i++)
    g_string_append_printf (out, "%s%s", i ? ", " : "", infos[i].name);
}

/* Split "a, 'b, c', d=1" at top-level commas. */
static GPtrArray *
split_args (const char *s)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  int depth = 0;
  char quote = 0;
  const char *start = s;

  for (const char *p = s;; p++)
    {
      if (quote)
        {
          if (*p == quote)
            quote = 0;
          else if (*p == '\0')
            break;
          continue;
        }
      if (*p == '\'' || *p == '"')
        quote = *p;
      else if (*p == '(')
        depth++;
      else if (*p == ')')
        depth--;
      else if ((*p == ',' && depth == 0) || *p == '\0')
        {
          g_autofree char *piece = g_strndup (start, p - start);
          g_strstrip (piece);
          if (*piece || *p == ',')
            g_ptr_array_add (out, g_steal_pointer (&piece));
          if (*p == '\0')
            break;
          start = p + 1;
        }
    }
  return out;
}

static gboolean
is_identifier (const char *s)
{
  if (!g_ascii_isalpha (*s) && *s != '_')
    return FALSE;
  for (; *s; s++)
    if (!g_ascii_isalnum (*s) && *s != '_')
      return FALSE;
  return TRUE;
}

PsInitScheme *
ps_init_scheme_parse (const char *text, GError **error)
{
  g_autofree char *t = g_strstrip (g_strdup (text));
  g_autoptr (PsInitScheme) s = NULL;
  g_autoptr (GPtrArray) args = NULL;
  char *open, *name;
  size_t len;
  gboolean seen[PS_INIT_MAX_ARGS] = { FALSE };
  gboolean keyword_seen = FALSE;
  const PsInitInfo *info;

  name = t;
  if (g_str_has_prefix (name, "torch.nn.init."))
    name += 14;
  else if (g_str_has_prefix (name, "nn.init."))
    name += 8;
  else if (g_str_has_prefix (name, "init."))
    name += 5;
  g_strstrip (name);
  open = strchr (name, '(');
  len = strlen (name);
  if (open == NULL && is_identifier (name))
    {
      /* a bare name is the scheme with its defaults: "normal" as "normal()" */
      char *bare = g_strconcat (name, "()", NULL);
      PsInitScheme *r = ps_init_scheme_parse (bare, error);
      g_free (bare);
      return r;
    }
  if (open == NULL || len == 0 || name[len - 1] != ')')
    {
      GString *k = g_string_new (NULL);
      known_schemes (k);
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   "\"%s\" is not a scheme: write NAME(ARGS), e.g. normal(mean=0, std=0.01); "
                   "known schemes: %s", text, k->str);
      g_string_free (k, TRUE);
      return NULL;
    }
  *open = '\0';
  name[len - 1] = '\0';
  g_strstrip (name);
  if (g_str_has_suffix (name, "_"))
    name[strlen (name) - 1] = '\0';
  info = ps_init_find_info (name);
  if (info == NULL)
    {
      GString *k = g_string_new (NULL);
      known_schemes (k);
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE, _("unknown initializer '%s'; known: %s"),
                   name, k->str);
      g_string_free (k, TRUE);
      return NULL;
    }
  s = ps_init_scheme_new (info->kind);
  args = split_args (open + 1);
  for (guint i = 0; i < args->len; i++)
    {
      char *a = args->pdata[i], *eq = NULL;
      int idx;

      /* keyword if '=' appears before any quote */
      for (char *p = a; *p && *p != '\'' && *p != '"'; p++)
        if (*p == '=')
          {
            eq = p;
            break;
          }
      if (*a == '\0')
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, _("%s(): empty argument"), name);
          return NULL;
        }
      if (eq)
        {
          *eq = '\0';
          g_strstrip (a);
          idx = arg_index (info, a);
          keyword_seen = TRUE;
          if (idx < 0)
            {
              ps_init_scheme_set_arg (s, a, eq + 1, error);   /* reports the known names */
              return NULL;
            }
          a = eq + 1;
        }
      else
        {
          if (keyword_seen)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                           "%s(): positional argument after keyword argument", name);
              return NULL;
            }
          if (i >= info->n_args)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                           "%s() takes %u argument%s but %u were given", name, info->n_args,
                           info->n_args == 1 ? "" : "s", args->len);
              return NULL;
            }
          idx = (int) i;
        }
      if (seen[idx])
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, _("%s(): argument %s given twice"), name,
                       info->args[idx].name);
          return NULL;
        }
      seen[idx] = TRUE;
      if (!parse_value (info, (guint) idx, a, &s->num[idx], &s->str[idx], error))
        return NULL;
    }
  for (guint i = 0; i < info->n_args; i++)
    if (!seen[i] && info->args[i].default_text == NULL)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_PARSE, _("%s() needs the argument %s"), name,
                     info->args[i].name);
        return NULL;
      }
  return g_steal_pointer (&s);
}

char *
ps_init_scheme_to_string (const PsInitScheme *s)
{
  GString *out = g_string_new (s->info->name);

  g_string_append_c (out, '(');
  for (guint i = 0; i < s->info->n_args; i++)
    {
      if (i)
        g_string_append (out, ", ");
      if (s->info->args[i].type == PS_ARG_STRING)
        g_string_append_printf (out, "%s='%s'", s->info->args[i].name, s->str[i]);
      else
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_string_append_printf (out, "%s=%s", s->info->args[i].name,
                                  g_ascii_formatd (buf, sizeof buf, "%.10g", s->num[i]));
        }
    }
  g_string_append_c (out, ')');
  return g_string_free (out, FALSE);
}

gboolean
ps_init_calculate_gain (const char *nl, double param, double *gain, GError **error)
{
  static const char *one[] = { "linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                               "conv_transpose2d", "conv_transpose3d", "sigmoid" };
  for (guint i = 0; i < G_N_ELEMENTS (one); i++)
    if (strcmp (nl, one[i]) == 0)
      {
        *gain = 1;
        return TRUE;
      }
  if (strcmp (nl, "tanh") == 0)
    *gain = 5.0 / 3;
  else if (strcmp (nl, "relu") == 0)
    *gain = sqrt (2.0);
  else if (strcmp (nl, "leaky_relu") == 0)
    {
      double slope = isnan (param) ? 0.01 : param;
      *gain = sqrt (2.0 / (1 + pow (slope, 2)));
    }
  else if (strcmp (nl, "selu") == 0)
    *gain = 3.0 / 4;
  else
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "unsupported nonlinearity '%s' (known: linear, conv1d, conv2d, conv3d, "
                   "conv_transpose1d/2d/3d, sigmoid, tanh, relu, leaky_relu, selu)", nl);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_init_compute_fans (const PsTensor *t, int64_t *fan_in, int64_t *fan_out, GError **error)
{
  int64_t rf = 1;

  if (t->ndim < 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Fan in and fan out can not be computed for tensor with fewer than 2 "
                   "dimensions (this one has %d)", t->ndim);
      return FALSE;
    }
  for (int i = 2; i < t->ndim; i++)
    rf *= t->shape[i];
  *fan_in = t->shape[1] * rf;
  *fan_out = t->shape[0] * rf;
  return TRUE;
}

/* Keras' _compute_fans: also defined for 0-D and 1-D tensors. */
static void
keras_fans (const PsTensor *t, double *fan_in, double *fan_out)
{
  if (t->ndim == 0)
    *fan_in = *fan_out = 1;
  else if (t->ndim == 1)
    *fan_in = *fan_out = (double) t->shape[0];
  else
    {
      int64_t a, b;
      ps_init_compute_fans (t, &a, &b, NULL);
      *fan_in = (double) a;
      *fan_out = (double) b;
    }
}

double
ps_erfinv (double x)
{
  double w, p, y;

  if (x <= -1)
    return x == -1 ? -INFINITY : NAN;
  if (x >= 1)
    return x == 1 ? INFINITY : NAN;
  /* Giles' single-precision approximation as a start, then Newton steps */
  w = -log ((1.0 - x) * (1.0 + x));
  if (w < 5.0)
    {
      w -= 2.5;
      p = 2.81022636e-08;
      p = 3.43273939e-07 + p * w;
      p = -3.5233877e-06 + p * w;
      p = -4.39150654e-06 + p * w;
      p = 0.00021858087 + p * w;
      p = -0.00125372503 + p * w;
      p = -0.00417768164 + p * w;
      p = 0.246640727 + p * w;
      p = 1.50140941 + p * w;
    }
  else
    {
      w = sqrt (w) - 3.0;
      p = -0.000200214257;
      p = 0.000100950558 + p * w;
      p = 0.00134934322 + p * w;
      p = -0.00367342844 + p * w;
      p = 0.00573950773 + p * w;
      p = -0.0076224613 + p * w;
      p = 0.00943887047 + p * w;
      p = 1.00167406 + p * w;
      p = 2.83297682 + p * w;
    }
  y = p * x;
  for (int i = 0; i < 3; i++)
    {
      double err = erf (y) - x;
      y -= err / (2.0 / sqrt (G_PI) * exp (-y * y));
    }
  return y;
}

static double
norm_cdf (double x)
{
  return (1.0 + erf (x / sqrt (2.0))) / 2.0;
}

/* torch's calc_erfinv for float32 (a rational first guess, then two Newton
 * steps with erff and expf), with the multiply-adds fused as its CPU kernel
 * has them: the same bits as torch.erfinv on every float tested. */
static float
erfinv_f32 (float y)
{
  static const float a[4] = { 0.886226899f, -1.645349621f, 0.914624893f, -0.140543331f };
  static const float b[4] = { -2.118377725f, 1.442710462f, -0.329097515f, 0.012229801f };
  static const float c[4] = { -1.970840454f, -1.624906493f, 3.429567803f, 1.641345311f };
  static const float d[2] = { 3.543889200f, 1.637067800f };
  const float k = (float) (2.0f / (float) sqrt (G_PI));   /* 2/sqrt(pi) */
  float ya = fabsf (y), x, z, num, dem;

  if (ya > 1.f)
    return NAN;
  if (ya == 1.f)
    return copysignf (INFINITY, y);
  if (ya <= 0.7f)
    {
      z = y * y;
      num = fmaf (fmaf (fmaf (a[3], z, a[2]), z, a[1]), z, a[0]);
      dem = fmaf (fmaf (fmaf (fmaf (b[3], z, b[2]), z, b[1]), z, b[0]), z, 1.f);
      x = y * num / dem;
    }
  else
    {
      z = sqrtf (-logf ((1.f - ya) / 2.f));
      num = fmaf (fmaf (fmaf (c[3], z, c[2]), z, c[1]), z, c[0]);
      dem = fmaf (fmaf (d[1], z, d[0]), z, 1.f);
      x = copysignf (num, y) / dem;
    }
  x = x - (erff (x) - y) / (k * expf (-x * x));
  x = x - (erff (x) - y) / (k * expf (-x * x));
  return x;
}

/* nn.init.trunc_normal_: uniform_(2l-1, 2u-1), erfinv_(), mul_(std*sqrt(2)),
 * add_(mean), clamp_(a, b), each a float32 operation as in PyTorch. */
static void
fill_trunc_normal (PsRng *rng, float *x, int64_t n, double mean, double std, double a, double b)
{
  double l = norm_cdf ((a - mean) / std), u = norm_cdf ((b - mean) / std);
  float scale = (float) (std * sqrt (2.0)), m = (float) mean, lo = (float) a, hi = (float) b;

  ps_rng_fill_uniform (rng, x, n, 2 * l - 1, 2 * u - 1);
  for (int64_t i = 0; i < n; i++)
    {
      float v = erfinv_f32 (x[i]) * scale + m;
      /* clamp as torch: NaN stays NaN */
      v = v < lo ? lo : v;
      x[i] = v > hi ? hi : v;
    }
}

/* Keras/TF truncated normal: redraw any sample beyond 2 stddev */
static void
fill_keras_truncated (PsRng *rng, float *x, int64_t n, double mean, double std)
{
  for (int64_t i = 0; i < n; i++)
    {
      double z;
      do
        z = ps_rng_normal (rng);
      while (fabs (z) > 2.0);
      x[i] = (float) (mean + std * z);
    }
}

/* Householder QR of a (m x n, m >= n, row-major, double); q (m x n) gets the
 * thin Q and rdiag the diagonal of R. */
static void
qr_thin (double *a, int64_t m, int64_t n, double *q, double *rdiag)
{
  double *v = g_new (double, m);

  /* keep the reflectors in the lower part of a */
  double *betas = g_new0 (double, n);
  for (int64_t k = 0; k < n; k++)
    {
      double norm = 0, alpha;
      for (int64_t i = k; i < m; i++)
        norm += a[i * n + k] * a[i * n + k];
      norm = sqrt (norm);
      alpha = a[k * n + k] > 0 ? -norm : norm;
      rdiag[k] = alpha;
      if (norm == 0)
        {
          betas[k] = 0;
          continue;
        }
      a[k * n + k] -= alpha;
      {
        double vnorm2 = 0;
        for (int64_t i = k; i < m; i++)
          vnorm2 += a[i * n + k] * a[i * n + k];
        betas[k] = vnorm2 > 0 ? 2.0 / vnorm2 : 0;
      }
      for (int64_t j = k + 1; j < n; j++)
        {
          double dot = 0;
          for (int64_t i = k; i < m; i++)
            dot += a[i * n + k] * a[i * n + j];
          dot *= betas[k];
          for (int64_t i = k; i < m; i++)
            a[i * n + j] -= dot * a[i * n + k];
        }
    }
  /* Q = H_0 ... H_{n-1} applied to the first n columns of I */
  for (int64_t i = 0; i < m; i++)
    for (int64_t j = 0; j < n; j++)
      q[i * n + j] = i == j ? 1 : 0;
  for (int64_t k = n; k-- > 0;)
    {
      if (betas[k] == 0)
        continue;
      for (int64_t i = k; i < m; i++)
        v[i] = a[i * n + k];
      for (int64_t j = 0; j < n; j++)
        {
          double dot = 0;
          for (int64_t i = k; i < m; i++)
            dot += v[i] * q[i * n + j];
          dot *= betas[k];
          for (int64_t i = k; i < m; i++)
            q[i * n + j] -= dot * v[i];
        }
    }
  g_free (betas);
  g_free (v);
}

static gboolean
fill_orthogonal (PsRng *rng, PsTensor *t, double gain, GError **error)
{
  int64_t rows, cols, m, n;
  double *a, *q, *rd;
  g_autofree float *flat = NULL;

  if (t->ndim < 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Only tensors with 2 or more dimensions are supported by orthogonal");
      return FALSE;
    }
  if (t->numel == 0)
    return TRUE;
  rows = t->shape[0];
  cols = t->numel / rows;
  flat = g_new (float, rows * cols);
  ps_rng_fill_normal (rng, flat, rows * cols, 0, 1);
  m = MAX (rows, cols);
  n = MIN (rows, cols);
  a = g_new (double, m * n);
  q = g_new (double, m * n);
  rd = g_new (double, n);
  /* a = flattened (rows x cols), transposed when rows < cols */
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++)
      {
        if (rows >= cols)
          a[i * n + j] = flat[i * cols + j];
        else
          a[j * n + i] = flat[i * cols + j];
      }
  qr_thin (a, m, n, q, rd);
  for (int64_t j = 0; j < n; j++)
    {
      double sgn = rd[j] > 0 ? 1 : rd[j] < 0 ? -1 : 0;
      for (int64_t i = 0; i < m; i++)
        q[i * n + j] *= sgn;
    }
  for (int64_t i = 0; i < rows; i++)
    for (int64_t j = 0; j < cols; j++)
      t->data[i * cols + j] = (float) (gain * (rows >= cols ? q[i * n + j] : q[j * n + i]));
  g_free (a);
  g_free (q);
  g_free (rd);
  return TRUE;
}

static gboolean
need_2d (const PsInitScheme *s, const PsTensor *t, GError **error)
{
  if (t->ndim != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "%s only supports 2-D tensors (this one has %d dimensions)", s->info->name,
                   t->ndim);
      return FALSE;
    }
  return TRUE;
}

static gboolean
kaiming_std (const PsInitScheme *s, const PsTensor *t, double *std, GError **error)
{
  int64_t fin, fout, fan;
  double gain;
  const char *mode = s->str[1], *nl = s->str[2];

  /* PyTorch lower-cases the mode first (_calculate_correct_fan) */
  if (g_ascii_strcasecmp (mode, "fan_in") != 0 && g_ascii_strcasecmp (mode, "fan_out") != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "Mode %s not supported, please use one of fan_in, fan_out", mode);
      return FALSE;
    }
  if (!ps_init_compute_fans (t, &fin, &fout, error)
      || !ps_init_calculate_gain (nl, s->num[0], &gain, error))
    return FALSE;
  fan = g_ascii_strcasecmp (mode, "fan_in") == 0 ? fin : fout;
  *std = gain / sqrt ((double) fan);
  return TRUE;
}

gboolean
ps_init_tensor (const PsInitScheme *s, PsTensor *t, int64_t owner_fan_in, PsRng *rng,
                GError **error)
{
  float *x = t->data;
  int64_t n = t->numel;
  const double *a = s->num;
  int64_t fin, fout;
  double std, bound, kin, kout;

  switch (s->info->kind)
    {
    case PS_INIT_UNIFORM:
      ps_rng_fill_uniform (rng, x, n, a[0], a[1]);
      break;
    case PS_INIT_NORMAL:
      ps_rng_fill_normal (rng, x, n, a[0], a[1]);
      break;
    case PS_INIT_CONSTANT:
      ps_tensor_fill (t, (float) a[0]);
      break;
    case PS_INIT_ONES:
      ps_tensor_fill (t, 1.f);
      break;
    case PS_INIT_ZEROS:
      ps_tensor_fill (t, 0.f);
      break;
    case PS_INIT_EYE:
      if (!need_2d (s, t, error))
        return FALSE;
      ps_tensor_fill (t, 0.f);
      for (int64_t i = 0; i < MIN (t->shape[0], t->shape[1]); i++)
        x[i * t->shape[1] + i] = 1.f;
      break;
    case PS_INIT_XAVIER_UNIFORM:
    case PS_INIT_XAVIER_NORMAL:
      if (!ps_init_compute_fans (t, &fin, &fout, error))
        return FALSE;
      std = a[0] * sqrt (2.0 / (double) (fin + fout));
      if (s->info->kind == PS_INIT_XAVIER_UNIFORM)
        {
          bound = sqrt (3.0) * std;
          ps_rng_fill_uniform (rng, x, n, -bound, bound);
        }
      else
        ps_rng_fill_normal (rng, x, n, 0, std);
      break;
    case PS_INIT_KAIMING_UNIFORM:
    case PS_INIT_KAIMING_NORMAL:
      if (n == 0)
        break;   /* PyTorch warns and does nothing */
      if (!kaiming_std (s, t, &std, error))
        return FALSE;
      if (s->info->kind == PS_INIT_KAIMING_UNIFORM)
        {
          bound = sqrt (3.0) * std;
          ps_rng_fill_uniform (rng, x, n, -bound, bound);
        }
      else
        ps_rng_fill_normal (rng, x, n, 0, std);
      break;
    case PS_INIT_TRUNC_NORMAL:
      if (!(a[1] > 0) || !(a[2] < a[3]))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                       _("trunc_normal needs std > 0 and a < b (got std=%g, a=%g, b=%g)"),
                       a[1], a[2], a[3]);
          return FALSE;
        }
      fill_trunc_normal (rng, x, n, a[0], a[1], a[2], a[3]);
      break;
    case PS_INIT_ORTHOGONAL:
      return fill_orthogonal (rng, t, a[0], error);
    case PS_INIT_SPARSE:
      {
        int64_t rows, cols, nz;
        int64_t *perm;
        if (!need_2d (s, t, error))
          return FALSE;
        if (!(a[0] >= 0 && a[0] <= 1))
          {
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                         _("sparse: sparsity must be between 0 and 1, got %g"), a[0]);
            return FALSE;
          }
        rows = t->shape[0];
        cols = t->shape[1];
        nz = (int64_t) ceil (a[0] * (double) rows);
        ps_rng_fill_normal (rng, x, n, 0, a[1]);
        perm = g_new (int64_t, MAX (rows, 1));
        for (int64_t c = 0; c < cols; c++)
          {
            for (int64_t i = 0; i < rows; i++)
              perm[i] = i;
            for (int64_t i = rows - 1; i > 0; i--)   /* Fisher–Yates */
              {
                int64_t j = (int64_t) (ps_rng_u64 (rng) % (uint64_t) (i + 1));
                int64_t tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
              }
            for (int64_t k = 0; k < MIN (nz, rows); k++)
              x[perm[k] * cols + c] = 0.f;
          }
        g_free (perm);
      }
      break;
    case PS_INIT_DEFAULT:
      if (t->ndim >= 2)
        {
          if (n == 0)
            break;
          ps_init_compute_fans (t, &fin, &fout, NULL);
          std = sqrt (2.0 / (1 + pow (sqrt (5.0), 2))) / sqrt ((double) fin);
          bound = sqrt (3.0) * std;
        }
      else
        {
          if (owner_fan_in < 0)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                           _("default() of a bias needs the fan-in of its layer"));
              return FALSE;
            }
          bound = owner_fan_in > 0 ? 1 / sqrt ((double) owner_fan_in) : 0;
        }
      ps_rng_fill_uniform (rng, x, n, -bound, bound);
      break;
    case PS_INIT_D2L_CUSTOM:
      /* the lesson's my_init: uniform_(-10, 10), then w *= w.abs() >= 5 */
      ps_rng_fill_uniform (rng, x, n, -10, 10);
      for (int64_t i = 0; i < n; i++)
        x[i] *= fabsf (x[i]) >= 5.f ? 1.f : 0.f;
      break;
    case PS_INIT_KERAS_GLOROT_UNIFORM:
    case PS_INIT_KERAS_GLOROT_NORMAL:
    case PS_INIT_KERAS_HE_NORMAL:
    case PS_INIT_KERAS_HE_UNIFORM:
    case PS_INIT_KERAS_LECUN_NORMAL:
    case PS_INIT_KERAS_LECUN_UNIFORM:
      {
        /* VarianceScaling(scale, mode, distribution) */
        double scale = 1, fan;
        gboolean uniform;
        PsInitKind k = s->info->kind;
        keras_fans (t, &kin, &kout);
        if (k == PS_INIT_KERAS_GLOROT_UNIFORM || k == PS_INIT_KERAS_GLOROT_NORMAL)
          fan = (kin + kout) / 2;
        else
          fan = kin;
        if (k == PS_INIT_KERAS_HE_NORMAL || k == PS_INIT_KERAS_HE_UNIFORM)
          scale = 2;
        uniform = k == PS_INIT_KERAS_GLOROT_UNIFORM || k == PS_INIT_KERAS_HE_UNIFORM
                  || k == PS_INIT_KERAS_LECUN_UNIFORM;
        if (uniform)
          {
            bound = sqrt (3.0 * scale / MAX (1.0, fan));
            ps_rng_fill_uniform (rng, x, n, -bound, bound);
          }
        else
          fill_keras_truncated (rng, x, n, 0, sqrt (scale / MAX (1.0, fan)) / KERAS_TRUNC_STD);
      }
      break;
    case PS_INIT_KERAS_RANDOM_NORMAL:
      ps_rng_fill_normal (rng, x, n, a[0], a[1]);
      break;
    case PS_INIT_KERAS_RANDOM_UNIFORM:
      ps_rng_fill_uniform (rng, x, n, a[0], a[1]);
      break;
    case PS_INIT_KERAS_TRUNCATED_NORMAL:
      fill_keras_truncated (rng, x, n, a[0], a[1]);
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

gboolean
ps_init_apply (const PsInitScheme *s, PsParam *param, int64_t owner_fan_in, PsRng *rng,
               GError **error)
{
  PsTensor *t = ps_param_get_data (param);

  if (t == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   _("cannot initialize an uninitialized (lazy) parameter: run a forward pass "
                     "or load weights first"));
      return FALSE;
    }
  if (!ps_init_tensor (s, t, owner_fan_in, rng, error))
    return FALSE;
  ps_param_changed (param, PS_CHANGE_DATA);
  return TRUE;
}

int
ps_init_apply_pattern (PsModule *model, const char *pattern, const PsInitScheme *s,
                       PsRng *rng, GError **error)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (model);
  g_autoptr (GHashTable) done = g_hash_table_new (NULL, NULL);
  g_autoptr (GPatternSpec) spec = g_pattern_spec_new (pattern);
  g_autoptr (GPtrArray) params = g_ptr_array_new ();
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);

  /* initialize copies first: if one parameter refuses the scheme, none changes */
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      int64_t fan_in;
      PsTensor *copy;
      if (!g_pattern_spec_match_string (spec, np->name) || g_hash_table_contains (done, np->param))
        continue;
      g_hash_table_add (done, np->param);
      if (ps_param_get_data (np->param) == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                       _("%s: cannot initialize an uninitialized (lazy) parameter: run a forward "
                         "pass or load weights first"), np->name);
          return -1;
        }
      fan_in = ps_module_get_kind (np->owner) == PS_MODULE_LINEAR
               ? ps_module_get_in_features (np->owner) : -1;
      copy = ps_tensor_copy (ps_param_get_data (np->param));
      g_ptr_array_add (values, copy);
      g_ptr_array_add (params, np->param);
      if (!ps_init_tensor (s, copy, fan_in, rng, error))
        {
          g_prefix_error (error, "%s: ", np->name);
          return -1;
        }
    }
  for (guint i = 0; i < params->len; i++)
    ps_param_restore (params->pdata[i], values->pdata[i], ps_param_get_grad (params->pdata[i]));
  return (int) params->len;
}

gboolean
ps_init_expected (const PsInitScheme *s, const PsTensor *t, int64_t owner_fan_in,
                  double *lo, double *hi, double *mean, double *std)
{
  int64_t fin = 0, fout = 0;
  double b, sd, kin, kout;
  const double *a = s->num;

  *lo = -INFINITY;
  *hi = INFINITY;
  *mean = NAN;
  *std = NAN;
  switch (s->info->kind)
    {
    case PS_INIT_UNIFORM:
    case PS_INIT_KERAS_RANDOM_UNIFORM:
      *lo = a[0];
      *hi = a[1];
      *mean = (a[0] + a[1]) / 2;
      *std = (a[1] - a[0]) / sqrt (12.0);
      return TRUE;
    case PS_INIT_NORMAL:
    case PS_INIT_KERAS_RANDOM_NORMAL:
      *mean = a[0];
      *std = a[1];
      return TRUE;
    case PS_INIT_CONSTANT:
    case PS_INIT_ONES:
    case PS_INIT_ZEROS:
      *lo = *hi = *mean = s->info->kind == PS_INIT_CONSTANT ? a[0]
                          : s->info->kind == PS_INIT_ONES ? 1 : 0;
      *std = 0;
      return TRUE;
    case PS_INIT_XAVIER_UNIFORM:
    case PS_INIT_XAVIER_NORMAL:
      if (!ps_init_compute_fans (t, &fin, &fout, NULL))
        return FALSE;
      sd = a[0] * sqrt (2.0 / (double) (fin + fout));
      *mean = 0;
      *std = sd;
      if (s->info->kind == PS_INIT_XAVIER_UNIFORM)
        *lo = -(*hi = sqrt (3.0) * sd);
      return TRUE;
    case PS_INIT_KAIMING_UNIFORM:
    case PS_INIT_KAIMING_NORMAL:
      if (!kaiming_std (s, t, &sd, NULL))
        return FALSE;
      *mean = 0;
      *std = sd;
      if (s->info->kind == PS_INIT_KAIMING_UNIFORM)
        *lo = -(*hi = sqrt (3.0) * sd);
      return TRUE;
    case PS_INIT_TRUNC_NORMAL:
      {
        /* moments of a truncated normal */
        double al = (a[2] - a[0]) / a[1], be = (a[3] - a[0]) / a[1];
        double Z = norm_cdf (be) - norm_cdf (al);
        double pa = exp (-al * al / 2) / sqrt (2 * G_PI), pb = exp (-be * be / 2) / sqrt (2 * G_PI);
        *lo = a[2];
        *hi = a[3];
        *mean = a[0] + a[1] * (pa - pb) / Z;
        *std = a[1] * sqrt (1 + (al * pa - be * pb) / Z - pow ((pa - pb) / Z, 2));
        return TRUE;
      }
    case PS_INIT_DEFAULT:
      if (t->ndim >= 2)
        {
          ps_init_compute_fans (t, &fin, &fout, NULL);
          b = fin > 0 ? 1 / sqrt ((double) fin) : 0;   /* sqrt(3) * sqrt(1/3) / sqrt(fin) */
        }
      else
        b = owner_fan_in > 0 ? 1 / sqrt ((double) owner_fan_in) : 0;
      *lo = -b;
      *hi = b;
      *mean = 0;
      *std = 2 * b / sqrt (12.0);
      return TRUE;
    case PS_INIT_D2L_CUSTOM:
      *lo = -10;
      *hi = 10;
      *mean = 0;
      /* E[x^2] = 1/2 * E[U(5,10)^2] = 1/2 * (1000 - 125) / 15 */
      *std = sqrt (0.5 * (1000.0 - 125.0) / 15.0);
      return TRUE;
    case PS_INIT_KERAS_GLOROT_UNIFORM:
    case PS_INIT_KERAS_HE_UNIFORM:
    case PS_INIT_KERAS_LECUN_UNIFORM:
      keras_fans (t, &kin, &kout);
      b = sqrt ((s->info->kind == PS_INIT_KERAS_HE_UNIFORM ? 6.0 : 3.0)
                / MAX (1.0, s->info->kind == PS_INIT_KERAS_GLOROT_UNIFORM ? (kin + kout) / 2 : kin));
      *lo = -b;
      *hi = b;
      *mean = 0;
      *std = b / sqrt (3.0);
      return TRUE;
    case PS_INIT_KERAS_GLOROT_NORMAL:
    case PS_INIT_KERAS_HE_NORMAL:
    case PS_INIT_KERAS_LECUN_NORMAL:
      keras_fans (t, &kin, &kout);
      sd = sqrt ((s->info->kind == PS_INIT_KERAS_HE_NORMAL ? 2.0 : 1.0)
                 / MAX (1.0, s->info->kind == PS_INIT_KERAS_GLOROT_NORMAL ? (kin + kout) / 2 : kin));
      *lo = -2 * sd / KERAS_TRUNC_STD;
      *hi = 2 * sd / KERAS_TRUNC_STD;
      *mean = 0;
      *std = sd;
      return TRUE;
    case PS_INIT_KERAS_TRUNCATED_NORMAL:
      *lo = a[0] - 2 * a[1];
      *hi = a[0] + 2 * a[1];
      *mean = a[0];
      *std = a[1] * KERAS_TRUNC_STD;
      return TRUE;
    case PS_INIT_EYE:
    case PS_INIT_ORTHOGONAL:
    case PS_INIT_SPARSE:
    default:
      return FALSE;
    }
}
