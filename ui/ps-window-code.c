/* ps-window-code.c — the window's Python: the Console under the views, the
 * Notebook view in the side panel, Stop, and files opened as notebooks
 *
 * One PsCodeRunner runs both (one namespace, as one Jupyter kernel with its
 * console).  While code runs, the document refuses the mouse's changes
 * (the status line says why), win.stop (Escape, and the Stop buttons)
 * interrupts it, and the status line says what ran.
 */
#include "ps-window-private.h"
#include "ps-console.h"
#include "ps-file-chooser.h"
#include "ps-notebook-view.h"

#include <glib/gi18n.h>
#include <string.h>

/* ---- running ------------------------------------------------------------------------ */

static void
on_running (PsCodeRunner *runner, GParamSpec *pspec, PsWindow *win)
{
  gboolean running = ps_code_runner_is_running (runner);

  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.stop", running);
  if (running)
    ps_window_set_status (win, _("Running code… Escape stops it"), FALSE);
}

static void
on_job_finished (PsCodeRunner *runner, guint id, gboolean ok, const char *result,
                 const char *error, PsWindow *win)
{
  if (ps_code_runner_is_running (runner))
    return;
  if (error && g_str_has_prefix (strrchr (error, '\n') ? error : error, "Traceback")
      && strstr (error, "KeyboardInterrupt"))
    ps_window_set_status (win, _("Stopped (KeyboardInterrupt). What the code changed so far is "
                                 "shown; Undo puts it back."), TRUE);
  else if (error)
    {
      /* the error's last line: "NameError: name 'x' is not defined" */
      g_autofree char *text = g_strstrip (g_strdup (error));
      const char *last = strrchr (text, '\n');
      ps_window_set_status (win, last ? last + 1 : text, TRUE);
    }
}

static void
run_stop (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);

  if (ps_code_runner_is_running (win->runner))
    ps_code_runner_stop (win->runner);
}

/* ---- the training settings as code ------------------------------------------------------ */

static char *
num (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", v));
}

/* "optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)": the
 * Train panel's settings as the PyTorch lines that make the same choice. */
static gboolean
say_settings (gpointer data)
{
  static const char *const losses[] = { "lambda y, t: y.sum()", "nn.MSELoss()",
                                        "nn.CrossEntropyLoss()", "nn.NLLLoss()",
                                        "nn.BCEWithLogitsLoss()" };
  PsWindow *win = data;
  guint optimizer, loss;
  double lr, momentum, wd, beta1, beta2;
  g_autofree char *eps = NULL, *lr_s = NULL, *m_s = NULL, *wd_s = NULL, *b1 = NULL, *b2 = NULL;
  g_autoptr (GString) code = g_string_new (NULL);
  const char *net = ps_document_get_model_name (win->doc);

  win->settings_code_id = 0;
  g_object_get (win->controller, "optimizer", &optimizer, "loss", &loss, "learning-rate", &lr,
                "momentum", &momentum, "weight-decay", &wd, "beta1", &beta1, "beta2", &beta2,
                "eps", &eps, NULL);
  lr_s = num (lr);
  if (optimizer == PS_OPTIM_ADAM)
    {
      b1 = num (beta1);
      b2 = num (beta2);
      g_string_append_printf (code, "optimizer = torch.optim.Adam(%s.parameters(), lr=%s, "
                              "betas=(%s, %s), eps=%s", net ? net : "net", lr_s, b1, b2, eps);
    }
  else
    {
      g_string_append_printf (code, "optimizer = torch.optim.SGD(%s.parameters(), lr=%s",
                              net ? net : "net", lr_s);
      if (momentum != 0)
        {
          m_s = num (momentum);
          g_string_append_printf (code, ", momentum=%s", m_s);
        }
    }
  if (wd != 0)
    {
      wd_s = num (wd);
      g_string_append_printf (code, ", weight_decay=%s", wd_s);
    }
  g_string_append (code, ")\n");
  if (loss < G_N_ELEMENTS (losses))
    g_string_append_printf (code, "loss_fn = %s\n", losses[loss]);
  ps_console_show_code (PS_CONSOLE (win->console), code->str);
  return G_SOURCE_REMOVE;
}

/* A setting changed: said once they settle (a typed number changes it per key). */
static void
on_setting (GObject *controller, GParamSpec *pspec, PsWindow *win)
{
  g_clear_handle_id (&win->settings_code_id, g_source_remove);
  win->settings_code_id = g_timeout_add (500, say_settings, win);
}

/* ---- notebooks ------------------------------------------------------------------------- */

static void
show_notebook (PsWindow *win)
{
  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "notebook");
}

gboolean
ps_window_open_notebook (PsWindow *win, const char *path, GError **error)
{
  GError *local = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *msg = NULL;

  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  if (!ps_notebook_view_load (PS_NOTEBOOK_VIEW (win->notebook_view), path, &local))
    {
      ps_window_set_status (win, local->message, TRUE);
      g_propagate_error (error, local);
      return FALSE;
    }
  show_notebook (win);
  msg = g_strdup_printf (_("opened the notebook %s: Shift+Enter runs a cell"), base);
  ps_window_set_status (win, msg, FALSE);
  return TRUE;
}

/* An .ipynb, or a .py with `# %%` cells. */
gboolean
ps_window_file_is_notebook (const char *path)
{
  g_autofree char *text = NULL;

  if (g_str_has_suffix (path, ".ipynb"))
    return TRUE;
  return g_str_has_suffix (path, ".py") && g_file_get_contents (path, &text, NULL, NULL)
         && (g_str_has_prefix (text, "# %%") || strstr (text, "\n# %%") != NULL);
}

/* A notebook (ps_window_file_is_notebook), or a model file (a model file
 * with a mistake shows the model reader's file:line:column). */
gboolean
ps_window_open_file (PsWindow *win, const char *path, GError **error)
{
  g_autoptr (GError) model_error = NULL;

  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  if (ps_window_file_is_notebook (path))
    return ps_window_open_notebook (win, path, error);
  if (ps_document_load_model_file (win->doc, path, &model_error))
    return TRUE;
  ps_window_set_status (win, model_error->message, TRUE);
  g_propagate_error (error, g_steal_pointer (&model_error));
  return FALSE;
}

gboolean
ps_window_open_lesson (PsWindow *win, const char *lang, GError **error)
{
  /* "en", "zh": the PyTorch lesson; "keras-en", "keras-zh": the Keras one */
  g_autofree char *name = g_strdup_printf ("%s%s.ipynb", strchr (lang, '-') ? "" : "parameters-", lang);
  g_autofree char *res = g_strdup_printf ("/org/paramscope/ParamScope/lessons/%s", name);
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  bytes = g_resources_lookup_data (res, 0, error);
  if (bytes == NULL)
    return FALSE;
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  if (!ps_notebook_view_load_text (PS_NOTEBOOK_VIEW (win->notebook_view), text, TRUE, name, error))
    return FALSE;
  show_notebook (win);
  ps_window_set_status (win, _("opened the lesson notebook: Shift+Enter runs a cell, Run All runs "
                               "them all"), FALSE);
  return TRUE;
}

static void
run_lesson (GtkWidget *w, const char *action, GVariant *param)
{
  g_autoptr (GError) error = NULL;

  if (!ps_window_open_lesson (PS_WINDOW (w), g_variant_get_string (param, NULL), &error))
    ps_window_set_status (PS_WINDOW (w), error->message, TRUE);
}

static void
on_notebook_chosen (GtkWindow *parent, const char *path, gpointer data)
{
  ps_window_open_notebook (PS_WINDOW (parent), path, NULL);   /* shows its error */
}

static void
run_open_notebook (GtkWidget *w, const char *action, GVariant *param)
{
  ps_file_chooser_run (GTK_WINDOW (w), _("Open a Notebook"), FALSE, PS_FILES_NOTEBOOK,
                       on_notebook_chosen, NULL);
}

/* ---- drag and drop --------------------------------------------------------------------------- */

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, PsWindow *win)
{
  GSList *files;
  g_autofree char *path = NULL;

  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  files = g_value_get_boxed (value);
  if (files == NULL || (path = g_file_get_path (files->data)) == NULL)
    return FALSE;
  /* a model file over changed values asks first (a notebook opens beside them) */
  ps_window_replace_network (win, PS_WINDOW_REPLACE_MODEL_FILE, path, NULL);
  return TRUE;
}

PsCodeRunner *
ps_window_get_code_runner (PsWindow *win)
{
  g_return_val_if_fail (PS_IS_WINDOW (win), NULL);
  return win->runner;
}

/* ---- the window's part ------------------------------------------------------------------------ */

void
ps_window_code_class_init (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.stop", NULL, run_stop);
  gtk_widget_class_install_action (widget_class, "win.open-notebook", NULL, run_open_notebook);
  gtk_widget_class_install_action (widget_class, "win.lesson", "s", run_lesson);
  /* first: while nothing runs, win.stop is disabled and Escape goes on to the others */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.stop", NULL);
}

void
ps_window_code_init (PsWindow *win)
{
  GtkDropTarget *drop;

  win->runner = ps_code_runner_new (win->doc);
  ps_console_set_runner (PS_CONSOLE (win->console), win->runner, win->doc);
  ps_notebook_view_set_runner (PS_NOTEBOOK_VIEW (win->notebook_view), win->runner);
  {
    /* The Console is shown on request (main menu, Ctrl+`): closed, the views
     * keep the window's height (the heatmaps are what a projected room reads). */
    GPropertyAction *shown = g_property_action_new ("console", win->console, "visible");
    g_action_map_add_action (G_ACTION_MAP (win), G_ACTION (shown));
    g_object_unref (shown);
  }
  g_signal_connect (win->runner, "notify::running", G_CALLBACK (on_running), win);
  g_signal_connect (win->runner, "job-finished", G_CALLBACK (on_job_finished), win);
  {
    static const char *const settings[] = { "optimizer", "loss", "learning-rate", "momentum",
                                            "weight-decay", "beta1", "beta2", "eps" };
    for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
      {
        g_autofree char *signal = g_strdup_printf ("notify::%s", settings[i]);
        g_signal_connect (win->controller, signal, G_CALLBACK (on_setting), win);
      }
  }
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.stop", FALSE);

  drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), win);
  gtk_widget_add_controller (GTK_WIDGET (win), GTK_EVENT_CONTROLLER (drop));
}

void
ps_window_code_dispose (PsWindow *win)
{
  g_clear_handle_id (&win->settings_code_id, g_source_remove);
  if (win->runner == NULL)
    return;
  if (win->controller)
    g_signal_handlers_disconnect_by_func (win->controller, on_setting, win);
  ps_code_runner_stop (win->runner);
  g_signal_handlers_disconnect_by_data (win->runner, win);
  if (win->console)
    ps_console_set_runner (PS_CONSOLE (win->console), NULL, NULL);
  if (win->notebook_view)
    ps_notebook_view_set_runner (PS_NOTEBOOK_VIEW (win->notebook_view), NULL);
  g_clear_object (&win->runner);
}
