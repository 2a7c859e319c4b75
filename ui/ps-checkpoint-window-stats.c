/* ps-checkpoint-window-stats.c — the checkpoint window's statistics: the
 * dtype, shape, mean, std, min and max of the slice or of the whole tensor,
 * computed in a GTask thread that is cancelled when the selection moves on
 *
 * Part of PsCheckpointWindow (ps-checkpoint-window.c); the struct is in
 * ps-checkpoint-window-private.h.
 */
#include "ps-checkpoint-window-private.h"
#include "ps-error.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>

/* slices up to this many elements get their statistics without asking */
#define AUTO_STATS_NUMEL (1 << 22)

static const char *stat_heads[N_STATS] = { N_("dtype"), N_("shape"), N_("mean"), N_("std"),
                                           N_("min"), N_("max") };

static char *
stat_text (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (isnan (v))
    return g_strdup ("\u2014");
  g_ascii_formatd (buf, sizeof buf, "%.4g", v);
  if (buf[0] == '-')
    return g_strconcat ("\u2212", buf + 1, NULL);
  return g_strdup (buf);
}

typedef struct
{
  PsCheckpoint    *ck;
  PsCheckpointView view;
  gboolean         whole;
  guint            serial;
  PsStats          out;
} StatsJob;

static void
stats_job_free (gpointer p)
{
  StatsJob *j = p;
  ps_checkpoint_unref (j->ck);
  g_free (j);
}

static void
stats_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  StatsJob *j = data;
  GError *error = NULL;
  gboolean ok = j->whole
                ? ps_checkpoint_tensor_stats (j->ck, j->view.entry, &j->out, cancellable, &error)
                : ps_checkpoint_view_stats (j->ck, &j->view, &j->out, cancellable, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
ps_checkpoint_window_stats_show (PsCheckpointWindow *win)
{
  const char *values[N_STATS] = { NULL };
  g_autofree char *shape = NULL, *mean = NULL, *std = NULL, *min = NULL, *max = NULL;

  if (win->has_view)
    {
      const PsSafetensorsEntry *e = win->view.entry;
      values[STAT_DTYPE] = e->dtype_name;
      if (win->stats_whole || e->ndim < 3)
        shape = ps_shape_to_string (e->ndim, e->shape);
      else
        shape = g_strdup_printf ("[%'" PRId64 ", %'" PRId64 "]", win->view.rows,
                                 win->view.cols);
      values[STAT_SHAPE] = shape;
    }
  if (win->stats_valid)
    {
      values[STAT_MEAN] = mean = stat_text (win->stats.mean);
      values[STAT_STD] = std = stat_text (win->stats.std);
      values[STAT_MIN] = min = stat_text (win->stats.min);
      values[STAT_MAX] = max = stat_text (win->stats.max);
    }
  for (int i = 0; i < N_STATS; i++)
    {
      const char *text = values[i] ? values[i] : "\u2014";
      g_autofree char *a11y = g_strdup_printf ("%s: %s", _(stat_heads[i]), text);
      gtk_label_set_text (GTK_LABEL (win->stat_values[i]), text);
      set_a11y_label (win->stat_values[i], a11y);
    }
  if (win->stats_valid && (win->stats.n_nan || win->stats.n_posinf || win->stats.n_neginf))
    {
      g_autofree char *note = g_strdup_printf (_("%'" PRId64 " NaN, %'" PRId64
                                                 " +inf, %'" PRId64 " −inf (left out)"),
                                               win->stats.n_nan, win->stats.n_posinf,
                                               win->stats.n_neginf);
      gtk_widget_set_tooltip_text (win->stat_values[STAT_MEAN], note);
    }
  else
    gtk_widget_set_tooltip_text (win->stat_values[STAT_MEAN], NULL);
  gtk_button_set_label (GTK_BUTTON (win->stats_button),
                        win->stats_running ? _("Cancel") : _("Compute"));
  gtk_widget_set_sensitive (win->stats_button, win->has_view);
  gtk_spinner_set_spinning (GTK_SPINNER (win->stats_spinner), win->stats_running);
  gtk_widget_set_visible (win->stats_spinner, win->stats_running);
}

void
ps_checkpoint_window_stats_cancel (PsCheckpointWindow *win)
{
  if (win->stats_cancel != NULL)
    g_cancellable_cancel (win->stats_cancel);
  g_clear_object (&win->stats_cancel);
  win->stats_serial++;
  win->stats_running = FALSE;
}

static void
stats_done (GObject *source, GAsyncResult *result, gpointer data)
{
  PsCheckpointWindow *win = PS_CHECKPOINT_WINDOW (source);
  StatsJob *j = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error) || j->serial != win->stats_serial)
    {
      /* a file truncated while open: reported instead of the values */
      if (error != NULL && error->domain == PS_ERROR && j->serial == win->stats_serial)
        {
          win->stats_running = FALSE;
          g_clear_object (&win->stats_cancel);
          ps_checkpoint_window_stats_show (win);
          gtk_label_set_text (GTK_LABEL (win->readout), error->message);
        }
      return;                         /* cancelled, or for an earlier selection */
    }
  win->stats = j->out;
  win->stats_valid = TRUE;
  win->stats_running = FALSE;
  g_clear_object (&win->stats_cancel);
  ps_checkpoint_window_stats_show (win);
}

void
ps_checkpoint_window_compute_stats (PsCheckpointWindow *win, gboolean whole)
{
  StatsJob *j;
  GTask *task;

  g_return_if_fail (PS_IS_CHECKPOINT_WINDOW (win));

  ps_checkpoint_window_stats_cancel (win);
  win->stats_valid = FALSE;
  win->stats_whole = whole;
  if (!win->has_view)
    {
      ps_checkpoint_window_stats_show (win);
      return;
    }
  j = g_new0 (StatsJob, 1);
  j->ck = ps_checkpoint_ref (win->ck);
  j->view = win->view;
  j->whole = whole;
  j->serial = win->stats_serial;
  win->stats_cancel = g_cancellable_new ();
  win->stats_running = TRUE;
  task = g_task_new (win, win->stats_cancel, stats_done, NULL);
  g_task_set_task_data (task, j, stats_job_free);
  g_task_run_in_thread (task, stats_thread);
  g_object_unref (task);
  ps_checkpoint_window_stats_show (win);
}

gboolean
ps_checkpoint_window_get_stats (PsCheckpointWindow *win, PsStats *out)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_WINDOW (win), FALSE);
  if (win->stats_valid && out)
    *out = win->stats;
  return win->stats_valid;
}

static gboolean
scope_whole (PsCheckpointWindow *win)
{
  return win->has_view && win->view.entry->ndim >= 3
         && gtk_drop_down_get_selected (GTK_DROP_DOWN (win->scope_dd)) == 1;
}

/* The slice (or scope) changed: old figures go; small ones come at once. */
void
ps_checkpoint_window_stats_reset (PsCheckpointWindow *win)
{
  gboolean whole = scope_whole (win);
  int64_t n = !win->has_view ? 0 : whole ? win->view.entry->numel : win->view.rows * win->view.cols;

  ps_checkpoint_window_stats_cancel (win);
  win->stats_valid = FALSE;
  win->stats_whole = whole;
  if (win->has_view && n <= AUTO_STATS_NUMEL)
    ps_checkpoint_window_compute_stats (win, whole);
  else
    ps_checkpoint_window_stats_show (win);
}

static void
on_stats_clicked (GtkButton *button, PsCheckpointWindow *win)
{
  if (win->stats_running)
    {
      ps_checkpoint_window_stats_cancel (win);
      ps_checkpoint_window_stats_show (win);
    }
  else
    ps_checkpoint_window_compute_stats (win, scope_whole (win));
}

static void
on_scope_changed (GtkDropDown *dd, GParamSpec *pspec, PsCheckpointWindow *win)
{
  if (!win->updating)
    ps_checkpoint_window_stats_reset (win);
}

void
ps_checkpoint_window_stats_class_init (GtkWidgetClass *wc)
{
  gtk_widget_class_bind_template_callback (wc, on_scope_changed);
  gtk_widget_class_bind_template_callback (wc, on_stats_clicked);
}
