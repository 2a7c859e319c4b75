/* ps-live-param.h — a matrix source's live parameter: what PsParamSource and
 * PsTileSource share
 *
 * Both show a PsParam's values or gradient and follow it.  A PsLiveParam,
 * embedded in the source, holds the parameter and its listener: the
 * parameter's changes (edits, initialization, backward, optimizer steps, from
 * any thread) become the source's "changed" on the thread that called
 * ps_live_param_init.  It also says in one place what is shown, why nothing
 * is, the colour range cached by version, the value and gradient of an
 * element, and writes an element.
 *
 *   ps_live_param_init (&self->live, PS_MATRIX_SOURCE (self), param, show_grad);
 *   ...
 *   ps_live_param_clear (&self->live);            (in dispose)
 */
#pragma once

#include "ps-matrix-source.h"

G_BEGIN_DECLS

typedef struct
{
  PsParam  *param;              /* ref; NULL before init and after clear */
  gboolean  show_grad;
  guint     listener_id;
  GObject  *source;             /* the source it is embedded in */
  GThread  *owner;              /* the thread "changed" is emitted on */
  /* the colour range of the whole tensor, by version */
  float     range;
  guint64   range_version;
  gboolean  range_valid;
} PsLiveParam;

void        ps_live_param_init        (PsLiveParam *live, PsMatrixSource *source, PsParam *param,
                                       gboolean show_grad);
void        ps_live_param_clear       (PsLiveParam *live);

/* The gradient when it shows the gradient, else the values (NULL: none yet). */
PsTensor   *ps_live_param_shown       (const PsLiveParam *live);
/* "uninitialized — run Forward", "no gradient yet", or NULL when there is
 * something to show. */
const char *ps_live_param_placeholder (const PsLiveParam *live);
/* FALSE with PS_ERROR_UNINITIALIZED or PS_ERROR_VALUE naming title. */
gboolean    ps_live_param_check       (const PsLiveParam *live, const char *title,
                                       GError **error);
/* "title, uninitialized" / "title, no gradient yet", or NULL when there is
 * something to describe. */
char       *ps_live_param_describe_state (const PsLiveParam *live, const char *title);

/* The largest finite |x| of t (ps_heatmap_range), computed again only when
 * version changes.  Usable for any tensor a source shows under its version. */
float       ps_live_param_range       (PsLiveParam *live, const PsTensor *t, guint64 version);

/* Element e's value ("—" before initialization) and gradient ("none yet"),
 * formatted as ps_matrix_format_value does. */
void        ps_live_param_format_element (const PsLiveParam *live, int64_t e, char **value,
                                          char **gradient);
/* Writes the value of element e and tells the parameter's listeners. */
void        ps_live_param_set_element (PsLiveParam *live, int64_t e, float value);

G_END_DECLS
