/* test-crash-save.c — a save killed at any moment never damages the file
 *
 * A writer process (this program, run again with --writer) saves, over and
 * over, the state_dict of a model of a few MB whose every element is 1.0,
 * then 2.0, then 1.0... to one path with ps_module_save_state_dict().  The
 * test kills it with SIGKILL at random moments (fixed seed), 200 times; after
 * every kill the file must open with ps_safetensors_open(), load strictly
 * into the model, and hold one weight set entirely (every element 1.0, or
 * every element 2.0: never a mix, never a truncated file), and the directory
 * must hold nothing but the file and at most the one temporary file the
 * killed save was writing (a killed save's leftovers never pile up).
 */
#include "ps-test-util.h"

#include <glib/gstdio.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define N_KILLS 200
#define SEED    20240229
/* 2 x 1024 x 512 weights + biases: about 4 MB of float32 */
static const char *model_text =
  "net = nn.Sequential(nn.Linear(512, 1024), nn.ReLU(), nn.Linear(1024, 512))\n";

static PsModule *
build_model (void)
{
  GError *error = NULL;
  PsModule *m = ps_model_parse (model_text, -1, "crash-save.py", NULL, NULL, &error);
  g_assert_no_error (error);
  return m;
}

static void
fill_model (PsModule *net, float value)
{
  g_autoptr (GPtrArray) params = ps_module_named_parameters (net);
  for (guint i = 0; i < params->len; i++)
    {
      PsNamedParam *np = params->pdata[i];
      ps_tensor_fill (ps_param_get_data (np->param), value);
      ps_param_changed (np->param, PS_CHANGE_DATA);
    }
}

/* The writer: save value, 3 - value, value, ... forever (until killed). */
static int
writer_main (const char *path, float value)
{
  g_autoptr (PsModule) net = build_model ();

  fill_model (net, value);
  if (write (STDOUT_FILENO, "r", 1) != 1)    /* ready: the saves start now */
    return 1;
  for (;;)
    {
      GError *error = NULL;
      fill_model (net, value);
      if (!ps_module_save_state_dict (net, path, &error))
        {
          g_printerr ("writer: %s\n", error->message);
          return 1;
        }
      value = 3 - value;
    }
}

/* The file must load strictly and hold one weight set entirely; returns its value. */
static float
check_file (const char *path, PsModule *net)
{
  GError *error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_autoptr (GPtrArray) sd = NULL;
  float value = 0;

  g_assert_no_error (error);
  fill_model (net, 0);
  g_assert_true (ps_module_load_state_dict (net, st, &error));
  g_assert_no_error (error);
  sd = ps_module_state_dict (net);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      const PsTensor *t = ps_param_get_data (np->param);
      if (value == 0)
        value = t->data[0];
      if (value != 1.f && value != 2.f)
        g_error ("%s: %s[0] is %g, neither weight set", path, np->name, value);
      for (int64_t k = 0; k < t->numel; k++)
        if (t->data[k] != value)
          g_error ("%s: %s[%" G_GINT64_FORMAT "] is %g but %s[0] is %g: a mix of two saves",
                   path, np->name, k, t->data[k], ((PsNamedParam *) sd->pdata[0])->name, value);
    }
  return value;
}

/* Files in dir other than the target; the one temporary file is allowed. */
static guint
count_strays (const char *dir, const char *target, gboolean *partial_seen)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  guint n = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)))
    {
      if (strcmp (name, target) == 0)
        continue;
      if (g_str_has_prefix (name, ".") && g_str_has_prefix (name + 1, target))
        *partial_seen = TRUE;    /* a temporary file beside the target */
      else
        g_error ("unexpected file %s in %s", name, dir);
      n++;
    }
  return n;
}

static double
now (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

static void
test_kill_during_save (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autoptr (PsModule) net = build_model ();
  g_autoptr (GRand) rand = g_rand_new_with_seed (SEED);
  GError *error = NULL;
  double t0, save_time, window, start = now ();
  guint kills_mid_write = 0, changes = 0, max_strays = 0;
  float last;

  g_assert_nonnull (self);
  /* the file exists before the first writer starts; time one save */
  fill_model (net, 1);
  t0 = now ();
  g_assert_true (ps_module_save_state_dict (net, path, &error));
  g_assert_no_error (error);
  save_time = now () - t0;
  /* kill anywhere within about three saves of the writer's start */
  window = CLAMP (3 * save_time, 0.005, 0.04);
  last = check_file (path, net);
  g_test_message ("one save: %.1f ms; kills within %.1f ms of the writer's first save",
                  save_time * 1e3, window * 1e3);

  for (int k = 0; k < N_KILLS; k++)
    {
      g_autofree char *value_arg = g_strdup_printf ("%g", 3 - last);
      const char *argv[] = { self, "--writer", path, value_arg, NULL };
      GPid pid;
      int out_fd, status;
      char ready;
      gboolean partial = FALSE;
      guint strays;
      float v;

      g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                                NULL, &pid, NULL, &out_fd, NULL, &error);
      g_assert_no_error (error);
      /* wait until the writer has built its model and is about to save */
      g_assert_cmpint (read (out_fd, &ready, 1), ==, 1);
      close (out_fd);
      g_usleep ((gulong) (g_rand_double_range (rand, 0, window) * 1e6));
      g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
      g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
      g_spawn_close_pid (pid);
      if (!(WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL))
        g_error ("the writer ended by itself (status 0x%x) before it was killed", status);

      v = check_file (path, net);
      if (v != last)
        changes++;
      last = v;
      strays = count_strays (dir, "w.safetensors", &partial);
      g_assert_cmpuint (strays, <=, 1);
      max_strays = MAX (max_strays, strays);
      if (partial)
        kills_mid_write++;
    }
  g_test_message ("%d kills in %.1f s: the weights changed %u times, %u kills left a "
                  "partial temporary file", N_KILLS, now () - start, changes, kills_mid_write);
  /* the test means something only if some saves completed and some were cut short */
  g_assert_cmpuint (changes, >, 0);
  g_assert_cmpuint (kills_mid_write, >, 0);

  /* a normal save afterwards replaces the file and leaves no temporary file */
  fill_model (net, 2);
  g_assert_true (ps_module_save_state_dict (net, path, &error));
  g_assert_no_error (error);
  {
    gboolean partial = FALSE;
    g_assert_cmpuint (count_strays (dir, "w.safetensors", &partial), ==, 0);
  }
  g_assert_cmpfloat (check_file (path, net), ==, 2.f);
  ps_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--writer") == 0)
    {
      return writer_main (argv[2], (float) g_ascii_strtod (argv[3], NULL));
    }
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/crash-save/kill-during-save", test_kill_during_save);
  return g_test_run ();
}
