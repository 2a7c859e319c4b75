/* ps-activations-page.c — each layer's activations after Forward (ps-activations-page.ui) */
#include "ps-activations-page.h"
#include "ps-matrix-view.h"
#include "ps-tile-source.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PsActivationsPage
{
  GtkBox      parent_instance;

  PsDocument *doc;                 /* ref, nullable */
  gulong      changed_id, replaced_id;
  GPtrArray  *modules;             /* PsModule* of each call (borrowed from the model) */
  guint       layer;
  int64_t     sample;
  gboolean    updating;            /* setting the controls from here */

  GtkWidget  *layer_dropdown, *sample_spin, *note, *stack, *view, *empty;
  GtkStringList *layers;
};

G_DEFINE_FINAL_TYPE (PsActivationsPage, ps_activations_page, GTK_TYPE_BOX)

static char *
shape_text (const PsTensor *t, int from)
{
  GString *s = g_string_new ("[");
  for (int i = from; i < t->ndim; i++)
    g_string_append_printf (s, i > from ? ", %lld" : "%lld", (long long) t->shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

/* The module's dotted name in the network ("features.0"), or its class. */
static char *
module_name (PsActivationsPage *page, PsModule *m)
{
  PsModule *model = ps_document_get_model (page->doc);
  g_autoptr (GPtrArray) named = model ? ps_module_named_modules (model) : NULL;

  for (guint i = 0; named && i < named->len; i++)
    {
      PsNamedModule *nm = named->pdata[i];
      if (nm->module == m)
        return g_strdup (*nm->name ? nm->name : ps_module_get_type_name (m));
    }
  return g_strdup (ps_module_get_type_name (m));
}

/* Show call page->layer, sample page->sample. */
static void
show_current (PsActivationsPage *page)
{
  guint n = page->modules->len;
  const PsTensor *out;
  PsModule *m = NULL;
  gboolean overwritten = FALSE;
  int64_t batch = 1;
  g_autoptr (PsTensor) one = NULL;
  g_autoptr (PsMatrixSource) src = NULL;
  g_autofree char *name = NULL, *title = NULL;

  out = n ? ps_document_get_activation (page->doc, page->layer, &m, &overwritten) : NULL;
  if (out == NULL || out->numel == 0)
    {
      ps_matrix_view_set_source (PS_MATRIX_VIEW (page->view), NULL);
      gtk_stack_set_visible_child (GTK_STACK (page->stack), page->empty);
      gtk_widget_set_sensitive (page->layer_dropdown, n > 0);
      gtk_widget_set_sensitive (page->sample_spin, FALSE);
      gtk_label_set_text (GTK_LABEL (page->note), "");
      return;
    }
  /* the batch is the first axis of every output the tape makes */
  if (out->ndim >= 2)
    {
      batch = out->shape[0];
      page->sample = CLAMP (page->sample, 0, batch - 1);
      one = ps_tensor_new (out->ndim - 1, out->shape + 1);
      if (one != NULL)
        memcpy (one->data, out->data + page->sample * one->numel,
                (size_t) one->numel * sizeof (float));
    }
  else
    {
      page->sample = 0;
      one = ps_tensor_copy (out);
    }
  page->updating = TRUE;
  gtk_spin_button_set_range (GTK_SPIN_BUTTON (page->sample_spin), 0, MAX (0, batch - 1));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (page->sample_spin), (double) page->sample);
  page->updating = FALSE;
  gtk_widget_set_sensitive (page->sample_spin, out->ndim >= 2 && batch > 1);
  gtk_widget_set_sensitive (page->layer_dropdown, TRUE);
  if (one == NULL)
    {
      ps_matrix_view_set_source (PS_MATRIX_VIEW (page->view), NULL);
      gtk_stack_set_visible_child (GTK_STACK (page->stack), page->empty);
      return;
    }
  name = module_name (page, m);
  /* TRANSLATORS: the title of a layer's activations, e.g. "conv1 output" */
  title = g_strdup_printf (_("%s output"), name);
  src = ps_tile_source_new_tensor (one, title, PS_TILE_MAPS, out->ndim >= 2 ? page->sample : -1);
  ps_matrix_view_replace_source (PS_MATRIX_VIEW (page->view), src);
  gtk_stack_set_visible_child (GTK_STACK (page->stack), page->view);
  if (overwritten)
    gtk_label_set_text (GTK_LABEL (page->note),
                        _("overwritten by the next in-place activation: shown after it"));
  else
    {
      g_autofree char *shape = shape_text (out, 0);
      gtk_label_set_text (GTK_LABEL (page->note), shape);
    }
}

void
ps_activations_page_refresh (PsActivationsPage *page)
{
  guint n;
  g_autoptr (GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);

  g_return_if_fail (PS_IS_ACTIVATIONS_PAGE (page));

  n = page->doc ? ps_document_get_n_activations (page->doc) : 0;
  g_ptr_array_set_size (page->modules, 0);
  for (guint i = 0; i < n; i++)
    {
      PsModule *m = NULL;
      const PsTensor *out = ps_document_get_activation (page->doc, i, &m, NULL);
      g_autofree char *name = module_name (page, m), *shape = shape_text (out, 1);
      g_ptr_array_add (page->modules, m);
      /* "features.0 · Conv2d  [6, 28, 28]": the name, the class, one sample's shape */
      g_ptr_array_add (labels, g_strdup_printf ("%u  %s · %s  %s", i + 1, name,
                                                ps_module_get_type_name (m), shape));
    }
  g_ptr_array_add (labels, NULL);
  page->updating = TRUE;
  {
    guint old = g_list_model_get_n_items (G_LIST_MODEL (page->layers));
    gboolean same = old == n;
    for (guint i = 0; same && i < n; i++)
      same = strcmp (gtk_string_list_get_string (page->layers, i), labels->pdata[i]) == 0;
    if (!same)
      gtk_string_list_splice (page->layers, 0, old, (const char *const *) labels->pdata);
  }
  page->layer = n ? MIN (page->layer, n - 1) : 0;
  if (n > 0)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (page->layer_dropdown), page->layer);
  page->updating = FALSE;
  show_current (page);
}

static void
on_doc_changed (PsActivationsPage *page)
{
  ps_activations_page_refresh (page);
}

static void
on_layer_selected (PsActivationsPage *page)
{
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (page->layer_dropdown));

  if (page->updating || i == GTK_INVALID_LIST_POSITION)
    return;
  page->layer = i;
  show_current (page);
}

static void
on_sample_changed (PsActivationsPage *page)
{
  if (page->updating)
    return;
  page->sample = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (page->sample_spin));
  show_current (page);
}

void
ps_activations_page_set_document (PsActivationsPage *page, PsDocument *doc)
{
  g_return_if_fail (PS_IS_ACTIVATIONS_PAGE (page));

  if (page->doc != NULL)
    {
      g_clear_signal_handler (&page->changed_id, page->doc);
      g_clear_signal_handler (&page->replaced_id, page->doc);
      g_clear_object (&page->doc);
    }
  if (doc != NULL)
    {
      page->doc = g_object_ref (doc);
      page->changed_id = g_signal_connect_swapped (doc, "changed", G_CALLBACK (on_doc_changed), page);
      page->replaced_id = g_signal_connect_swapped (doc, "model-replaced",
                                                    G_CALLBACK (on_doc_changed), page);
    }
  ps_activations_page_refresh (page);
}

void
ps_activations_page_follow (PsActivationsPage *page, PsModule *module)
{
  g_return_if_fail (PS_IS_ACTIVATIONS_PAGE (page));
  for (guint i = 0; module != NULL && i < page->modules->len; i++)
    if (page->modules->pdata[i] == module)
      {
        ps_activations_page_set_layer (page, i);
        return;
      }
}

void
ps_activations_page_set_layer (PsActivationsPage *page, guint index)
{
  g_return_if_fail (PS_IS_ACTIVATIONS_PAGE (page));
  if (page->modules->len == 0)
    return;
  page->layer = MIN (index, page->modules->len - 1);
  page->updating = TRUE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (page->layer_dropdown), page->layer);
  page->updating = FALSE;
  show_current (page);
}

guint
ps_activations_page_get_layer (PsActivationsPage *page)
{
  g_return_val_if_fail (PS_IS_ACTIVATIONS_PAGE (page), 0);
  return page->layer;
}

guint
ps_activations_page_get_n_layers (PsActivationsPage *page)
{
  g_return_val_if_fail (PS_IS_ACTIVATIONS_PAGE (page), 0);
  return page->modules->len;
}

void
ps_activations_page_set_sample (PsActivationsPage *page, int64_t sample)
{
  g_return_if_fail (PS_IS_ACTIVATIONS_PAGE (page));
  page->sample = MAX (sample, 0);
  show_current (page);
}

int64_t
ps_activations_page_get_sample (PsActivationsPage *page)
{
  g_return_val_if_fail (PS_IS_ACTIVATIONS_PAGE (page), 0);
  return page->sample;
}

GtkWidget *
ps_activations_page_get_view (PsActivationsPage *page)
{
  g_return_val_if_fail (PS_IS_ACTIVATIONS_PAGE (page), NULL);
  return page->view;
}

static void
ps_activations_page_dispose (GObject *object)
{
  PsActivationsPage *page = PS_ACTIVATIONS_PAGE (object);

  if (page->doc != NULL)
    {
      g_clear_signal_handler (&page->changed_id, page->doc);
      g_clear_signal_handler (&page->replaced_id, page->doc);
      g_clear_object (&page->doc);
    }
  if (page->modules != NULL)
    g_ptr_array_set_size (page->modules, 0);
  gtk_widget_dispose_template (GTK_WIDGET (page), PS_TYPE_ACTIVATIONS_PAGE);
  G_OBJECT_CLASS (ps_activations_page_parent_class)->dispose (object);
}

static void
ps_activations_page_finalize (GObject *object)
{
  g_ptr_array_unref (PS_ACTIVATIONS_PAGE (object)->modules);
  G_OBJECT_CLASS (ps_activations_page_parent_class)->finalize (object);
}

static void
ps_activations_page_class_init (PsActivationsPageClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ps_activations_page_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_activations_page_finalize;
  g_type_ensure (PS_TYPE_MATRIX_VIEW);
  gtk_widget_class_set_template_from_resource (wc, "/org/paramscope/ParamScope/ps-activations-page.ui");
  gtk_widget_class_bind_template_child (wc, PsActivationsPage, layer_dropdown);
  gtk_widget_class_bind_template_child (wc, PsActivationsPage, layers);
  gtk_widget_class_bind_template_child (wc, PsActivationsPage, sample_spin);
  gtk_widget_class_bind_template_child (wc, PsActivationsPage, note);
  gtk_widget_class_bind_template_child (wc, PsActivationsPage, stack);
  gtk_widget_class_bind_template_child (wc, PsActivationsPage, empty);
  gtk_widget_class_bind_template_child (wc, PsActivationsPage, view);
  gtk_widget_class_bind_template_callback (wc, on_layer_selected);
  gtk_widget_class_bind_template_callback (wc, on_sample_changed);
}

/* The drop-down's items: a label each; on the button (the chosen layer) it
 * ellipsizes, so a long name ("1  rnn · GRU  [16, 32]") never makes the
 * page, and with it the centre's notebook, wider than the centre; the
 * list that opens shows every name whole. */
static void
setup_layer_item (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer ellipsize)
{
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label), 0);
  if (GPOINTER_TO_INT (ellipsize))
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_list_item_set_child (item, label);
}

static void
bind_layer_item (GtkSignalListItemFactory *factory, GtkListItem *item, gpointer data)
{
  GtkStringObject *s = gtk_list_item_get_item (item);

  gtk_label_set_text (GTK_LABEL (gtk_list_item_get_child (item)), gtk_string_object_get_string (s));
}

static GtkListItemFactory *
layer_factory (gboolean ellipsize)
{
  GtkListItemFactory *f = gtk_signal_list_item_factory_new ();

  g_signal_connect (f, "setup", G_CALLBACK (setup_layer_item), GINT_TO_POINTER (ellipsize));
  g_signal_connect (f, "bind", G_CALLBACK (bind_layer_item), NULL);
  return f;
}

static void
ps_activations_page_init (PsActivationsPage *page)
{
  g_autoptr (GtkListItemFactory) button = layer_factory (TRUE);
  g_autoptr (GtkListItemFactory) list = layer_factory (FALSE);

  page->modules = g_ptr_array_new ();
  gtk_widget_init_template (GTK_WIDGET (page));
  gtk_drop_down_set_factory (GTK_DROP_DOWN (page->layer_dropdown), button);
  gtk_drop_down_set_list_factory (GTK_DROP_DOWN (page->layer_dropdown), list);
  gtk_stack_set_visible_child (GTK_STACK (page->stack), page->empty);
}

GtkWidget *
ps_activations_page_new (void)
{
  return g_object_new (PS_TYPE_ACTIVATIONS_PAGE, NULL);
}
