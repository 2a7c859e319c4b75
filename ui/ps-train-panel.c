/* ps-train-panel.c — live training: controls, the run's life, snapshots, diffs */
#include "ps-train-panel.h"
#include "ps-charts.h"
#include "ps-file-chooser.h"
#include "ps-heatmap-view.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <sys/resource.h>
#include <string.h>

#define MAX_SNAPSHOTS 64

struct _PsTrainPanel
{
  GtkWidget   parent_instance;

  PsDocument *doc;
  PsTrainer  *trainer;
  gboolean    dirty;            /* settings changed: the next run is a new trainer */
  guint       tick_id;
  guint64     run_first_step;   /* the step the current run (undo entry) started after */
  guint64     n_syncs;
  gint64      sync_wall;        /* when the view last took a snapshot */
  gint64      sync_cpu, sync_proc_cpu;  /* CPU used then by the view's threads, by the process */
  gboolean    frame_requested;  /* asked the worker for a frame, not taken yet */
  gint64      request_time;     /* when */
  gint64      fetch_us;         /* how long the last frame took to come (the worker ends its step) */
  gint64      rate_time;        /* steps/s: the last measurement */
  guint64     rate_step;
  double      rate;

  /* file data */
  PsTensor   *file_x, *file_t;
  char       *file_name;

  /* controls */
  GtkWidget  *data_dd, *samples_spin, *seed_spin, *file_button;
  GtkWidget  *loss_dd, *optim_dd, *lr_spin, *momentum_spin, *wd_spin, *momentum_row;
  GtkWidget  *beta1_spin, *beta2_spin, *eps_entry, *beta1_row, *beta2_row, *eps_row;   /* Adam */
  GtkWidget  *snap_every_spin, *speed_dd;
  guint       run_no;           /* runs so far (a new trainer is a new run) */
  GtkWidget  *run_button, *step_button, *reset_button;
  GtkWidget  *status_label;
  GtkWidget  *live_label;        /* the running step, loss and rate: redrawn each frame */

  /* charts, placed by the window */
  GtkWidget  *loss_chart, *grad_chart, *dist_chart, *log_check, *dist_grad_check;
  GtkWidget  *loss_page, *dist_page;

  /* snapshots and the difference */
  GPtrArray  *snapshots;        /* PsSnapshot* */
  guint       n_taken;
  GtkStringList *snap_names;    /* "current" + labels */
  GtkWidget  *a_dd, *b_dd, *diff_view, *diff_page, *diff_label;
  PsParam    *diff_param;       /* holds A − B of the selection */
  gboolean    diff_stale;       /* to compute when the page is shown */
  PsParam    *selected;         /* ref, nullable */
  char       *selected_name;    /* named_parameters name of the selection */
};

G_DEFINE_FINAL_TYPE (PsTrainPanel, ps_train_panel, GTK_TYPE_WIDGET)

enum { SIG_STATUS, SIG_SYNCED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void refresh_difference (PsTrainPanel *p);
static void compute_difference (PsTrainPanel *p);
static void finish_run (PsTrainPanel *p);

static void
status (PsTrainPanel *p, gboolean is_error, const char *text)
{
  /* an error is said next to the buttons too, where the user is looking */
  if (is_error)
    {
      gtk_label_set_text (GTK_LABEL (p->status_label), text);
      gtk_widget_set_visible (p->status_label, TRUE);
      gtk_widget_set_visible (p->live_label, FALSE);
    }
  g_signal_emit (p, signals[SIG_STATUS], 0, text, is_error);
}

/* ---- settings -------------------------------------------------------------- */

static PsLossKind
selected_loss (PsTrainPanel *p)
{
  static const PsLossKind k[] = { PS_LOSS_MSE, PS_LOSS_CROSS_ENTROPY, PS_LOSS_SUM };
  return k[MIN (gtk_drop_down_get_selected (GTK_DROP_DOWN (p->loss_dd)), 2)];
}

/* eps as typed: a positive number, read as the heatmap's cells read a
 * typed value (torch.optim.Adam's eps; the update uses it as a float) */
static gboolean
read_eps (PsTrainPanel *p, double *eps, GError **error)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (p->eps_entry));
  float v;

  if (!ps_heatmap_view_parse_value (text, &v) || v <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("eps: “%s” is not a positive number"), text);
      return FALSE;
    }
  *eps = v;
  return TRUE;
}

static gboolean
read_config (PsTrainPanel *p, PsTrainConfig *c, GError **error)
{
  gboolean adam = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->optim_dd)) == 1;

  ps_train_config_init (c, selected_loss (p), adam ? PS_OPTIM_ADAM : PS_OPTIM_SGD,
                        gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->lr_spin)));
  c->optim.momentum = adam ? 0 : gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->momentum_spin));
  c->optim.weight_decay = gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->wd_spin));
  if (adam)
    {
      c->optim.beta1 = gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->beta1_spin));
      c->optim.beta2 = gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->beta2_spin));
      if (!read_eps (p, &c->optim.eps, error))
        return FALSE;
    }
  c->seed = (guint64) gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->seed_spin));
  c->snapshot_every = (guint64) gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->snap_every_spin));
  return TRUE;
}

/* What can be changed now: nothing while running; momentum only for SGD,
 * betas and eps only for Adam; the sample count only for generated data. */
static void
update_sensitivity (PsTrainPanel *p)
{
  gboolean running = ps_train_panel_is_running (p);
  gboolean adam = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->optim_dd)) == 1;
  gboolean file = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->data_dd)) == 3;

  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (p)); w; w = gtk_widget_get_next_sibling (w))
    if (gtk_widget_has_css_class (w, "ps-train-setting"))
      gtk_widget_set_sensitive (w, !running);
  if (!running)
    {
      gtk_widget_set_sensitive (p->momentum_row, !adam);
      gtk_widget_set_sensitive (p->beta1_row, adam);
      gtk_widget_set_sensitive (p->beta2_row, adam);
      gtk_widget_set_sensitive (p->eps_row, adam);
      gtk_widget_set_sensitive (p->samples_spin, !file);
    }
  gtk_widget_set_visible (p->file_button, file);
}

static void
on_setting_changed (PsTrainPanel *p)
{
  update_sensitivity (p);
  p->dirty = TRUE;
}

void
ps_train_panel_configure (PsTrainPanel *p, PsDataKind data, int64_t samples, PsLossKind loss,
                          const PsOptimConfig *optim)
{
  static const guint loss_row[] = { [PS_LOSS_MSE] = 0, [PS_LOSS_CROSS_ENTROPY] = 1, [PS_LOSS_SUM] = 2 };

  gtk_drop_down_set_selected (GTK_DROP_DOWN (p->data_dd), (guint) data);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (p->samples_spin), (double) samples);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (p->loss_dd), loss_row[loss]);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (p->optim_dd), optim->kind == PS_OPTIM_ADAM);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (p->lr_spin), optim->lr);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (p->momentum_spin), optim->momentum);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (p->wd_spin), optim->weight_decay);
  if (optim->kind == PS_OPTIM_ADAM)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (p->beta1_spin), optim->beta1);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (p->beta2_spin), optim->beta2);
      gtk_editable_set_text (GTK_EDITABLE (p->eps_entry), g_ascii_formatd (buf, sizeof buf, "%g", optim->eps));
    }
  on_setting_changed (p);
}

/* ---- the trainer's life ----------------------------------------------------- */

static const double speeds[] = { 0, 1000, 100, 10, 1 };      /* steps/s, 0: flat out */

static void
apply_speed (PsTrainPanel *p)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->speed_dd));
  if (p->trainer)
    ps_trainer_set_max_rate (p->trainer, speeds[MIN (i, G_N_ELEMENTS (speeds) - 1)]);
}

static void
set_charts_log (PsTrainPanel *p, PsTrainLog *log)
{
  ps_loss_chart_set_log (PS_LOSS_CHART (p->loss_chart), log);
  ps_grad_flow_chart_set_log (PS_GRAD_FLOW_CHART (p->grad_chart), log);
  ps_dist_chart_set_log (PS_DIST_CHART (p->dist_chart), log);
}

/* The run just ended stays drawn faintly, to compare the next one with. */
static void
keep_curve_as_previous (PsTrainPanel *p)
{
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  ps_train_log_copy_loss (ps_trainer_get_log (p->trainer), pts);
  if (pts->len)
    ps_loss_chart_set_previous (PS_LOSS_CHART (p->loss_chart), pts);
}

static void
drop_trainer (PsTrainPanel *p, gboolean keep_curve)
{
  if (p->trainer == NULL)
    return;
  if (keep_curve)
    keep_curve_as_previous (p);
  set_charts_log (p, NULL);
  g_clear_pointer (&p->trainer, ps_trainer_free);
}

static gboolean
make_data (PsTrainPanel *p, PsLossKind loss, PsTensor **x, PsTensor **t, GError **error)
{
  guint kind = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->data_dd));

  if (kind == 3)
    {
      if (p->file_x == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                       _("Choose a safetensors file holding the tensors “input” and “target” first"));
          return FALSE;
        }
      *x = ps_tensor_ref (p->file_x);
      *t = p->file_t && loss != PS_LOSS_SUM ? ps_tensor_ref (p->file_t) : NULL;
      return TRUE;
    }
  return ps_data_generate ((PsDataKind) kind, ps_document_get_model (p->doc),
                           (int64_t) gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->samples_spin)),
                           (guint64) gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->seed_spin)),
                           loss, x, t, error);
}

static gboolean
ensure_trainer (PsTrainPanel *p, GError **error)
{
  PsTrainConfig c;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  PsTrainer *trainer;

  if (p->trainer && !p->dirty)
    return TRUE;
  if (!read_config (p, &c, error) || !make_data (p, c.loss, &x, &t, error))
    return FALSE;
  trainer = ps_trainer_new (ps_document_get_model (p->doc), x, t, &c, error);
  if (trainer == NULL)
    return FALSE;
  drop_trainer (p, TRUE);
  p->trainer = trainer;
  p->dirty = FALSE;
  p->run_no++;
  apply_speed (p);
  set_charts_log (p, ps_trainer_get_log (trainer));
  return TRUE;
}

static void
update_buttons (PsTrainPanel *p)
{
  gboolean running = ps_train_panel_is_running (p);

  gtk_button_set_label (GTK_BUTTON (p->run_button), running ? _("_Pause") : _("_Run"));
  gtk_widget_set_tooltip_text (p->run_button, running ? _("Pause training (Ctrl+T)") : _("Train until paused (Ctrl+T)"));
  gtk_widget_set_sensitive (p->step_button, !running);
  gtk_widget_set_sensitive (p->reset_button, p->trainer != NULL);
  update_sensitivity (p);
}

static void
show_status (PsTrainPanel *p, const char *text)
{
  if (g_strcmp0 (gtk_label_get_text (GTK_LABEL (p->status_label)), text) != 0)
    gtk_label_set_text (GTK_LABEL (p->status_label), text);
  gtk_widget_set_visible (p->status_label, TRUE);
  gtk_widget_set_visible (p->live_label, FALSE);
}

static void
update_status_label (PsTrainPanel *p)
{
  g_autofree char *text = NULL;

  if (p->trainer == NULL || p->dirty)
    {
      show_status (p, p->trainer ? _("Run starts a new run from the current weights")
                                 : _("Not started"));
      return;
    }
  if (isnan (ps_trainer_get_loss (p->trainer)))
    text = g_strdup_printf (_("Step %" PRIu64), ps_trainer_get_synced_step (p->trainer));
  else if (ps_trainer_get_fault (p->trainer))
    text = g_strdup_printf (_("Stopped: %s"), ps_trainer_get_fault (p->trainer));
  else if (ps_train_panel_is_running (p))
    {
      /* every frame while running: a redraw of one line, not a new layout */
      g_autofree char *esc = NULL;
      text = g_strdup_printf (_("Step %" PRIu64 " · loss %.6g · %.0f steps/s"),
                              ps_trainer_get_synced_step (p->trainer), ps_trainer_get_loss (p->trainer),
                              p->rate);
      esc = g_markup_escape_text (text, -1);
      ps_ui_live_text_set_markup (p->live_label, esc);
      gtk_widget_set_visible (p->live_label, TRUE);
      gtk_widget_set_visible (p->status_label, FALSE);
      return;
    }
  else
    text = g_strdup_printf (_("Step %" PRIu64 " · loss %.6g"),
                            ps_trainer_get_synced_step (p->trainer), ps_trainer_get_loss (p->trainer));
  show_status (p, text);
}

static void
add_snapshot (PsTrainPanel *p, PsSnapshot *s)
{
  /* bounded: the oldest automatic snapshot after a run's start goes first */
  if (p->snapshots->len >= MAX_SNAPSHOTS)
    {
      guint drop = 0;
      for (guint i = 0; i < p->snapshots->len; i++)
        {
          PsSnapshot *old = p->snapshots->pdata[i];
          if (g_str_has_prefix (ps_snapshot_get_label (old), "step ") && ps_snapshot_get_step (old) > 0)
            {
              drop = i;
              break;
            }
        }
      g_ptr_array_remove_index (p->snapshots, drop);
      gtk_string_list_remove (p->snap_names, drop + 1);
    }
  g_ptr_array_add (p->snapshots, s);
  if (g_str_has_prefix (ps_snapshot_get_label (s), "step "))
    {
      /* automatic ones say which run they belong to */
      g_autofree char *shown = g_strdup_printf (_("run %u · step %" PRIu64), MAX (p->run_no, 1),
                                                ps_snapshot_get_step (s));
      gtk_string_list_append (p->snap_names, shown);
    }
  else
    gtk_string_list_append (p->snap_names, ps_snapshot_get_label (s));
  /* a run's first weights: what training changed, from the first step */
  if (ps_snapshot_get_step (s) == 0 && gtk_drop_down_get_selected (GTK_DROP_DOWN (p->a_dd)) == 0
      && gtk_drop_down_get_selected (GTK_DROP_DOWN (p->b_dd)) == 0)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (p->b_dd), p->snapshots->len);
}

static void
refresh_charts (PsTrainPanel *p)
{
  ps_loss_chart_refresh (PS_LOSS_CHART (p->loss_chart));
  ps_grad_flow_chart_refresh (PS_GRAD_FLOW_CHART (p->grad_chart));
  ps_dist_chart_refresh (PS_DIST_CHART (p->dist_chart));
}

/* CPU microseconds used by this thread (RUSAGE_THREAD) or the whole
 * process (RUSAGE_SELF). */
static gint64
cpu_usec (int who)
{
  struct rusage u;
  getrusage (who, &u);
  return ((gint64) u.ru_utime.tv_sec + u.ru_stime.tv_sec) * G_USEC_PER_SEC
         + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

#define VIEW_BUDGET       0.12
#define VIEW_MAX_WAIT_US  (G_USEC_PER_SEC / 5)

gboolean
ps_train_view_snapshot_due (double wall_us, double thread_cpu_us, double process_cpu_us,
                            int n_cpus)
{
  double idle = wall_us * n_cpus - process_cpu_us;

  return wall_us >= VIEW_MAX_WAIT_US
         || idle >= 0.5 * wall_us
         || thread_cpu_us <= VIEW_BUDGET * wall_us;
}

/* What the view's threads have used: this one and the heatmaps' pooling
 * helper (which pools half of each large matrix). */
static gint64
view_cpu_usec (void)
{
  return cpu_usec (RUSAGE_THREAD) + ps_heatmap_helper_cpu_usec ();
}

/* Whether to ask for a frame now: due by the time it comes, which takes
 * about as long as the last one took. */
static gboolean
snapshot_due (PsTrainPanel *p, gint64 now)
{
  return ps_train_view_snapshot_due ((double) (now + p->fetch_us - p->sync_wall),
                                     (double) (view_cpu_usec () - p->sync_cpu),
                                     (double) (cpu_usec (RUSAGE_SELF) - p->sync_proc_cpu),
                                     (int) g_get_num_processors ());
}

/* At the display's rate while the worker runs. */
static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  PsTrainPanel *p = data;
  PsSnapshot *s;
  gint64 now = g_get_monotonic_time ();

  if (p->trainer == NULL)
    {
      p->tick_id = 0;
      return G_SOURCE_REMOVE;
    }
  /* ask for a frame when one is due, take it at a later frame: what is
   * shown is then at most a step old */
  if (!p->frame_requested && snapshot_due (p, now))
    {
      ps_trainer_request_frame (p->trainer);
      p->frame_requested = TRUE;
      p->request_time = now;
    }
  if (p->frame_requested && ps_trainer_take_frame (p->trainer))
    {
      p->frame_requested = FALSE;
      p->fetch_us = MIN (now - p->request_time, G_USEC_PER_SEC / 10);
      p->sync_wall = now;
      p->sync_cpu = view_cpu_usec ();
      p->sync_proc_cpu = cpu_usec (RUSAGE_SELF);
      p->n_syncs++;
      refresh_difference (p);
      g_signal_emit (p, signals[SIG_SYNCED], 0);
    }
  while ((s = ps_trainer_pop_snapshot (p->trainer)))
    add_snapshot (p, s);
  refresh_charts (p);
  if (now - p->rate_time >= G_USEC_PER_SEC / 2)
    {
      guint64 step = ps_trainer_get_step (p->trainer);
      p->rate = (double) (step - p->rate_step) * G_USEC_PER_SEC / (double) (now - p->rate_time);
      p->rate_time = now;
      p->rate_step = step;
    }
  update_status_label (p);
  if (ps_trainer_get_state (p->trainer) != PS_TRAINER_RUNNING)
    {
      p->tick_id = 0;
      finish_run (p);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
weights_finite (PsDocument *doc)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (doc));
  for (guint i = 0; i < np->len; i++)
    {
      PsTensor *d = ps_param_get_data (((PsNamedParam *) np->pdata[i])->param);
      for (int64_t j = 0; d && j < d->numel; j++)
        if (!isfinite (d->data[j]))
          return FALSE;
    }
  return TRUE;
}

/* Close the run's undoable change.  A fault whose weights are still finite
 * (a NaN gradient: the update was not applied) becomes two changes, so that
 * one undo returns to the last finite state: the weights of the last good
 * step, without the faulty gradient. */
static void
commit_run (PsTrainPanel *p)
{
  guint64 last = ps_trainer_get_step (p->trainer);
  const char *fault = ps_trainer_get_fault (p->trainer);
  g_autofree char *label = NULL;

  if (!ps_document_in_change (p->doc))
    return;
  if (last > p->run_first_step + 1)
    label = g_strdup_printf (_("train steps %" PRIu64 "–%" PRIu64),
                             p->run_first_step + 1, last);
  else if (last == p->run_first_step + 1)
    label = g_strdup_printf (_("train step %" PRIu64), last);

  if (fault && weights_finite (p->doc))
    {
      g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (p->doc));
      g_autoptr (GPtrArray) grads = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
      for (guint i = 0; i < np->len; i++)
        {
          PsParam *q = ((PsNamedParam *) np->pdata[i])->param;
          PsTensor *g = ps_param_get_grad (q);
          g_ptr_array_add (grads, g ? ps_tensor_copy (g) : NULL);
          ps_param_restore (q, NULL, NULL);          /* keep the values, drop the gradient */
        }
      if (label)
        {
          ps_document_commit_change (p->doc, label);
          ps_document_begin_change (p->doc);
        }
      for (guint i = 0; i < np->len; i++)
        ps_param_restore (((PsNamedParam *) np->pdata[i])->param, NULL, grads->pdata[i]);
      ps_document_commit_change (p->doc, fault);
    }
  else if (fault)
    {
      g_autofree char *both = label ? g_strdup_printf ("%s; %s", label, fault) : g_strdup (fault);
      ps_document_commit_change (p->doc, both);
    }
  else if (label)
    ps_document_commit_change (p->doc, label);
  else
    ps_document_cancel_change (p->doc);   /* no step was taken */
  p->run_first_step = last;
}

static void
finish_run (PsTrainPanel *p)
{
  const char *fault;

  if (p->tick_id)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (p))), p->tick_id);
      p->tick_id = 0;
    }
  ps_trainer_sync (p->trainer);
  refresh_charts (p);
  ps_document_set_busy (p->doc, NULL);
  commit_run (p);
  refresh_difference (p);
  update_buttons (p);
  update_status_label (p);
  fault = ps_trainer_get_fault (p->trainer);
  if (fault)
    {
      g_autofree char *msg = g_strdup_printf (_("Training stopped: %s. The views show the "
                                                "non-finite values; Undo returns to the last finite state."),
                                              fault);
      status (p, TRUE, msg);
    }
}

gboolean
ps_train_panel_is_running (PsTrainPanel *p)
{
  return p->trainer && ps_trainer_get_state (p->trainer) == PS_TRAINER_RUNNING;
}

static gboolean
begin_run (PsTrainPanel *p, GError **error)
{
  if (ps_document_get_busy (p->doc))
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_VALUE, ps_document_get_busy (p->doc));
      return FALSE;
    }
  if (!ensure_trainer (p, error))
    return FALSE;
  if (ps_trainer_get_state (p->trainer) == PS_TRAINER_FAULT)
    ps_trainer_clear_fault (p->trainer);     /* go on from the last finite weights */
  p->run_first_step = ps_trainer_get_step (p->trainer);
  ps_document_begin_change (p->doc);
  return TRUE;
}

gboolean
ps_train_panel_run (PsTrainPanel *p, guint64 n_steps, GError **error)
{
  GtkWidget *root;

  if (ps_train_panel_is_running (p))
    return TRUE;
  if (!begin_run (p, error))
    return FALSE;
  if (!ps_trainer_start (p->trainer, n_steps, error))
    {
      ps_document_cancel_change (p->doc);
      return FALSE;
    }
  ps_document_set_busy (p->doc, _("Training is running: pause it first"));
  p->n_syncs = 0;
  p->sync_wall = 0;                    /* the first frame takes a snapshot */
  p->frame_requested = FALSE;
  p->fetch_us = 0;
  p->rate_time = g_get_monotonic_time ();
  p->rate_step = ps_trainer_get_step (p->trainer);
  p->rate = 0;
  /* the window's frame clock drives the sync, whichever page is shown */
  root = GTK_WIDGET (gtk_widget_get_root (GTK_WIDGET (p)));
  if (root && p->tick_id == 0)
    p->tick_id = gtk_widget_add_tick_callback (root, on_tick, p, NULL);
  update_buttons (p);
  return TRUE;
}

void
ps_train_panel_pause (PsTrainPanel *p)
{
  if (!ps_train_panel_is_running (p))
    return;
  ps_trainer_pause (p->trainer);
  finish_run (p);
}

gboolean
ps_train_panel_step (PsTrainPanel *p, GError **error)
{
  if (ps_train_panel_is_running (p))
    {
      g_set_error_literal (error, PS_ERROR, PS_ERROR_VALUE, _("Training is running: pause it first"));
      return FALSE;
    }
  if (!begin_run (p, error))
    return FALSE;
  if (!ps_trainer_step (p->trainer, 1, error))
    {
      ps_document_cancel_change (p->doc);
      return FALSE;
    }
  {
    PsSnapshot *s;
    while ((s = ps_trainer_pop_snapshot (p->trainer)))
      add_snapshot (p, s);
  }
  finish_run (p);
  return TRUE;
}

void
ps_train_panel_reset (PsTrainPanel *p)
{
  if (p->trainer == NULL)
    return;
  ps_train_panel_pause (p);
  keep_curve_as_previous (p);
  ps_document_begin_change (p->doc);
  ps_trainer_reset (p->trainer);
  p->run_first_step = 0;
  ps_document_commit_change (p->doc, _("reset the run to its first weights"));
  refresh_charts (p);
  refresh_difference (p);
  update_buttons (p);
  update_status_label (p);
}

PsTrainer *
ps_train_panel_get_trainer (PsTrainPanel *p)
{
  return p->trainer;
}

guint64
ps_train_panel_get_n_syncs (PsTrainPanel *p)
{
  return p->n_syncs;
}

/* ---- snapshots and the difference ------------------------------------------ */

void
ps_train_panel_take_snapshot (PsTrainPanel *p, const char *label)
{
  guint64 step = p->trainer ? ps_trainer_get_synced_step (p->trainer) : 0;
  g_autofree char *auto_label = NULL;

  if (label == NULL)
    label = auto_label = g_strdup_printf (_("snapshot %u (step %" PRIu64 ")"),
                                          ++p->n_taken, step);
  add_snapshot (p, ps_snapshot_take (ps_document_get_model (p->doc), label, step));
}

guint
ps_train_panel_get_n_snapshots (PsTrainPanel *p)
{
  return p->snapshots->len;
}

/* The values of the selection in list entry i (0: current). */
static const PsTensor *
side_values (PsTrainPanel *p, guint i)
{
  if (p->selected == NULL || p->selected_name == NULL)
    return NULL;
  if (i == 0)
    return ps_param_get_data (p->selected);
  if (i - 1 >= p->snapshots->len)
    return NULL;
  return ps_snapshot_find (p->snapshots->pdata[i - 1], p->selected_name);
}

/* The difference costs two passes over the parameter: while its page is
 * hidden it is only marked stale, and computed when the page is shown. */
static void
refresh_difference (PsTrainPanel *p)
{
  if (gtk_widget_get_mapped (p->diff_view))
    compute_difference (p);
  else
    p->diff_stale = TRUE;
}

static void
on_diff_mapped (GtkWidget *w, PsTrainPanel *p)
{
  if (p->diff_stale)
    compute_difference (p);
}

static void
compute_difference (PsTrainPanel *p)
{
  guint a = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->a_dd));
  guint b = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->b_dd));
  const PsTensor *ta = side_values (p, a), *tb = side_values (p, b);
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL;
  const char *na, *nb;

  p->diff_stale = FALSE;
  if (ta == NULL || tb == NULL || a == b)
    {
      ps_heatmap_view_set_param (PS_HEATMAP_VIEW (p->diff_view), NULL, FALSE, NULL);
      gtk_label_set_text (GTK_LABEL (p->diff_label),
                          p->selected == NULL ? _("Select a parameter in the tree")
                          : a == b ? _("Choose two different states to compare")
                          : _("This parameter is not in the chosen snapshot"));
      return;
    }
  if (!ps_tensor_difference (ta, tb, ps_param_get_data (p->diff_param), &error))
    {
      ps_heatmap_view_set_param (PS_HEATMAP_VIEW (p->diff_view), NULL, FALSE, NULL);
      gtk_label_set_text (GTK_LABEL (p->diff_label), error->message);
      return;
    }
  ps_param_changed (p->diff_param, PS_CHANGE_DATA | PS_CHANGE_SHAPE);
  na = gtk_string_list_get_string (p->snap_names, a);
  nb = gtk_string_list_get_string (p->snap_names, b);
  title = g_strdup_printf ("%s: %s − %s", p->selected_name, na, nb);
  if (ps_heatmap_view_get_param (PS_HEATMAP_VIEW (p->diff_view)) != p->diff_param)
    ps_heatmap_view_set_param (PS_HEATMAP_VIEW (p->diff_view), p->diff_param, FALSE, title);
  {
    PsStats st;
    const PsTensor *d = ps_param_get_data (p->diff_param);
    g_autofree char *text = NULL;
    ps_stats_compute (d->data, d->numel, &st);
    text = g_strdup_printf (_("%s   max |Δ| %.4g · mean Δ %.4g · L2 ‖Δ‖ %.4g"), title,
                            MAX (fabs (st.min), fabs (st.max)), st.mean, st.l2);
    gtk_label_set_text (GTK_LABEL (p->diff_label), text);
  }
}

gboolean
ps_train_panel_set_difference (PsTrainPanel *p, int a, int b, GError **error)
{
  if (a >= (int) p->snapshots->len || b >= (int) p->snapshots->len || a < -1 || b < -1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("No such snapshot"));
      return FALSE;
    }
  gtk_drop_down_set_selected (GTK_DROP_DOWN (p->a_dd), (guint) (a + 1));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (p->b_dd), (guint) (b + 1));
  compute_difference (p);
  return TRUE;
}

void
ps_train_panel_set_selection (PsTrainPanel *p, PsParam *param, const char *key)
{
  PsModule *model = ps_document_get_model (p->doc);
  g_autoptr (GPtrArray) np = model ? ps_module_named_parameters (model) : NULL;
  int index = -1;

  g_clear_pointer (&p->selected, ps_param_unref);
  g_clear_pointer (&p->selected_name, g_free);
  for (guint i = 0; param && np && i < np->len; i++)
    if (((PsNamedParam *) np->pdata[i])->param == param)
      {
        index = (int) i;
        p->selected = ps_param_ref (param);
        p->selected_name = g_strdup (((PsNamedParam *) np->pdata[i])->name);
        break;
      }
  if (index >= 0)
    ps_dist_chart_set_param (PS_DIST_CHART (p->dist_chart), (guint) index,
                             gtk_check_button_get_active (GTK_CHECK_BUTTON (p->dist_grad_check)));
  ps_grad_flow_chart_set_highlight (PS_GRAD_FLOW_CHART (p->grad_chart), index);
  refresh_difference (p);
}

/* ---- reacting to the document ---------------------------------------------- */

static void
on_model_replaced (PsDocument *doc, PsTrainPanel *p)
{
  /* a new network: the old run and its snapshots do not apply */
  if (p->trainer && ps_trainer_get_state (p->trainer) == PS_TRAINER_RUNNING)
    ps_trainer_pause (p->trainer);
  drop_trainer (p, FALSE);
  ps_loss_chart_set_previous (PS_LOSS_CHART (p->loss_chart), NULL);
  g_ptr_array_set_size (p->snapshots, 0);
  gtk_string_list_splice (p->snap_names, 1, g_list_model_get_n_items (G_LIST_MODEL (p->snap_names)) - 1, NULL);
  p->n_taken = 0;
  p->run_no = 0;
  p->dirty = TRUE;
  /* settings that suit the network: a 2-in, 2-out classifier gets the
   * spiral with cross-entropy and Adam, anything else the teacher's regression */
  {
    PsModule *m = ps_document_get_model (doc);
    PsOptimConfig o;
    if (ps_module_input_width (m) == 2 && ps_module_output_width (m) == 2)
      {
        ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
        ps_train_panel_configure (p, PS_DATA_SPIRAL, 200, PS_LOSS_CROSS_ENTROPY, &o);
      }
    else
      {
        ps_optim_config_init (&o, PS_OPTIM_SGD, 0.05);
        ps_train_panel_configure (p, PS_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
      }
  }
  ps_train_panel_set_selection (p, NULL, NULL);
  update_buttons (p);
  update_status_label (p);
}

/* Undo or redo moved the network to another state: the next Run is a new
 * run from there (the optimizer's state belonged to the old one). */
static void
on_history_moved (PsDocument *doc, PsTrainPanel *p)
{
  if (p->trainer && !ps_train_panel_is_running (p))
    {
      p->dirty = TRUE;
      update_status_label (p);
      refresh_difference (p);
    }
}

static void
on_doc_changed (PsDocument *doc, const char *what, PsTrainPanel *p)
{
  if (!ps_train_panel_is_running (p))
    refresh_difference (p);
}

/* ---- the file of tensors ----------------------------------------------------- */

static void
on_file_chosen (GtkWindow *parent, const char *path, gpointer data)
{
  PsTrainPanel *p = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;

  st = ps_safetensors_open (path, &error);
  if (st)
    x = ps_safetensors_load_tensor (st, "input", &error);
  if (x && ps_safetensors_resolve (st, "target"))
    t = ps_safetensors_load_tensor (st, "target", &error);
  if (error)
    status (p, TRUE, error->message);
  else
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *msg = NULL;
      g_clear_pointer (&p->file_x, ps_tensor_unref);
      g_clear_pointer (&p->file_t, ps_tensor_unref);
      p->file_x = g_steal_pointer (&x);
      p->file_t = g_steal_pointer (&t);
      g_free (p->file_name);
      p->file_name = g_strdup (base);
      gtk_button_set_label (GTK_BUTTON (p->file_button), base);
      p->dirty = TRUE;
      msg = g_strdup_printf (_("Training data from %s"), base);
      status (p, FALSE, msg);
    }
}

static void
on_choose_file (GtkButton *b, PsTrainPanel *p)
{
  /* the panel lives as long as its window: parent alive means p alive */
  ps_file_chooser_run (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (p))), _("Training Data"),
                       FALSE, PS_FILES_SAFETENSORS, on_file_chosen, p);
}

/* ---- buttons ------------------------------------------------------------------ */

static void
on_run_clicked (GtkButton *b, PsTrainPanel *p)
{
  g_autoptr (GError) error = NULL;

  if (ps_train_panel_is_running (p))
    ps_train_panel_pause (p);
  else if (!ps_train_panel_run (p, 0, &error))
    status (p, TRUE, error->message);
}

static void
on_step_clicked (GtkButton *b, PsTrainPanel *p)
{
  g_autoptr (GError) error = NULL;
  if (!ps_train_panel_step (p, &error))
    status (p, TRUE, error->message);
}

static void
on_reset_clicked (GtkButton *b, PsTrainPanel *p)
{
  ps_train_panel_reset (p);
}

static void
on_snapshot_clicked (GtkButton *b, PsTrainPanel *p)
{
  ps_train_panel_take_snapshot (p, NULL);
}

static void
on_ab_changed (GtkDropDown *dd, GParamSpec *pspec, PsTrainPanel *p)
{
  refresh_difference (p);
}

static void
on_log_toggled (GtkCheckButton *c, PsTrainPanel *p)
{
  ps_loss_chart_set_log_scale (PS_LOSS_CHART (p->loss_chart), gtk_check_button_get_active (c));
}

static void
on_dist_grad_toggled (GtkCheckButton *c, PsTrainPanel *p)
{
  ps_train_panel_set_selection (p, p->selected, p->selected_name);
}

/* ---- building ------------------------------------------------------------------ */

static GtkWidget *
setting (PsTrainPanel *p, GtkWidget *w)
{
  gtk_widget_add_css_class (w, "ps-train-setting");
  return w;
}

static GtkWidget *
dropdown (const char *const *items, const char *a11y)
{
  GtkWidget *dd = gtk_drop_down_new_from_strings (items);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dd), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return dd;
}

static GtkWidget *
chart_page (GtkWidget *chart, GtkWidget *extra)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  gtk_widget_set_vexpand (chart, TRUE);
  gtk_widget_set_hexpand (chart, TRUE);
  if (extra)
    gtk_box_append (GTK_BOX (box), extra);
  gtk_box_append (GTK_BOX (box), chart);
  return box;
}

static void
ps_train_panel_init (PsTrainPanel *p)
{
  GtkWidget *self = GTK_WIDGET (p);
  const char *data_items[] = { N_("Random input (the lesson’s X)"), N_("Teacher network (regression)"),
                               N_("Two-class spiral"), N_("From a file…"), NULL };
  const char *loss_items[] = { N_("Mean squared error"), N_("Cross-entropy"), N_("Sum (the lesson’s)"), NULL };
  const char *optim_items[] = { "SGD", "Adam", NULL };
  const char *tr_data[5], *tr_loss[4];
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *snap_button = gtk_button_new_with_mnemonic (_("Take _Snapshot"));
  GtkLayoutManager *layout;

  for (int i = 0; i < 5; i++)
    tr_data[i] = data_items[i] ? _(data_items[i]) : NULL;
  for (int i = 0; i < 4; i++)
    tr_loss[i] = loss_items[i] ? _(loss_items[i]) : NULL;

  layout = gtk_widget_get_layout_manager (self);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (layout), GTK_ORIENTATION_VERTICAL);
  gtk_box_layout_set_spacing (GTK_BOX_LAYOUT (layout), 6);

  p->snapshots = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_snapshot_free);
  p->snap_names = gtk_string_list_new ((const char *const[]) { _("current"), NULL });
  p->dirty = TRUE;

  p->data_dd = dropdown (tr_data, _("Training data"));
  gtk_drop_down_set_selected (GTK_DROP_DOWN (p->data_dd), PS_DATA_TEACHER);
  p->samples_spin = ps_ui_spin (1, 65536, 1, 64, 0, _("Samples"));
  p->seed_spin = ps_ui_spin (0, G_MAXINT, 1, 0, 0, _("Data seed"));
  p->file_button = gtk_button_new_with_label (_("Choose a file…"));
  gtk_widget_set_visible (p->file_button, FALSE);
  g_signal_connect (p->file_button, "clicked", G_CALLBACK (on_choose_file), p);
  p->loss_dd = dropdown (tr_loss, _("Loss"));
  p->optim_dd = dropdown (optim_items, _("Optimizer"));
  p->lr_spin = ps_ui_spin (0, 10, 0.001, 0.05, 4, _("Learning rate"));
  p->momentum_spin = ps_ui_spin (0, 0.999, 0.05, 0, 3, _("Momentum"));
  p->wd_spin = ps_ui_spin (0, 1, 0.0001, 0, 4, _("Weight decay"));
  /* Adam's betas in [0, 1) and eps, as torch.optim.Adam takes them */
  p->beta1_spin = ps_ui_spin (0, 0.9999, 0.01, 0.9, 4, _("Beta 1"));
  p->beta2_spin = ps_ui_spin (0, 0.99999, 0.001, 0.999, 5, _("Beta 2"));
  gtk_editable_set_width_chars (GTK_EDITABLE (p->beta1_spin), 6);
  gtk_editable_set_width_chars (GTK_EDITABLE (p->beta2_spin), 7);
  gtk_editable_set_width_chars (GTK_EDITABLE (p->momentum_spin), 5);
  p->eps_entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (p->eps_entry), "1e-08");
  gtk_editable_set_width_chars (GTK_EDITABLE (p->eps_entry), 8);
  gtk_accessible_update_property (GTK_ACCESSIBLE (p->eps_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Eps"), -1);
  p->snap_every_spin = ps_ui_spin (0, 1000000, 10, 0, 0, _("Snapshot every N steps"));
  {
    const char *speed_items[] = { _("As fast as it goes"), _("1000 steps/s"), _("100 steps/s"),
                                  _("10 steps/s"), _("1 step/s"), NULL };
    p->speed_dd = dropdown (speed_items, _("Speed"));
    gtk_widget_set_tooltip_text (p->speed_dd, _("Slow a run down to watch it, e.g. in class; "
                                                "it can change while training runs"));
    g_signal_connect_swapped (p->speed_dd, "notify::selected", G_CALLBACK (apply_speed), p);
  }
  gtk_widget_set_tooltip_text (p->snap_every_spin, _("Take a snapshot automatically at the start and every N steps (0: never)"));

  p->run_button = gtk_button_new_with_mnemonic (_("_Run"));
  gtk_widget_add_css_class (p->run_button, "suggested-action");
  p->step_button = gtk_button_new_with_mnemonic (_("S_tep"));
  gtk_widget_set_tooltip_text (p->step_button, _("One training step (Ctrl+Shift+T)"));
  p->reset_button = gtk_button_new_with_mnemonic (_("R_eset"));
  gtk_widget_set_tooltip_text (p->reset_button, _("Put back the weights this run started from"));
  gtk_box_append (GTK_BOX (buttons), p->run_button);
  gtk_box_append (GTK_BOX (buttons), p->step_button);
  gtk_box_append (GTK_BOX (buttons), p->reset_button);
  gtk_box_set_homogeneous (GTK_BOX (buttons), TRUE);
  g_signal_connect (p->run_button, "clicked", G_CALLBACK (on_run_clicked), p);
  g_signal_connect (p->step_button, "clicked", G_CALLBACK (on_step_clicked), p);
  g_signal_connect (p->reset_button, "clicked", G_CALLBACK (on_reset_clicked), p);
  g_signal_connect (snap_button, "clicked", G_CALLBACK (on_snapshot_clicked), p);

  p->status_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (p->status_label), 0);
  gtk_label_set_wrap (GTK_LABEL (p->status_label), TRUE);
  gtk_widget_add_css_class (p->status_label, "numeric");
  gtk_accessible_update_property (GTK_ACCESSIBLE (p->status_label), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Training status"), -1);
  p->live_label = ps_ui_live_text_new (_("Training status"), GTK_ACCESSIBLE_ROLE_STATUS);
  gtk_widget_set_visible (p->live_label, FALSE);

  p->momentum_row = ps_ui_labelled (_("_Momentum"), p->momentum_spin);
  p->beta1_row = ps_ui_labelled (_("Beta _1"), p->beta1_spin);
  p->beta2_row = ps_ui_labelled (_("Beta _2"), p->beta2_spin);
  p->eps_row = ps_ui_labelled (_("Ep_s"), p->eps_entry);
  gtk_widget_set_parent (ps_ui_section (_("Data")), self);
  gtk_widget_set_parent (setting (p, p->data_dd), self);
  gtk_widget_set_parent (setting (p, p->file_button), self);
  gtk_widget_set_parent (setting (p, ps_ui_labelled (_("Sa_mples"), p->samples_spin)), self);
  gtk_widget_set_parent (setting (p, ps_ui_labelled (_("See_d"), p->seed_spin)), self);
  gtk_widget_set_parent (ps_ui_section (_("Loss and optimizer")), self);
  gtk_widget_set_parent (setting (p, ps_ui_labelled (_("_Loss"), p->loss_dd)), self);
  gtk_widget_set_parent (setting (p, ps_ui_labelled (_("_Optimizer"), p->optim_dd)), self);
  gtk_widget_set_parent (setting (p, ps_ui_labelled (_("Learning _rate"), p->lr_spin)), self);
  gtk_widget_set_parent (setting (p, p->momentum_row), self);
  gtk_widget_set_parent (setting (p, ps_ui_labelled (_("_Weight decay"), p->wd_spin)), self);
  gtk_widget_set_parent (setting (p, p->beta1_row), self);
  gtk_widget_set_parent (setting (p, p->beta2_row), self);
  gtk_widget_set_parent (setting (p, p->eps_row), self);
  gtk_widget_set_parent (ps_ui_section (_("Run")), self);
  gtk_widget_set_parent (buttons, self);
  gtk_widget_set_parent (ps_ui_labelled (_("S_peed"), p->speed_dd), self);
  gtk_widget_set_parent (p->status_label, self);
  gtk_widget_set_parent (p->live_label, self);
  gtk_widget_set_parent (ps_ui_section (_("Snapshots")), self);
  gtk_widget_set_parent (setting (p, ps_ui_labelled (_("_Every N steps"), p->snap_every_spin)), self);
  gtk_widget_set_parent (snap_button, self);

  g_signal_connect_swapped (p->data_dd, "notify::selected", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->loss_dd, "notify::selected", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->optim_dd, "notify::selected", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->lr_spin, "value-changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->momentum_spin, "value-changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->wd_spin, "value-changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->beta1_spin, "value-changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->beta2_spin, "value-changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->eps_entry, "changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->samples_spin, "value-changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->seed_spin, "value-changed", G_CALLBACK (on_setting_changed), p);
  g_signal_connect_swapped (p->snap_every_spin, "value-changed", G_CALLBACK (on_setting_changed), p);

  /* charts */
  p->loss_chart = ps_loss_chart_new ();
  p->grad_chart = g_object_ref_sink (ps_grad_flow_chart_new ());   /* placed by the window */
  p->dist_chart = ps_dist_chart_new ();
  p->log_check = gtk_check_button_new_with_mnemonic (_("_Logarithmic scale"));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (p->log_check), TRUE);   /* losses span decades */
  ps_loss_chart_set_log_scale (PS_LOSS_CHART (p->loss_chart), TRUE);
  g_signal_connect (p->log_check, "toggled", G_CALLBACK (on_log_toggled), p);
  p->dist_grad_check = gtk_check_button_new_with_mnemonic (_("Show the _gradient’s distribution"));
  g_signal_connect (p->dist_grad_check, "toggled", G_CALLBACK (on_dist_grad_toggled), p);
  p->loss_page = g_object_ref_sink (chart_page (p->loss_chart, p->log_check));
  p->dist_page = g_object_ref_sink (chart_page (p->dist_chart, p->dist_grad_check));

  /* difference A − B */
  {
    g_autoptr (PsTensor) one = ps_tensor_new_1d (1);
    p->diff_param = ps_param_new (one);      /* resized to each difference */
  }
  p->a_dd = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (p->snap_names)), NULL);
  p->b_dd = gtk_drop_down_new (G_LIST_MODEL (g_object_ref (p->snap_names)), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (p->a_dd), GTK_ACCESSIBLE_PROPERTY_LABEL, _("State A"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (p->b_dd), GTK_ACCESSIBLE_PROPERTY_LABEL, _("State B"), -1);
  g_signal_connect (p->a_dd, "notify::selected", G_CALLBACK (on_ab_changed), p);
  g_signal_connect (p->b_dd, "notify::selected", G_CALLBACK (on_ab_changed), p);
  p->diff_view = ps_heatmap_view_new ();
  g_signal_connect (p->diff_view, "map", G_CALLBACK (on_diff_mapped), p);
  ps_heatmap_view_set_read_only (PS_HEATMAP_VIEW (p->diff_view), TRUE);
  gtk_widget_set_hexpand (p->diff_view, TRUE);
  gtk_widget_set_vexpand (p->diff_view, TRUE);
  p->diff_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (p->diff_label), 0);
  {
    GtkWidget *top = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
    gtk_box_append (GTK_BOX (row), gtk_label_new ("A"));
    gtk_box_append (GTK_BOX (row), p->a_dd);
    gtk_box_append (GTK_BOX (row), gtk_label_new ("−  B"));
    gtk_box_append (GTK_BOX (row), p->b_dd);
    gtk_label_set_ellipsize (GTK_LABEL (p->diff_label), PANGO_ELLIPSIZE_MIDDLE);
    gtk_label_set_selectable (GTK_LABEL (p->diff_label), TRUE);
    gtk_box_append (GTK_BOX (top), row);
    gtk_box_append (GTK_BOX (top), p->diff_label);
    p->diff_page = g_object_ref_sink (chart_page (p->diff_view, top));
  }
  update_buttons (p);
  update_status_label (p);
}

static void
ps_train_panel_dispose (GObject *object)
{
  PsTrainPanel *p = PS_TRAIN_PANEL (object);
  GtkWidget *child;

  if (p->trainer)
    {
      ps_trainer_pause (p->trainer);
      if (ps_document_in_change (p->doc))
        commit_run (p);
      ps_document_set_busy (p->doc, NULL);
    }
  drop_trainer (p, FALSE);
  if (p->doc)
    g_signal_handlers_disconnect_by_data (p->doc, p);
  g_clear_object (&p->doc);
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (p))))
    gtk_widget_unparent (child);
  g_clear_object (&p->loss_page);
  g_clear_object (&p->grad_chart);
  g_clear_object (&p->dist_page);
  g_clear_object (&p->diff_page);
  G_OBJECT_CLASS (ps_train_panel_parent_class)->dispose (object);
}

static void
ps_train_panel_finalize (GObject *object)
{
  PsTrainPanel *p = PS_TRAIN_PANEL (object);

  g_ptr_array_unref (p->snapshots);
  g_clear_object (&p->snap_names);
  g_clear_pointer (&p->diff_param, ps_param_unref);
  g_clear_pointer (&p->selected, ps_param_unref);
  g_free (p->selected_name);
  g_clear_pointer (&p->file_x, ps_tensor_unref);
  g_clear_pointer (&p->file_t, ps_tensor_unref);
  g_free (p->file_name);
  G_OBJECT_CLASS (ps_train_panel_parent_class)->finalize (object);
}

static void
ps_train_panel_class_init (PsTrainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ps_train_panel_dispose;
  object_class->finalize = ps_train_panel_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  signals[SIG_STATUS] = g_signal_new ("status", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                      G_TYPE_STRING, G_TYPE_BOOLEAN);
  /* the network took a newer snapshot of the run (at most once a frame) */
  signals[SIG_SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

GtkWidget *
ps_train_panel_new (PsDocument *doc)
{
  PsTrainPanel *p = g_object_new (PS_TYPE_TRAIN_PANEL, NULL);

  p->doc = g_object_ref (doc);
  g_signal_connect (doc, "model-replaced", G_CALLBACK (on_model_replaced), p);
  g_signal_connect (doc, "changed", G_CALLBACK (on_doc_changed), p);
  g_signal_connect (doc, "history-moved", G_CALLBACK (on_history_moved), p);
  gtk_accessible_update_property (GTK_ACCESSIBLE (p), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Training"), -1);
  return GTK_WIDGET (p);
}

GtkWidget *ps_train_panel_get_loss_page (PsTrainPanel *p) { return p->loss_page; }
GtkWidget *ps_train_panel_get_dist_page (PsTrainPanel *p) { return p->dist_page; }
GtkWidget *ps_train_panel_get_loss_chart (PsTrainPanel *p) { return p->loss_chart; }
GtkWidget *ps_train_panel_get_grad_chart (PsTrainPanel *p) { return p->grad_chart; }
GtkWidget *ps_train_panel_get_dist_chart (PsTrainPanel *p) { return p->dist_chart; }
GtkWidget *ps_train_panel_get_diff_page (PsTrainPanel *p) { return p->diff_page; }
GtkWidget *ps_train_panel_get_diff_view (PsTrainPanel *p) { return p->diff_view; }
