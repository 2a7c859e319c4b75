/* ps-window-actions.c — the window's commands: every win.* action
 *
 * Menus, buttons and shortcuts all activate these; each reads what it
 * needs from the panels' forms, goes through the document (so it can be
 * undone) or the run controller, and says its result or refusal in the
 * status line.
 */
#include "ps-window-private.h"
#include "ps-edit-panel.h"
#include "ps-file-chooser.h"
#include "ps-matrix-view.h"
#include "ps-init-panel.h"
#include "ps-inspector.h"
#include "ps-run-panel.h"
#include "ps-tile-source.h"
#include "ps-data.h"

#include <glib/gi18n.h>
#include <string.h>

static int64_t view_element (GtkWidget *view, int64_t row, int64_t col, int64_t flat);

static void
show_error (PsWindow *win, const GError *error)
{
  ps_window_set_status (win, error->message, TRUE);
}

/* ---- forward, backward, the lesson's step by hand ------------------------------ */

static void
run_forward (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_forward (win->doc, &error))
    show_error (win, error);
}

static void
run_backward (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_backward (win->doc, ps_run_panel_get_loss (PS_RUN_PANEL (win->run_panel)), &error))
    show_error (win, error);
}

static void
run_zero_grad (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_zero_grad (win->doc, &error))
    show_error (win, error);
}

static void
run_step (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_sgd_step (win->doc, ps_run_panel_get_learning_rate (PS_RUN_PANEL (win->run_panel)),
                             &error))
    show_error (win, error);
}

static void
run_new_input (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  PsRunPanel *run = PS_RUN_PANEL (win->run_panel);

  ps_document_set_random_input (win->doc, ps_run_panel_get_batch (run), ps_run_panel_get_seed (run));
  if (ps_data_input_tokens (ps_document_get_model (win->doc)) > 0)
    ps_window_set_status (win, _("new random input: token indices (torch.randint)"), FALSE);
  else
    ps_window_set_status (win, _("new random input (torch.rand)"), FALSE);
}

/* The Train panel's data (the digits, the character sequence, a file...) as
 * the input: Forward then shows, in Activations, what each layer makes of
 * a digit rather than of noise.  A large set is made by the Train panel's
 * worker; the input is set when it is there. */
static void
on_input_data_made (GObject *source, GAsyncResult *result, gpointer data)
{
  g_autoptr (PsWindow) win = data;
  PsRunPanel *run = PS_RUN_PANEL (win->run_panel);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  int64_t n;

  if (!ps_run_controller_make_data_finish (PS_RUN_CONTROLLER (source), result, &x, &t, &error))
    {
      /* abandoned (Pause, a setting changed, asked again): nothing to say */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_error (win, error);
      return;
    }
  n = MIN (ps_run_panel_get_batch (run), x->shape[0]);
  ps_document_set_input (win->doc, x, n);
  text = g_strdup_printf (g_dngettext (NULL, "input: the first %d sample of the training data",
                                       "input: the first %d samples of the training data", (gulong) n),
                          (int) n);
  ps_window_set_status (win, text, FALSE);
}

static void
run_input_from_data (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  ps_run_controller_make_data_async (win->controller, on_input_data_made, g_object_ref (win));
  if (ps_run_controller_is_making_data (win->controller))
    ps_window_set_status (win, _("Making the training data for the input…"), FALSE);
}

/* ---- history ------------------------------------------------------------------ */

static void
run_undo (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  if (ps_document_get_busy (win->doc))
    ps_window_set_status (win, ps_document_get_busy (win->doc), TRUE);
  else
    ps_document_undo (win->doc);
}

static void
run_redo (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  if (ps_document_get_busy (win->doc))
    ps_window_set_status (win, ps_document_get_busy (win->doc), TRUE);
  else
    ps_document_redo (win->doc);
}

/* ---- initialize ------------------------------------------------------------------ */

/* An initialization, remembered for the inspector's expected density. */
static gboolean
initialize (PsWindow *win, PsModule *module, PsParam *param, PsInitTarget target,
            const PsInitScheme *scheme, guint64 seed, GError **error)
{
  if (!ps_document_initialize (win->doc, module, param, target, scheme, seed, error))
    return FALSE;
  ps_inspector_note_init (PS_INSPECTOR (win->inspector), module, param, target, scheme);
  return TRUE;
}

static void
run_init (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  PsInitPanel *panel = PS_INIT_PANEL (win->init_panel);
  PsParam *selected = ps_window_get_selected_param (win);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsInitScheme) s = ps_init_panel_get_scheme (panel, &error);

  g_autofree char *scheme = NULL, *again = NULL;
  const char *last;

  if (s == NULL
      || !initialize (win, selected || !win->selected ? NULL : ps_tree_node_get_module (win->selected),
                      selected, ps_init_panel_get_target (panel), s, ps_init_panel_get_seed (panel),
                      &error))
    {
      show_error (win, error);
      return;
    }
  /* the same scheme, target, selection and seed draw the same values again */
  scheme = ps_init_scheme_to_string (s);
  again = g_strdup_printf ("%s|%d|%s|%" G_GUINT64_FORMAT, scheme, (int) ps_init_panel_get_target (panel),
                           win->selected ? ps_tree_node_get_key (win->selected) : "",
                           ps_init_panel_get_seed (panel));
  last = g_object_get_data (G_OBJECT (win), "ps-last-init");
  if (g_strcmp0 (last, again) == 0)
    {
      g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, ps_init_panel_get_seed (panel));
      g_autofree char *msg = g_strdup_printf (_("the same values as the last time: seed %s is "
                                                "unchanged (New Seed draws others)"), seed);
      ps_window_set_status (win, msg, FALSE);
    }
  g_object_set_data_full (G_OBJECT (win), "ps-last-init", g_steal_pointer (&again), g_free);
}

/* The lesson's cells, as presets: each one undoable step, named as the
 * lesson writes it. */
static void
run_preset (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  const char *name = g_variant_get_string (param, NULL);
  PsModule *model = ps_document_get_model (win->doc);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsInitScheme) a = NULL, b = NULL;
  guint64 seed = ps_init_panel_get_seed (PS_INIT_PANEL (win->init_panel));
  PsInitStep steps[2];
  guint n = 2;
  const char *label;

  if (strcmp (name, "init_normal") == 0 || strcmp (name, "init_constant") == 0)
    {
      gboolean normal = strcmp (name, "init_normal") == 0;
      a = ps_init_scheme_parse (normal ? "normal(mean=0, std=0.01)" : "constant(1)", NULL);
      b = ps_init_scheme_parse ("zeros()", NULL);
      steps[0] = (PsInitStep) { model, PS_TARGET_WEIGHTS, a };
      steps[1] = (PsInitStep) { model, PS_TARGET_BIASES, b };
      label = normal ? "net.apply(init_normal)" : "net.apply(init_constant)";
    }
  else if (strcmp (name, "xavier_42") == 0)
    {
      PsModule *m0 = ps_module_index (model, 0, NULL), *m2 = ps_module_index (model, 2, NULL);
      if (m0 == NULL || m2 == NULL)
        {
          ps_window_set_status (win, _("this preset needs net[0] and net[2] (the lesson's MLP)"), TRUE);
          return;
        }
      a = ps_init_scheme_parse ("xavier_uniform()", NULL);
      b = ps_init_scheme_parse ("constant(42)", NULL);
      steps[0] = (PsInitStep) { m0, PS_TARGET_WEIGHTS, a };
      steps[1] = (PsInitStep) { m2, PS_TARGET_WEIGHTS, b };
      label = "net[0].apply(init_xavier); net[2].apply(init_42)";
    }
  else
    {
      a = ps_init_scheme_parse ("d2l_custom()", NULL);
      steps[0] = (PsInitStep) { model, PS_TARGET_WEIGHTS, a };
      n = 1;
      label = "net.apply(my_init)";
    }
  if (!ps_document_initialize_steps (win->doc, steps, n, seed, label, &error))
    {
      show_error (win, error);
      return;
    }
  for (guint i = 0; i < n; i++)
    ps_inspector_note_init (PS_INSPECTOR (win->inspector), steps[i].module, NULL, steps[i].target,
                            steps[i].scheme);
}

/* ---- edit ------------------------------------------------------------------------ */

static void
run_edit (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  const char *op = g_variant_get_string (param, NULL);
  PsParam *selected = ps_window_get_selected_param (win);
  g_autoptr (GError) error = NULL;
  float v;
  gboolean ok;

  if (selected == NULL)
    {
      ps_window_set_status (win, _("select a parameter first"), TRUE);
      return;
    }
  if (!ps_edit_panel_get_value (PS_EDIT_PANEL (win->edit_panel), &v))
    {
      ps_window_set_status (win, _("not a finite number"), TRUE);
      return;
    }
  if (strcmp (op, "add") == 0)
    ok = ps_document_add_constant (win->doc, selected, v, &error);
  else if (strcmp (op, "fill") == 0)
    ok = ps_document_fill (win->doc, selected, v, &error);
  else
    {
      int64_t row = ps_matrix_view_get_selected_row (PS_MATRIX_VIEW (win->data_view));
      int64_t col = ps_matrix_view_get_selected_col (PS_MATRIX_VIEW (win->data_view));
      int64_t rows, cols;
      PsTensor *t = ps_param_get_data (selected);
      if (t == NULL || row < 0 || col < 0)
        {
          ps_window_set_status (win, _("select a cell in the heatmap first"), TRUE);
          return;
        }
      ps_heatmap_shape (t->ndim, t->shape, &rows, &cols);
      ok = ps_document_set_element (win->doc, selected,
                                    view_element (win->data_view, row, col, row * cols + col), v,
                                    &error);
    }
  if (!ok)
    show_error (win, error);
}

/* The parameter's element at a cell of a heatmap: through the tiles of a
 * tiled view (-1 in a gap), else `flat`, the cell of the plain matrix. */
static int64_t
view_element (GtkWidget *view, int64_t row, int64_t col, int64_t flat)
{
  PsMatrixSource *src = ps_matrix_view_get_source (PS_MATRIX_VIEW (view));

  if (src != NULL && PS_IS_TILE_SOURCE (src))
    return ps_tile_source_get_element (PS_TILE_SOURCE (src), row, col);
  return flat;
}

void
ps_window_on_edit_requested (PsMatrixView *view, gint64 index, gfloat value, PsWindow *win)
{
  PsParam *selected = ps_window_get_selected_param (win);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) aliases = NULL;
  g_autoptr (GString) others = g_string_new (NULL);
  g_autofree char *msg = NULL;

  PsMatrixShape shape;

  /* a tiled view's cell is the parameter's element through its tiles */
  if (ps_matrix_source_get_shape (ps_matrix_view_get_source (view), &shape))
    index = view_element (GTK_WIDGET (view), index / shape.cols, index % shape.cols, index);
  if (!ps_document_set_element (win->doc, selected, index, value, &error))
    {
      ps_matrix_view_show_error (view, error->message);
      show_error (win, error);
      return;
    }
  /* say which other names changed with it */
  aliases = ps_module_param_aliases (ps_document_get_model (win->doc), selected);
  if (aliases->len <= 1)
    return;
  for (guint i = 0; i < aliases->len; i++)
    if (g_strcmp0 (aliases->pdata[i], ps_tree_node_get_key (win->selected)) != 0)
      g_string_append_printf (others, "%s%s", others->len ? ", " : "", (char *) aliases->pdata[i]);
  msg = g_strdup_printf (_("%s changed with it (tied)"), others->str);
  ps_window_set_status (win, msg, FALSE);
}

/* ---- opening over unsaved edits ------------------------------------------------------ */

typedef struct
{
  PsWindow       *win;
  PsWindowReplace kind;
  char           *what;     /* the example's name, the file's path, or the model's text */
  GtkWidget      *paste;    /* the paste dialog the text came from, or NULL */
} Replace;

static void
replace_free (gpointer data, GClosure *closure)
{
  Replace *r = data;
  g_free (r->what);
  g_clear_object (&r->paste);
  g_free (r);
}

/* The paste dialog's text could not be read: it stays, with the reason. */
static void
paste_error (GtkWidget *dialog, const GError *error)
{
  GtkWidget *err = g_object_get_data (G_OBJECT (dialog), "error");
  gtk_label_set_text (GTK_LABEL (err), error->message);
  gtk_widget_set_visible (err, TRUE);
}

static void
replace_now (PsWindow *win, PsWindowReplace kind, const char *what, GtkWidget *paste)
{
  g_autoptr (GError) error = NULL;

  switch (kind)
    {
    case PS_WINDOW_REPLACE_EXAMPLE:
      if (!ps_window_open_example (win, what, &error))
        show_error (win, error);
      break;
    case PS_WINDOW_REPLACE_MODEL_FILE:
      ps_window_open_file (win, what, NULL);       /* shows its error */
      break;
    case PS_WINDOW_REPLACE_MODEL_TEXT:
      if (!ps_document_load_model_text (win->doc, what, _("pasted"), &error))
        {
          if (paste)
            paste_error (paste, error);      /* keep the dialog and the text */
          else
            show_error (win, error);
          return;
        }
      if (paste)
        gtk_window_destroy (GTK_WINDOW (paste));
      break;
    }
}

static void
on_replace_response (GtkDialog *dialog, int response, Replace *r)
{
  if (response == GTK_RESPONSE_ACCEPT)
    replace_now (r->win, r->kind, r->what, r->paste);
  else
    ps_window_set_status (r->win, _("kept the changed network"), FALSE);
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* Another network in place of this one: asked first when its values
 * changed since they were opened or saved (nothing is lost unasked),
 * whichever way it comes (Examples, Open, a dropped file, pasted text). */
void
ps_window_replace_network (PsWindow *win, PsWindowReplace kind, const char *what, GtkWidget *paste)
{
  GtkWidget *dialog;
  Replace *r;

  if (!ps_document_is_modified (win->doc)
      || (kind == PS_WINDOW_REPLACE_MODEL_FILE && ps_window_file_is_notebook (what)))
    {
      replace_now (win, kind, what, paste);
      return;
    }
  r = g_new0 (Replace, 1);
  r->win = win;
  r->kind = kind;
  r->what = g_strdup (what);
  r->paste = paste ? g_object_ref (paste) : NULL;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  /* over the paste dialog, when the text comes from there */
  dialog = gtk_message_dialog_new (GTK_WINDOW (paste ? paste : GTK_WIDGET (win)),
                                   GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                   GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                   _("Discard the changes to %s?"), ps_document_get_title (win->doc));
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog), "%s",
                                            _("Its values changed since they were opened or saved. "
                                              "Save Weights keeps them."));
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), _("_Cancel"), GTK_RESPONSE_CANCEL,
                          _("_Discard and Open"), GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_signal_connect_data (dialog, "response", G_CALLBACK (on_replace_response), r, replace_free, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* ---- files (ps-file-chooser.h) ----------------------------------------------------- */

typedef enum { OPEN_MODEL, OPEN_WEIGHTS, OPEN_INPUT, SAVE_WEIGHTS, EXPORT_PNG, OPEN_DATA,
               OPEN_RUN_FOLDER } FileOp;

static const struct
{
  const char *action, *title;
  gboolean    save;
  PsFileKind  kind;
} file_ops[] = {
  [OPEN_MODEL] = { "win.open-model", N_("Open a Model"), FALSE, PS_FILES_MODEL },
  [OPEN_WEIGHTS] = { "win.open-weights", N_("Open Weights"), FALSE, PS_FILES_SAFETENSORS },
  [OPEN_INPUT] = { "win.open-input", N_("Open Input"), FALSE, PS_FILES_SAFETENSORS },
  [SAVE_WEIGHTS] = { "win.save-weights", N_("Save Weights"), TRUE, PS_FILES_SAFETENSORS },
  [EXPORT_PNG] = { "win.export-png", N_("Export Heatmap as PNG"), TRUE, PS_FILES_PNG },
  [OPEN_DATA] = { "win.train-open-data", N_("Training Data"), FALSE, PS_FILES_SAFETENSORS },
  [OPEN_RUN_FOLDER] = { "win.open-run-folder", N_("Open a Run’s Folder of Checkpoints"), FALSE,
                        PS_FILES_FOLDER },
};

static void
on_file_chosen (GtkWindow *parent, const char *path, gpointer data)
{
  PsWindow *win = PS_WINDOW (parent);
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL, *msg = NULL;

  switch ((FileOp) GPOINTER_TO_INT (data))
    {
    case OPEN_MODEL:
      ps_window_replace_network (win, PS_WINDOW_REPLACE_MODEL_FILE, path, NULL);
      return;
    case OPEN_WEIGHTS:
      ps_window_open_weights (win, path, NULL);
      return;
    case OPEN_RUN_FOLDER:
      ps_window_open_run_folder (win, path, NULL);     /* the window says why not */
      return;
    case OPEN_INPUT:
      if (ps_document_load_input (win->doc, path, &error))
        ps_window_set_status (win, _("input loaded"), FALSE);
      break;
    case SAVE_WEIGHTS:
      if (ps_document_save_weights (win->doc, path, &error))
        ps_window_set_status (win, _("weights saved"), FALSE);
      break;
    case EXPORT_PNG:
      if (ps_matrix_view_export_png (PS_MATRIX_VIEW (win->data_view), path, &error))
        ps_window_set_status (win, _("heatmap exported"), FALSE);
      break;
    case OPEN_DATA:
      if (!ps_run_controller_load_data (win->controller, path, NULL))
        return;                 /* the controller's "error" says why */
      base = g_path_get_basename (path);
      msg = g_strdup_printf (_("Training data from %s"), base);
      ps_window_set_status (win, msg, FALSE);
      return;
    }
  if (error)
    show_error (win, error);
}

static void
run_file (GtkWidget *w, const char *action, GVariant *param)
{
  for (guint i = 0; i < G_N_ELEMENTS (file_ops); i++)
    if (strcmp (action, file_ops[i].action) == 0)
      ps_file_chooser_run (GTK_WINDOW (w), _(file_ops[i].title), file_ops[i].save,
                           file_ops[i].kind, on_file_chosen, GINT_TO_POINTER (i));
}

/* ---- paste, examples, the name ------------------------------------------------------ */

static void
on_paste_response (GtkDialog *dialog, int response, PsWindow *win)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      GtkTextView *tv = g_object_get_data (G_OBJECT (dialog), "text");
      GtkTextBuffer *buf = gtk_text_view_get_buffer (tv);
      GtkTextIter a, b;
      g_autofree char *text = NULL;
      gtk_text_buffer_get_bounds (buf, &a, &b);
      text = gtk_text_buffer_get_text (buf, &a, &b, FALSE);
      /* the dialog goes when the text became the network */
      ps_window_replace_network (win, PS_WINDOW_REPLACE_MODEL_TEXT, text, GTK_WIDGET (dialog));
      return;
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

/* The dialog (ps-paste-dialog.ui) lives no longer than the window: it is
 * destroyed with its parent. */
static void
run_paste (GtkWidget *w, const char *action, GVariant *param)
{
  g_autoptr (GtkBuilder) b = gtk_builder_new_from_resource ("/org/paramscope/ParamScope/ps-paste-dialog.ui");
  GtkWidget *dialog = GTK_WIDGET (gtk_builder_get_object (b, "dialog"));

  gtk_window_set_transient_for (GTK_WINDOW (dialog), GTK_WINDOW (w));
  g_object_set_data (G_OBJECT (dialog), "text", gtk_builder_get_object (b, "text"));
  g_object_set_data (G_OBJECT (dialog), "error", gtk_builder_get_object (b, "error"));
  g_signal_connect (dialog, "response", G_CALLBACK (on_paste_response), w);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
run_example (GtkWidget *w, const char *action, GVariant *param)
{
  ps_window_replace_network (PS_WINDOW (w), PS_WINDOW_REPLACE_EXAMPLE, g_variant_get_string (param, NULL),
                             NULL);
}

static void
run_copy_path (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autofree char *path = win->selected ? ps_tree_node_get_index_path (win->selected) : NULL;

  if (path)
    {
      gdk_clipboard_set_text (gtk_widget_get_clipboard (w), path);
      ps_window_set_status (win, path, FALSE);
    }
}

/* ---- training (ps-run-controller.h) ------------------------------------------------ */

static void
run_train_toggle (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);

  double speed;
  guint64 limit;

  g_object_get (win->controller, "speed", &speed, NULL);
  /* at a watching pace a run stops by itself; flat out runs until paused */
  limit = speed > 0 ? PS_WINDOW_TEACHING_STEPS : 0;
  if (ps_run_controller_is_running (win->controller))
    ps_run_controller_pause (win->controller);
  else if (ps_run_controller_run (win->controller, limit, NULL))     /* "error" says why not */
    {
      g_autofree char *msg = NULL;
      /* from any page: show what is running and how to pause it */
      gtk_widget_activate_action (w, "win.show-panel", "s", "train");
      if (limit)
        msg = g_strdup_printf (_("training at %g steps/s for up to %u steps (Ctrl+T pauses; "
                                 "Speed sets the pace)"), speed, (guint) limit);
      else
        msg = g_strdup (_("training as fast as it goes… (Ctrl+T pauses)"));
      ps_window_set_status (win, msg, FALSE);
    }
}

static void
run_train_step (GtkWidget *w, const char *action, GVariant *param)
{
  ps_run_controller_step (PS_WINDOW (w)->controller, NULL);
}

static void
run_train_reset (GtkWidget *w, const char *action, GVariant *param)
{
  ps_run_controller_reset (PS_WINDOW (w)->controller);
}

static void
run_train_snapshot (GtkWidget *w, const char *action, GVariant *param)
{
  ps_run_controller_take_snapshot (PS_WINDOW (w)->controller, NULL);
}

/* ---- pages ----------------------------------------------------------------------- */

static const char *const panel_names[] = { "run", "initialize", "edit", "inspect", "train",
                                           "notebook" };

static void
show_page (GtkWidget *notebook, const char *const *names, guint n, const char *name)
{
  for (guint i = 0; i < n; i++)
    if (strcmp (name, names[i]) == 0)
      gtk_notebook_set_current_page (GTK_NOTEBOOK (notebook), (int) i);
}

static void
run_show_panel (GtkWidget *w, const char *action, GVariant *param)
{
  ps_window_show_side_panel (PS_WINDOW (w));
  show_page (PS_WINDOW (w)->panels, panel_names, G_N_ELEMENTS (panel_names),
             g_variant_get_string (param, NULL));
}

/* A view is found by its page's widget name (ps-window.ui), not by its
 * position, so a new tab does not shift the others' names. */
static void
run_show_view (GtkWidget *w, const char *action, GVariant *param)
{
  GtkNotebook *views = GTK_NOTEBOOK (PS_WINDOW (w)->views);
  const char *name = g_variant_get_string (param, NULL);

  for (int i = 0; i < gtk_notebook_get_n_pages (views); i++)
    if (g_strcmp0 (gtk_widget_get_name (gtk_notebook_get_nth_page (views, i)), name) == 0)
      gtk_notebook_set_current_page (views, i);
}

/* ---- the Keyboard Shortcuts window ------------------------------------------- */

/* Built the first time it is asked for, not with the window, and destroyed when
 * it is closed, never kept hidden.  GTK 4.8's AT-SPI root answers
 * GetChildAtIndex with an index past its visible windows by the last toplevel of
 * its list (gtkatspiroot.c, the loop that does not break), and a toplevel that
 * was never shown, or was shown and hidden again (its accessible object leaves
 * the bus with it), has no object path: that NULL went into a D-Bus reply and the
 * app died in g_variant_new.  A screen reader with a stale child count asks
 * exactly that (the monkey's walks did, after Ctrl+? and Escape:
 * tests/ui/a11y-root.py).  So no window of the app stays alive hidden. */
static gboolean
on_help_close_request (GtkWindow *help, GtkApplicationWindow *win)
{
  /* GTK's own close would only hide it (the help overlay is hide-on-close) */
  gtk_application_window_set_help_overlay (win, NULL);   /* destroys it */
  return TRUE;
}

static void
run_show_help_overlay (GtkWidget *w, const char *action, GVariant *param)
{
  GtkApplicationWindow *win = GTK_APPLICATION_WINDOW (w);
  GtkShortcutsWindow *help = gtk_application_window_get_help_overlay (win);

  if (help == NULL)
    {
      g_autoptr (GtkBuilder) b =
        gtk_builder_new_from_resource ("/org/paramscope/ParamScope/shortcuts.ui");

      help = GTK_SHORTCUTS_WINDOW (gtk_builder_get_object (b, "help_overlay"));
      /* modal, transient for the window, gone with it or when closed */
      gtk_application_window_set_help_overlay (win, help);
      g_signal_connect_object (help, "close-request", G_CALLBACK (on_help_close_request), win,
                               0);
    }
  gtk_window_present (GTK_WINDOW (help));
}

void
ps_window_class_add_actions (GtkWidgetClass *widget_class)
{
  static const struct { const char *name, *param; GtkWidgetActionActivateFunc run; } actions[] = {
    { "win.forward", NULL, run_forward },
    { "win.backward", NULL, run_backward },
    { "win.zero-grad", NULL, run_zero_grad },
    { "win.step", NULL, run_step },
    { "win.new-input", NULL, run_new_input },
    { "win.undo", NULL, run_undo },
    { "win.redo", NULL, run_redo },
    { "win.init", NULL, run_init },
    { "win.preset", "s", run_preset },
    { "win.edit", "s", run_edit },
    { "win.example", "s", run_example },
    { "win.paste-model", NULL, run_paste },
    { "win.copy-path", NULL, run_copy_path },
    { "win.open-model", NULL, run_file },
    { "win.open-weights", NULL, run_file },
    { "win.open-run-folder", NULL, run_file },
    { "win.open-input", NULL, run_file },
    { "win.input-from-data", NULL, run_input_from_data },
    { "win.save-weights", NULL, run_file },
    { "win.export-png", NULL, run_file },
    { "win.train-toggle", NULL, run_train_toggle },
    { "win.train-step", NULL, run_train_step },
    { "win.train-reset", NULL, run_train_reset },
    { "win.train-snapshot", NULL, run_train_snapshot },
    { "win.train-open-data", NULL, run_file },
    { "win.show-panel", "s", run_show_panel },
    { "win.show-view", "s", run_show_view },
    { "win.show-help-overlay", NULL, run_show_help_overlay },
  };

  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i].name, actions[i].param, actions[i].run);
}
