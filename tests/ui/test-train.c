/* test-train.c — live training in the window, under Xvfb: the run gives the
 * plain loop's bits, views follow it, edits wait for Pause and then apply,
 * one undo per run, a NaN stops it with a name and a step, snapshots and
 * their difference */
#include "ps-ui-test-util.h"
#include "ps-matrix-view.h"
#include "ps-diff-source.h"
#include "ps-diff-page.h"
#include "ps-inspector.h"
#include "ps-train-panel.h"
#include "../core/ps-test-util.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

static PsRunController *
panel (PsWindow *win)
{
  /* these tests measure runs, not watch them: flat out, not the window's pace */
  g_object_set (ps_window_get_controller (win), "speed", 0.0, NULL);
  return ps_window_get_controller (win);
}

static PsModule *
model (PsWindow *win)
{
  return ps_document_get_model (ps_window_get_document (win));
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Run the main loop until the panel's run ends (at most 60 s). */
static void
wait_run_end (PsWindow *win)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (ps_run_controller_is_running (panel (win)) || ps_document_get_busy (ps_window_get_document (win)))
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  iterate ();
}

/* The plain loop, on a copy, with the panel's data (teacher, 64 samples, seed 0). */
static PsModule *
reference (PsModule *start, PsLossKind loss, const PsOptimConfig *o, guint64 steps,
           PsRunData data)
{
  PsModule *net = ps_module_clone (start, NULL);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  g_autoptr (PsOptimizer) opt = ps_optimizer_new (net, o, NULL);
  double l;

  g_assert_true (ps_data_generate ((PsDataKind) data, start, 64, 0, loss, &x, &t, NULL));
  for (guint64 s = 0; s < steps; s++)
    {
      ps_optimizer_zero_grad (opt);
      g_assert_nonnull (ps_tape_forward (tape, x, NULL));
      g_assert_true (ps_tape_backward_loss (tape, loss, t, &l, NULL));
      ps_optimizer_step (opt);
    }
  return net;
}

static gboolean
same_values (PsModule *a, PsModule *b)
{
  g_autoptr (GPtrArray) pa = ps_module_named_parameters (a);
  g_autoptr (GPtrArray) pb = ps_module_named_parameters (b);
  for (guint i = 0; i < pa->len; i++)
    {
      PsTensor *x = ps_param_get_data (((PsNamedParam *) pa->pdata[i])->param);
      PsTensor *y = ps_param_get_data (((PsNamedParam *) pb->pdata[i])->param);
      if (memcmp (x->data, y->data, (size_t) x->numel * 4) != 0)
        return FALSE;
    }
  return pa->len == pb->len;
}

static GdkTexture *
render (GtkWidget *view)
{
  gtk_test_widget_wait_for_draw (view);
  return ps_matrix_view_render_texture (PS_MATRIX_VIEW (view), 0, 0);
}

static gboolean
textures_differ (GdkTexture *a, GdkTexture *b)
{
  int w = gdk_texture_get_width (a), h = gdk_texture_get_height (a);
  g_autofree guchar *pa = g_malloc ((gsize) w * h * 4), *pb = g_malloc ((gsize) w * h * 4);
  if (w != gdk_texture_get_width (b) || h != gdk_texture_get_height (b))
    return TRUE;
  gdk_texture_download (a, pa, (gsize) w * 4);
  gdk_texture_download (b, pb, (gsize) w * 4);
  return memcmp (pa, pb, (gsize) w * h * 4) != 0;
}

static guint
count_colour (GdkTexture *tex, guint32 argb)
{
  int w = gdk_texture_get_width (tex), h = gdk_texture_get_height (tex);
  g_autofree guint32 *px = g_new (guint32, (gsize) w * h);
  guint n = 0;
  gdk_texture_download (tex, (guchar *) px, (gsize) w * 4);
  for (gsize i = 0; i < (gsize) w * h; i++)
    n += (px[i] | 0xff000000u) == argb;
  return n;
}

/* ---- a run gives the plain loop's bits, as one undoable change ---------- */

static void
test_run_matches_loop_and_undo (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsOptimConfig o;
  g_autoptr (PsModule) start = NULL;
  g_autoptr (PsModule) want = NULL;
  g_autoptr (GError) error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  start = ps_module_clone (model (win), NULL);
  ps_optim_config_init (&o, PS_OPTIM_SGD, 0.02);
  o.momentum = 0.9;
  ps_run_controller_configure (panel (win), PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
  g_assert_true (ps_run_controller_run (panel (win), 3000, &error));
  g_assert_no_error (error);
  g_assert_true (ps_run_controller_is_running (panel (win)));

  /* edits are refused while it runs, with a reason; nothing changes */
  {
    PsParam *b = ps_module_find_param (model (win), "0.bias");
    g_assert_false (ps_document_set_element (doc, b, 0, 5.f, &error));
    g_assert_cmpstr (error->message, ==, "Training is running: pause it first");
    g_clear_error (&error);
    g_assert_false (ps_document_undo (doc));
  }
  wait_run_end (win);
  g_assert_cmpuint (ps_trainer_get_step (ps_run_controller_get_trainer (panel (win))), ==, 3000);
  want = reference (start, PS_LOSS_MSE, &o, 3000, PS_RUN_DATA_TEACHER);
  g_assert_true (same_values (model (win), want));
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "train steps 1–3000");

  /* the tied layer stayed one parameter through training */
  g_assert_true (ps_module_find_param (model (win), "2.weight")
                 == ps_module_find_param (model (win), "4.weight"));

  /* one undo returns to the start, redo to the end */
  g_assert_true (ps_document_undo (doc));
  g_assert_true (same_values (model (win), start));
  g_assert_true (ps_document_redo (doc));
  g_assert_true (same_values (model (win), want));
  /* after moving in the history the next run is a new one (fresh optimizer) */
  {
    PsTrainer *old = ps_run_controller_get_trainer (panel (win));
    g_assert_true (ps_run_controller_step (panel (win), &error));
    g_assert_true (ps_run_controller_get_trainer (panel (win)) != old);
    g_assert_cmpuint (ps_trainer_get_step (ps_run_controller_get_trainer (panel (win))), ==, 1);
  }
}

/* ---- the views follow the run; edits while paused apply ------------------ */

static void
test_live_views_and_paused_edit (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsOptimConfig o;
  GtkWidget *view;
  g_autoptr (GdkTexture) before = NULL;
  g_autoptr (GdkTexture) during = NULL;
  g_autoptr (GError) error = NULL;
  PsParam *w;
  guint64 version, paused_at;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  g_assert_true (ps_window_select_key (win, "2.weight"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "inspect"));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  view = ps_test_window_child (win, "data_view");
  w = ps_module_find_param (model (win), "2.weight");
  before = render (view);
  version = ps_param_get_version (w);
  g_autofree char *inspector_before = ps_test_inspector_text (win);
  ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
  ps_run_controller_configure (panel (win), PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
  g_assert_true (ps_run_controller_run (panel (win), 0, &error));
  /* frames go by: the views are redrawn from newer snapshots */
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    while (ps_run_controller_get_n_syncs (panel (win)) < 5)
      {
        g_main_context_iteration (NULL, TRUE);
        g_assert_cmpint (g_get_monotonic_time (), <, end);
      }
  }
  g_assert_cmpuint (ps_param_get_version (w), >, version);
  during = render (view);
  g_assert_true (textures_differ (before, during));
  /* the inspector's statistics follow too */
  {
    g_autofree char *inspector_after = ps_test_inspector_text (win);
    g_assert_cmpstr (inspector_after, !=, inspector_before);
  }
  ps_run_controller_pause (panel (win));
  g_assert_false (ps_run_controller_is_running (panel (win)));
  g_assert_null (ps_document_get_busy (doc));
  paused_at = ps_trainer_get_step (ps_run_controller_get_trainer (panel (win)));
  g_assert_cmpuint (ps_trainer_get_synced_step (ps_run_controller_get_trainer (panel (win))), ==, paused_at);

  /* while paused: an edit through the document, then 200 more steps that
   * go on from it (Adam's moments carry on across the pause; the exact
   * replay is the next test's, with SGD) */
  g_assert_true (ps_document_set_element (doc, w, 3, 0.75f, &error));
  g_assert_no_error (error);
  g_assert_true (ps_run_controller_run (panel (win), 200, &error));
  wait_run_end (win);
  g_assert_cmpuint (ps_trainer_get_step (ps_run_controller_get_trainer (panel (win))), ==, paused_at + 200);
  /* an Adam step moves a weight by at most about lr */
  g_assert_cmpfloat (fabsf (ps_param_get_data (w)->data[3] - 0.75f), <, 200 * 0.01f * 1.01f);
}

/* With SGD (no state), a run after a paused edit equals the plain loop from
 * the edited weights exactly. */
static void
test_paused_edit_applies_exactly (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsOptimConfig o;
  g_autoptr (PsModule) edited = NULL;
  g_autoptr (PsModule) want = NULL;
  g_autoptr (GError) error = NULL;
  PsParam *b;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  ps_optim_config_init (&o, PS_OPTIM_SGD, 0.05);
  ps_run_controller_configure (panel (win), PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
  g_assert_true (ps_run_controller_run (panel (win), 100, &error));
  wait_run_end (win);
  b = ps_module_find_param (model (win), "0.bias");
  g_assert_true (ps_document_add_constant (doc, b, 1.f, &error));     /* net[0].bias.data += 1 */
  edited = ps_module_clone (model (win), NULL);
  g_assert_true (ps_run_controller_run (panel (win), 100, &error));
  wait_run_end (win);
  want = reference (edited, PS_LOSS_MSE, &o, 100, PS_RUN_DATA_TEACHER);
  /* the data came from the first run's network (the teacher depends on the
   * structure and seed only), so the reference's data is the same */
  g_assert_true (same_values (model (win), want));
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "train steps 101–200");
}

/* ---- NaN: stop, name, show, undo to the last finite state --------------- */

static void
test_fault_stops_names_and_undoes (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsOptimConfig o;
  PsTrainer *t;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) grad = NULL;
  const char *fault;
  guint64 k;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  ps_optim_config_init (&o, PS_OPTIM_SGD, 8.0);        /* far too large: it diverges */
  ps_run_controller_configure (panel (win), PS_RUN_DATA_RANDOM, 64, PS_LOSS_MSE, &o);
  g_assert_true (ps_run_controller_run (panel (win), 0, &error));
  wait_run_end (win);
  t = ps_run_controller_get_trainer (panel (win));
  g_assert_cmpint (ps_trainer_get_state (t), ==, PS_TRAINER_FAULT);
  fault = ps_trainer_get_fault (t);
  k = ps_trainer_get_fault_step (t);
  g_test_message ("%s", fault);
  g_assert_nonnull (ps_trainer_get_fault_param (t));
  g_assert_nonnull (strstr (ps_test_window_status (win), ps_trainer_get_fault_param (t)));
  g_assert_nonnull (strstr (ps_test_window_status (win), "Training stopped: step "));

  /* the gradient view of the faulty parameter shows non-finite cells */
  g_assert_true (ps_window_select_key (win, ps_trainer_get_fault_param (t)));
  grad = render (ps_test_window_child (win, "grad_view"));
  g_assert_cmpuint (count_colour (grad, PS_COLOR_NAN) + count_colour (grad, PS_COLOR_POSINF)
                    + count_colour (grad, PS_COLOR_NEGINF), >, 0);

  /* two changes: the fault (only the gradient), then the finite steps */
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, fault);
  g_assert_true (ps_document_undo (doc));
  {
    g_autoptr (GPtrArray) np = ps_module_named_parameters (model (win));
    for (guint i = 0; i < np->len; i++)
      {
        PsParam *p = ((PsNamedParam *) np->pdata[i])->param;
        PsTensor *d = ps_param_get_data (p);
        for (int64_t j = 0; j < d->numel; j++)
          g_assert_true (isfinite (d->data[j]));
        g_assert_null (ps_param_get_grad (p));
      }
  }
  if (k > 1)
    {
      g_autofree char *label = g_strdup_printf (k > 2 ? "train steps 1–%" G_GUINT64_FORMAT
                                                : "train step %" G_GUINT64_FORMAT, k - 1);
      g_assert_cmpstr (ps_document_get_undo_label (doc), ==, label);
    }
}

/* ---- snapshots, difference, reset ------------------------------------------ */

static void
test_snapshots_difference_reset (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsOptimConfig o;
  PsRunController *p;
  g_autoptr (PsModule) start = NULL;
  g_autoptr (GError) error = NULL;
  PsMatrixSource *diff;
  PsParam *w;
  PsTrainer *first;
  GtkWidget *page, *view;
  GtkDropDown *a, *b;

  if (win == NULL)
    return;
  p = panel (win);
  start = ps_module_clone (model (win), NULL);
  g_assert_true (ps_window_select_key (win, "2.weight"));
  ps_run_controller_take_snapshot (p, "init");
  g_assert_cmpuint (g_list_model_get_n_items (ps_run_controller_get_snapshots (p)), ==, 1);
  ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
  ps_run_controller_configure (p, PS_RUN_DATA_SPIRAL, 64, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_true (ps_run_controller_run (p, 300, &error));
  g_assert_no_error (error);
  wait_run_end (win);
  /* the run kept its first weights too ("step 0") */
  g_assert_cmpuint (g_list_model_get_n_items (ps_run_controller_get_snapshots (p)), ==, 2);

  /* current − init is what training changed (the page computes it when shown) */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "difference"));
  page = ps_test_window_child (win, "diff_page");
  a = GTK_DROP_DOWN (ps_test_template_child (page, PS_TYPE_DIFF_PAGE, "a_dropdown"));
  b = GTK_DROP_DOWN (ps_test_template_child (page, PS_TYPE_DIFF_PAGE, "b_dropdown"));
  view = ps_test_template_child (page, PS_TYPE_DIFF_PAGE, "view");
  gtk_test_widget_wait_for_draw (view);
  gtk_drop_down_set_selected (a, 0);
  gtk_drop_down_set_selected (b, 1);
  diff = ps_matrix_view_get_source (PS_MATRIX_VIEW (view));
  g_assert_nonnull (diff);
  g_assert_true (PS_IS_DIFF_SOURCE (diff));
  w = ps_module_find_param (model (win), "2.weight");
  {
    const PsTensor *d = ps_diff_source_get_difference (PS_DIFF_SOURCE (diff));
    PsTensor *now = ps_param_get_data (w);
    PsTensor *then = ps_param_get_data (ps_module_find_param (start, "2.weight"));
    double max = 0;
    g_assert_cmpint (d->numel, ==, now->numel);
    for (int64_t i = 0; i < d->numel; i++)
      {
        g_assert_cmpfloat (d->data[i], ==, now->data[i] - then->data[i]);
        max = MAX (max, fabs (d->data[i]));
      }
    g_assert_cmpfloat (max, >, 0);
  }
  /* the difference view draws it and is never editable */
  {
    g_autoptr (GdkTexture) tex = render (view);
    g_assert_nonnull (tex);
    g_assert_false (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (view), 0, 0));
  }
  /* a snapshot of equal states gives no difference to show */
  gtk_drop_down_set_selected (a, 1);
  g_assert_null (ps_matrix_view_get_source (PS_MATRIX_VIEW (view)));
  /* nor does a state that is not there */
  gtk_drop_down_set_selected (a, 0);
  g_assert_nonnull (ps_matrix_view_get_source (PS_MATRIX_VIEW (view)));
  gtk_drop_down_set_selected (a, 4);
  g_assert_cmpuint (gtk_drop_down_get_selected (a), ==, GTK_INVALID_LIST_POSITION);
  g_assert_null (ps_matrix_view_get_source (PS_MATRIX_VIEW (view)));

  /* reset: the run's first weights; the same run again gives the same bits */
  {
    g_autoptr (PsModule) after = ps_module_clone (model (win), NULL);
    first = ps_run_controller_get_trainer (p);
    ps_run_controller_reset (p);
    g_assert_true (same_values (model (win), start));
    g_assert_cmpstr (ps_document_get_undo_label (ps_window_get_document (win)), ==,
                     "reset the run to its first weights");
    g_assert_true (ps_run_controller_run (p, 300, &error));
    wait_run_end (win);
    g_assert_true (ps_run_controller_get_trainer (p) == first);
    g_assert_true (same_values (model (win), after));
  }
  /* a changed setting makes the next run a new one (from the current weights) */
  o.lr = 0.002;
  ps_run_controller_configure (p, PS_RUN_DATA_SPIRAL, 64, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_true (ps_run_controller_step (p, &error));
  g_assert_true (ps_run_controller_get_trainer (p) != first);
  g_assert_cmpuint (ps_trainer_get_step (ps_run_controller_get_trainer (p)), ==, 1);

  /* a new network drops the run and the snapshots */
  g_assert_true (ps_window_open_example (win, "mlp", &error));
  g_assert_null (ps_run_controller_get_trainer (p));
  g_assert_cmpuint (g_list_model_get_n_items (ps_run_controller_get_snapshots (p)), ==, 0);
}

/* A network opened gets settings that suit it: the spiral classifier trains
 * on the spiral with cross-entropy at once. */
static void
test_settings_follow_the_network (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autoptr (GError) error = NULL;

  if (win == NULL)
    return;
  g_assert_true (ps_run_controller_step (panel (win), &error));
  g_assert_no_error (error);
  /* a 2-class cross-entropy starts near ln 2 */
  g_assert_cmpfloat (fabs (ps_trainer_get_loss (ps_run_controller_get_trainer (panel (win))) - log (2.0)), <, 0.2);
  g_assert_true (ps_window_open_example (win, "mlp", &error));
  g_assert_true (ps_run_controller_step (panel (win), &error));    /* teacher regression: fits 4 → 1 */
  g_assert_no_error (error);
}

static void
test_spiral_needs_two_inputs (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsOptimConfig o;
  g_autoptr (GError) error = NULL;

  if (win == NULL)
    return;
  ps_optim_config_init (&o, PS_OPTIM_SGD, 0.1);
  ps_run_controller_configure (panel (win), PS_RUN_DATA_SPIRAL, 64, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_false (ps_run_controller_run (panel (win), 10, &error));
  g_assert_nonnull (strstr (error->message, "the spiral has 2 inputs and 2 classes"));
  g_assert_null (ps_document_get_busy (ps_window_get_document (win)));
  g_assert_false (ps_document_can_undo (ps_window_get_document (win)));
}

/* ---- live frames redraw without a new layout of the window ---------------- */

static void
count_layout (GdkSurface *surface, int width, int height, int *n)
{
  (*n)++;
}

static void
count_items_changed (GListModel *list, guint position, guint removed, guint added, int *n)
{
  (*n)++;
}

static gboolean
tick_count (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  (*(int *) data)++;
  return G_SOURCE_CONTINUE;
}

/* Run frames until the window has drawn `quiet` frames in a row without a
 * layout: a window just opened lays itself out for a while (its rows, its
 * panes' positions), longer on a loaded machine.  Counted in frames; the
 * clock only guards against a window that never settles. */
static void
settle (PsWindow *win, int quiet)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (win));
  gint64 guard = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  int frames = 0, layouts = 0, since = 0, last_frames = 0, last_layouts = 0;
  gulong id = g_signal_connect (surface, "layout", G_CALLBACK (count_layout), &layouts);
  guint tick = gtk_widget_add_tick_callback (GTK_WIDGET (win), tick_count, &frames, NULL);

  while (since < quiet)
    {
      g_main_context_iteration (NULL, TRUE);
      if (frames == last_frames)
        continue;
      since = layouts == last_layouts ? since + (frames - last_frames) : 0;
      last_frames = frames;
      last_layouts = layouts;
      g_assert_cmpint (g_get_monotonic_time (), <, guard);
    }
  gtk_widget_remove_tick_callback (GTK_WIDGET (win), tick);
  g_signal_handler_disconnect (surface, id);
}

/* Layouts of the window while the main loop runs until the run controller
 * has delivered `syncs` more progress updates (frames of the run shown), and
 * how many times the snapshot list changed meanwhile (a new row: a size
 * that does change).  The only clock is a guard against a hang. */
static int
layouts_over_syncs (PsWindow *win, guint syncs, int *snapshot_changes)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (win));
  GListModel *snapshots = ps_run_controller_get_snapshots (ps_window_get_controller (win));
  guint64 want = ps_run_controller_get_n_syncs (ps_window_get_controller (win)) + syncs;
  gint64 guard = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  int n = 0;
  gulong id = g_signal_connect (surface, "layout", G_CALLBACK (count_layout), &n);
  gulong sid = g_signal_connect (snapshots, "items-changed", G_CALLBACK (count_items_changed),
                                 snapshot_changes);

  *snapshot_changes = 0;
  while (ps_run_controller_get_n_syncs (ps_window_get_controller (win)) < want)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, guard);
    }
  g_signal_handler_disconnect (snapshots, sid);
  g_signal_handler_disconnect (surface, id);
  return n;
}

/* While a run goes on, the step, the loss and the inspector's statistics
 * change at every frame.  Those are redraws: a new layout of the window at
 * every frame would cost its thread a size computation (with round trips
 * to the X server) each time, which the live view cannot afford.  So, once
 * the run has started (its first frames may lay out: the live line
 * appears, the Run button becomes Pause), 40 progress updates lay the
 * window out not once -- unless the snapshot list gained a row, at most
 * once for each.  Counted per update, not per second: the count does not
 * depend on the machine's load.  GTK's animations are off: the CSS
 * transitions of the controls a run makes insensitive are timed by the
 * frame clock and lay out for their 200 ms, however many updates that is. */
static void
test_frames_without_layout (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  static const char *pages[] = { "inspect", "train" };
  PsOptimConfig o;
  g_autoptr (GError) error = NULL;
  gboolean animations;

  if (win == NULL)
    return;
  g_object_get (gtk_settings_get_default (), "gtk-enable-animations", &animations, NULL);
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  g_assert_true (ps_window_select_key (win, "2.weight"));
  ps_optim_config_init (&o, PS_OPTIM_SGD, 0.01);
  ps_run_controller_configure (panel (win), PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
  for (guint k = 0; k < G_N_ELEMENTS (pages); k++)
    {
      g_autofree char *text0 = NULL, *text1 = NULL;
      int layouts, start_layouts, snapshot_changes;

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", pages[k]));
      settle (win, 10);
      g_assert_true (ps_run_controller_run (panel (win), 0, &error));
      g_assert_no_error (error);
      start_layouts = layouts_over_syncs (win, 3, &snapshot_changes);
      text0 = ps_test_inspector_text (win);
      layouts = layouts_over_syncs (win, 40, &snapshot_changes);
      text1 = ps_test_inspector_text (win);
      ps_run_controller_pause (panel (win));
      if (k == 0)
        {
          GtkAccessible *stats = GTK_ACCESSIBLE (ps_test_template_child (ps_test_window_child (win, "inspector"),
                                                                         PS_TYPE_INSPECTOR, "stats"));
          g_assert_cmpstr (text0, !=, text1);          /* the statistics did change */
          /* their accessible name stays; the text is their description */
          gtk_test_accessible_assert_role (stats, GTK_ACCESSIBLE_ROLE_GROUP);
          gtk_test_accessible_assert_property (stats, GTK_ACCESSIBLE_PROPERTY_LABEL, _("Statistics"));
          g_assert_nonnull (strstr (text1, "mean"));
        }
      else
        g_assert_cmpstr (text0, ==, text1);            /* not computed for a hidden page */
      if (g_test_verbose () || layouts > snapshot_changes)
        g_printerr ("%s page: %d layouts as the run started (3 updates), %d in the next 40 "
                    "(%d snapshot list changes)\n", pages[k], start_layouts, layouts,
                    snapshot_changes);
      g_assert_cmpint (layouts, <=, snapshot_changes);
    }
  g_object_set (gtk_settings_get_default (), "gtk-enable-animations", animations, NULL);
}

/* ---- Adam's betas and eps from the panel ------------------------------------- */

static void
test_adam_settings (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsOptimConfig o;
  g_autoptr (PsModule) start = NULL;
  g_autoptr (PsModule) want = NULL;
  g_autoptr (PsModule) want_default = NULL;
  g_autoptr (GError) error = NULL;
  GtkWidget *eps = NULL;

  if (win == NULL)
    return;
  start = ps_module_clone (model (win), NULL);
  ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
  o.beta1 = 0.8;
  o.beta2 = 0.99;
  o.eps = 1e-6;
  o.weight_decay = 0.001;
  ps_run_controller_configure (panel (win), PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
  g_assert_true (ps_run_controller_run (panel (win), 40, &error));
  g_assert_no_error (error);
  wait_run_end (win);
  /* the plain loop with the same betas and eps gives the same bits; the
   * defaults give other ones */
  want = reference (start, PS_LOSS_MSE, &o, 40, PS_RUN_DATA_TEACHER);
  g_assert_true (same_values (model (win), want));
  {
    PsOptimConfig d;
    ps_optim_config_init (&d, PS_OPTIM_ADAM, 0.01);
    d.weight_decay = 0.001;
    want_default = reference (start, PS_LOSS_MSE, &d, 40, PS_RUN_DATA_TEACHER);
    g_assert_false (same_values (model (win), want_default));
  }
  /* an eps that is not a positive number is refused, naming it */
  eps = ps_test_template_child (ps_test_window_child (win, "train_panel"), PS_TYPE_TRAIN_PANEL, "eps_entry");
  gtk_editable_set_text (GTK_EDITABLE (eps), "1e-8x");
  g_assert_false (ps_run_controller_run (panel (win), 1, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "eps"));
  g_assert_nonnull (strstr (error->message, "1e-8x"));
  g_clear_error (&error);
  gtk_editable_set_text (GTK_EDITABLE (eps), "-1");
  g_assert_false (ps_run_controller_run (panel (win), 1, &error));
  g_clear_error (&error);
  g_assert_true (same_values (model (win), want));           /* nothing changed */
}

/* ---- a field being typed in when training starts ------------------------------ */

static gboolean
quit_loop (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

/* The learning rate's field has the keyboard focus (as after typing a rate
 * and pressing Enter) when Ctrl+T starts training: the field goes
 * insensitive, and the focus moves to the Run button (now Pause) first, so
 * the field gets its focus-out and GTK has nothing to warn about when its
 * cursor would next blink (warnings are fatal here).  Paused, the form can
 * be edited again. */
static void
test_focus_at_train_start (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *train_panel, *lr, *run_button, *focus;
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GError) error = NULL;
  int blink_ms = 0;

  if (win == NULL)
    return;
  train_panel = ps_test_window_child (win, "train_panel");
  lr = ps_test_template_child (train_panel, PS_TYPE_TRAIN_PANEL, "lr_spin");
  run_button = ps_test_template_child (train_panel, PS_TYPE_TRAIN_PANEL, "run_button");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "train"));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (gtk_widget_grab_focus (lr));
  focus = gtk_root_get_focus (GTK_ROOT (win));
  g_assert_nonnull (focus);
  g_assert_true (focus == lr || gtk_widget_is_ancestor (focus, lr));
  g_assert_true (GTK_IS_TEXT (focus));

  (void) panel (win);                   /* flat out: the run's end is waited for below */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.train-toggle", NULL));
  g_assert_true (ps_run_controller_is_running (panel (win)));
  iterate ();
  g_assert_false (gtk_widget_is_sensitive (lr));
  g_assert_true (gtk_root_get_focus (GTK_ROOT (win)) == run_button);
  g_assert_true (gtk_widget_is_sensitive (run_button));

  /* two cursor blinks' time, training: a text that kept a stale focus
   * would warn from its blink timer now */
  g_object_get (gtk_widget_get_settings (lr), "gtk-cursor-blink-time", &blink_ms, NULL);
  loop = g_main_loop_new (NULL, FALSE);
  g_timeout_add (CLAMP (blink_ms, 100, 2000) * 2, quit_loop, loop);
  g_main_loop_run (loop);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.train-toggle", NULL));
  wait_run_end (win);
  g_assert_true (gtk_widget_is_sensitive (lr));
  g_assert_true (gtk_widget_grab_focus (lr));
  g_assert_no_error (error);
}

/* ---- how often the view takes a snapshot ------------------------------------- */

static void
test_view_pacing (void)
{
  /* half a core to spare (a small network's products on one of two cores): every frame */
  g_assert_true (ps_train_view_snapshot_due (16700, 3000, 16700 + 3000, 2));
  /* every core busy: due once the view's threads are within 12 % of the time */
  g_assert_false (ps_train_view_snapshot_due (16700, 4500, 2 * 16700, 2));
  g_assert_false (ps_train_view_snapshot_due (33400, 4500, 2 * 33400, 2));
  g_assert_true (ps_train_view_snapshot_due (37500, 4500, 2 * 37500, 2));
  g_assert_true (ps_train_view_snapshot_due (16700, 1000, 2 * 16700, 2));
  /* however costly the view, a snapshot at least every 200 ms */
  g_assert_true (ps_train_view_snapshot_due (200000, 150000, 2 * 200000, 2));
  g_assert_false (ps_train_view_snapshot_due (150000, 150000, 2 * 150000, 2));
  /* one core: never to spare */
  g_assert_false (ps_train_view_snapshot_due (16700, 9000, 16700, 1));
}

/* ---- the run controller alone: no window, no widget ---------------------------- */

static void
count_notify (GObject *object, GParamSpec *pspec, GHashTable *counts)
{
  const char *name = g_param_spec_get_name (pspec);
  g_hash_table_insert (counts, (gpointer) name,
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, name)) + 1));
}

static guint
notified (GHashTable *counts, const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static gboolean
get_bool (PsRunController *run, const char *name)
{
  gboolean v;
  g_object_get (run, name, &v, NULL);
  return v;
}

static void
test_controller (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GBytes) text = g_resources_lookup_data ("/org/paramscope/ParamScope/models/shared_mlp.py",
                                                     0, NULL);
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GError) error = NULL;
  g_autofree char *src = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  PsRunController *run;
  PsOptimConfig o;
  guint64 step;
  gint64 end;

  g_assert_true (ps_document_load_model_text (doc, src, "shared_mlp.py", &error));
  run = ps_run_controller_new (doc);
  g_signal_connect (run, "notify", G_CALLBACK (count_notify), counts);
  g_assert_false (get_bool (run, "running"));
  g_assert_true (get_bool (run, "can-run"));
  g_assert_false (get_bool (run, "can-reset"));
  g_assert_true (get_bool (run, "new-run"));

  /* a setting notifies when it changes, not when set to what it is */
  g_object_set (run, "learning-rate", 0.02, NULL);
  g_object_set (run, "learning-rate", 0.02, NULL);
  g_assert_cmpuint (notified (counts, "learning-rate"), ==, 1);

  /* refused: the reason is returned and kept in "error"; nothing is busy */
  ps_optim_config_init (&o, PS_OPTIM_SGD, 0.1);
  ps_run_controller_configure (run, PS_RUN_DATA_SPIRAL, 64, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_false (ps_run_controller_step (run, &error));
  g_assert_nonnull (ps_run_controller_get_error (run));
  g_assert_cmpstr (ps_run_controller_get_error (run), ==, error->message);
  g_assert_null (ps_document_get_busy (doc));
  g_assert_false (get_bool (run, "can-reset"));
  g_clear_error (&error);

  /* a step: a run exists, its settings are the current ones, the error is gone */
  ps_run_controller_configure (run, PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_no_error (error);
  g_assert_null (ps_run_controller_get_error (run));
  g_assert_true (get_bool (run, "can-reset"));
  g_assert_false (get_bool (run, "new-run"));
  g_object_get (run, "step", &step, NULL);
  g_assert_cmpuint (step, ==, 1);
  /* the run kept its first weights; then a snapshot of ours */
  ps_run_controller_take_snapshot (run, NULL);
  g_assert_cmpuint (g_list_model_get_n_items (ps_run_controller_get_snapshots (run)), ==, 2);
  {
    g_autoptr (PsRunSnapshot) first = g_list_model_get_item (ps_run_controller_get_snapshots (run), 0);
    g_autoptr (PsRunSnapshot) ours = g_list_model_get_item (ps_run_controller_get_snapshots (run), 1);
    g_assert_cmpstr (ps_run_snapshot_get_label (first), ==, "run 1 · step 0");
    g_assert_cmpuint (ps_snapshot_get_step (ps_run_snapshot_get_snapshot (first)), ==, 0);
    g_assert_cmpstr (ps_run_snapshot_get_label (ours), ==, "snapshot 1 · run 1 · step 1");
  }
  /* the speed is not a new run; the learning rate is */
  g_object_set (run, "speed", 100.0, NULL);
  g_assert_false (get_bool (run, "new-run"));
  g_object_set (run, "speed", 0.0, NULL);

  /* a run paced without a widget (a timeout): running, then done as one change */
  g_assert_true (ps_run_controller_run (run, 20, &error));
  g_assert_true (get_bool (run, "running"));
  g_assert_false (get_bool (run, "can-run"));
  g_assert_nonnull (ps_document_get_busy (doc));
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (get_bool (run, "running"))
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  g_assert_cmpuint (notified (counts, "running"), ==, 2);
  g_object_get (run, "step", &step, NULL);
  g_assert_cmpuint (step, ==, 21);
  g_assert_null (ps_document_get_busy (doc));
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "train steps 2–21");

  /* a run the worker has already ended is running until this thread closes
   * it: the worker's end is not seen before the next tick, however soon it
   * comes (so "running" is TRUE right after run(), on a loaded machine too) */
  g_assert_true (ps_run_controller_run (run, 1, &error));
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (ps_trainer_get_state (ps_run_controller_get_trainer (run)) == PS_TRAINER_RUNNING)
    {
      g_usleep (1000);          /* the worker's thread, not this loop, ends it */
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  g_assert_true (get_bool (run, "running"));
  g_assert_false (get_bool (run, "can-run"));
  g_assert_true (ps_run_controller_is_running (run));
  g_assert_nonnull (ps_document_get_busy (doc));
  g_assert_cmpuint (notified (counts, "running"), ==, 3);
  while (get_bool (run, "running"))
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  g_assert_cmpuint (notified (counts, "running"), ==, 4);
  g_assert_null (ps_document_get_busy (doc));
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "train step 22");

  g_object_set (run, "learning-rate", 0.03, NULL);
  g_assert_true (get_bool (run, "new-run"));

  /* nothing keeps it alive but its owner */
  g_signal_handlers_disconnect_by_data (run, counts);
  g_assert_finalize_object (run);
}


/* ---- the data: kept across runs, large sets made in a worker -------------------- */

static PsRunController *
new_controller (PsDocument *doc, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (ps_document_load_model_text (doc, text, "net.py", &error));
  g_assert_no_error (error);
  return ps_run_controller_new (doc);
}

static const char digits_mlp[] = "import torch\nfrom torch import nn\n"
                                 "net = nn.Sequential(nn.Linear(784, 32), nn.ReLU(), nn.Linear(32, 10))\n";

static double
loss_value (PsRunController *run)
{
  double loss;
  g_object_get (run, "loss-value", &loss, NULL);
  return loss;
}

/* A new run (another learning rate, optimizer, an undo) trains on the
 * data it had: not made again.  What the data is made from makes it again:
 * the seed, the samples, the loss (the target), a new network. */
static void
test_data_kept (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GBytes) text = g_resources_lookup_data ("/org/paramscope/ParamScope/models/shared_mlp.py",
                                                     0, NULL);
  g_autofree char *src = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  PsRunController *run = new_controller (doc, src);
  g_autoptr (GError) error = NULL;
  const PsTensor *x, *t, *x1;
  PsOptimConfig o;

  ps_optim_config_init (&o, PS_OPTIM_SGD, 0.1);
  ps_run_controller_configure (run, PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 0);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 1);
  g_assert_true (ps_run_controller_get_data (run, &x1, &t));
  g_assert_nonnull (t);

  g_object_set (run, "learning-rate", 0.02, "optimizer", (guint) PS_OPTIM_ADAM, NULL);
  g_assert_true (get_bool (run, "new-run"));
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_false (get_bool (run, "new-run"));
  g_assert_true (ps_run_controller_get_data (run, &x, &t));
  g_assert_true (x == x1);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 1);
  ps_document_undo (doc);                       /* history moved: a new run, the same data */
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_true (ps_run_controller_get_data (run, &x, NULL));
  g_assert_true (x == x1);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 1);

  g_object_set (run, "data-seed", 7, NULL);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_true (ps_run_controller_get_data (run, &x, NULL));
  g_assert_true (x != x1);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 2);
  g_object_set (run, "samples", 32, NULL);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_true (ps_run_controller_get_data (run, &x, NULL));
  g_assert_cmpint (x->shape[0], ==, 32);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 3);
  g_object_set (run, "loss", (guint) PS_LOSS_SUM, NULL);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_true (ps_run_controller_get_data (run, NULL, &t));
  g_assert_null (t);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 4);
  /* the Train panel's data as input: the run's, not made again */
  {
    g_autoptr (PsTensor) mx = NULL;
    g_autoptr (PsTensor) mt = NULL;
    g_assert_true (ps_run_controller_make_data (run, &mx, &mt, &error));
    g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 4);
  }

  /* a new network (the teacher is made from it): made again */
  g_assert_true (ps_document_load_model_text (doc, src, "again.py", &error));
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 5);
  g_assert_finalize_object (run);
}

/* The main loop's iterations while a controller makes data, and the
 * longest time between two (printed, not asserted). */
typedef struct
{
  PsRunController *run;
  guint  n;
  gint64 last, longest;
} Iterations;

static gboolean
count_iteration (gpointer data)
{
  Iterations *it = data;
  gint64 now = g_get_monotonic_time ();

  if (ps_run_controller_is_making_data (it->run))
    {
      it->n++;
      it->longest = MAX (it->longest, now - it->last);
    }
  it->last = now;
  return G_SOURCE_CONTINUE;
}

/* Iterate until no worker of any controller is making data (at most 120 s). */
static void
wait_workers (void)
{
  gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (ps_run_controller_n_data_workers () > 0)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* 2,048 digits (1.6 M floats) are made in a worker: the main loop goes on
 * meanwhile ("running", the panel says so), then the step is taken: the
 * same loss, to the bit, as the synchronous path's with the same seed.
 * Then a Run of 3 steps the same way. */
static void
test_data_worker (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (PsDocument) doc2 = ps_document_new ();
  PsRunController *run = new_controller (doc, digits_mlp);
  PsRunController *sync = new_controller (doc2, digits_mlp);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) sx = NULL;
  g_autoptr (PsTensor) st = NULL;
  const PsTensor *x, *t;
  Iterations it = { run, 0, 0, 0 };
  gint64 t0, sync_us, async_us;
  guint source;
  guint64 step;
  PsOptimConfig o;

  ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);
  ps_run_controller_configure (sync, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);
  g_object_set (run, "data-seed", 3, NULL);
  g_object_set (sync, "data-seed", 3, NULL);

  /* the synchronous path: the data made here, then a step */
  t0 = g_get_monotonic_time ();
  g_assert_true (ps_run_controller_make_data (sync, &sx, &st, &error));
  sync_us = g_get_monotonic_time () - t0;
  g_assert_no_error (error);
  g_assert_true (ps_run_controller_step (sync, &error));
  g_assert_false (ps_run_controller_is_making_data (sync));
  g_assert_cmpuint (ps_run_controller_get_n_made (sync), ==, 1);

  it.last = t0 = g_get_monotonic_time ();
  source = g_timeout_add (1, count_iteration, &it);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_no_error (error);
  g_assert_true (ps_run_controller_is_making_data (run));
  g_assert_true (get_bool (run, "running"));
  g_assert_false (get_bool (run, "can-run"));
  g_assert_null (ps_run_controller_get_trainer (run));
  /* Step and Run again meanwhile: refused or already under way */
  g_assert_false (ps_run_controller_step (run, NULL));
  g_assert_true (ps_run_controller_run (run, 0, NULL));
  {
    gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
    while (get_bool (run, "running"))
      {
        g_main_context_iteration (NULL, TRUE);
        g_assert_cmpint (g_get_monotonic_time (), <, end);
      }
  }
  async_us = g_get_monotonic_time () - t0;
  g_source_remove (source);
  g_assert_cmpuint (it.n, >, 0);
  g_test_message ("2,048 digits: %.0f ms on the main thread; in the worker, the step %.0f ms after "
                  "it was asked, %u main-loop iterations meanwhile, the longest %.1f ms apart",
                  sync_us / 1e3, async_us / 1e3, it.n, it.longest / 1e3);
  g_assert_false (ps_run_controller_is_making_data (run));
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 1);
  g_object_get (run, "step", &step, NULL);
  g_assert_cmpuint (step, ==, 1);
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "train step 1");
  g_assert_true (ps_run_controller_get_data (run, &x, &t));
  g_assert_cmpmem (x->data, x->numel * sizeof (float), sx->data, sx->numel * sizeof (float));
  g_assert_cmpmem (t->data, t->numel * sizeof (float), st->data, st->numel * sizeof (float));
  g_assert_true (isfinite (loss_value (run)));
  g_assert_cmpfloat (loss_value (run), ==, loss_value (sync));

  /* another seed: a Run waits for its data, then runs its 3 steps */
  g_object_set (run, "data-seed", 4, NULL);
  g_assert_true (ps_run_controller_run (run, 3, &error));
  g_assert_true (ps_run_controller_is_making_data (run));
  {
    gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
    while (get_bool (run, "running"))
      {
        g_main_context_iteration (NULL, TRUE);
        g_assert_cmpint (g_get_monotonic_time (), <, end);
      }
  }
  g_object_get (run, "step", &step, NULL);
  g_assert_cmpuint (step, ==, 3);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 2);
  g_assert_null (ps_run_controller_get_error (run));
  g_assert_finalize_object (run);
  g_assert_finalize_object (sync);
}

/* Pause, Reset, a setting, a new network, the controller's end: each
 * cancels the data being made; nothing runs when it comes, nothing leaks. */
static void
test_data_worker_cancel (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  PsRunController *run = new_controller (doc, digits_mlp);
  PsOptimConfig o;
  guint64 step;

  ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);

  /* Pause */
  g_assert_true (ps_run_controller_run (run, 0, NULL));
  g_assert_true (ps_run_controller_is_making_data (run));
  ps_run_controller_pause (run);
  g_assert_false (ps_run_controller_is_making_data (run));
  g_assert_false (get_bool (run, "running"));
  wait_workers ();
  g_assert_null (ps_run_controller_get_trainer (run));
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 0);
  g_assert_null (ps_document_get_busy (doc));

  /* Reset */
  g_assert_true (ps_run_controller_step (run, NULL));
  g_assert_true (ps_run_controller_is_making_data (run));
  ps_run_controller_reset (run);
  g_assert_false (get_bool (run, "running"));
  wait_workers ();
  g_assert_null (ps_run_controller_get_trainer (run));

  /* a setting changed */
  g_assert_true (ps_run_controller_run (run, 0, NULL));
  g_object_set (run, "learning-rate", 0.5, NULL);
  g_assert_false (ps_run_controller_is_making_data (run));
  g_assert_false (get_bool (run, "running"));
  wait_workers ();
  g_assert_null (ps_run_controller_get_trainer (run));

  /* a new network */
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_true (ps_run_controller_run (run, 0, NULL));
  g_assert_true (ps_document_load_model_text (doc, digits_mlp, "again.py", NULL));
  g_assert_false (ps_run_controller_is_making_data (run));
  wait_workers ();
  g_assert_null (ps_run_controller_get_trainer (run));
  g_object_get (run, "step", &step, NULL);
  g_assert_cmpuint (step, ==, 0);
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 0);

  /* its end: the worker ends by itself, its result is dropped */
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_true (ps_run_controller_run (run, 0, NULL));
  g_assert_true (ps_run_controller_is_making_data (run));
  g_assert_finalize_object (run);
  g_assert_cmpuint (ps_run_controller_n_data_workers (), >, 0);
  wait_workers ();
  g_assert_null (ps_document_get_busy (doc));
}

/* The Train panel says what it waits for, and Pause is its button. */
static void
test_data_worker_panel (PsWindowFixture *f, gconstpointer setup)
{
  PsRunController *run = panel (f->win);
  GtkWidget *train = ps_test_window_child (f->win, "train_panel");
  GtkWidget *status = ps_test_template_child (train, PS_TYPE_TRAIN_PANEL, "status_label");
  GtkWidget *button = ps_test_template_child (train, PS_TYPE_TRAIN_PANEL, "run_button");
  g_autofree char *expect = g_strdup_printf ("Making %'d digits…", 2048);
  PsOptimConfig o;

  g_assert_true (ps_document_load_model_text (ps_window_get_document (f->win), digits_mlp, "net.py",
                                              NULL));
  ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->win), "win.train-toggle", NULL));
  /* no iteration here: the worker may end at any time; the panel follows
   * "running" at once */
  g_assert_true (ps_run_controller_is_making_data (run));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, expect);
  g_assert_true (gtk_widget_get_visible (status));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Pause");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->win), "win.train-toggle", NULL));
  g_assert_false (ps_run_controller_is_making_data (run));
  g_assert_false (get_bool (run, "running"));
  g_assert_cmpstr (gtk_button_get_label (GTK_BUTTON (button)), ==, "Run");
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, "Not started");
  wait_workers ();
  g_assert_null (ps_run_controller_get_trainer (run));
}

/* Training Data as Input with 2,048 digits: made by the same worker, the
 * window answering meanwhile (the Train panel says so), the input set when
 * they are there; asked and then abandoned (a setting changed), nothing is
 * set and nothing is reported. */
static void
test_input_data_worker (PsWindowFixture *f, gconstpointer setup)
{
  PsRunController *run = panel (f->win);
  PsDocument *doc = ps_window_get_document (f->win);
  GtkWidget *train = ps_test_window_child (f->win, "train_panel");
  GtkWidget *status = ps_test_template_child (train, PS_TYPE_TRAIN_PANEL, "status_label");
  g_autofree char *expect = g_strdup_printf ("Making %'d digits…", 2048);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  g_autoptr (GError) error = NULL;
  const PsTensor *before, *in;
  PsOptimConfig o;

  g_assert_true (ps_document_load_model_text (doc, digits_mlp, "net.py", NULL));
  ps_optim_config_init (&o, PS_OPTIM_SGD, 0.1);
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);
  before = ps_document_get_input (doc);

  /* abandoned: a setting changes while the worker works */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->win), "win.input-from-data", NULL));
  g_assert_true (ps_run_controller_is_making_data (run));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (status)), ==, expect);
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2000, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_false (ps_run_controller_is_making_data (run));
  wait_workers ();
  g_assert_true (ps_document_get_input (doc) == before);
  g_assert_null (ps_run_controller_get_error (run));

  /* kept: the input is the first samples of the digits, once made */
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 2048, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (f->win), "win.input-from-data", NULL));
  g_assert_true (ps_run_controller_is_making_data (run));
  g_assert_true (ps_document_get_input (doc) == before);
  g_assert_cmpstr (ps_test_window_status (f->win), ==, "Making the training data for the input…");
  wait_workers ();
  g_assert_false (ps_run_controller_is_making_data (run));
  g_assert_true (ps_run_controller_make_data (run, &x, &t, &error));     /* made: at once */
  g_assert_no_error (error);
  in = ps_document_get_input (doc);
  g_assert_true (in != before);
  g_assert_cmpint (in->ndim, ==, 2);
  g_assert_cmpint (in->shape[1], ==, 784);
  g_assert_cmpmem (in->data, in->numel * 4, x->data, in->numel * 4);
  g_assert_nonnull (strstr (ps_test_window_status (f->win), "of the training data"));
  g_assert_cmpuint (ps_run_controller_get_n_made (run), ==, 1);
}

/* ---- the snapshots' memory ------------------------------------------------------- */

static void
on_trimmed (PsDocument *doc, guint n, guint *total)
{
  *total += n;
}

static guint64
kept_bytes (PsRunController *run)
{
  GListModel *list = ps_run_controller_get_snapshots (run);
  guint64 bytes = 0;

  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr (PsRunSnapshot) rs = g_list_model_get_item (list, i);
      bytes += ps_snapshot_get_bytes (ps_run_snapshot_get_snapshot (rs));
    }
  return bytes;
}

/* A 512x512 layer (a snapshot: 1 MiB and its bias) under a 10 MiB history
 * limit: the snapshots keep within half of it, the newest kept, and with
 * the undo history within the whole; the dropped ones are reported.  A
 * lower limit trims both at once. */
static void
test_snapshot_limit (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GError) error = NULL;
  PsRunController *run;
  GListModel *list;
  const guint64 limit = 10 << 20, snap = (512 * 512 + 512) * 4;
  guint trimmed = 0;
  PsParam *w;

  g_assert_true (ps_document_load_model_text (doc, "import torch\nfrom torch import nn\n"
                                              "net = nn.Sequential(nn.Linear(512, 512))\n",
                                              "big.py", &error));
  g_assert_no_error (error);
  w = ps_module_find_param (ps_document_get_model (doc), "0.weight");
  ps_document_set_history_limit (doc, limit);
  run = ps_run_controller_new (doc);
  list = ps_run_controller_get_snapshots (run);
  g_signal_connect (doc, "history-trimmed", G_CALLBACK (on_trimmed), &trimmed);

  for (guint i = 1; i <= 8; i++)
    {
      g_assert_true (ps_document_fill (doc, w, (float) i, &error));
      ps_run_controller_take_snapshot (run, NULL);
      g_assert_cmpuint (kept_bytes (run), <=, limit / 2);
      g_assert_cmpuint (kept_bytes (run) + ps_document_get_history_bytes (doc), <=, limit);
    }
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, limit / 2 / snap);
  {
    /* the newest kept, in order */
    g_autoptr (PsRunSnapshot) last = g_list_model_get_item (list, g_list_model_get_n_items (list) - 1);
    g_autoptr (PsRunSnapshot) first = g_list_model_get_item (list, 0);
    g_assert_cmpstr (ps_run_snapshot_get_label (last), ==, "snapshot 8 · run 1 · step 0");
    g_assert_cmpstr (ps_run_snapshot_get_label (first), ==, "snapshot 5 · run 1 · step 0");
    g_assert_cmpfloat (ps_snapshot_find (ps_run_snapshot_get_snapshot (first), "0.weight")->data[7],
                       ==, 5);
  }
  g_assert_cmpuint (trimmed, >=, 4);
  g_assert_true (ps_document_can_undo (doc));

  /* 3 MiB: one snapshot (1.5 MiB for them), no whole change (2 MiB) */
  ps_document_set_history_limit (doc, 3 << 20);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 1);
  g_assert_cmpuint (kept_bytes (run) + ps_document_get_history_bytes (doc), <=, 3 << 20);
  g_assert_false (ps_document_can_undo (doc));

  g_assert_finalize_object (run);
}

/* ---- a torchvision model trains in the window --------------------------- */

/* torchvision's models (10 classes) opened from their print(net) text train
 * on random images with class targets: the loss falls on the same batch,
 * and the run's values are the plain loop's (BatchNorm in training mode,
 * its running statistics included; Dropout's mask from the run's generator,
 * seeded as the panel's data seed) bit for bit. */
static const struct
{
  const char *fixture;
  const char *buffer;     /* a running statistic of the last BatchNorm */
  int         steps;      /* 0: 4; more where masks drawn each step make the loss jump */
} torchvision_models[] = {
  { "kernels/tape/resnet18.repr.txt", "layer4.1.bn2.running_var" },
  /* InvertedResidual, Conv2dNormActivation, ReLU6, Dropout(p=0.2) */
  { "kernels/tape/mobilenet_v2.repr.txt", "features.18.1.running_var" },
  /* GoogLeNet's classes (the whole googlenet: /core/kernels/tape-torchvision; here
   * narrowed, its 13 M parameters took a minute on a loaded machine): the loss adds
   * 0.3 times each auxiliary head's, the heads run in training */
  { "kernels/tape/googlenet_tiny.repr.txt", "aux1.conv.bn.running_var" },
  /* SqueezeExcitation, Hardswish, Hardsigmoid */
  { "kernels/tape/mobilenet_v3_small.repr.txt", "features.12.1.running_var" },
  /* ShuffleNetV2's chunk, cat and channel shuffle */
  { "kernels/tape/shufflenet_v2_x0_5.repr.txt", "stage4.3.branch2.6.running_var" },
  /* RegNetY: grouped convolutions, squeeze-excitation, residuals with and without proj */
  { "kernels/tape/regnet_y_400mf.repr.txt", "trunk_output.block4.block4-5.f.c.1.running_var" },
  /* MBConv, SiLU, StochasticDepth's and Dropout's masks from the run's generator */
  { "kernels/tape/efficientnet_b0.repr.txt", "features.8.1.running_var", 10 },
  /* Inception3's classes, narrowed (the panel's images are 299 x 299 for Inception3):
   * the loss adds 0.4 times the AuxLogits head's */
  { "kernels/tape/inception3_tiny.repr.txt", "AuxLogits.conv0.bn.running_var" },
};

static void
test_torchvision_models (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;

  if (win == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (torchvision_models); i++)
    {
      PsOptimConfig o;
      int steps = torchvision_models[i].steps ? torchvision_models[i].steps : 4;
      g_autofree char *path = ps_test_fixture (torchvision_models[i].fixture);
      g_autoptr (PsModule) start = NULL;
      g_autoptr (GError) error = NULL;
      double first;

      g_test_message ("%s", torchvision_models[i].fixture);
      g_assert_true (ps_window_open_model (win, path, &error));
      g_assert_no_error (error);
      start = ps_module_clone (model (win), NULL);
      ps_optim_config_init (&o, PS_OPTIM_SGD, 0.01);
      ps_run_controller_configure (panel (win), PS_RUN_DATA_RANDOM, 8, PS_LOSS_CROSS_ENTROPY, &o);
      ps_run_controller_step (panel (win), &error);
      g_assert_no_error (error);
      /* Inception3's 8 images of 299 x 299 are made in the worker: the step
       * runs once they are there */
      while (ps_run_controller_is_making_data (panel (win))
             || ps_run_controller_is_running (panel (win)))
        g_main_context_iteration (NULL, TRUE);
      g_assert_nonnull (ps_run_controller_get_trainer (panel (win)));
      first = ps_trainer_get_loss (ps_run_controller_get_trainer (panel (win)));
      g_assert_true (isfinite (first));
      g_assert_true (ps_run_controller_run (panel (win), steps - 1, &error));
      g_assert_no_error (error);
      wait_run_end (win);
      g_assert_null (ps_trainer_get_fault (ps_run_controller_get_trainer (panel (win))));
      g_assert_cmpuint (ps_trainer_get_step (ps_run_controller_get_trainer (panel (win))), ==, steps);
      g_test_message ("loss %g after 1 step, %g after %d", first,
                      ps_trainer_get_loss (ps_run_controller_get_trainer (panel (win))), steps);
      g_assert_cmpfloat (ps_trainer_get_loss (ps_run_controller_get_trainer (panel (win))), <,
                         first);
      {
        PsModule *net = ps_module_clone (start, NULL);
        g_autoptr (PsModule) want = net;
        g_autoptr (PsTensor) x = NULL;
        g_autoptr (PsTensor) t = NULL;
        PsRng rng;
        g_autoptr (PsTape) tape = NULL;
        g_autoptr (PsOptimizer) opt = ps_optimizer_new (net, &o, NULL);
        PsParam *rv, *rw;
        int seed = -1;
        double l;

        g_object_get (panel (win), "data-seed", &seed, NULL);
        ps_rng_seed (&rng, (guint64) seed);
        tape = ps_tape_new (net, &rng);
        g_assert_true (ps_data_generate (PS_DATA_RANDOM, start, 8, (guint64) seed,
                                         PS_LOSS_CROSS_ENTROPY, &x, &t, NULL));
        for (int s = 0; s < steps; s++)
          {
            ps_optimizer_zero_grad (opt);
            g_assert_nonnull (ps_tape_forward (tape, x, NULL));
            g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_CROSS_ENTROPY, t, &l, NULL));
            ps_optimizer_step (opt);
          }
        g_assert_true (same_values (model (win), want));
        rv = ps_module_find_param (model (win), torchvision_models[i].buffer);
        rw = ps_module_find_param (want, torchvision_models[i].buffer);
        g_assert_nonnull (rv);
        g_assert_cmpmem (ps_param_get_data (rv)->data, 4 * ps_param_get_data (rv)->numel,
                         ps_param_get_data (rw)->data, 4 * ps_param_get_data (rw)->numel);
      }
    }
}

/* The language model of Examples gets the character sequence at once (an
 * Embedding first, as many outputs as tokens), and training on it lowers
 * the loss from ln 27 visibly; the tied matrix stays one parameter. */
static void
test_charlm_example (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autoptr (GError) error = NULL;
  guint data = 0;
  double first, last;

  if (win == NULL)
    return;
  g_assert_true (ps_window_open_example (win, "charlm", &error));
  g_assert_no_error (error);
  g_object_get (panel (win), "data", &data, NULL);
  g_assert_cmpuint (data, ==, PS_RUN_DATA_CHARS);
  ps_run_controller_step (panel (win), &error);
  g_assert_no_error (error);
  first = ps_trainer_get_loss (ps_run_controller_get_trainer (panel (win)));
  g_assert_cmpfloat (fabs (first - log (27.0)), <, 0.3);
  g_assert_true (ps_run_controller_run (panel (win), 40, &error));
  g_assert_no_error (error);
  wait_run_end (win);
  last = ps_trainer_get_loss (ps_run_controller_get_trainer (panel (win)));
  g_assert_cmpfloat (last, <, 0.7 * first);
  g_assert_true (ps_module_find_param (model (win), "embedding.weight")
                 == ps_module_find_param (model (win), "decoder.weight"));
  /* the digits for LeNet, as before */
  g_assert_true (ps_window_open_example (win, "lenet", &error));
  g_object_get (panel (win), "data", &data, NULL);
  g_assert_cmpuint (data, ==, PS_RUN_DATA_DIGITS);
}

static const PsTestWindowSetup shared = { "shared_mlp", 1300, 860 };
static const PsTestWindowSetup spiral = { "spiral", 1300, 860 };
static const PsTestWindowSetup mlp = { "mlp", 1300, 860 };

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* GTK's in-process accessibility context (no bus): the live text's
   * accessible name and role are checked */
  g_setenv ("GTK_A11Y", "test", TRUE);
  gtk_init_check ();
  PS_TEST_WINDOW ("/train/run-matches-loop-and-undo", &shared, test_run_matches_loop_and_undo);
  PS_TEST_WINDOW ("/train/live-views-and-paused-edit", &shared, test_live_views_and_paused_edit);
  PS_TEST_WINDOW ("/train/paused-edit-applies-exactly", &shared, test_paused_edit_applies_exactly);
  PS_TEST_WINDOW ("/train/fault-stops-names-and-undoes", &shared, test_fault_stops_names_and_undoes);
  PS_TEST_WINDOW ("/train/snapshots-difference-reset", &spiral, test_snapshots_difference_reset);
  PS_TEST_WINDOW ("/train/spiral-needs-two-inputs", &mlp, test_spiral_needs_two_inputs);
  PS_TEST_WINDOW ("/train/settings-follow-the-network", &spiral, test_settings_follow_the_network);
  PS_TEST_WINDOW ("/train/frames-without-layout", &shared, test_frames_without_layout);
  g_test_add_func ("/train/view-pacing", test_view_pacing);
  g_test_add_func ("/train/controller", test_controller);
  g_test_add_func ("/train/snapshot-limit", test_snapshot_limit);
  g_test_add_func ("/train/data-kept", test_data_kept);
  g_test_add_func ("/train/data-worker", test_data_worker);
  g_test_add_func ("/train/data-worker-cancel", test_data_worker_cancel);
  PS_TEST_WINDOW ("/train/data-worker-panel", &mlp, test_data_worker_panel);
  PS_TEST_WINDOW ("/train/input-data-worker", &mlp, test_input_data_worker);
  PS_TEST_WINDOW ("/train/adam-settings", &shared, test_adam_settings);
  PS_TEST_WINDOW ("/train/focus-at-train-start", &shared, test_focus_at_train_start);
  PS_TEST_WINDOW ("/train/torchvision", &mlp, test_torchvision_models);
  PS_TEST_WINDOW ("/train/charlm-example", &mlp, test_charlm_example);
  return g_test_run ();
}
