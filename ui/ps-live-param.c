/* ps-live-param.c — a matrix source's live parameter (see ps-live-param.h) */
#include "ps-live-param.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>

static void
changed_here (GObject *object, PsChange what)
{
  ps_matrix_source_changed (PS_MATRIX_SOURCE (object),
                            PS_MATRIX_CHANGE_VALUES
                            | ((what & PS_CHANGE_SHAPE) ? PS_MATRIX_CHANGE_SHAPE : 0));
}

static void
on_param_changed (PsParam *param, PsChange what, gpointer user_data)
{
  PsLiveParam *live = user_data;

  /* a worker thread may change the parameter: tell the views on theirs */
  ps_ui_dispatch_change (live->source, live->owner, changed_here, what);
}

void
ps_live_param_init (PsLiveParam *live, PsMatrixSource *source, PsParam *param,
                    gboolean show_grad)
{
  g_return_if_fail (live->param == NULL);
  g_return_if_fail (param != NULL);

  live->source = G_OBJECT (source);
  live->owner = g_thread_self ();
  live->param = ps_param_ref (param);
  live->show_grad = !!show_grad;
  live->listener_id = ps_param_add_listener (param, on_param_changed, live, NULL);
}

void
ps_live_param_clear (PsLiveParam *live)
{
  if (live->param == NULL)
    return;
  ps_param_remove_listener (live->param, live->listener_id);
  live->listener_id = 0;
  g_clear_pointer (&live->param, ps_param_unref);
}

PsTensor *
ps_live_param_shown (const PsLiveParam *live)
{
  return live->show_grad ? ps_param_get_grad (live->param) : ps_param_get_data (live->param);
}

const char *
ps_live_param_placeholder (const PsLiveParam *live)
{
  if (!ps_param_is_initialized (live->param))
    return _("uninitialized — run Forward");
  if (ps_live_param_shown (live) == NULL)
    return _("no gradient yet");
  return NULL;
}

gboolean
ps_live_param_check (const PsLiveParam *live, const char *title, GError **error)
{
  if (!ps_param_is_initialized (live->param))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   _("%s is uninitialized: run Forward first"), title);
      return FALSE;
    }
  if (ps_live_param_shown (live) == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s has no gradient yet"), title);
      return FALSE;
    }
  return TRUE;
}

char *
ps_live_param_describe_state (const PsLiveParam *live, const char *title)
{
  if (!ps_param_is_initialized (live->param))
    return g_strdup_printf (_("%s, uninitialized"), title);
  if (ps_live_param_shown (live) == NULL)
    return g_strdup_printf (_("%s, no gradient yet"), title);
  return NULL;
}

float
ps_live_param_range (PsLiveParam *live, const PsTensor *t, guint64 version)
{
  if (!live->range_valid || live->range_version != version)
    {
      live->range = ps_heatmap_range (t->data, t->numel);
      live->range_version = version;
      live->range_valid = TRUE;
    }
  return live->range;
}

void
ps_live_param_format_element (const PsLiveParam *live, int64_t e, char **value, char **gradient)
{
  PsTensor *data = ps_param_get_data (live->param), *grad = ps_param_get_grad (live->param);

  *value = data ? ps_matrix_format_value (data->data[e]) : g_strdup ("\u2014");
  *gradient = grad ? ps_matrix_format_value (grad->data[e]) : g_strdup (_("none yet"));
}

void
ps_live_param_set_element (PsLiveParam *live, int64_t e, float value)
{
  ps_param_get_data (live->param)->data[e] = value;
  ps_param_changed (live->param, PS_CHANGE_DATA);
}
