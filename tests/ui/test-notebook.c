/* test-notebook — the window runs code: the lesson notebooks print what
 * PyTorch prints (tests/fixtures/notebooks/parameters-*.expected.ipynb, from
 * the oracle), a console line changes the live parameter and its heatmap,
 * one undo step puts it back, Stop interrupts a loop, and each mouse
 * command writes its PyTorch code into the console.
 *
 * PS_TEST_LANG=zh runs it in Chinese (the Chinese lesson, its screenshots). */
#include "ps-ui-test-util.h"
#include "ps-application.h"
#include "ps-console.h"
#include "ps-notebook-view.h"
#include "ps-matrix-view.h"
#include "ps-param-source.h"

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>
#include <locale.h>
#include <string.h>

static const char *lang = "en";

static const PsTestWindowSetup mlp = { "mlp", 1024, 700 };
static const PsTestWindowSetup mlp_large = { "mlp", 1600, 1000 };

static PsParam *
param (PsWindow *win, const char *key)
{
  return ps_module_find_param (ps_document_get_model (ps_window_get_document (win)), key);
}

static char *
console_text (PsWindow *win)
{
  return ps_console_get_text (PS_CONSOLE (ps_test_window_child (win, "console")));
}

/* What the view shows under a code cell, from the fixture's outputs:
 * printed text, the value, the error; no trailing newline. */
static char *
expected_output (JsonObject *cell)
{
  JsonArray *outs = json_object_get_array_member (cell, "outputs");
  GString *s = g_string_new (NULL);

  for (guint k = 0; k < json_array_get_length (outs); k++)
    {
      JsonObject *o = json_array_get_object_element (outs, k);
      const char *type = json_object_get_string_member (o, "output_type");
      JsonNode *text = NULL;

      if (strcmp (type, "stream") == 0)
        text = json_object_get_member (o, "text");
      else if (strcmp (type, "execute_result") == 0)
        text = json_object_get_member (json_object_get_object_member (o, "data"), "text/plain");
      if (text && JSON_NODE_HOLDS_ARRAY (text))
        {
          JsonArray *a = json_node_get_array (text);
          for (guint j = 0; j < json_array_get_length (a); j++)
            g_string_append (s, json_array_get_string_element (a, j));
        }
      else if (text)
        g_string_append (s, json_node_get_string (text));
      if (strcmp (type, "execute_result") == 0)
        g_string_append_c (s, '\n');
    }
  while (s->len > 0 && s->str[s->len - 1] == '\n')
    g_string_truncate (s, s->len - 1);
  return g_string_free (s, s->len == 0);
}

/* The lesson notebook from Examples, run cell by cell with Run All: every
 * output is PyTorch's; the window ends on the last cell's network; each
 * cell that changed values is one undo step. */
static void
test_lesson (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsNotebookView *view;
  PsNotebook *nb;
  g_autofree char *path = NULL, *shot = NULL;
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonArray *cells;
  guint n_code = 0;

  if (win == NULL)
    return;
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.lesson", "s", lang));
  view = PS_NOTEBOOK_VIEW (ps_test_window_child (win, "notebook_view"));
  nb = ps_notebook_view_get_notebook (view);
  g_assert_nonnull (nb);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (view)));
  if (setup == &mlp)
    {
      /* cell by cell with Shift+Enter's path; a picture at the editing cell,
       * with a console line of its own */
      for (guint i = 0; i < ps_notebook_get_n_cells (nb); i++)
        {
          if (ps_notebook_cell_kind (nb, i) != PS_CELL_CODE)
            continue;
          ps_notebook_view_run_cell (view, i);
          ps_test_window_wait_code (win);
          if (i == 28)
            {
              g_autofree char *edit_shot = g_strdup_printf ("notebook-%s-edit.png", lang);
              ps_window_select_key (win, "0.weight");
              ps_console_submit (PS_CONSOLE (ps_test_window_child (win, "console")),
                                 "net[0].weight.data[1, 2] = -42");
              ps_test_window_wait_code (win);
              ps_notebook_view_scroll_to_cell (view, i - 1);
              ps_test_wait_frame (GTK_WIDGET (win));
              while (g_main_context_iteration (NULL, FALSE))
                ;
              ps_test_wait_frame (GTK_WIDGET (win));
              ps_test_screenshot (GTK_WIDGET (win), edit_shot);
            }
        }
    }
  else
    {
      ps_notebook_view_run_all (view);
      ps_test_window_wait_code (win);
    }

  path = g_strdup_printf ("%s/notebooks/parameters-%s.expected.ipynb", g_getenv ("PS_FIXTURES"), lang);
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  cells = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "cells");
  g_assert_cmpuint (json_array_get_length (cells), ==, ps_notebook_get_n_cells (nb));
  for (guint i = 0; i < json_array_get_length (cells); i++)
    {
      JsonObject *cell = json_array_get_object_element (cells, i);
      g_autofree char *want = NULL, *got = NULL;

      if (strcmp (json_object_get_string_member (cell, "cell_type"), "code") != 0)
        continue;
      n_code++;
      want = expected_output (cell);
      got = ps_notebook_view_get_cell_output (view, i);
      g_test_message ("cell %u", i);
      g_assert_cmpstr (got, ==, want);
      g_assert_cmpint (ps_notebook_cell_execution_count (nb, i), ==, (int) n_code);
    }
  g_assert_cmpuint (n_code, ==, 16);
  /* the last cell's network, Sequential(linear, linear), is the window's,
   * with the gradient the code computed */
  g_assert_cmpstr (ps_document_get_model_name (ps_window_get_document (win)), ==, "net");
  g_assert_nonnull (param (win, "0.weight"));
  g_assert_null (param (win, "2.weight"));
  g_assert_cmpfloat (ps_param_get_grad (param (win, "0.weight"))->data[0], ==, 6.f);
  g_assert_cmpfloat (ps_param_get_data (param (win, "0.weight"))->data[0], ==, 3.f);
  /* a cell that builds a new network starts its history; a cell that
   * changes it is one undo step (the editing cell again, on this network) */
  g_assert_false (ps_document_can_undo (ps_window_get_document (win)));
  ps_notebook_view_run_cell (view, 28);
  ps_test_window_wait_code (win);
  g_assert_cmpfloat (ps_param_get_data (param (win, "0.weight"))->data[0], ==, 42.f);
  g_assert_true (g_str_has_suffix (ps_document_get_undo_label (ps_window_get_document (win)), " [17]"));
  {
    g_autofree char *out = ps_notebook_view_get_cell_output (view, 28);
    g_assert_cmpstr (out, ==, "tensor([42.])");
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL));
  g_assert_cmpfloat (ps_param_get_data (param (win, "0.weight"))->data[0], ==, 3.f);
  g_assert_false (ps_document_can_undo (ps_window_get_document (win)));
  ps_window_select_key (win, "0.weight");
  shot = g_strdup_printf ("notebook-%s-%dx%d.png", lang, gtk_widget_get_width (GTK_WIDGET (win)),
                          gtk_widget_get_height (GTK_WIDGET (win)));
  ps_test_screenshot (GTK_WIDGET (win), shot);
}

/* A console line changes the live parameter; the heatmap's source sees a
 * new version; one undo restores it; the console shows the line. */
static void
test_console_edit (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsParam *w;
  PsMatrixSource *src;
  guint64 version;
  float before;
  g_autofree char *text = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  ps_window_select_key (win, "0.weight");
  w = param (win, "0.weight");
  before = ps_param_get_data (w)->data[0];
  src = ps_matrix_view_get_source (PS_MATRIX_VIEW (ps_test_window_child (win, "data_view")));
  g_assert_true (PS_IS_PARAM_SOURCE (src) && ps_param_source_get_param (PS_PARAM_SOURCE (src)) == w);
  version = ps_matrix_source_get_version (src);
  g_assert_false (ps_document_can_undo (doc));

  ps_console_submit (PS_CONSOLE (ps_test_window_child (win, "console")),
                     "net[0].weight.data[0, 0] = 42");
  ps_test_window_wait_code (win);
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 42.f);
  g_assert_cmpuint (ps_matrix_source_get_version (src), >, version);
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "net[0].weight.data[0, 0] = 42");

  /* a line that changes nothing is no step */
  ps_console_submit (PS_CONSOLE (ps_test_window_child (win, "console")), "print(net[0].weight.shape)");
  ps_test_window_wait_code (win);
  text = console_text (win);
  g_assert_nonnull (strstr (text, ">>> net[0].weight.data[0, 0] = 42\n"));
  g_assert_nonnull (strstr (text, "torch.Size([8, 4])\n"));
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "net[0].weight.data[0, 0] = 42");

  version = ps_matrix_source_get_version (src);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL));
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, before);
  g_assert_cmpuint (ps_matrix_source_get_version (src), >, version);
  g_assert_false (ps_document_can_undo (doc));
}

/* The first of the window's Escape bindings: the action it triggers. */
static char *
escape_action (GtkWidget *win)
{
  GListModel *controllers = gtk_widget_observe_controllers (win);
  char *found = NULL;

  for (guint k = 0; k < g_list_model_get_n_items (controllers) && !found; k++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, k);
      if (!GTK_IS_SHORTCUT_CONTROLLER (c))
        continue;
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (c)) && !found; i++)
        {
          g_autoptr (GtkShortcut) s = g_list_model_get_item (G_LIST_MODEL (c), i);
          GtkShortcutAction *a = gtk_shortcut_get_action (s);
          GtkShortcutTrigger *t = gtk_shortcut_get_trigger (s);
          if (GTK_IS_NAMED_ACTION (a) && GTK_IS_KEYVAL_TRIGGER (t)
              && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (t)) == GDK_KEY_Escape
              && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (t)) == 0)
            found = g_strdup (gtk_named_action_get_action_name (GTK_NAMED_ACTION (a)));
        }
    }
  g_object_unref (controllers);
  return found;
}

/* Stop interrupts `while True: pass`: a clear message, the window usable again. */
static void
test_console_stop (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsCodeRunner *runner;
  g_autofree char *text = NULL;

  if (win == NULL)
    return;
  runner = ps_window_get_code_runner (win);
  ps_console_submit (PS_CONSOLE (ps_test_window_child (win, "console")), "while True: pass");
  g_assert_true (ps_code_runner_is_running (runner));
  /* the mouse's commands are refused while code runs, with the reason */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_nonnull (strstr (ps_test_window_status (win), "Escape"));
  /* Escape is Stop first (other Escape bindings come after it) */
  {
    g_autofree char *esc = escape_action (GTK_WIDGET (win));
    g_assert_cmpstr (esc, ==, "win.stop");
  }
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.stop", NULL));
  ps_test_window_wait_code (win);
  text = console_text (win);
  g_assert_nonnull (strstr (text, "KeyboardInterrupt"));
  g_assert_nonnull (strstr (ps_test_window_status (win), "KeyboardInterrupt"));
  g_assert_false (ps_code_runner_is_running (runner));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_null (ps_document_get_busy (ps_window_get_document (win)));
}

/* Each mouse command writes the PyTorch code doing the same into the console. */
static void
test_mouse_code (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autofree char *text = NULL;

  if (win == NULL)
    return;
  ps_window_select_key (win, "0.weight");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.preset", "s", "init_normal"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.edit", "s", "fill"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.edit", "s", "add"));
  /* a cell of the heatmap edited in place (as a double-click and Enter do) */
  g_signal_emit_by_name (ps_test_window_child (win, "data_view"), "edit-requested", (gint64) 5, 2.5f);
  g_assert_cmpfloat (ps_param_get_data (param (win, "0.weight"))->data[5], ==, 2.5f);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.step", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.zero-grad", NULL));
  text = console_text (win);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, ">>> # net.apply(init_normal)\n"));
  g_assert_nonnull (strstr (text, "    nn.init.normal_(p, mean=0, std=0.01)\n"));
  g_assert_nonnull (strstr (text, ">>> net[0].weight.data.fill_(1)\n"));
  g_assert_nonnull (strstr (text, ">>> net[0].weight.data[:] += 1\n"));
  {
    const PsTensor *w = ps_param_get_data (param (win, "0.weight"));
    g_autofree char *cell = g_strdup_printf (">>> net[0].weight.data[%d, %d] = 2.5\n",
                                             (int) (5 / w->shape[1]), (int) (5 % w->shape[1]));
    g_assert_nonnull (strstr (text, cell));
  }
  g_assert_nonnull (strstr (text, ">>> Y = net(X)"));
  g_assert_nonnull (strstr (text, ".backward()\n"));
  g_assert_nonnull (strstr (text, ">>> torch.optim.SGD(net.parameters(), lr="));
  g_assert_nonnull (strstr (text, ">>> net.zero_grad()\n"));
  /* the Train panel's settings, once they settle */
  g_object_set (ps_window_get_controller (win), "learning-rate", 0.25, "momentum", 0.9, NULL);
  for (;;)
    {
      g_autofree char *now = console_text (win);
      if (strstr (now, ">>> optimizer = "))
        {
          g_assert_nonnull (strstr (now, ">>> optimizer = torch.optim.SGD(net.parameters(), "
                                    "lr=0.25, momentum=0.9)\n... loss_fn = nn."));
          break;
        }
      g_main_context_iteration (NULL, TRUE);
    }
  /* the Console is closed at first (the views keep the height) and opens on
   * request, with what was written while it was closed */
  GtkWidget *console = ps_test_window_child (win, "console");
  g_assert_false (gtk_widget_get_visible (console));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.console", NULL));
  g_assert_true (gtk_widget_get_visible (console));
  ps_test_window_wait_code (win);
  /* its height comes with the next allocation */
  for (int frames = 0; gtk_widget_get_height (console) == 0 && frames < 50; frames++)
    ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpint (gtk_widget_get_height (console), >, 0);
  /* the code a click wrote runs as it is in the console */
  ps_console_submit (PS_CONSOLE (console), "net[0].weight.data.fill_(7)");
  ps_test_window_wait_code (win);
  g_assert_cmpfloat (ps_param_get_data (param (win, "0.weight"))->data[3], ==, 7.f);
}

/* A notebook from a file: .py with `# %%` cells; a model file stays a model. */
static void
test_open_file (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autofree char *dir = NULL, *nbpath = NULL, *model = NULL, *out = NULL;
  g_autoptr (GError) error = NULL;
  PsNotebookView *view;

  if (win == NULL)
    return;
  view = PS_NOTEBOOK_VIEW (ps_test_window_child (win, "notebook_view"));
  dir = g_dir_make_tmp ("ps-notebook-XXXXXX", NULL);
  nbpath = g_build_filename (dir, "cells.py", NULL);
  model = g_build_filename (dir, "model.py", NULL);

  g_assert_true (g_file_set_contents (nbpath, "# %% [markdown]\n# # Title\n# %%\nx = 6 * 7\nx\n", -1, NULL));
  g_assert_true (g_file_set_contents (model, "import torch\nfrom torch import nn\n"
                                      "net = nn.Sequential(nn.Linear(3, 2))\n", -1, NULL));
  g_assert_true (ps_window_open_file (win, nbpath, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ps_notebook_view_get_title (view), ==, "cells.py");
  ps_notebook_view_run_all (view);
  ps_test_window_wait_code (win);
  out = ps_notebook_view_get_cell_output (view, ps_notebook_get_n_cells (ps_notebook_view_get_notebook (view)) - 1);
  g_assert_cmpstr (out, ==, "42");
  g_assert_true (ps_window_open_file (win, model, &error));
  g_assert_nonnull (param (win, "0.weight"));
  g_assert_cmpint (ps_param_get_numel (param (win, "0.weight")), ==, 6);
  /* the console works on the network the window opened */
  ps_console_submit (PS_CONSOLE (ps_test_window_child (win, "console")), "net[0].bias.data[1] = 5");
  ps_test_window_wait_code (win);
  g_assert_cmpfloat (ps_param_get_data (param (win, "0.bias"))->data[1], ==, 5.f);
  g_unlink (nbpath);
  g_unlink (model);
  g_rmdir (dir);
}

static void
count_tagged (GtkTextBuffer *buffer, GtkTextTag *tag, GtkTextIter *a, GtkTextIter *b,
              gint64 *chars)
{
  *chars += gtk_text_iter_get_offset (b) - gtk_text_iter_get_offset (a);
}

/* Typing into a code cell tags each new character once: the tag that keeps
 * Pango's hyphens out of code went over the whole cell on every key, so
 * GtkTextView laid out every line of the cell again for each key (typing n
 * keys cost n^2, and a burst of keys, as in a paste-by-typing or a
 * screen reader's queries between them, waited minutes).  All the code,
 * loaded and typed, still carries the tag. */
static void
test_typing_cost (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) code = g_string_new ("# %%\n");
  PsNotebookView *view;
  GtkTextBuffer *buffer;
  GtkTextTag *tag;
  GtkTextIter it, end;
  gint64 tagged = 0;
  int n0;
  const int keys = 400;

  if (win == NULL)
    return;
  view = PS_NOTEBOOK_VIEW (ps_test_window_child (win, "notebook_view"));
  for (int i = 0; i < 200; i++)
    g_string_append_printf (code, "w%d = torch.rand(3, 4)  # a line of code\n", i);
  g_assert_true (ps_notebook_view_load_text (view, code->str, FALSE, "long.py", &error));
  g_assert_no_error (error);
  buffer = gtk_text_view_get_buffer (GTK_TEXT_VIEW (ps_test_find_widget (GTK_WIDGET (view),
                                                                         GTK_TYPE_TEXT_VIEW)));
  tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), "no-hyphens");
  g_assert_nonnull (tag);
  n0 = gtk_text_buffer_get_char_count (buffer);
  g_assert_cmpint (n0, >, 7000);
  g_signal_connect (buffer, "apply-tag", G_CALLBACK (count_tagged), &tagged);
  gtk_text_buffer_get_end_iter (buffer, &end);
  gtk_text_buffer_place_cursor (buffer, &end);
  for (int k = 0; k < keys; k++)
    {
      /* as a key typed into the view inserts it */
      gtk_text_buffer_insert_interactive_at_cursor (buffer, k % 40 == 39 ? "\n" : "x", 1, TRUE);
      if (k % 50 == 0)
        ps_test_window_wait_code (win);
    }
  g_signal_handlers_disconnect_by_func (buffer, count_tagged, &tagged);
  g_assert_cmpint (gtk_text_buffer_get_char_count (buffer), ==, n0 + keys);
  /* each key tagged its own character, not the cell (that was n0 * keys) */
  g_assert_cmpint (tagged, <=, 2 * keys);
  /* one tagged run from the first character to the last */
  gtk_text_buffer_get_start_iter (buffer, &it);
  g_assert_true (gtk_text_iter_has_tag (&it, tag));
  g_assert_true (gtk_text_iter_forward_to_tag_toggle (&it, tag));
  g_assert_true (gtk_text_iter_is_end (&it));
}

static void
test_markdown (void)
{
  g_autofree char *m = ps_markdown_to_pango ("# A <b>\n\nSome `net[0]` and **bold** *it*\ncontinued.\n\n- one\n2. two");

  g_assert_cmpstr (m, ==, "<span size=\"xx-large\" weight=\"bold\">A &lt;b&gt;</span>\n\n"
                   "Some <tt>net[0]</tt> and <b>bold</b> <i>it</i> continued.\n•  one\n2.  two");
  g_assert_true (pango_parse_markup (m, -1, 0, NULL, NULL, NULL, NULL));
}


int
main (int argc, char **argv)
{
  if (g_strcmp0 (g_getenv ("PS_TEST_LANG"), "zh") == 0)
    {
      lang = "zh";
      g_unsetenv ("LC_ALL");
      g_unsetenv ("LC_MESSAGES");
      g_unsetenv ("LANGUAGE");
      g_setenv ("LANG", "zh_CN.UTF-8", TRUE);
      if (setlocale (LC_ALL, "") == NULL)
        {
          g_setenv ("LC_ALL", "C.UTF-8", TRUE);
          g_setenv ("LANGUAGE", "zh_CN", TRUE);
        }
    }
  ps_application_setup_locale ();
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();
  g_test_add_func ("/notebook/markdown", test_markdown);
  PS_TEST_WINDOW ("/notebook/lesson", &mlp, test_lesson);
  PS_TEST_WINDOW ("/notebook/lesson-large", &mlp_large, test_lesson);
  PS_TEST_WINDOW ("/notebook/console-edit", &mlp, test_console_edit);
  PS_TEST_WINDOW ("/notebook/console-stop", &mlp, test_console_stop);
  PS_TEST_WINDOW ("/notebook/mouse-code", &mlp, test_mouse_code);
  PS_TEST_WINDOW ("/notebook/open-file", &mlp, test_open_file);
  PS_TEST_WINDOW ("/notebook/typing-cost", &mlp, test_typing_cost);
  return g_test_run ();
}
