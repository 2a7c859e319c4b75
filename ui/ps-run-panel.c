/* ps-run-panel.c — the Run panel's controls and the document's output */
#include "ps-run-panel.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <math.h>

struct _PsRunPanel
{
  GtkWidget   parent_instance;

  PsDocument *doc;

  /* template children */
  GtkWidget  *input_label, *batch_spin, *seed_spin, *loss_dropdown, *lr_spin, *output_label;
};

G_DEFINE_FINAL_TYPE (PsRunPanel, ps_run_panel, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_DOCUMENT, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* The top-left corner of a matrix: enough to see it changed. */
static void
format_tensor (GString *s, const PsTensor *t)
{
  int64_t rows, cols;
  ps_heatmap_shape (t->ndim, t->shape, &rows, &cols);
  g_string_append (s, "tensor([");
  for (int64_t r = 0; r < MIN (rows, 8); r++)
    {
      g_string_append (s, r ? ",\n        [" : "[");
      for (int64_t c = 0; c < MIN (cols, 6); c++)
        g_string_append_printf (s, c ? ", %.4f" : "%.4f", t->data[r * cols + c]);
      if (cols > 6)
        g_string_append (s, ", ...");
      g_string_append_c (s, ']');
    }
  if (rows > 8)
    g_string_append (s, ",\n        ...");
  g_string_append (s, "])");
}

static void
update_output (PsRunPanel *p)
{
  const PsTensor *y = p->doc ? ps_document_get_output (p->doc) : NULL;
  g_autoptr (GString) s = g_string_new (NULL);

  if (y == NULL)
    g_string_append (s, _("No output yet: press Forward."));
  else
    {
      g_autofree char *shape = ps_shape_to_string (y->ndim, y->shape);
      g_string_append_printf (s, _("output %s\n"), shape);
      format_tensor (s, y);
      if (!isnan (ps_document_get_loss (p->doc)))
        g_string_append_printf (s, _("\nloss %.6g"), ps_document_get_loss (p->doc));
      /* computed from values that have changed since */
      if (ps_document_output_is_stale (p->doc))
        g_string_prepend (s, _("stale: the parameters changed after this Forward\n"));
    }
  gtk_label_set_text (GTK_LABEL (p->output_label), s->str);
  if (y && ps_document_output_is_stale (p->doc))
    gtk_widget_add_css_class (p->output_label, "ps-stale");
  else
    gtk_widget_remove_css_class (p->output_label, "ps-stale");
}

/* The heading: the call that made the input Forward feeds (an N-d input for a
 * convolution, token indices for an Embedding), as the document says it. */
static void
update_input (PsRunPanel *p)
{
  const char *code = p->doc ? ps_document_get_input_code (p->doc) : NULL;
  g_autofree char *text = NULL;

  /* TRANSLATORS: the Run panel's heading; %s is the code that made the input,
   * "X = torch.rand(2, 1, 28, 28)" */
  text = g_strdup_printf (_("Input  %s"), code ? code : "X = torch.rand(batch, in)");
  gtk_label_set_text (GTK_LABEL (p->input_label), text);
}

void
ps_run_panel_set_document (PsRunPanel *p, PsDocument *doc)
{
  g_return_if_fail (PS_IS_RUN_PANEL (p));
  g_return_if_fail (doc == NULL || PS_IS_DOCUMENT (doc));

  if (p->doc == doc)
    return;
  if (p->doc)
    g_signal_handlers_disconnect_by_data (p->doc, p);
  g_set_object (&p->doc, doc);
  if (doc)
    {
      g_signal_connect_swapped (doc, "model-replaced", G_CALLBACK (update_output), p);
      g_signal_connect_swapped (doc, "changed", G_CALLBACK (update_output), p);
      g_signal_connect_swapped (doc, "notify::input-code", G_CALLBACK (update_input), p);
    }
  update_output (p);
  update_input (p);
  g_object_notify_by_pspec (G_OBJECT (p), properties[PROP_DOCUMENT]);
}

int64_t
ps_run_panel_get_batch (PsRunPanel *p)
{
  g_return_val_if_fail (PS_IS_RUN_PANEL (p), 1);
  return gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (p->batch_spin));
}

guint64
ps_run_panel_get_seed (PsRunPanel *p)
{
  g_return_val_if_fail (PS_IS_RUN_PANEL (p), 0);
  return (guint64) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (p->seed_spin));
}

PsLossKind
ps_run_panel_get_loss (PsRunPanel *p)
{
  g_return_val_if_fail (PS_IS_RUN_PANEL (p), PS_LOSS_SUM);
  return gtk_drop_down_get_selected (GTK_DROP_DOWN (p->loss_dropdown)) == 1 ? PS_LOSS_MSE
                                                                             : PS_LOSS_SUM;
}

double
ps_run_panel_get_learning_rate (PsRunPanel *p)
{
  g_return_val_if_fail (PS_IS_RUN_PANEL (p), 0);
  return gtk_spin_button_get_value (GTK_SPIN_BUTTON (p->lr_spin));
}

static void
ps_run_panel_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id == PROP_DOCUMENT)
    ps_run_panel_set_document (PS_RUN_PANEL (object), g_value_get_object (value));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_run_panel_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_DOCUMENT)
    g_value_set_object (value, PS_RUN_PANEL (object)->doc);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_run_panel_dispose (GObject *object)
{
  PsRunPanel *p = PS_RUN_PANEL (object);

  ps_run_panel_set_document (p, NULL);
  ps_ui_dispose_template (GTK_WIDGET (p), PS_TYPE_RUN_PANEL);
  G_OBJECT_CLASS (ps_run_panel_parent_class)->dispose (object);
}

static void
ps_run_panel_class_init (PsRunPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->set_property = ps_run_panel_set_property;
  object_class->get_property = ps_run_panel_get_property;
  object_class->dispose = ps_run_panel_dispose;
  properties[PROP_DOCUMENT] = g_param_spec_object ("document", NULL, NULL, PS_TYPE_DOCUMENT,
                                                   G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                   | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-run-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PsRunPanel, input_label);
  gtk_widget_class_bind_template_child (widget_class, PsRunPanel, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, PsRunPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, PsRunPanel, loss_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsRunPanel, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, PsRunPanel, output_label);
}

static void
ps_run_panel_init (PsRunPanel *p)
{
  gtk_widget_init_template (GTK_WIDGET (p));
  update_output (p);
  update_input (p);
}

GtkWidget *
ps_run_panel_new (PsDocument *doc)
{
  return g_object_new (PS_TYPE_RUN_PANEL, "document", doc, NULL);
}
