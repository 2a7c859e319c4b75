/* test-run-folder.c — a folder of checkpoints written by an outside run,
 * watched by the window
 *
 *   - opening the folder loads the latest checkpoint's values and makes
 *     every checkpoint a snapshot (the Difference page's) and a column of
 *     the distributions over time, in step order, under its file's name;
 *   - files the run writes afterwards appear by themselves (GFileMonitor),
 *     a new subfolder's too; a file still being written is not taken until
 *     it is complete, and then it is;
 *   - a folder of another network's checkpoints is refused, naming a key;
 *   - a new network ends the watch and drops its snapshots.
 */
#include "ps-ui-test-util.h"
#include "ps-test-util.h"
#include "ps-run-folder-watch.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* The network's state_dict with every value + offset, written to dir/rel. */
static void
write_checkpoint (PsModule *net, const char *dir, const char *rel, float offset, gsize keep)
{
  g_autofree char *path = g_build_filename (dir, rel, NULL);
  g_autofree char *tmp = g_strconcat (path, ".tmp", NULL);   /* a temporary name: not taken */
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autofree char *bytes = NULL;
  gsize len;
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *e = sd->pdata[i];
      PsTensor *t = ps_tensor_copy (ps_param_get_data (e->param));
      for (int64_t k = 0; k < t->numel; k++)
        t->data[k] += offset;
      g_ptr_array_add (tensors, t);
      g_ptr_array_add (names, e->name);
    }
  g_assert_true (ps_safetensors_write (tmp, sd->len, (const char **) names->pdata,
                                       (PsTensor **) tensors->pdata, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (tmp, &bytes, &len, NULL));
  g_assert_cmpint (g_unlink (tmp), ==, 0);
  /* keep: how much of it is written yet (0: all) */
  g_assert_true (g_file_set_contents (path, bytes, keep ? (gssize) MIN (keep, len / 2) : (gssize) len,
                                      NULL));
}

static guint
n_snapshots (PsWindow *win)
{
  return g_list_model_get_n_items (ps_run_controller_get_snapshots (ps_window_get_controller (win)));
}

static PsSnapshot *
snapshot_at (PsWindow *win, guint i)
{
  g_autoptr (PsRunSnapshot) rs = g_list_model_get_item (
    ps_run_controller_get_snapshots (ps_window_get_controller (win)), i);
  return ps_run_snapshot_get_snapshot (rs);
}

static gboolean
on_deadline (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Run the main loop until the window holds n snapshots (the watch's
 * monitor and timers work meanwhile); a minute without them fails. */
static void
wait_for_snapshots (PsWindow *win, guint n)
{
  gboolean late = FALSE;
  guint id = g_timeout_add_seconds (60, on_deadline, &late);

  while (n_snapshots (win) < n && !late)
    g_main_context_iteration (NULL, TRUE);
  if (!late)
    g_source_remove (id);
  g_assert_cmpuint (n_snapshots (win), ==, n);
}

static void
test_watch (PsWindowFixture *f, gconstpointer data)
{
  PsWindow *win = f->win;
  PsDocument *doc = ps_window_get_document (win);
  PsRunController *run = ps_window_get_controller (win);
  g_autoptr (PsModule) start = ps_module_clone (ps_document_get_model (doc), NULL);
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *w0 = NULL;
  g_autoptr (GArray) hists = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  PsRunFolderWatch *watch;
  PsTrainLog *log;
  PsParam *w;
  GError *error = NULL;
  guint pending = 0;

  if (win == NULL)
    return;
  write_checkpoint (start, dir, "step-100.safetensors", 1.0f, 0);
  write_checkpoint (start, dir, "checkpoint-200/model.safetensors", 2.0f, 0);
  write_checkpoint (start, dir, "notes.tmp", 9.0f, 0);          /* no checkpoint */

  g_assert_true (ps_window_open_run_folder (win, dir, &error));
  g_assert_no_error (error);
  watch = ps_window_get_run_folder_watch (win);
  g_assert_nonnull (watch);

  /* the latest checkpoint's values are the network's */
  w = ps_module_find_param (ps_document_get_model (doc), "0.weight");
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==,
                     ps_param_get_data (ps_module_find_param (start, "0.weight"))->data[0] + 2.0f);
  /* every checkpoint a snapshot, by step, under its name */
  g_assert_cmpuint (n_snapshots (win), ==, 2);
  g_assert_cmpstr (ps_snapshot_get_label (snapshot_at (win, 0)), ==, "step-100.safetensors");
  g_assert_cmpuint (ps_snapshot_get_step (snapshot_at (win, 0)), ==, 100);
  g_assert_cmpstr (ps_snapshot_get_label (snapshot_at (win, 1)), ==,
                   "checkpoint-200/model.safetensors");
  g_assert_cmpuint (ps_snapshot_get_step (snapshot_at (win, 1)), ==, 200);
  /* the difference of the two is what the run changed: 1 everywhere */
  {
    const PsTensor *a = ps_snapshot_find (snapshot_at (win, 1), "2.bias");
    const PsTensor *b = ps_snapshot_find (snapshot_at (win, 0), "2.bias");
    g_autoptr (PsTensor) d = ps_tensor_new_1d (0);
    g_assert_true (ps_tensor_difference (a, b, d, &error));
    for (int64_t k = 0; k < d->numel; k++)
      g_assert_cmpfloat (d->data[k], ==, a->data[k] - b->data[k]);
    g_assert_cmpfloat (fabs (d->data[0] - 1.0), <, 1e-6);
  }
  /* the distributions over time: one column a checkpoint, of its values */
  log = ps_run_controller_get_log (run);
  g_assert_nonnull (log);
  ps_train_log_copy_hists (log, 0, FALSE, hists);
  g_assert_cmpuint (hists->len, ==, 2);
  g_assert_cmpuint (g_array_index (hists, PsLogHist, 0).step, ==, 100);
  g_assert_cmpuint (g_array_index (hists, PsLogHist, 1).step, ==, 200);
  g_assert_cmpfloat (fabs (g_array_index (hists, PsLogHist, 1).mean
                           - g_array_index (hists, PsLogHist, 0).mean - 1.0), <, 1e-4);
  g_assert_nonnull (strstr (ps_test_window_status (win), "2 checkpoints"));

  /* the run writes step 300: half of it first.  It is seen and waits. */
  write_checkpoint (start, dir, "step-300.safetensors", 3.0f, 100);
  for (int i = 0; i < 3; i++)
    {
      ps_run_folder_watch_poll (watch);
      g_object_get (watch, "n-pending", &pending, NULL);
      g_assert_cmpuint (pending, ==, 1);
      g_assert_cmpuint (n_snapshots (win), ==, 2);
    }
  /* complete now: the watch takes it by itself */
  write_checkpoint (start, dir, "step-300.safetensors", 3.0f, 0);
  wait_for_snapshots (win, 3);
  g_assert_cmpuint (ps_snapshot_get_step (snapshot_at (win, 2)), ==, 300);
  g_object_get (watch, "n-pending", &pending, NULL);
  g_assert_cmpuint (pending, ==, 0);

  /* a new subfolder, and a file the run wrote under a temporary name and renamed */
  write_checkpoint (start, dir, "checkpoint-400/model.safetensors", 4.0f, 0);
  wait_for_snapshots (win, 4);
  write_checkpoint (start, dir, "step-500.safetensors.partial", 5.0f, 0);
  {
    g_autofree char *from = g_build_filename (dir, "step-500.safetensors.partial", NULL);
    g_autofree char *to = g_build_filename (dir, "step-500.safetensors", NULL);
    g_assert_cmpint (g_rename (from, to), ==, 0);
  }
  wait_for_snapshots (win, 5);
  for (guint i = 0; i < 5; i++)
    g_assert_cmpuint (ps_snapshot_get_step (snapshot_at (win, i)), ==, 100 * (i + 1));
  ps_train_log_copy_hists (ps_run_controller_get_log (run), 0, FALSE, hists);
  g_assert_cmpuint (hists->len, ==, 5);
  g_assert_nonnull (strstr (ps_test_window_status (win), "5 checkpoints"));
  ps_test_screenshot (GTK_WIDGET (win), "run-folder.png");

  /* a new network: the checkpoints were the old one's */
  g_assert_true (ps_window_open_example (win, "tied", &error));
  g_assert_cmpuint (n_snapshots (win), ==, 0);
  g_assert_null (ps_run_controller_get_log (run));
  write_checkpoint (start, dir, "step-600.safetensors", 6.0f, 0);
  ps_run_folder_watch_poll (watch);
  g_assert_cmpuint (n_snapshots (win), ==, 0);

  /* and this folder holds none of its parameters */
  g_assert_false (ps_window_open_run_folder (win, dir, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_KEY);
  g_clear_error (&error);
  g_assert_cmpuint (n_snapshots (win), ==, 0);
  w0 = g_strdup (ps_test_window_status (win));
  g_assert_true (strlen (w0) > 0);
  ps_test_rmdir (dir);
}

/* An empty folder is a run that has not written yet: watched all the same. */
static void
test_empty_then_written (PsWindowFixture *f, gconstpointer data)
{
  PsWindow *win = f->win;
  g_autoptr (PsModule) start = NULL;
  g_autofree char *dir = NULL;
  GError *error = NULL;

  if (win == NULL)
    return;
  start = ps_module_clone (ps_document_get_model (ps_window_get_document (win)), NULL);
  dir = ps_test_tmpdir ();
  g_assert_true (ps_window_open_run_folder (win, dir, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_snapshots (win), ==, 0);
  write_checkpoint (start, dir, "epoch_1.pt.tmp", 1.0f, 0);
  write_checkpoint (start, dir, "epoch_2.safetensors", 2.0f, 0);
  wait_for_snapshots (win, 1);
  g_assert_cmpstr (ps_snapshot_get_label (snapshot_at (win, 0)), ==, "epoch_2.safetensors");

  /* an unreadable folder is refused, naming it */
  g_assert_false (ps_window_open_run_folder (win, "/nonexistent/run", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/run"));
  g_clear_error (&error);
  ps_test_rmdir (dir);
}

static const PsTestWindowSetup mlp = { "mlp", 1300, 860 };

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();
  PS_TEST_WINDOW ("/run-folder/watch", &mlp, test_watch);
  PS_TEST_WINDOW ("/run-folder/empty-then-written", &mlp, test_empty_then_written);
  return g_test_run ();
}
