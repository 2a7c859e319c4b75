/* ps-code-runner.c — console lines and notebook cells run off the main thread */
#include "ps-code-runner.h"

#include <glib/gi18n.h>
#include <string.h>

/* What the interpreter knows before the first line, as a lesson's first cell. */
static const char preamble[] = "import torch\nfrom torch import nn\nimport math\n";

typedef struct
{
  guint       id;
  char       *src;        /* a console line (NULL for a cell) */
  char       *name;       /* "<console>"; a cell's: its notebook's title */
  PsNotebook *nb;         /* a cell's notebook (borrowed) */
  guint       cell;
  /* the outcome, set by the worker */
  gboolean    ok;
  char       *result;
  char       *error;
} Job;

struct _PsCodeRunner
{
  GObject     parent_instance;

  PsDocument *doc;
  PsPy       *py;
  double      timeout;
  guint       next_id;
  GQueue      queue;          /* Job*, waiting */
  Job        *current;        /* running in the worker */
  guint       interrupt_id;   /* a timeout that repeats the interrupt until the job ends */
  gboolean    restart_pending;
  gboolean    disposed;

  /* what the worker printed, not yet said on the main thread */
  GMutex      out_lock;
  GString    *out;
  guint       out_idle;
};

G_DEFINE_FINAL_TYPE (PsCodeRunner, ps_code_runner, G_TYPE_OBJECT)

enum { PROP_0, PROP_RUNNING, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIG_JOB_STARTED, SIG_OUTPUT, SIG_JOB_FINISHED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void start_next (PsCodeRunner *runner);

static void
job_free (Job *job)
{
  g_free (job->src);
  g_free (job->name);
  g_free (job->result);
  g_free (job->error);
  g_free (job);
}

/* ---- the interpreter ---------------------------------------------------------- */

/* The document's network under its name, unless the code built it (then
 * it is bound already, under the name the code gave it). */
static void
bind_model (PsCodeRunner *runner)
{
  PsModule *model = ps_document_get_model (runner->doc);
  g_autoptr (PsModule) built = NULL;

  if (model == NULL || runner->py == NULL || runner->current != NULL)
    return;
  built = ps_py_find_model (runner->py, NULL);
  if (built != model)
    ps_py_bind_module (runner->py, ps_document_get_model_name (runner->doc), model);
}

static void
new_interpreter (PsCodeRunner *runner)
{
  g_clear_pointer (&runner->py, ps_py_free);
  runner->py = ps_py_new ();
  ps_py_set_timeout (runner->py, runner->timeout);
  if (!ps_py_run (runner->py, preamble, -1, "<preamble>", NULL, NULL))
    g_warn_if_reached ();
  bind_model (runner);
}

static void
on_model_replaced (PsCodeRunner *runner)
{
  bind_model (runner);
}

/* ---- output: from the worker to the main thread -------------------------------- */

static void
flush_output (PsCodeRunner *runner)
{
  g_autofree char *text = NULL;

  g_mutex_lock (&runner->out_lock);
  if (runner->out->len > 0)
    text = g_strndup (runner->out->str, runner->out->len);
  g_string_truncate (runner->out, 0);
  g_mutex_unlock (&runner->out_lock);
  if (text && runner->current)
    g_signal_emit (runner, signals[SIG_OUTPUT], 0, runner->current->id, text);
}

static gboolean
output_idle (gpointer data)
{
  PsCodeRunner *runner = data;

  g_mutex_lock (&runner->out_lock);
  runner->out_idle = 0;
  g_mutex_unlock (&runner->out_lock);
  flush_output (runner);
  return G_SOURCE_REMOVE;
}

/* In the worker: keep the text, have the main thread say it soon (a loop
 * printing fast is said once a frame or so, not once a line). */
static void
worker_write (const char *text, gsize len, gpointer data)
{
  PsCodeRunner *runner = data;

  g_mutex_lock (&runner->out_lock);
  /* a runaway print loop keeps the last 1 MB only */
  if (runner->out->len > (1 << 20))
    g_string_erase (runner->out, 0, runner->out->len / 2);
  g_string_append_len (runner->out, text, len);
  if (runner->out_idle == 0)
    runner->out_idle = g_timeout_add_full (G_PRIORITY_DEFAULT, 30, output_idle,
                                           g_object_ref (runner), g_object_unref);
  g_mutex_unlock (&runner->out_lock);
}

static void
cell_write (guint cell, const char *text, gsize len, gpointer data)
{
  worker_write (text, len, data);
}

/* ---- a job's life ------------------------------------------------------------------ */

static void
run_in_worker (GTask *task, gpointer source, gpointer task_data, GCancellable *cancel)
{
  PsCodeRunner *runner = source;
  Job *job = task_data;
  PsPyError *err = NULL;

  if (job->nb)
    {
      job->ok = ps_notebook_run_cell (job->nb, runner->py, job->cell, cell_write, runner);
      if (!job->ok && ps_notebook_cell_error (job->nb, job->cell))
        job->error = ps_py_error_format (ps_notebook_cell_error (job->nb, job->cell));
      if (ps_notebook_cell_result (job->nb, job->cell))
        job->result = g_strdup (ps_notebook_cell_result (job->nb, job->cell));
    }
  else
    {
      ps_py_set_output (runner->py, worker_write, runner);
      job->ok = ps_py_run (runner->py, job->src, -1, job->name, &job->result, &err);
      ps_py_set_output (runner->py, NULL, NULL);
      if (err)
        job->error = ps_py_error_format (err);
      ps_py_error_free (err);
    }
  g_task_return_boolean (task, TRUE);
}

/* The label of the job's undoable change: the line itself, or the cell. */
static char *
job_label (Job *job)
{
  if (job->nb)
    return g_strdup_printf (_("run cell [%d]"), ps_notebook_cell_execution_count (job->nb, job->cell));
  if (strchr (job->src, '\n') == NULL && strlen (job->src) <= 80)
    return g_strdup (job->src);
  return g_strdup_printf ("%.*s…", (int) MIN (strcspn (job->src, "\n"), 60), job->src);
}

/* On the main thread, the job done: the window takes what the code made. */
static void
job_done (GObject *source, GAsyncResult *result, gpointer data)
{
  PsCodeRunner *runner = PS_CODE_RUNNER (source);
  Job *job = runner->current;
  g_autofree char *name = NULL, *label = NULL;
  g_autoptr (PsModule) built = NULL;

  flush_output (runner);
  g_clear_handle_id (&runner->interrupt_id, g_source_remove);
  ps_document_set_busy (runner->doc, NULL);
  built = ps_py_find_model (runner->py, &name);
  label = job_label (job);
  if (built && built != ps_document_get_model (runner->doc))
    {
      const char *title = job->nb ? job->name : _("console");
      runner->current = NULL;        /* model-replaced binds nothing: the code named it */
      ps_document_adopt_model (runner->doc, built, name, title);
      runner->current = job;
    }
  else if (ps_document_in_change (runner->doc))
    ps_document_finish_code_change (runner->doc, label);
  runner->current = NULL;
  g_signal_emit (runner, signals[SIG_JOB_FINISHED], 0, job->id, job->ok, job->result, job->error);
  job_free (job);
  if (runner->restart_pending)
    {
      runner->restart_pending = FALSE;
      new_interpreter (runner);
    }
  if (g_queue_is_empty (&runner->queue))
    g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_RUNNING]);
  else
    start_next (runner);
}

static void
start_next (PsCodeRunner *runner)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

  if (runner->current || runner->disposed)
    return;
  job = g_queue_pop_head (&runner->queue);
  if (job == NULL)
    return;
  if (ps_document_get_busy (runner->doc) != NULL)
    {
      /* the run is training: the code waits for nothing, it is refused */
      job->error = g_strdup_printf (_("Not run: %s\n"), ps_document_get_busy (runner->doc));
      g_signal_emit (runner, signals[SIG_JOB_FINISHED], 0, job->id, FALSE, NULL, job->error);
      job_free (job);
      start_next (runner);
      if (runner->current == NULL)
        g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_RUNNING]);
      return;
    }
  runner->current = job;
  if (ps_document_get_model (runner->doc) && !ps_document_in_change (runner->doc))
    ps_document_begin_change (runner->doc);
  ps_document_set_busy (runner->doc, _("Code is running: press Escape (Stop) to stop it"));
  g_signal_emit (runner, signals[SIG_JOB_STARTED], 0, job->id);
  task = g_task_new (runner, NULL, job_done, NULL);
  g_task_set_task_data (task, job, NULL);
  g_task_run_in_thread (task, run_in_worker);
}

static guint
queue_job (PsCodeRunner *runner, Job *job)
{
  gboolean was_running = ps_code_runner_is_running (runner);

  job->id = ++runner->next_id;
  g_queue_push_tail (&runner->queue, job);
  if (!was_running)
    g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_RUNNING]);
  start_next (runner);
  return job->id;
}

guint
ps_code_runner_run_source (PsCodeRunner *runner, const char *src, const char *name)
{
  Job *job;

  g_return_val_if_fail (PS_IS_CODE_RUNNER (runner) && src != NULL, 0);
  job = g_new0 (Job, 1);
  job->src = g_strdup (src);
  job->name = g_strdup (name ? name : "<console>");
  return queue_job (runner, job);
}

guint
ps_code_runner_run_cell (PsCodeRunner *runner, PsNotebook *nb, guint i, const char *title)
{
  Job *job;

  g_return_val_if_fail (PS_IS_CODE_RUNNER (runner) && nb != NULL, 0);
  g_return_val_if_fail (i < ps_notebook_get_n_cells (nb), 0);
  job = g_new0 (Job, 1);
  job->nb = nb;
  job->cell = i;
  job->name = g_strdup (title ? title : _("notebook"));
  return queue_job (runner, job);
}

gboolean
ps_code_runner_is_running (PsCodeRunner *runner)
{
  g_return_val_if_fail (PS_IS_CODE_RUNNER (runner), FALSE);
  return runner->current != NULL || !g_queue_is_empty (&runner->queue);
}

/* ps_py_run clears the interrupt flag as it starts: say it again until the job ends. */
static gboolean
interrupt_again (gpointer data)
{
  PsCodeRunner *runner = data;

  ps_py_interrupt (runner->py);
  return G_SOURCE_CONTINUE;
}

void
ps_code_runner_stop (PsCodeRunner *runner)
{
  Job *job;

  g_return_if_fail (PS_IS_CODE_RUNNER (runner));
  while ((job = g_queue_pop_head (&runner->queue)) != NULL)
    {
      g_signal_emit (runner, signals[SIG_JOB_FINISHED], 0, job->id, FALSE, NULL, NULL);
      job_free (job);
    }
  if (runner->current)
    {
      ps_py_interrupt (runner->py);
      if (runner->interrupt_id == 0)
        runner->interrupt_id = g_timeout_add (20, interrupt_again, runner);
    }
  else
    g_object_notify_by_pspec (G_OBJECT (runner), properties[PROP_RUNNING]);
}

void
ps_code_runner_restart (PsCodeRunner *runner)
{
  g_return_if_fail (PS_IS_CODE_RUNNER (runner));
  ps_code_runner_stop (runner);
  if (runner->current)
    runner->restart_pending = TRUE;
  else
    new_interpreter (runner);
}

char **
ps_code_runner_complete (PsCodeRunner *runner, const char *text, gsize *start)
{
  g_return_val_if_fail (PS_IS_CODE_RUNNER (runner) && text != NULL, NULL);
  if (runner->current)
    {
      if (start)
        *start = strlen (text);
      return g_new0 (char *, 1);
    }
  return ps_py_complete (runner->py, text, start);
}

void
ps_code_runner_set_timeout (PsCodeRunner *runner, double seconds)
{
  g_return_if_fail (PS_IS_CODE_RUNNER (runner));
  runner->timeout = seconds;
  if (runner->current == NULL)
    ps_py_set_timeout (runner->py, seconds);
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
ps_code_runner_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_RUNNING)
    g_value_set_boolean (value, ps_code_runner_is_running (PS_CODE_RUNNER (object)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_code_runner_dispose (GObject *object)
{
  PsCodeRunner *runner = PS_CODE_RUNNER (object);

  /* a running job holds a reference: this is the last one, nothing runs */
  runner->disposed = TRUE;
  g_queue_clear_full (&runner->queue, (GDestroyNotify) job_free);
  if (runner->doc)
    g_signal_handlers_disconnect_by_data (runner->doc, runner);
  G_OBJECT_CLASS (ps_code_runner_parent_class)->dispose (object);
}

static void
ps_code_runner_finalize (GObject *object)
{
  PsCodeRunner *runner = PS_CODE_RUNNER (object);

  g_clear_handle_id (&runner->interrupt_id, g_source_remove);
  g_clear_pointer (&runner->py, ps_py_free);
  g_clear_object (&runner->doc);
  g_string_free (runner->out, TRUE);
  g_mutex_clear (&runner->out_lock);
  G_OBJECT_CLASS (ps_code_runner_parent_class)->finalize (object);
}

static void
ps_code_runner_class_init (PsCodeRunnerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ps_code_runner_get_property;
  object_class->dispose = ps_code_runner_dispose;
  object_class->finalize = ps_code_runner_finalize;
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                   | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  signals[SIG_JOB_STARTED] = g_signal_new ("job-started", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[SIG_OUTPUT] = g_signal_new ("output", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT,
                                      G_TYPE_STRING);
  signals[SIG_JOB_FINISHED] = g_signal_new ("job-finished", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE,
                                            4, G_TYPE_UINT, G_TYPE_BOOLEAN, G_TYPE_STRING,
                                            G_TYPE_STRING);
}

static void
ps_code_runner_init (PsCodeRunner *runner)
{
  g_mutex_init (&runner->out_lock);
  runner->out = g_string_new (NULL);
  runner->timeout = 600;
}

PsCodeRunner *
ps_code_runner_new (PsDocument *doc)
{
  PsCodeRunner *runner;

  g_return_val_if_fail (PS_IS_DOCUMENT (doc), NULL);
  runner = g_object_new (PS_TYPE_CODE_RUNNER, NULL);
  runner->doc = g_object_ref (doc);
  new_interpreter (runner);
  g_signal_connect_swapped (doc, "model-replaced", G_CALLBACK (on_model_replaced), runner);
  return runner;
}
