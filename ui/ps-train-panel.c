/* ps-train-panel.c — the Train panel's form, bound to its run controller */
#include "ps-train-panel.h"
#include "ps-live-text.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>

struct _PsTrainPanel
{
  GtkWidget        parent_instance;

  PsRunController *controller;
  GPtrArray       *bindings;      /* GBinding*: to the controller's settings */

  /* template children */
  GtkWidget *data_dropdown, *file_button, *samples_spin, *seed_spin;
  GtkWidget *loss_dropdown, *optimizer_dropdown, *lr_spin, *momentum_row, *momentum_spin;
  GtkWidget *wd_spin, *beta1_row, *beta1_spin, *beta2_row, *beta2_spin, *eps_row, *eps_entry;
  GtkWidget *run_button, *speed_dropdown, *status_label, *snap_every_spin;
  GtkWidget *live_label;          /* the running step, loss and rate: redrawn each frame */
};

G_DEFINE_FINAL_TYPE (PsTrainPanel, ps_train_panel, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTROLLER, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- the rows of the dropdowns ------------------------------------------------ */

static const PsLossKind loss_rows[] = { PS_LOSS_MSE, PS_LOSS_CROSS_ENTROPY, PS_LOSS_SUM };
static const double speed_rows[] = { 0, 1000, 100, 20, 10, 1 };      /* steps/s, 0: flat out */

static gboolean
loss_to_row (GBinding *b, const GValue *from, GValue *to, gpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (loss_rows); i++)
    if (loss_rows[i] == (PsLossKind) g_value_get_uint (from))
      {
        g_value_set_uint (to, i);
        return TRUE;
      }
  return FALSE;          /* a loss the panel does not offer: the row stays */
}

static gboolean
row_to_loss (GBinding *b, const GValue *from, GValue *to, gpointer data)
{
  guint row = g_value_get_uint (from);
  if (row >= G_N_ELEMENTS (loss_rows))
    return FALSE;
  g_value_set_uint (to, loss_rows[row]);
  return TRUE;
}

static gboolean
speed_to_row (GBinding *b, const GValue *from, GValue *to, gpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (speed_rows); i++)
    if (speed_rows[i] == g_value_get_double (from))
      {
        g_value_set_uint (to, i);
        return TRUE;
      }
  return FALSE;
}

static gboolean
row_to_speed (GBinding *b, const GValue *from, GValue *to, gpointer data)
{
  guint row = g_value_get_uint (from);
  if (row >= G_N_ELEMENTS (speed_rows))
    return FALSE;
  g_value_set_double (to, speed_rows[row]);
  return TRUE;
}

/* ---- following the controller --------------------------------------------------- */

/* What can be changed now: nothing while running; momentum only for SGD,
 * betas and eps only for Adam; the sample count only for generated data. */
static void
update_sensitivity (PsTrainPanel *p)
{
  gboolean running = ps_run_controller_is_running (p->controller);
  guint optimizer, data;

  g_object_get (p->controller, "optimizer", &optimizer, "data", &data, NULL);
  /* a field being typed in when training starts hands the focus to the
   * Run button (now Pause) before it goes insensitive */
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (p)); w; w = gtk_widget_get_next_sibling (w))
    if (gtk_widget_has_css_class (w, "ps-train-setting"))
      ps_ui_set_sensitive (w, !running, p->run_button);
  if (!running)
    {
      ps_ui_set_sensitive (p->momentum_row, optimizer != PS_OPTIM_ADAM, p->optimizer_dropdown);
      ps_ui_set_sensitive (p->beta1_row, optimizer == PS_OPTIM_ADAM, p->optimizer_dropdown);
      ps_ui_set_sensitive (p->beta2_row, optimizer == PS_OPTIM_ADAM, p->optimizer_dropdown);
      ps_ui_set_sensitive (p->eps_row, optimizer == PS_OPTIM_ADAM, p->optimizer_dropdown);
      ps_ui_set_sensitive (p->samples_spin, data != PS_RUN_DATA_FILE, p->data_dropdown);
    }
  gtk_widget_set_visible (p->file_button, data == PS_RUN_DATA_FILE);
}

static void
update_run_button (PsTrainPanel *p)
{
  gboolean running = ps_run_controller_is_running (p->controller);

  gtk_button_set_label (GTK_BUTTON (p->run_button), running ? _("Pause") : _("Run"));
  gtk_widget_set_tooltip_text (p->run_button, running ? _("Pause training (Ctrl+T)")
                                                      : _("Train until paused (Ctrl+T)"));
}

static void
show_status (PsTrainPanel *p, const char *text)
{
  if (g_strcmp0 (gtk_label_get_text (GTK_LABEL (p->status_label)), text) != 0)
    gtk_label_set_text (GTK_LABEL (p->status_label), text);
  gtk_widget_set_visible (p->status_label, TRUE);
  gtk_widget_set_visible (p->live_label, FALSE);
}

/* text (taken) with a classifier's accuracy beside the loss, when it has one */
static char *
with_accuracy (char *text, PsRunController *run)
{
  double acc = ps_run_controller_get_accuracy (run);
  char *out;

  if (isnan (acc))
    return text;
  /* TRANSLATORS: after "Step 40 · loss 0.31": the share of the training
   * data the network classifies right, in percent */
  out = g_strdup_printf (_("%s · accuracy %.1f%%"), text, acc * 100);
  g_free (text);
  return out;
}

/* The line under the buttons: why a run was refused or stopped, or where
 * it is.  While running it changes every frame: a redraw of one line, not
 * a new layout. */
static void
update_status (PsTrainPanel *p)
{
  PsRunController *run = p->controller;
  PsTrainer *trainer = ps_run_controller_get_trainer (run);
  const char *error = ps_run_controller_get_error (run);
  g_autofree char *fault = NULL, *text = NULL;
  gboolean new_run;
  guint64 step;
  double loss, rate;

  g_object_get (run, "new-run", &new_run, "step", &step, "loss-value", &loss, "rate", &rate,
                "fault", &fault, NULL);
  if (error)
    {
      show_status (p, error);
      return;
    }
  if (ps_run_controller_is_making_data (run))
    {
      guint data;
      int samples;
      g_autofree char *count = NULL;

      g_object_get (run, "data", &data, "samples", &samples, NULL);
      count = g_strdup_printf ("%'d", samples);
      /* TRANSLATORS: %s is a count of samples, such as "65,536" */
      text = g_strdup_printf (data == PS_RUN_DATA_DIGITS ? _("Making %s digits…")
                              : data == PS_RUN_DATA_CHARS ? _("Making %s character sequences…")
                              : data == PS_RUN_DATA_TEACHER ? _("Making %s samples and the teacher’s targets…")
                              : _("Making %s samples…"), count);
      show_status (p, text);
      return;
    }
  if (trainer == NULL || new_run)
    {
      show_status (p, trainer ? _("Run starts a new run from the current weights") : _("Not started"));
      return;
    }
  if (isnan (loss))
    text = g_strdup_printf (_("Step %" PRIu64), step);
  else if (fault)
    text = g_strdup_printf (_("Stopped: %s"), fault);
  else if (ps_run_controller_is_running (run))
    {
      g_autofree char *esc = NULL;
      text = g_strdup_printf (_("Step %" PRIu64 " · loss %.6g · %.0f steps/s"), step, loss, rate);
      text = with_accuracy (text, run);
      esc = g_markup_escape_text (text, -1);
      ps_live_text_set_markup (PS_LIVE_TEXT (p->live_label), esc);
      gtk_widget_set_visible (p->live_label, TRUE);
      gtk_widget_set_visible (p->status_label, FALSE);
      return;
    }
  else
    text = with_accuracy (g_strdup_printf (_("Step %" PRIu64 " · loss %.6g"), step, loss), run);
  show_status (p, text);
}

static void
on_running (PsTrainPanel *p)
{
  update_run_button (p);
  update_sensitivity (p);
  update_status (p);
}

static void
on_data_file (PsTrainPanel *p)
{
  g_autofree char *name = NULL;
  g_object_get (p->controller, "data-file", &name, NULL);
  gtk_button_set_label (GTK_BUTTON (p->file_button), name ? name : _("Choose a file…"));
}

static void
bind (PsTrainPanel *p, const char *setting, GtkWidget *widget, const char *property,
      GBindingTransformFunc to, GBindingTransformFunc from)
{
  g_ptr_array_add (p->bindings,
                   g_object_ref (g_object_bind_property_full (p->controller, setting, widget, property,
                                                              G_BINDING_BIDIRECTIONAL
                                                              | G_BINDING_SYNC_CREATE,
                                                              to, from, NULL, NULL)));
}

static void
unbind_all (PsTrainPanel *p)
{
  for (guint i = 0; i < p->bindings->len; i++)
    g_binding_unbind (p->bindings->pdata[i]);
  g_ptr_array_set_size (p->bindings, 0);
  if (p->controller)
    g_signal_handlers_disconnect_by_data (p->controller, p);
}

void
ps_train_panel_set_controller (PsTrainPanel *p, PsRunController *controller)
{
  static const char *const status_props[] = { "new-run", "can-reset", "step", "loss-value", "accuracy", "rate",
                                              "fault", "error" };

  g_return_if_fail (PS_IS_TRAIN_PANEL (p));
  g_return_if_fail (controller == NULL || PS_IS_RUN_CONTROLLER (controller));

  if (p->controller == controller)
    return;
  unbind_all (p);
  g_set_object (&p->controller, controller);
  if (controller)
    {
      bind (p, "data", p->data_dropdown, "selected", NULL, NULL);
      bind (p, "samples", p->samples_spin, "value", NULL, NULL);
      bind (p, "data-seed", p->seed_spin, "value", NULL, NULL);
      bind (p, "loss", p->loss_dropdown, "selected", loss_to_row, row_to_loss);
      bind (p, "optimizer", p->optimizer_dropdown, "selected", NULL, NULL);
      bind (p, "learning-rate", p->lr_spin, "value", NULL, NULL);
      bind (p, "momentum", p->momentum_spin, "value", NULL, NULL);
      bind (p, "weight-decay", p->wd_spin, "value", NULL, NULL);
      bind (p, "beta1", p->beta1_spin, "value", NULL, NULL);
      bind (p, "beta2", p->beta2_spin, "value", NULL, NULL);
      bind (p, "eps", p->eps_entry, "text", NULL, NULL);
      bind (p, "snapshot-every", p->snap_every_spin, "value", NULL, NULL);
      bind (p, "speed", p->speed_dropdown, "selected", speed_to_row, row_to_speed);
      g_signal_connect_swapped (controller, "notify::running", G_CALLBACK (on_running), p);
      g_signal_connect_swapped (controller, "notify::optimizer", G_CALLBACK (update_sensitivity), p);
      g_signal_connect_swapped (controller, "notify::data", G_CALLBACK (update_sensitivity), p);
      g_signal_connect_swapped (controller, "notify::data-file", G_CALLBACK (on_data_file), p);
      for (guint i = 0; i < G_N_ELEMENTS (status_props); i++)
        {
          g_autofree char *signal = g_strconcat ("notify::", status_props[i], NULL);
          g_signal_connect_swapped (controller, signal, G_CALLBACK (update_status), p);
        }
      on_running (p);
      on_data_file (p);
    }
  g_object_notify_by_pspec (G_OBJECT (p), properties[PROP_CONTROLLER]);
}

PsRunController *
ps_train_panel_get_controller (PsTrainPanel *p)
{
  g_return_val_if_fail (PS_IS_TRAIN_PANEL (p), NULL);
  return p->controller;
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ps_train_panel_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_CONTROLLER)
    ps_train_panel_set_controller (PS_TRAIN_PANEL (object), g_value_get_object (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_train_panel_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_CONTROLLER)
    g_value_set_object (value, PS_TRAIN_PANEL (object)->controller);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_train_panel_dispose (GObject *object)
{
  PsTrainPanel *p = PS_TRAIN_PANEL (object);

  unbind_all (p);
  g_clear_object (&p->controller);
  ps_ui_dispose_template (GTK_WIDGET (p), PS_TYPE_TRAIN_PANEL);
  G_OBJECT_CLASS (ps_train_panel_parent_class)->dispose (object);
}

static void
ps_train_panel_finalize (GObject *object)
{
  g_ptr_array_unref (PS_TRAIN_PANEL (object)->bindings);
  G_OBJECT_CLASS (ps_train_panel_parent_class)->finalize (object);
}

static void
ps_train_panel_class_init (PsTrainPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->set_property = ps_train_panel_set_property;
  object_class->get_property = ps_train_panel_get_property;
  object_class->dispose = ps_train_panel_dispose;
  object_class->finalize = ps_train_panel_finalize;
  properties[PROP_CONTROLLER] = g_param_spec_object ("controller", NULL, NULL, PS_TYPE_RUN_CONTROLLER,
                                                     G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                     | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
  g_type_ensure (PS_TYPE_LIVE_TEXT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-train-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, data_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, file_button);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, samples_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, loss_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, optimizer_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, momentum_row);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, momentum_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, wd_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, beta1_row);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, beta1_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, beta2_row);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, beta2_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, eps_row);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, eps_entry);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, run_button);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, speed_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, snap_every_spin);
  gtk_widget_class_bind_template_child (widget_class, PsTrainPanel, live_label);
}

static void
ps_train_panel_init (PsTrainPanel *p)
{

  gtk_widget_init_template (GTK_WIDGET (p));
  p->bindings = g_ptr_array_new_with_free_func (g_object_unref);
  gtk_label_set_text (GTK_LABEL (p->status_label), _("Not started"));
}

GtkWidget *
ps_train_panel_new (PsRunController *controller)
{
  return g_object_new (PS_TYPE_TRAIN_PANEL, "controller", controller, NULL);
}
