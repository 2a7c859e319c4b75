/* ps-checkpoint-bench.c — `paramscope-bench checkpoint FILE` */
#include "ps-checkpoint-bench.h"
#include "ps-checkpoint-window.h"
#include "ps-matrix-view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define GOAL_TREE_MS     1000
#define GOAL_RSS_MB      200
#define GOAL_HEATMAP_MS  100
#define TIMEOUT_S        180
#define ROUNDS           3       /* each tensor is shown this many times, in turn */

typedef enum { WAIT_TREE, WAIT_HEATMAP, WAIT_ZOOM, WAIT_PAN, WAIT_STATS, DONE } Stage;

typedef struct
{
  GtkApplication     *app;
  PsCheckpointWindow *win;
  char               *path;
  GPtrArray          *tensors;        /* names to show, in order */
  guint               next;           /* of ROUNDS * tensors->len selections */
  GArray             *times, *pools;  /* gint64 us, by selection */
  Stage               stage;
  gint64              t_open, t_stage;
  gint64              last_paint, max_gap;
  guint               frames, timeout_id;
  gulong              paint_id;
  GdkFrameClock      *clock;
} Bench;

static double
ms (gint64 us)
{
  return us / 1000.0;
}

/* VmRSS, RssAnon and RssFile of this process, in MB. */
static void
rss_mb (double *total, double *anon, double *file)
{
  g_autofree char *text = NULL;
  *total = *anon = *file = -1;
  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL))
    return;
  for (char *line = strtok (text, "\n"); line; line = strtok (NULL, "\n"))
    {
      long kb;
      if (sscanf (line, "VmRSS: %ld", &kb) == 1)
        *total = kb / 1024.0;
      else if (sscanf (line, "RssAnon: %ld", &kb) == 1)
        *anon = kb / 1024.0;
      else if (sscanf (line, "RssFile: %ld", &kb) == 1)
        *file = kb / 1024.0;
    }
}

/* Seconds since this process was started (exec), from /proc: 10 ms steps. */
static double
since_exec (void)
{
  g_autofree char *stat = NULL, *uptime = NULL;
  unsigned long long start = 0;
  const char *p;

  if (!g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL)
      || !g_file_get_contents ("/proc/uptime", &uptime, NULL, NULL)
      || (p = strrchr (stat, ')')) == NULL)
    return -1;
  /* field 22 (starttime); p is at the end of field 2 */
  for (int field = 2; field < 22 && p; field++)
    p = strchr (p + 1, ' ');
  if (p == NULL || sscanf (p + 1, "%llu", &start) != 1)
    return -1;
  return g_ascii_strtod (uptime, NULL) - (double) start / (double) sysconf (_SC_CLK_TCK);
}

static void
print_rss (const char *when, gboolean with_goal)
{
  double total, anon, file;
  rss_mb (&total, &anon, &file);
  printf ("RSS %-28s %7.1f MB  (anon %.1f MB, file-backed %.1f MB)", when, total, anon, file);
  if (with_goal)
    printf ("   goal <= %d MB %s", GOAL_RSS_MB, total <= GOAL_RSS_MB ? "(met)" : "(NOT met)");
  printf ("\n");
  fflush (stdout);
}

static void bench_finish (Bench *b, const char *failure);
static gboolean tick (GtkWidget *w, GdkFrameClock *clock, gpointer data);

/* A named child of the window's template (tree_view, heatmap ...). */
static GtkWidget *
child (Bench *b, const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (b->win), PS_TYPE_CHECKPOINT_WINDOW,
                                                    name));
}

static PsMatrixView *
heatmap (Bench *b)
{
  return PS_MATRIX_VIEW (child (b, "heatmap"));
}

static int
cmp_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return x < y ? -1 : x > y;
}

/* One line per tensor: the first view (the mapping's pages touched for the
 * first time in this process) and the median of all its views. */
static void
print_heatmaps (Bench *b)
{
  guint n = b->tensors->len;

  for (guint t = 0; t < n; t++)
    {
      PsCheckpoint *ck = ps_checkpoint_window_get_checkpoint (b->win);
      const PsSafetensorsEntry *e = ps_safetensors_find (ps_checkpoint_get_safetensors (ck),
                                                         b->tensors->pdata[t]);
      gint64 sorted[ROUNDS], pooled[ROUNDS];
      g_autofree char *shape = ps_shape_to_string (e->ndim, e->shape);
      GString *all = g_string_new (NULL);

      for (guint r = 0; r < ROUNDS; r++)
        {
          sorted[r] = g_array_index (b->times, gint64, r * n + t);
          pooled[r] = g_array_index (b->pools, gint64, r * n + t);
          g_string_append_printf (all, "%s%.0f (%.0f)", r ? ", " : "", ms (sorted[r]),
                                  ms (pooled[r]));
        }
      qsort (sorted, ROUNDS, sizeof (gint64), cmp_gint64);
      qsort (pooled, ROUNDS, sizeof (gint64), cmp_gint64);
      printf ("heatmap %-38s %-4s %-14s median %5.1f ms   goal <= %d ms %s\n"
              "    each view, in order: %s ms (pooling, in its thread)\n", e->name, e->dtype_name,
              shape, ms (sorted[ROUNDS / 2]), GOAL_HEATMAP_MS,
              sorted[ROUNDS / 2] <= GOAL_HEATMAP_MS * 1000 ? "(met)" : "(NOT met)", all->str);
      g_string_free (all, TRUE);
    }
  fflush (stdout);
}

static void
select_next (Bench *b)
{
  const char *name;

  if (b->next >= ROUNDS * b->tensors->len)
    {
      print_heatmaps (b);
      /* the statistics of the whole tensor last shown, with frames forced
       * meanwhile to see that none waits for them */
      b->stage = WAIT_STATS;
      b->t_stage = g_get_monotonic_time ();
      b->last_paint = 0;
      b->max_gap = 0;
      b->frames = 0;
      gtk_widget_add_tick_callback (GTK_WIDGET (b->win), tick, b, NULL);
      ps_checkpoint_window_compute_stats (b->win, TRUE);
      return;
    }
  name = b->tensors->pdata[b->next++ % b->tensors->len];
  b->stage = WAIT_HEATMAP;
  b->t_stage = g_get_monotonic_time ();
  if (!ps_checkpoint_window_select (b->win, name))
    {
      g_autofree char *msg = g_strdup_printf ("no tensor named %s", name);
      bench_finish (b, msg);
    }
}

static void
after_paint (GdkFrameClock *clock, Bench *b)
{
  gint64 now = g_get_monotonic_time ();
  const PsCheckpointView *v;

  switch (b->stage)
    {
    case WAIT_TREE:
      {
        GtkWidget *tree = child (b, "tree_view");
        GListModel *rows = G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (tree)));
        double exec_s = since_exec ();
        if (!gtk_widget_get_mapped (tree) || g_list_model_get_n_items (rows) == 0)
          return;
        printf ("first frame with the tree:      %7.1f ms after open, %.0f ms after exec"
                "   goal <= %d ms %s\n", ms (now - b->t_open), exec_s * 1000, GOAL_TREE_MS,
                exec_s * 1000 <= GOAL_TREE_MS ? "(met)" : "(NOT met)");
        print_rss ("at the tree:", TRUE);
        select_next (b);
      }
      break;
    case WAIT_HEATMAP:
      if (!ps_matrix_view_is_ready (heatmap (b)))
        return;
      {
        gint64 t = now - b->t_stage, p = ps_matrix_view_get_pool_time (heatmap (b));
        g_array_append_val (b->times, t);
        g_array_append_val (b->pools, p);
      }
      if (b->next == 1)
        {
          /* zoom 8x at the centre: only the visible window is pooled again */
          GtkWidget *w = GTK_WIDGET (heatmap (b));
          b->stage = WAIT_ZOOM;
          b->t_stage = g_get_monotonic_time ();
          ps_matrix_view_zoom_at (heatmap (b), 8, gtk_widget_get_width (w) / 2.0,
                                         gtk_widget_get_height (w) / 2.0);
        }
      else
        select_next (b);
      break;
    case WAIT_ZOOM:
    case WAIT_PAN:
      if (!ps_matrix_view_is_ready (heatmap (b)))
        return;
      {
        int64_t r0, c0, vr, vc;
        ps_matrix_view_get_window (heatmap (b), &r0, &c0, &vr, &vc);
        printf ("%s %s: visible window %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " at (%"
                G_GINT64_FORMAT ", %" G_GINT64_FORMAT "): %6.1f ms (pooling %.1f ms)\n",
                b->stage == WAIT_ZOOM ? "zoom 8x in" : "then pan  ",
                ps_checkpoint_window_get_selected_key (b->win), vr, vc, r0, c0,
                ms (now - b->t_stage), ms (ps_matrix_view_get_pool_time (heatmap (b))));
        fflush (stdout);
      }
      if (b->stage == WAIT_ZOOM)
        {
          b->stage = WAIT_PAN;
          b->t_stage = g_get_monotonic_time ();
          ps_matrix_view_pan (heatmap (b), -300, -150);
        }
      else
        select_next (b);
      break;
    case WAIT_STATS:
      if (b->last_paint != 0)
        b->max_gap = MAX (b->max_gap, now - b->last_paint);
      b->last_paint = now;
      b->frames++;
      if (ps_checkpoint_window_get_stats (b->win, NULL))
        {
          v = ps_checkpoint_window_get_view (b->win);
          printf ("statistics of the whole %s (%.0f MB) in a worker: %.1f ms; %u frames "
                  "meanwhile, longest gap %.1f ms\n",
                  ps_checkpoint_window_get_selected_key (b->win),
                  (v->entry->end - v->entry->begin) / 1e6, ms (now - b->t_stage), b->frames,
                  ms (b->max_gap));
          bench_finish (b, NULL);
        }
      break;
    case DONE:
      break;
    }
}

/* While the statistics run: ask for a frame every frame. */
static gboolean
tick (GtkWidget *w, GdkFrameClock *clock, gpointer data)
{
  Bench *b = data;
  gtk_widget_queue_draw (w);
  return b->stage == DONE ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer data)
{
  Bench *b = data;
  b->timeout_id = 0;
  bench_finish (b, "timed out");
  return G_SOURCE_REMOVE;
}

static void
bench_finish (Bench *b, const char *failure)
{
  if (b->stage == DONE)
    return;
  b->stage = DONE;
  if (failure)
    printf ("FAILED: %s\n", failure);
  print_rss ("at the end:", FALSE);
  fflush (stdout);
  g_clear_handle_id (&b->timeout_id, g_source_remove);
  if (b->clock)
    g_clear_signal_handler (&b->paint_id, b->clock);
  gtk_window_destroy (GTK_WINDOW (b->win));
  g_application_release (G_APPLICATION (b->app));
  g_application_quit (G_APPLICATION (b->app));
  g_ptr_array_unref (b->tensors);
  g_array_unref (b->times);
  g_array_unref (b->pools);
  g_free (b->path);
  g_free (b);
}

static void
default_tensors (PsCheckpoint *ck, GPtrArray *out)
{
  PsSafetensors *st = ps_checkpoint_get_safetensors (ck);
  const PsSafetensorsEntry *largest = NULL;

  for (guint i = 0; i < ps_safetensors_get_n (st) && out->len < 3; i++)
    {
      const PsSafetensorsEntry *e = ps_safetensors_get (st, i);
      if (e->ndim == 2 && e->shape[0] == 4096 && e->shape[1] == 11008)
        g_ptr_array_add (out, g_strdup (e->name));
      if (e->ndim == 2 && (largest == NULL || e->numel > largest->numel))
        largest = e;
    }
  if (out->len == 0 && largest != NULL)
    g_ptr_array_add (out, g_strdup (largest->name));
}

void
ps_checkpoint_bench_start (GtkApplication *app, const char *path, const char *const *tensors)
{
  Bench *b = g_new0 (Bench, 1);
  g_autoptr (GError) error = NULL;
  PsCheckpoint *ck;
  gint64 t_opened;

  b->app = app;
  b->path = g_strdup (path);
  b->tensors = g_ptr_array_new_with_free_func (g_free);
  b->times = g_array_new (FALSE, FALSE, sizeof (gint64));
  b->pools = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_application_hold (G_APPLICATION (app));

  b->win = ps_checkpoint_window_new (app);
  b->t_open = g_get_monotonic_time ();
  if (!ps_checkpoint_window_open (b->win, path, &error))
    {
      printf ("FAILED: %s\n", error->message);
      b->stage = WAIT_TREE;
      bench_finish (b, "cannot open the file");
      return;
    }
  t_opened = g_get_monotonic_time ();
  ck = ps_checkpoint_window_get_checkpoint (b->win);
  printf ("checkpoint-bench: %s, %.2f GiB, %u tensors\n", path,
          ps_checkpoint_get_size (ck) / (double) (1ull << 30),
          ps_safetensors_get_n (ps_checkpoint_get_safetensors (ck)));
  printf ("open (map, header, tree model):  %7.1f ms\n", ms (t_opened - b->t_open));
  if (tensors != NULL)
    for (guint i = 0; tensors[i]; i++)
      g_ptr_array_add (b->tensors, g_strdup (tensors[i]));
  else
    default_tensors (ck, b->tensors);

  gtk_window_present (GTK_WINDOW (b->win));
  b->clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->win));
  b->paint_id = g_signal_connect (b->clock, "after-paint", G_CALLBACK (after_paint), b);
  b->timeout_id = g_timeout_add_seconds (TIMEOUT_S, on_timeout, b);
}
