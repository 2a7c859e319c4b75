/* ps-notebook-view.c — a notebook's cells in the window, run with the window's Python */
#include "ps-notebook-view.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <string.h>

typedef struct
{
  GtkWidget *box;        /* the cell's widget (in cells_box) */
  GtkWidget *count, *source, *output, *output_scroller;   /* code cells only */
  guint      job;        /* queued or running: its id, else 0 */
  GString   *live;       /* printed so far while it runs */
} CellView;

struct _PsNotebookView
{
  GtkWidget     parent_instance;

  GtkWidget    *title_label, *scroller, *cells_box, *run_all_button, *restart_button;

  PsCodeRunner *runner;
  PsNotebook   *nb;
  char         *title;
  GArray       *cells;          /* CellView, one per notebook cell */
  GPtrArray    *retired;        /* notebooks replaced while their cells were queued */
  gboolean      running_all;
  guint         scroll_to, scroll_id;   /* a cell to show once laid out */
};

G_DEFINE_FINAL_TYPE (PsNotebookView, ps_notebook_view, GTK_TYPE_WIDGET)

/* ---- markdown ---------------------------------------------------------------------- */

/* Inline marks on escaped text: `code`, **bold**, *emphasis*. */
static void
append_inline (GString *out, const char *text)
{
  g_autofree char *esc = g_markup_escape_text (text, -1);
  gboolean code = FALSE, bold = FALSE, em = FALSE;

  for (const char *p = esc; *p; p++)
    {
      if (*p == '`')
        {
          g_string_append (out, code ? "</tt>" : "<tt>");
          code = !code;
        }
      else if (!code && p[0] == '*' && p[1] == '*')
        {
          g_string_append (out, bold ? "</b>" : "<b>");
          bold = !bold;
          p++;
        }
      else if (!code && *p == '*' && (em || (p[1] && p[1] != ' ')))
        {
          g_string_append (out, em ? "</i>" : "<i>");
          em = !em;
        }
      else
        g_string_append_c (out, *p);
    }
  /* a mark left open is closed, so the markup stays valid */
  if (em)
    g_string_append (out, "</i>");
  if (bold)
    g_string_append (out, "</b>");
  if (code)
    g_string_append (out, "</tt>");
}

char *
ps_markdown_to_pango (const char *markdown)
{
  static const char *const sizes[] = { "xx-large", "x-large", "large", "medium" };
  g_auto (GStrv) lines = g_strsplit (markdown ? markdown : "", "\n", -1);
  GString *out = g_string_new (NULL);
  gboolean in_par = FALSE, in_fence = FALSE;

  for (guint i = 0; lines[i]; i++)
    {
      char *line = lines[i];
      const char *s = line;
      int level = 0;

      g_strchomp (line);
      if (g_str_has_prefix (s, "```"))
        {
          in_fence = !in_fence;
          continue;
        }
      if (in_fence)
        {
          g_autofree char *esc = g_markup_escape_text (line, -1);
          g_string_append_printf (out, "%s<tt>%s</tt>", out->len ? "\n" : "", esc);
          continue;
        }
      while (*s == ' ')
        s++;
      if (*s == '\0')
        {
          in_par = FALSE;
          continue;
        }
      while (s[level] == '#')
        level++;
      if (level > 0 && s[level] == ' ')
        {
          g_string_append_printf (out, "%s<span size=\"%s\" weight=\"bold\">", out->len ? "\n\n" : "",
                                  sizes[MIN (level, 4) - 1]);
          append_inline (out, s + level + 1);
          g_string_append (out, "</span>");
          in_par = FALSE;
          continue;
        }
      if ((s[0] == '-' || s[0] == '*' || s[0] == '+') && s[1] == ' ')
        {
          g_string_append_printf (out, "%s%*s•  ", out->len ? "\n" : "", (int) (s - line), "");
          append_inline (out, s + 2);
          in_par = TRUE;
          continue;
        }
      if (g_ascii_isdigit (s[0]))
        {
          const char *d = s;
          while (g_ascii_isdigit (*d))
            d++;
          if ((*d == '.' || *d == ')') && d[1] == ' ')
            {
              g_string_append_printf (out, "%s%.*s  ", out->len ? "\n" : "", (int) (d - s + 1), s);
              append_inline (out, d + 2);
              in_par = TRUE;
              continue;
            }
        }
      /* a paragraph: its lines joined by spaces */
      if (in_par)
        g_string_append_c (out, ' ');
      else if (out->len)
        g_string_append (out, "\n\n");
      append_inline (out, s);
      in_par = TRUE;
    }
  return g_string_free (out, FALSE);
}

/* ---- cells ------------------------------------------------------------------------------ */

static void
cell_view_clear (gpointer p)
{
  CellView *cv = p;
  if (cv->live)
    g_string_free (cv->live, TRUE);
}

static CellView *
cell_view (PsNotebookView *view, guint i)
{
  return i < view->cells->len ? &g_array_index (view->cells, CellView, i) : NULL;
}

static int
cell_of_job (PsNotebookView *view, guint job)
{
  for (guint i = 0; job && i < view->cells->len; i++)
    if (g_array_index (view->cells, CellView, i).job == job)
      return (int) i;
  return -1;
}

static void
set_count (CellView *cv, const char *text)
{
  gtk_label_set_text (GTK_LABEL (cv->count), text);
}

static void
show_output (CellView *cv, const char *text, gboolean error)
{
  gtk_label_set_text (GTK_LABEL (cv->output), text ? text : "");
  gtk_widget_set_visible (cv->output_scroller, text && *text);
  if (error)
    gtk_widget_add_css_class (cv->output, "error");
  else
    gtk_widget_remove_css_class (cv->output, "error");
}

/* What cell i shows: printed text, then its value, then its error. */
static char *
compose_output (PsNotebook *nb, guint i, const char *error)
{
  GString *s = g_string_new (ps_notebook_cell_stdout (nb, i));
  const char *result = ps_notebook_cell_result (nb, i);

  if (result)
    g_string_append_printf (s, "%s\n", result);
  if (error)
    g_string_append (s, error);
  /* the label shows no trailing blank line */
  while (s->len > 0 && s->str[s->len - 1] == '\n')
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, FALSE);
}

void
ps_notebook_view_run_cell (PsNotebookView *view, guint i)
{
  CellView *cv;
  GtkTextIter a, b;
  g_autofree char *src = NULL;

  g_return_if_fail (PS_IS_NOTEBOOK_VIEW (view));
  cv = cell_view (view, i);
  if (view->runner == NULL || cv == NULL || cv->source == NULL || cv->job != 0)
    return;
  gtk_text_buffer_get_bounds (gtk_text_view_get_buffer (GTK_TEXT_VIEW (cv->source)), &a, &b);
  src = gtk_text_iter_get_text (&a, &b);
  ps_notebook_set_cell_source (view->nb, i, src);
  set_count (cv, "[*]:");
  g_string_truncate (cv->live, 0);
  cv->job = ps_code_runner_run_cell (view->runner, view->nb, i, view->title);
}

void
ps_notebook_view_run_all (PsNotebookView *view)
{
  g_return_if_fail (PS_IS_NOTEBOOK_VIEW (view));
  if (view->nb == NULL)
    return;
  view->running_all = TRUE;
  for (guint i = 0; i < view->cells->len; i++)
    if (ps_notebook_cell_kind (view->nb, i) == PS_CELL_CODE)
      ps_notebook_view_run_cell (view, i);
}

void
ps_notebook_view_restart (PsNotebookView *view)
{
  g_return_if_fail (PS_IS_NOTEBOOK_VIEW (view));
  view->running_all = FALSE;
  if (view->runner)
    ps_code_runner_restart (view->runner);
}

static void
on_output (PsCodeRunner *runner, guint job, const char *text, PsNotebookView *view)
{
  int i = cell_of_job (view, job);
  CellView *cv;

  if (i < 0)
    return;
  cv = cell_view (view, i);
  g_string_append (cv->live, text);
  show_output (cv, cv->live->str, FALSE);
}

static void
on_job_finished (PsCodeRunner *runner, guint job, gboolean ok, const char *result,
                 const char *error, PsNotebookView *view)
{
  int i = cell_of_job (view, job);
  CellView *cv;
  g_autofree char *text = NULL, *count = NULL;

  if (i < 0)
    return;
  cv = cell_view (view, i);
  cv->job = 0;
  if (!ok && error == NULL)
    {
      /* dropped from the queue (Stop, Restart, an earlier cell's error) */
      set_count (cv, "[ ]:");
      return;
    }
  text = compose_output (view->nb, i, error);
  show_output (cv, text, !ok);
  count = g_strdup_printf ("[%d]:", ps_notebook_cell_execution_count (view->nb, i));
  set_count (cv, count);
  if (!ok && view->running_all)
    {
      /* Run All stops at the first error, as nbconvert does */
      view->running_all = FALSE;
      ps_code_runner_stop (view->runner);
    }
  if (!ps_code_runner_is_running (runner))
    view->running_all = FALSE;
}

static void
on_running (PsCodeRunner *runner, GParamSpec *pspec, PsNotebookView *view)
{
  if (!ps_code_runner_is_running (runner) && view->retired->len > 0)
    g_ptr_array_set_size (view->retired, 0);
}

/* The code cell whose editor is w. */
static int
cell_of_editor (PsNotebookView *view, GtkWidget *w)
{
  for (guint i = 0; i < view->cells->len; i++)
    if (g_array_index (view->cells, CellView, i).source == w)
      return (int) i;
  return -1;
}

/* Cell i at the top of the view (after the next layout, when its place is known). */
static gboolean
scroll_now (gpointer data)
{
  PsNotebookView *view = data;
  GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (view->scroller));
  CellView *cv = cell_view (view, view->scroll_to);
  graphene_point_t p;

  view->scroll_id = 0;
  if (cv && gtk_widget_compute_point (cv->box, view->cells_box, &GRAPHENE_POINT_INIT (0, 0), &p))
    gtk_adjustment_set_value (adj, MAX (p.y - 40, 0));
  return G_SOURCE_REMOVE;
}

void
ps_notebook_view_scroll_to_cell (PsNotebookView *view, guint i)
{
  g_return_if_fail (PS_IS_NOTEBOOK_VIEW (view));
  view->scroll_to = i;
  if (view->scroll_id == 0)
    view->scroll_id = g_idle_add_full (G_PRIORITY_LOW, scroll_now, view, NULL);
}

static gboolean
on_editor_key (GtkEventControllerKey *k, guint keyval, guint keycode, GdkModifierType state,
               PsNotebookView *view)
{
  GtkWidget *editor = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (k));
  int i;

  if (keyval != GDK_KEY_Return && keyval != GDK_KEY_KP_Enter)
    return FALSE;
  if (!(state & (GDK_SHIFT_MASK | GDK_CONTROL_MASK)))
    return FALSE;
  i = cell_of_editor (view, editor);
  if (i < 0)
    return FALSE;
  ps_notebook_view_run_cell (view, i);
  if (state & GDK_SHIFT_MASK)
    {
      /* Shift+Enter: on to the next code cell, as in Jupyter */
      for (guint j = i + 1; j < view->cells->len; j++)
        {
          CellView *next = cell_view (view, j);
          if (next->source)
            {
              gtk_widget_grab_focus (next->source);
              ps_notebook_view_scroll_to_cell (view, j);
              break;
            }
        }
    }
  return TRUE;
}

static void
on_run_clicked (GtkButton *button, PsNotebookView *view)
{
  GtkWidget *box = gtk_widget_get_ancestor (GTK_WIDGET (button), GTK_TYPE_BOX);

  /* the button's row is in the cell's box */
  box = box ? gtk_widget_get_parent (box) : NULL;
  for (guint i = 0; box && i < view->cells->len; i++)
    if (g_array_index (view->cells, CellView, i).box == box)
      ps_notebook_view_run_cell (view, i);
}

/* Code wraps at any character, without the hyphens Pango adds inside a word
 * ("nn.Lin-ear" reads as code that is not there). */
static void
on_source_changed (GtkTextBuffer *buffer)
{
  GtkTextIter a, b;

  gtk_text_buffer_get_bounds (buffer, &a, &b);
  gtk_text_buffer_apply_tag_by_name (buffer, "no-hyphens", &a, &b);
}

static void
add_code_cell (PsNotebookView *view, CellView *cv, guint i)
{
  GtkTextBuffer *buffer;
  g_autoptr (GtkBuilder) b = gtk_builder_new_from_resource ("/org/paramscope/ParamScope/ps-notebook-cell.ui");
  GtkEventController *keys;
  int count = ps_notebook_cell_execution_count (view->nb, i);

  /* a reference of our own: the builder's goes with it */
  cv->box = g_object_ref (GTK_WIDGET (gtk_builder_get_object (b, "cell")));
  cv->count = GTK_WIDGET (gtk_builder_get_object (b, "count"));
  cv->source = GTK_WIDGET (gtk_builder_get_object (b, "source"));
  cv->output = GTK_WIDGET (gtk_builder_get_object (b, "output"));
  cv->output_scroller = GTK_WIDGET (gtk_builder_get_object (b, "output_scroller"));
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (cv->source));
  gtk_text_buffer_create_tag (buffer, "no-hyphens", "insert-hyphens", FALSE, NULL);
  g_signal_connect (buffer, "changed", G_CALLBACK (on_source_changed), NULL);
  gtk_text_buffer_set_text (buffer, ps_notebook_cell_source (view->nb, i), -1);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_editor_key), view);
  gtk_widget_add_controller (cv->source, keys);
  g_signal_connect (gtk_builder_get_object (b, "run_button"), "clicked",
                    G_CALLBACK (on_run_clicked), view);
  /* a notebook saved with its outputs shows them */
  if (count > 0)
    {
      g_autofree char *c = g_strdup_printf ("[%d]:", count);
      const PsPyError *e = ps_notebook_cell_error (view->nb, i);
      g_autofree char *etext = e ? ps_py_error_format (e) : NULL;
      g_autofree char *text = compose_output (view->nb, i, etext);
      set_count (cv, c);
      show_output (cv, text, e != NULL);
    }
}

static void
rebuild (PsNotebookView *view)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (view->cells_box)) != NULL)
    gtk_box_remove (GTK_BOX (view->cells_box), child);
  g_array_set_size (view->cells, 0);
  for (guint i = 0; view->nb && i < ps_notebook_get_n_cells (view->nb); i++)
    {
      CellView cv = { 0 };
      cv.live = g_string_new (NULL);
      if (ps_notebook_cell_kind (view->nb, i) == PS_CELL_CODE)
        add_code_cell (view, &cv, i);
      else
        {
          g_autofree char *markup = ps_markdown_to_pango (ps_notebook_cell_source (view->nb, i));
          cv.box = gtk_label_new (NULL);
          gtk_label_set_markup (GTK_LABEL (cv.box), markup);
          gtk_label_set_wrap (GTK_LABEL (cv.box), TRUE);
          gtk_label_set_wrap_mode (GTK_LABEL (cv.box), PANGO_WRAP_WORD_CHAR);
          gtk_label_set_xalign (GTK_LABEL (cv.box), 0);
          gtk_widget_add_css_class (cv.box, "ps-markdown");
        }
      gtk_box_append (GTK_BOX (view->cells_box), cv.box);
      if (cv.source)
        g_object_unref (cv.box);
      g_array_append_val (view->cells, cv);
    }
}

static gboolean
take_notebook (PsNotebookView *view, PsNotebook *nb, const char *title)
{
  if (nb == NULL)
    return FALSE;
  if (view->nb)
    {
      /* its queued cells are dropped; a running one finishes, then it goes */
      gboolean busy = view->runner && ps_code_runner_is_running (view->runner);
      for (guint i = 0; i < view->cells->len; i++)
        g_array_index (view->cells, CellView, i).job = 0;
      if (busy)
        {
          ps_code_runner_stop (view->runner);
          g_ptr_array_add (view->retired, view->nb);
        }
      else
        ps_notebook_free (view->nb);
    }
  view->nb = nb;
  view->running_all = FALSE;
  g_free (view->title);
  view->title = g_strdup (title);
  gtk_label_set_text (GTK_LABEL (view->title_label), title);
  gtk_widget_set_tooltip_text (view->title_label, title);
  rebuild (view);
  return TRUE;
}

gboolean
ps_notebook_view_load (PsNotebookView *view, const char *path, GError **error)
{
  g_autofree char *base = g_path_get_basename (path);

  g_return_val_if_fail (PS_IS_NOTEBOOK_VIEW (view) && path != NULL, FALSE);
  return take_notebook (view, ps_notebook_load (path, error), base);
}

gboolean
ps_notebook_view_load_text (PsNotebookView *view, const char *text, gboolean ipynb,
                            const char *name, GError **error)
{
  g_return_val_if_fail (PS_IS_NOTEBOOK_VIEW (view) && text != NULL, FALSE);
  return take_notebook (view, ps_notebook_parse (text, strlen (text), ipynb, name, error), name);
}

PsNotebook *
ps_notebook_view_get_notebook (PsNotebookView *view)
{
  g_return_val_if_fail (PS_IS_NOTEBOOK_VIEW (view), NULL);
  return view->nb;
}

const char *
ps_notebook_view_get_title (PsNotebookView *view)
{
  g_return_val_if_fail (PS_IS_NOTEBOOK_VIEW (view), NULL);
  return view->title;
}

char *
ps_notebook_view_get_cell_output (PsNotebookView *view, guint i)
{
  CellView *cv;

  g_return_val_if_fail (PS_IS_NOTEBOOK_VIEW (view), NULL);
  cv = cell_view (view, i);
  if (cv == NULL || cv->output == NULL || !gtk_widget_get_visible (cv->output_scroller))
    return NULL;
  return g_strdup (gtk_label_get_text (GTK_LABEL (cv->output)));
}

void
ps_notebook_view_set_runner (PsNotebookView *view, PsCodeRunner *runner)
{
  g_return_if_fail (PS_IS_NOTEBOOK_VIEW (view));
  if (view->runner)
    g_signal_handlers_disconnect_by_data (view->runner, view);
  g_set_object (&view->runner, runner);
  if (runner)
    {
      g_signal_connect (runner, "output", G_CALLBACK (on_output), view);
      g_signal_connect (runner, "job-finished", G_CALLBACK (on_job_finished), view);
      g_signal_connect (runner, "notify::running", G_CALLBACK (on_running), view);
    }
}

/* ---- the widget ---------------------------------------------------------------------------- */

static void
ps_notebook_view_dispose (GObject *object)
{
  PsNotebookView *view = PS_NOTEBOOK_VIEW (object);

  if (view->runner && ps_code_runner_is_running (view->runner))
    ps_code_runner_stop (view->runner);
  g_clear_handle_id (&view->scroll_id, g_source_remove);
  ps_notebook_view_set_runner (view, NULL);
  ps_ui_dispose_template (GTK_WIDGET (view), PS_TYPE_NOTEBOOK_VIEW);
  G_OBJECT_CLASS (ps_notebook_view_parent_class)->dispose (object);
}

static void
ps_notebook_view_finalize (GObject *object)
{
  PsNotebookView *view = PS_NOTEBOOK_VIEW (object);

  g_array_unref (view->cells);
  g_ptr_array_unref (view->retired);
  g_clear_pointer (&view->nb, ps_notebook_free);
  g_free (view->title);
  G_OBJECT_CLASS (ps_notebook_view_parent_class)->finalize (object);
}

static void
ps_notebook_view_class_init (PsNotebookViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ps_notebook_view_dispose;
  object_class->finalize = ps_notebook_view_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-notebook-view.ui");
  gtk_widget_class_bind_template_child (widget_class, PsNotebookView, title_label);
  gtk_widget_class_bind_template_child (widget_class, PsNotebookView, scroller);
  gtk_widget_class_bind_template_child (widget_class, PsNotebookView, cells_box);
  gtk_widget_class_bind_template_child (widget_class, PsNotebookView, run_all_button);
  gtk_widget_class_bind_template_child (widget_class, PsNotebookView, restart_button);
  gtk_widget_class_bind_template_callback (widget_class, ps_notebook_view_run_all);
  gtk_widget_class_bind_template_callback (widget_class, ps_notebook_view_restart);
}

static void
ps_notebook_view_init (PsNotebookView *view)
{
  gtk_widget_init_template (GTK_WIDGET (view));
  view->cells = g_array_new (FALSE, TRUE, sizeof (CellView));
  g_array_set_clear_func (view->cells, cell_view_clear);
  view->retired = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_notebook_free);
}
