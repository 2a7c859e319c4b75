/* ps-inspector.c — names, shape, statistics and histograms of the selection */
#include "ps-inspector.h"
#include "ps-histogram.h"
#include "ps-live-text.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

/* What initialized a parameter last, while its values are still those. */
typedef struct
{
  PsInitScheme *scheme;
  guint64       data_version;
  int64_t       fan_in;
} InitMark;

struct _PsInspector
{
  GtkWidget   parent_instance;

  PsDocument *doc;
  PsTreeNode *node;
  GHashTable *inits;            /* PsParam* -> InitMark* */
  char       *names_markup;     /* as last set */

  /* template children */
  GtkWidget  *names, *stats, *histogram;
};

G_DEFINE_FINAL_TYPE (PsInspector, ps_inspector, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_DOCUMENT, PROP_NODE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
init_mark_free (InitMark *m)
{
  ps_init_scheme_free (m->scheme);
  g_free (m);
}

static PsParam *
selected_param (PsInspector *inspector)
{
  return inspector->node ? ps_tree_node_get_param (inspector->node) : NULL;
}

/* ---- initializers ---------------------------------------------------------- */

void
ps_inspector_note_init (PsInspector *inspector, PsModule *module, PsParam *param,
                        PsInitTarget target, const PsInitScheme *scheme)
{
  g_autoptr (GPtrArray) sd = NULL;
  g_autofree char *text = NULL;
  g_autofree char *prefix = NULL;

  g_return_if_fail (PS_IS_INSPECTOR (inspector));
  g_return_if_fail (scheme != NULL);
  g_return_if_fail (inspector->doc != NULL);

  sd = ps_module_state_dict (ps_document_get_model (inspector->doc));
  text = ps_init_scheme_to_string (scheme);
  if (module)
    {
      g_autoptr (GPtrArray) mods = ps_module_named_modules (ps_document_get_model (inspector->doc));
      for (guint i = 0; i < mods->len; i++)
        if (((PsNamedModule *) mods->pdata[i])->module == module)
          prefix = g_strdup (((PsNamedModule *) mods->pdata[i])->name);
    }
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      gboolean is_bias = strcmp (np->slot, "bias") == 0;
      gboolean in_target;
      InitMark *m;
      if (param)
        in_target = np->param == param;
      else
        in_target = prefix && (*prefix == '\0' || g_str_has_prefix (np->name, prefix))
                    && !(target == PS_TARGET_WEIGHTS && is_bias)
                    && !(target == PS_TARGET_BIASES && !is_bias);
      if (!in_target || ps_param_get_data (np->param) == NULL)
        continue;
      m = g_new0 (InitMark, 1);
      m->scheme = ps_init_scheme_parse (text, NULL);
      m->data_version = ps_param_get_data_version (np->param);
      m->fan_in = ps_module_get_in_features (np->owner);
      if (m->scheme == NULL)
        {
          g_free (m);
          continue;
        }
      g_hash_table_replace (inspector->inits, np->param, m);
    }
  ps_inspector_refresh (inspector);
}

/* ---- histograms ------------------------------------------------------------ */

/* text in the widget's font (any script, and the interface's scale) with
 * its top-left (align 0) or top-right (align 1) at x, y; its height */
static int
show_text (cairo_t *cr, GtkWidget *widget, double x, double y, const char *text, double align,
           gboolean bold, double alpha)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (widget, NULL);
  g_autoptr (PangoAttrList) attrs = pango_attr_list_new ();
  GdkRGBA fg;
  int w, h;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  if (bold)
    pango_attr_list_insert (attrs, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  else
    pango_attr_list_insert (attrs, pango_attr_scale_new (0.85));
  pango_layout_set_attributes (layout, attrs);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, alpha * fg.alpha);
  cairo_move_to (cr, x - align * w, y);
  pango_cairo_show_layout (cr, layout);
  return h;
}

static void
draw_hist (cairo_t *cr, double x, double y, double w, double h, const PsTensor *t,
           const InitMark *mark, const char *title, const char *none, GtkWidget *widget)
{
  PsHistogram hist;
  const int bins = PS_LOG_HIST_BINS;
  int th = show_text (cr, widget, x, y, title, 0, TRUE, 1);
  char a[32], b[32];
  int lh;

  y += th + 4;
  if (t == NULL || !ps_histogram_compute (&hist, t, mark ? mark->scheme : NULL,
                                          mark ? mark->fan_in : 0))
    {
      /* what is missing, not an empty box under the heading */
      show_text (cr, widget, x, y, none, 0, FALSE, 0.6);
      return;
    }
  g_ascii_formatd (a, sizeof a, "%.3g", hist.bins.lo);
  g_ascii_formatd (b, sizeof b, "%.3g", hist.bins.hi);
  {
    g_autoptr (PangoLayout) probe = gtk_widget_create_pango_layout (widget, "0");
    pango_layout_get_pixel_size (probe, NULL, &lh);
  }
  h -= th + 4 + lh + 2;
  if (h < 4)
    return;
  /* bars */
  cairo_set_source_rgba (cr, 0.26, 0.58, 0.76, 0.85);
  for (int k = 0; k < bins; k++)
    {
      double bh = hist.peak > 0 ? h * hist.bins.count[k] / hist.peak : 0;
      cairo_rectangle (cr, x + w * k / bins, y + h - bh, w / bins - 1, bh);
    }
  cairo_fill (cr);
  /* the scheme's expected counts */
  if (hist.have_expect)
    {
      cairo_set_source_rgba (cr, 0.70, 0.09, 0.17, 1);
      cairo_set_line_width (cr, 2);
      for (int k = 0; k < bins; k++)
        {
          double px = x + w * (k + 0.5) / bins, py = y + h - h * hist.expect[k] / hist.peak;
          if (k == 0)
            cairo_move_to (cr, px, py);
          else
            cairo_line_to (cr, px, py);
        }
      cairo_stroke (cr);
    }
  /* the range, under the bars */
  show_text (cr, widget, x, y + h + 2, a, 0, FALSE, 0.7);
  show_text (cr, widget, x + w, y + h + 2, b, 1, FALSE, 0.7);
}

static void
draw_histograms (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  PsInspector *inspector = data;
  PsParam *param = selected_param (inspector);
  InitMark *mark;

  if (param == NULL)
    return;
  mark = g_hash_table_lookup (inspector->inits, param);
  if (mark && mark->data_version != ps_param_get_data_version (param))
    mark = NULL;             /* changed since: the scheme no longer describes it */
  draw_hist (cr, 0, 0, w, h / 2.0 - 6, ps_param_get_data (param), mark,
             mark ? _("Values, and what the initializer gives (line)") : _("Values"),
             _("uninitialized (lazy): run Forward"), GTK_WIDGET (area));
  draw_hist (cr, 0, h / 2.0 + 6, w, h / 2.0 - 6, ps_param_get_grad (param), NULL,
             _("Gradient"), _("grad is None (no backward yet)"), GTK_WIDGET (area));
}

/* ---- text ------------------------------------------------------------------ */

static void
append_stats (GString *s, const char *what, const PsTensor *t)
{
  PsStats st;
  if (t == NULL)
    return;
  ps_stats_compute (t->data, t->numel, &st);
  g_string_append_printf (s, "<b>%s</b>\n", what);
  g_string_append_printf (s, _("mean %.6g   std %.6g\nmin %.6g   max %.6g\nL2 norm %.6g   zeros %.1f%%\n"),
                          st.mean, st.std, st.min, st.max, st.l2,
                          st.n ? 100.0 * st.n_zero / st.n : 0.0);
  if (st.n_nan || st.n_posinf || st.n_neginf)
    g_string_append_printf (s, _("NaN %" PRId64 "   +Inf %" PRId64
                                 "   −Inf %" PRId64 "\n"),
                            st.n_nan, st.n_posinf, st.n_neginf);
}

/* A tied parameter's gradient as the sum of its uses' contributions (the
 * last Backward's), each named by the alias of that use. */
static void
append_uses (GString *s, PsDocument *doc, PsParam *param, GPtrArray *aliases, const PsTensor *g)
{
  g_autoptr (GPtrArray) uses = ps_document_get_use_grads (doc, param);
  double total = 0;

  if (uses == NULL || uses->len < 2)
    return;
  g_string_append_printf (s, "\n<b>%s</b>\n", _("Gradient by use (last Backward)"));
  for (guint i = 0; i < uses->len; i++)
    {
      const PsTensor *u = uses->pdata[i];
      g_autofree char *esc = NULL, *name = NULL;
      double l2 = 0;
      for (int64_t k = 0; k < u->numel; k++)
        l2 += (double) u->data[k] * u->data[k];
      total += u->numel ? u->data[0] : 0;
      name = uses->len == aliases->len ? g_strdup (aliases->pdata[i])
                                       : g_strdup_printf (_("use %u"), i + 1);
      esc = g_markup_escape_text (name, -1);
      /* TRANSLATORS: a use of a tied parameter, its first element and its L2 norm */
      g_string_append_printf (s, _("%s: [0] %.6g   L2 norm %.6g\n"), esc,
                              u->numel ? (double) u->data[0] : 0.0, sqrt (l2));
    }
  g_string_append_printf (s, _("sum of the uses: [0] %.6g"), total);
  if (ps_document_get_backward_passes (doc) > 1)
    g_string_append_printf (s, _("   (.grad [0] %.6g: %u backward passes)"), (double) g->data[0],
                            ps_document_get_backward_passes (doc));
  else
    g_string_append_printf (s, _("   = .grad [0] %.6g"), (double) g->data[0]);
  g_string_append_c (s, '\n');
}

/* What names and shapes the selection (a selectable label, set again only
 * when it changes) and its statistics (live text: redrawn at every frame
 * of a training run without a new layout of the window). */
void
ps_inspector_refresh (PsInspector *inspector)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GString) st = g_string_new (NULL);
  PsParam *param;
  PsModule *module;
  /* statistics read the whole tensor: not for a panel no one sees (they
   * are computed when it is shown) */
  gboolean stats;

  g_return_if_fail (PS_IS_INSPECTOR (inspector));

  param = selected_param (inspector);
  module = inspector->node ? ps_tree_node_get_module (inspector->node) : NULL;
  stats = gtk_widget_get_mapped (GTK_WIDGET (inspector));
  if (param && inspector->doc)
    {
      g_autoptr (GPtrArray) aliases = ps_module_param_aliases (ps_document_get_model (inspector->doc),
                                                               param);
      PsTensor *d = ps_param_get_data (param);
      g_string_append_printf (s, "<b>%s</b>\n", _("Names"));
      for (guint i = 0; i < aliases->len; i++)
        {
          g_autofree char *esc = g_markup_escape_text (aliases->pdata[i], -1);
          g_string_append_printf (s, "%s\n", esc);
        }
      if (d)
        {
          g_autofree char *shape = ps_shape_to_string (d->ndim, d->shape);
          g_string_append_printf (s, _("shape %s   %" PRId64 " elements\n"), shape, d->numel);
        }
      else
        g_string_append (s, _("uninitialized (lazy): run Forward\n"));
      g_string_append_printf (s, _("requires_grad %s"),
                              ps_param_get_requires_grad (param) ? "True" : "False");
      if (stats)
        {
          PsTensor *g = ps_param_get_grad (param);
          append_stats (st, _("Values"), d);
          if (g)
            {
              g_string_append_c (st, '\n');
              append_stats (st, _("Gradient"), g);
              append_uses (st, inspector->doc, param, aliases, g);
            }
          else
            g_string_append_printf (st, st->len ? "\n%s" : "%s", _("grad is None (no backward yet)"));
        }
    }
  else if (module)
    {
      guint lazy;
      int64_t n = ps_module_count_params (module, &lazy);
      g_autofree char *repr = ps_module_repr (module);
      g_autofree char *esc = g_markup_escape_text (repr, -1);
      g_string_append_printf (s, g_dngettext (NULL, "%'" PRId64 " parameter",
                                              "%'" PRId64 " parameters", n), n);
      if (lazy)
        g_string_append_printf (s, _(", %u uninitialized"), lazy);
      g_string_append_printf (s, "\n\n<tt>%s</tt>", esc);
    }
  if (g_strcmp0 (inspector->names_markup, s->str) != 0)
    {
      /* selectable: its markup kept through a selection; none selected */
      ps_ui_label_set_markup (GTK_LABEL (inspector->names), s->str);
      g_free (inspector->names_markup);
      inspector->names_markup = g_strdup (s->str);
    }
  if (!stats && param)
    return;                   /* the statistics keep their place until shown */
  gtk_widget_set_visible (inspector->stats, st->len > 0);
  ps_live_text_set_markup (PS_LIVE_TEXT (inspector->stats), st->str);
  gtk_widget_queue_draw (inspector->histogram);
}

/* A selectable label selects all of itself when it takes the focus (as it
 * does when its page is shown): leave it unselected, for the user to pick. */
static gboolean
unselect_idle (gpointer data)
{
  gtk_label_select_region (GTK_LABEL (data), 0, 0);
  return G_SOURCE_REMOVE;
}

static void
on_names_focus (GtkEventControllerFocus *c, gpointer data)
{
  GtkWidget *label = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (c));
  g_idle_add_full (G_PRIORITY_DEFAULT, unselect_idle, g_object_ref (label), g_object_unref);
}

/* ---- the document and the selection ------------------------------------------------ */

static void
on_model_replaced (PsInspector *inspector)
{
  g_hash_table_remove_all (inspector->inits);
}

void
ps_inspector_set_document (PsInspector *inspector, PsDocument *doc)
{
  g_return_if_fail (PS_IS_INSPECTOR (inspector));
  g_return_if_fail (doc == NULL || PS_IS_DOCUMENT (doc));

  if (inspector->doc == doc)
    return;
  if (inspector->doc)
    g_signal_handlers_disconnect_by_data (inspector->doc, inspector);
  g_set_object (&inspector->doc, doc);
  g_hash_table_remove_all (inspector->inits);
  if (doc)
    {
      g_signal_connect_swapped (doc, "model-replaced", G_CALLBACK (on_model_replaced), inspector);
      g_signal_connect_swapped (doc, "changed", G_CALLBACK (ps_inspector_refresh), inspector);
    }
  ps_inspector_refresh (inspector);
  g_object_notify_by_pspec (G_OBJECT (inspector), properties[PROP_DOCUMENT]);
}

void
ps_inspector_set_node (PsInspector *inspector, PsTreeNode *node)
{
  g_return_if_fail (PS_IS_INSPECTOR (inspector));
  g_return_if_fail (node == NULL || PS_IS_TREE_NODE (node));

  if (g_set_object (&inspector->node, node))
    g_object_notify_by_pspec (G_OBJECT (inspector), properties[PROP_NODE]);
  ps_inspector_refresh (inspector);
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ps_inspector_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PsInspector *inspector = PS_INSPECTOR (object);

  switch (id)
    {
    case PROP_DOCUMENT:
      ps_inspector_set_document (inspector, g_value_get_object (value));
      break;
    case PROP_NODE:
      ps_inspector_set_node (inspector, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_inspector_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsInspector *inspector = PS_INSPECTOR (object);

  switch (id)
    {
    case PROP_DOCUMENT:
      g_value_set_object (value, inspector->doc);
      break;
    case PROP_NODE:
      g_value_set_object (value, inspector->node);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_inspector_dispose (GObject *object)
{
  PsInspector *inspector = PS_INSPECTOR (object);

  if (inspector->doc)
    g_signal_handlers_disconnect_by_data (inspector->doc, inspector);
  g_clear_object (&inspector->doc);
  g_clear_object (&inspector->node);
  if (inspector->inits)
    g_hash_table_remove_all (inspector->inits);
  ps_ui_dispose_template (GTK_WIDGET (inspector), PS_TYPE_INSPECTOR);
  G_OBJECT_CLASS (ps_inspector_parent_class)->dispose (object);
}

static void
ps_inspector_finalize (GObject *object)
{
  PsInspector *inspector = PS_INSPECTOR (object);

  g_hash_table_unref (inspector->inits);
  g_free (inspector->names_markup);
  G_OBJECT_CLASS (ps_inspector_parent_class)->finalize (object);
}

static void
ps_inspector_class_init (PsInspectorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->set_property = ps_inspector_set_property;
  object_class->get_property = ps_inspector_get_property;
  object_class->dispose = ps_inspector_dispose;
  object_class->finalize = ps_inspector_finalize;
  properties[PROP_DOCUMENT] = g_param_spec_object ("document", NULL, NULL, PS_TYPE_DOCUMENT, flags);
  properties[PROP_NODE] = g_param_spec_object ("node", NULL, NULL, PS_TYPE_TREE_NODE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PS_TYPE_LIVE_TEXT);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-inspector.ui");
  gtk_widget_class_bind_template_child (widget_class, PsInspector, names);
  gtk_widget_class_bind_template_child (widget_class, PsInspector, stats);
  gtk_widget_class_bind_template_child (widget_class, PsInspector, histogram);
}

static void
ps_inspector_init (PsInspector *inspector)
{
  GtkEventController *focus = gtk_event_controller_focus_new ();

  gtk_widget_init_template (GTK_WIDGET (inspector));
  inspector->inits = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) init_mark_free);
  g_signal_connect (focus, "enter", G_CALLBACK (on_names_focus), NULL);
  gtk_widget_add_controller (inspector->names, focus);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (inspector->histogram), draw_histograms,
                                  inspector, NULL);
  /* shown: the statistics, computed only now */
  g_signal_connect (inspector, "map", G_CALLBACK (ps_inspector_refresh), NULL);
}

GtkWidget *
ps_inspector_new (PsDocument *doc)
{
  return g_object_new (PS_TYPE_INSPECTOR, "document", doc, NULL);
}
