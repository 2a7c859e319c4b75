/* ps-console.c — the Console: Python typed line by line, and the code of the mouse's commands */
#include "ps-console.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_HISTORY 500
#define MAX_LOG_CHARS (256 * 1024)   /* older text is dropped beyond this */

struct _PsConsole
{
  GtkWidget     parent_instance;

  GtkWidget    *scroller, *log_view, *prompt, *entry, *stop_button;
  GtkTextBuffer *log;
  GtkTextMark  *end_mark;

  PsCodeRunner *runner;
  PsDocument   *doc;
  GHashTable   *jobs;        /* the ids of the jobs typed here */
  GPtrArray    *history;     /* char*, oldest first */
  int           history_pos; /* history->len: the line being typed */
  char         *typed;       /* the line being typed, kept while walking the history */
  GString      *block;       /* the lines of an open block (after "for ...:") */
};

G_DEFINE_FINAL_TYPE (PsConsole, ps_console, GTK_TYPE_WIDGET)

/* ---- the log ------------------------------------------------------------------------ */

static void
append (PsConsole *c, const char *text, const char *tag)
{
  GtkTextIter end, from;
  int start;

  gtk_text_buffer_get_end_iter (c->log, &end);
  start = gtk_text_iter_get_offset (&end);
  if (tag)
    gtk_text_buffer_insert_with_tags_by_name (c->log, &end, text, -1, tag, NULL);
  else
    gtk_text_buffer_insert (c->log, &end, text, -1);
  /* wrapped anywhere, but without hyphens that are not in the code */
  gtk_text_buffer_get_iter_at_offset (c->log, &from, start);
  gtk_text_buffer_get_end_iter (c->log, &end);
  gtk_text_buffer_apply_tag_by_name (c->log, "no-hyphens", &from, &end);
  if (gtk_text_buffer_get_char_count (c->log) > MAX_LOG_CHARS)
    {
      GtkTextIter first, cut;
      gtk_text_buffer_get_start_iter (c->log, &first);
      gtk_text_buffer_get_iter_at_offset (c->log, &cut, MAX_LOG_CHARS / 4);
      gtk_text_iter_forward_line (&cut);
      gtk_text_buffer_delete (c->log, &first, &cut);
    }
  gtk_text_buffer_get_end_iter (c->log, &end);
  gtk_text_buffer_move_mark (c->log, c->end_mark, &end);
  gtk_text_view_scroll_mark_onscreen (GTK_TEXT_VIEW (c->log_view), c->end_mark);
}

/* Code shown as typed: ">>> " on its first line, "... " on the others. */
static void
append_code (PsConsole *c, const char *code, const char *tag)
{
  g_auto (GStrv) lines = g_strsplit (code, "\n", -1);
  guint n = g_strv_length (lines);

  while (n > 0 && *lines[n - 1] == '\0')
    n--;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = g_strdup_printf ("%s%s\n", i ? "... " : ">>> ", lines[i]);
      append (c, line, tag);
    }
}

char *
ps_console_get_text (PsConsole *c)
{
  GtkTextIter a, b;

  g_return_val_if_fail (PS_IS_CONSOLE (c), NULL);
  gtk_text_buffer_get_bounds (c->log, &a, &b);
  return gtk_text_buffer_get_text (c->log, &a, &b, FALSE);
}

/* ---- running -------------------------------------------------------------------------- */

static void
on_output (PsCodeRunner *runner, guint id, const char *text, PsConsole *c)
{
  if (g_hash_table_contains (c->jobs, GUINT_TO_POINTER (id)))
    append (c, text, NULL);
}

static void
on_job_finished (PsCodeRunner *runner, guint id, gboolean ok, const char *result,
                 const char *error, PsConsole *c)
{
  if (!g_hash_table_remove (c->jobs, GUINT_TO_POINTER (id)))
    return;
  if (result)
    {
      append (c, result, NULL);
      append (c, "\n", NULL);
    }
  if (error)
    append (c, error, "error");
  else if (!ok)
    append (c, _("(not run: stopped)\n"), "error");
}

/* The code of a mouse command: shown, not run again (it is done already). */
static void
on_doc_code (PsDocument *doc, const char *code, PsConsole *c)
{
  if (code && *code)
    append_code (c, code, "window");
}

void
ps_console_show_code (PsConsole *c, const char *code)
{
  g_return_if_fail (PS_IS_CONSOLE (c));
  if (code && *code)
    append_code (c, code, "window");
}

static void
run (PsConsole *c, const char *src)
{
  guint id;

  if (c->runner == NULL)
    return;
  id = ps_code_runner_run_source (c->runner, src, "<console>");
  g_hash_table_add (c->jobs, GUINT_TO_POINTER (id));
}

static void
add_history (PsConsole *c, const char *line)
{
  if (*line && (c->history->len == 0
                || strcmp (c->history->pdata[c->history->len - 1], line) != 0))
    g_ptr_array_add (c->history, g_strdup (line));
  if (c->history->len > MAX_HISTORY)
    g_ptr_array_remove_index (c->history, 0);
  c->history_pos = c->history->len;
  g_clear_pointer (&c->typed, g_free);
}

/* A line that opens a block ("for p in net.parameters():") waits for its
 * body; an empty line ends it, as in Python's own console. */
static gboolean
opens_block (const char *line)
{
  g_autofree char *s = g_strstrip (g_strdup (line));
  return g_str_has_suffix (s, ":") && s[0] != '#';
}

void
ps_console_submit (PsConsole *c, const char *line)
{
  g_return_if_fail (PS_IS_CONSOLE (c) && line != NULL);
  add_history (c, line);
  if (c->block->len > 0)
    {
      append (c, "... ", "input");
      append (c, line, "input");
      append (c, "\n", NULL);
      if (*line != '\0')
        {
          g_string_append_printf (c->block, "%s\n", line);
          return;
        }
      run (c, c->block->str);
      g_string_truncate (c->block, 0);
      gtk_label_set_text (GTK_LABEL (c->prompt), ">>>");
      return;
    }
  append (c, ">>> ", "input");
  append (c, line, "input");
  append (c, "\n", NULL);
  if (opens_block (line))
    {
      g_string_append_printf (c->block, "%s\n", line);
      gtk_label_set_text (GTK_LABEL (c->prompt), "...");
      return;
    }
  if (*line != '\0')
    run (c, line);
}

static void
on_activate (GtkEntry *entry, PsConsole *c)
{
  g_autofree char *line = g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry)));

  gtk_editable_set_text (GTK_EDITABLE (entry), c->block->len > 0 ? "    " : "");
  gtk_editable_set_position (GTK_EDITABLE (entry), -1);
  ps_console_submit (c, line);
}

/* ---- history and completion ------------------------------------------------------------- */

static void
walk_history (PsConsole *c, int step)
{
  int pos = c->history_pos + step;
  const char *text;

  if (pos < 0 || pos > (int) c->history->len)
    return;
  if (c->history_pos == (int) c->history->len)
    {
      g_free (c->typed);
      c->typed = g_strdup (gtk_editable_get_text (GTK_EDITABLE (c->entry)));
    }
  c->history_pos = pos;
  text = pos == (int) c->history->len ? (c->typed ? c->typed : "") : c->history->pdata[pos];
  gtk_editable_set_text (GTK_EDITABLE (c->entry), text);
  gtk_editable_set_position (GTK_EDITABLE (c->entry), -1);
}

static void
complete (PsConsole *c)
{
  GtkEditable *e = GTK_EDITABLE (c->entry);
  int cursor = gtk_editable_get_position (e);
  g_autofree char *before = gtk_editable_get_chars (e, 0, cursor);
  g_auto (GStrv) names = NULL;
  gsize start = 0;
  guint n;
  size_t common;

  if (c->runner == NULL)
    return;
  names = ps_code_runner_complete (c->runner, before, &start);
  n = names ? g_strv_length (names) : 0;
  if (n == 0)
    return;
  /* the longest prefix the names share */
  common = strlen (names[0]);
  for (guint i = 1; i < n; i++)
    {
      size_t k = 0;
      while (k < common && names[i][k] == names[0][k])
        k++;
      common = k;
    }
  if (common > strlen (before) - start)
    {
      g_autofree char *add = g_strndup (names[0] + (strlen (before) - start),
                                        common - (strlen (before) - start));
      int pos = cursor;
      gtk_editable_insert_text (e, add, -1, &pos);
      gtk_editable_set_position (e, pos);
    }
  else if (n > 1)
    {
      /* nothing more in common: show the choices */
      g_autofree char *list = g_strjoinv ("  ", names);
      append (c, list, "dim");
      append (c, "\n", NULL);
    }
}

static gboolean
on_key (GtkEventControllerKey *k, guint keyval, guint keycode, GdkModifierType state,
        PsConsole *c)
{
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
    return FALSE;
  switch (keyval)
    {
    case GDK_KEY_Up:
      walk_history (c, -1);
      return TRUE;
    case GDK_KEY_Down:
      walk_history (c, +1);
      return TRUE;
    case GDK_KEY_Tab:
      {
        /* in an open block, Tab at the line's start indents */
        const char *text = gtk_editable_get_text (GTK_EDITABLE (c->entry));
        int cursor = gtk_editable_get_position (GTK_EDITABLE (c->entry));
        gboolean blank = TRUE;
        for (int i = 0; i < cursor && text[i]; i++)
          blank = blank && text[i] == ' ';
        if (blank)
          {
            int pos = cursor;
            gtk_editable_insert_text (GTK_EDITABLE (c->entry), "    ", -1, &pos);
            gtk_editable_set_position (GTK_EDITABLE (c->entry), pos);
          }
        else
          complete (c);
        return TRUE;
      }
    default:
      return FALSE;
    }
}

/* ---- the widget ------------------------------------------------------------------------- */

void
ps_console_set_runner (PsConsole *c, PsCodeRunner *runner, PsDocument *doc)
{
  g_return_if_fail (PS_IS_CONSOLE (c));
  if (c->runner)
    g_signal_handlers_disconnect_by_data (c->runner, c);
  if (c->doc)
    g_signal_handlers_disconnect_by_data (c->doc, c);
  g_set_object (&c->runner, runner);
  g_set_object (&c->doc, doc);
  if (runner)
    {
      g_signal_connect (runner, "output", G_CALLBACK (on_output), c);
      g_signal_connect (runner, "job-finished", G_CALLBACK (on_job_finished), c);
    }
  if (doc)
    g_signal_connect (doc, "code", G_CALLBACK (on_doc_code), c);
}

static void
ps_console_dispose (GObject *object)
{
  PsConsole *c = PS_CONSOLE (object);

  ps_console_set_runner (c, NULL, NULL);
  ps_ui_dispose_template (GTK_WIDGET (c), PS_TYPE_CONSOLE);
  G_OBJECT_CLASS (ps_console_parent_class)->dispose (object);
}

static void
ps_console_finalize (GObject *object)
{
  PsConsole *c = PS_CONSOLE (object);

  g_hash_table_unref (c->jobs);
  g_ptr_array_unref (c->history);
  g_free (c->typed);
  g_string_free (c->block, TRUE);
  G_OBJECT_CLASS (ps_console_parent_class)->finalize (object);
}

static void
ps_console_class_init (PsConsoleClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ps_console_dispose;
  object_class->finalize = ps_console_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-console.ui");
  gtk_widget_class_bind_template_child (widget_class, PsConsole, scroller);
  gtk_widget_class_bind_template_child (widget_class, PsConsole, log_view);
  gtk_widget_class_bind_template_child (widget_class, PsConsole, prompt);
  gtk_widget_class_bind_template_child (widget_class, PsConsole, entry);
  gtk_widget_class_bind_template_child (widget_class, PsConsole, stop_button);
  gtk_widget_class_set_css_name (widget_class, "console");
}

static void
ps_console_init (PsConsole *c)
{
  GtkEventController *keys;
  GtkTextIter end;

  gtk_widget_init_template (GTK_WIDGET (c));
  c->jobs = g_hash_table_new (NULL, NULL);
  c->history = g_ptr_array_new_with_free_func (g_free);
  c->block = g_string_new (NULL);
  c->log = gtk_text_view_get_buffer (GTK_TEXT_VIEW (c->log_view));
  gtk_text_buffer_create_tag (c->log, "no-hyphens", "insert-hyphens", FALSE, NULL);
  gtk_text_buffer_create_tag (c->log, "input", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (c->log, "window", "foreground", "#1a7f64", NULL);
  gtk_text_buffer_create_tag (c->log, "error", "foreground", "#c01c28", NULL);
  gtk_text_buffer_create_tag (c->log, "dim", "foreground", "#77767b", NULL);
  gtk_text_buffer_get_end_iter (c->log, &end);
  c->end_mark = gtk_text_buffer_create_mark (c->log, NULL, &end, FALSE);
  g_signal_connect (c->entry, "activate", G_CALLBACK (on_activate), c);
  keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key), c);
  gtk_widget_add_controller (c->entry, keys);
}
