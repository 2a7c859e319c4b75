/* ps-init.h — initializers: torch.nn.init, PyTorch's default, the lesson's
 * custom distribution and the Keras family
 *
 * A scheme is written as in Python, without the trailing underscore:
 *
 *   g_autoptr (PsInitScheme) s = ps_init_scheme_parse ("normal(mean=0, std=0.01)", &error);
 *   ps_init_apply (s, param, -1, rng, &error);      // nn.init.normal_(param, mean=0, std=0.01)
 *
 * Formulas and defaults are PyTorch's (fans as _calculate_fan_in_and_fan_out:
 * fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field)
 * and Keras' for its names (glorot_uniform, he_normal, ...).
 */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

typedef enum
{
  PS_INIT_UNIFORM, PS_INIT_NORMAL, PS_INIT_CONSTANT, PS_INIT_ONES, PS_INIT_ZEROS, PS_INIT_EYE,
  PS_INIT_XAVIER_UNIFORM, PS_INIT_XAVIER_NORMAL, PS_INIT_KAIMING_UNIFORM, PS_INIT_KAIMING_NORMAL,
  PS_INIT_TRUNC_NORMAL, PS_INIT_ORTHOGONAL, PS_INIT_SPARSE,
  PS_INIT_DEFAULT,          /* Linear.reset_parameters(): kaiming_uniform(a=sqrt(5)); bias U(+-1/sqrt(fan_in)) */
  PS_INIT_D2L_CUSTOM,       /* U(5,10) w.p. 1/4, 0 w.p. 1/2, U(-10,-5) w.p. 1/4 */
  PS_INIT_KERAS_GLOROT_UNIFORM, PS_INIT_KERAS_GLOROT_NORMAL, PS_INIT_KERAS_HE_NORMAL,
  PS_INIT_KERAS_HE_UNIFORM, PS_INIT_KERAS_LECUN_NORMAL, PS_INIT_KERAS_LECUN_UNIFORM,
  PS_INIT_KERAS_RANDOM_NORMAL, PS_INIT_KERAS_RANDOM_UNIFORM, PS_INIT_KERAS_TRUNCATED_NORMAL,
  PS_N_INITS
} PsInitKind;

#define PS_INIT_MAX_ARGS 4

typedef enum { PS_ARG_FLOAT, PS_ARG_STRING } PsArgType;

typedef struct
{
  const char *name;
  PsArgType   type;
  const char *default_text;   /* NULL: required */
} PsInitArgInfo;

typedef struct
{
  PsInitKind    kind;
  const char   *name;          /* "xavier_uniform" */
  const char   *family;        /* "torch", "lesson" or "keras" */
  const char   *summary;       /* one line, English */
  guint         n_args;
  PsInitArgInfo args[PS_INIT_MAX_ARGS];
} PsInitInfo;

/* The table of schemes, in display order. */
const PsInitInfo *ps_init_get_infos (guint *n);
const PsInitInfo *ps_init_find_info (const char *name);

typedef struct
{
  const PsInitInfo *info;
  double num[PS_INIT_MAX_ARGS];
  char  *str[PS_INIT_MAX_ARGS];
} PsInitScheme;

/* "kaiming_uniform(a=0, mode='fan_out', nonlinearity='relu')"; also accepts
 * a trailing underscore, an "nn.init." / "init." prefix, and a bare name
 * for the scheme with its defaults ("normal" as "normal()"). */
PsInitScheme *ps_init_scheme_parse (const char *text, GError **error);
PsInitScheme *ps_init_scheme_new   (PsInitKind kind);       /* all defaults */
void          ps_init_scheme_free  (PsInitScheme *s);
/* Set an argument from text ("0.01", "'relu'"); used by the scheme parser and the UI. */
gboolean      ps_init_scheme_set_arg (PsInitScheme *s, const char *name, const char *value,
                                      GError **error);
char         *ps_init_scheme_to_string (const PsInitScheme *s);

/* torch.nn.init.calculate_gain(nonlinearity, param); param NAN for None. */
gboolean      ps_init_calculate_gain (const char *nonlinearity, double param, double *gain,
                                      GError **error);
/* torch.nn.init._calculate_fan_in_and_fan_out */
gboolean      ps_init_compute_fans   (const PsTensor *t, int64_t *fan_in, int64_t *fan_out,
                                      GError **error);

/* Initialize param.  owner_fan_in: in_features of the owning Linear, needed by
 * default() on a bias (-1 if unknown).  Notifies the parameter's listeners. */
gboolean      ps_init_apply          (const PsInitScheme *s, PsParam *param,
                                      int64_t owner_fan_in, PsRng *rng, GError **error);
/* The same on a bare tensor (no notification). */
gboolean      ps_init_tensor         (const PsInitScheme *s, PsTensor *t, int64_t owner_fan_in,
                                      PsRng *rng, GError **error);

/* Apply s to every state_dict key of model matching the glob pattern ('*' matches
 * any characters, dots included).  A tied parameter is initialized once.  Returns
 * the number of distinct parameters initialized (0 is not an error). */
int           ps_init_apply_pattern  (PsModule *model, const char *pattern, const PsInitScheme *s,
                                      PsRng *rng, GError **error);

/* Where values of the scheme should lie, for tests and the inspector's histogram:
 * lo/hi bounds (±INFINITY when unbounded) and the expected mean and std for a
 * tensor of this shape (NAN when not defined by the scheme alone). */
gboolean      ps_init_expected       (const PsInitScheme *s, const PsTensor *t, int64_t owner_fan_in,
                                      double *lo, double *hi, double *mean, double *std);

/* Inverse error function, double precision (used by trunc_normal). */
double        ps_erfinv (double x);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsInitScheme, ps_init_scheme_free)

G_END_DECLS
