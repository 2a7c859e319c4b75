/* ps-train-log.c — the record of a training run, bounded
 *
 * Points.  Every series (the loss, then each parameter's gradient norm) gets
 * one point per row, and a row's steps are the same for all of them, so the
 * rows are kept as one table: a head per row (its steps) and n_series
 * accumulators per row, side by side, so one add_step writes one short run
 * of memory.  A row is full when it summarizes `span` steps; when the table
 * is full, rows 2i and 2i+1 become row i and the span doubles.  Accumulators
 * hold sums, not means, so merging is exact addition and a mean is a single
 * division when a reader copies it out.
 *
 * Histograms.  Slots are the steps that have histograms, shared by every
 * (parameter, values|gradient) series: slot k of series s is hists[s][k],
 * present[s][k] telling whether it was added.  Kept slots are always at
 * multiples of `interval`; when PS_LOG_MAX_HISTS are kept and another is due,
 * the interval doubles and the slots that are not multiples of it go (more
 * than once if the writer skipped steps, until one goes).  wants_hist says
 * exactly whether a new slot would be kept; a histogram at a step that is
 * not due is refused with a critical, so the schedule stays regular.  A
 * histogram is computed before the lock is taken: readers never wait for a
 * pass over a big tensor.
 *
 * Everything is allocated by ps_train_log_new (untouched until used, so
 * the pages of a short run are never faulted in): add_step and add_hist
 * allocate nothing.
 */
#include "ps-train-log.h"

#include <float.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct
{
  guint64 step_first, step_last;
  guint32 n;
} RowHead;

typedef struct
{
  double  sum, min, max;        /* over the finite values; min +inf, max -inf while none */
  guint32 n_nonfinite;
} Acc;

struct _PsTrainLog
{
  pthread_mutex_t lock;
  guint     n_params;
  guint     n_series;           /* 1 + n_params: the loss, then the gradient norms */
  char    **names;
  guint64   serial;
  guint64   last_step;

  RowHead  *heads;              /* PS_LOG_MAX_POINTS */
  Acc      *accs;               /* PS_LOG_MAX_POINTS rows of n_series */
  guint     len;                /* rows in use */
  guint64   span;               /* steps a full row summarizes */

  guint64   first_interval, interval;
  guint64   slot_step[PS_LOG_MAX_HISTS];
  guint     n_slots;
  PsLogHist *hists;             /* 2 n_params series of PS_LOG_MAX_HISTS; series 2p + grad */
  guint8   *present;            /* the same layout */
};

PsTrainLog *
ps_train_log_new (guint n_params, const char *const *names, guint64 hist_interval)
{
  PsTrainLog *log;

  g_return_val_if_fail (n_params == 0 || names != NULL, NULL);
  g_return_val_if_fail (hist_interval >= 1, NULL);

  log = g_new0 (PsTrainLog, 1);
  pthread_mutex_init (&log->lock, NULL);
  log->n_params = n_params;
  log->n_series = 1 + n_params;
  log->names = g_new0 (char *, n_params + 1);
  for (guint i = 0; i < n_params; i++)
    log->names[i] = g_strdup (names[i]);
  log->heads = g_new (RowHead, PS_LOG_MAX_POINTS);
  log->accs = g_new (Acc, (gsize) PS_LOG_MAX_POINTS * log->n_series);
  log->hists = g_new (PsLogHist, (gsize) 2 * n_params * PS_LOG_MAX_HISTS);
  log->present = g_new (guint8, (gsize) 2 * n_params * PS_LOG_MAX_HISTS);
  log->first_interval = log->interval = hist_interval;
  log->span = 1;
  return log;
}

void
ps_train_log_free (PsTrainLog *log)
{
  if (log == NULL)
    return;
  pthread_mutex_destroy (&log->lock);
  g_strfreev (log->names);
  g_free (log->heads);
  g_free (log->accs);
  g_free (log->hists);
  g_free (log->present);
  g_free (log);
}

void
ps_train_log_clear (PsTrainLog *log)
{
  g_return_if_fail (log != NULL);
  pthread_mutex_lock (&log->lock);
  log->len = 0;
  log->span = 1;
  log->n_slots = 0;
  log->interval = log->first_interval;
  log->last_step = 0;
  log->serial++;                /* never back: a reader must see that it changed */
  pthread_mutex_unlock (&log->lock);
}

guint
ps_train_log_get_n_params (PsTrainLog *log)
{
  g_return_val_if_fail (log != NULL, 0);
  return log->n_params;         /* fixed at creation */
}

const char *
ps_train_log_get_param_name (PsTrainLog *log, guint i)
{
  g_return_val_if_fail (log != NULL, NULL);
  g_return_val_if_fail (i < log->n_params, NULL);
  return log->names[i];
}

guint64
ps_train_log_get_serial (PsTrainLog *log)
{
  guint64 s;
  g_return_val_if_fail (log != NULL, 0);
  pthread_mutex_lock (&log->lock);
  s = log->serial;
  pthread_mutex_unlock (&log->lock);
  return s;
}

guint64
ps_train_log_get_last_step (PsTrainLog *log)
{
  guint64 s;
  g_return_val_if_fail (log != NULL, 0);
  pthread_mutex_lock (&log->lock);
  s = log->last_step;
  pthread_mutex_unlock (&log->lock);
  return s;
}

guint64
ps_train_log_get_hist_interval (PsTrainLog *log)
{
  guint64 s;
  g_return_val_if_fail (log != NULL, 0);
  pthread_mutex_lock (&log->lock);
  s = log->interval;
  pthread_mutex_unlock (&log->lock);
  return s;
}

/* ---- points -------------------------------------------------------------- */

static inline void
acc_add (Acc *a, double v)
{
  if (G_LIKELY (isfinite (v)))
    {
      a->sum += v;
      a->min = v < a->min ? v : a->min;
      a->max = v > a->max ? v : a->max;
    }
  else
    a->n_nonfinite++;
}

/* Rows 2i and 2i+1 into row i: every row is full when this runs (a row is
 * only opened after the previous one filled), so the merged rows are full
 * at twice the span. */
static void
merge_pairs (PsTrainLog *log)
{
  guint ns = log->n_series;

  for (guint i = 0; i < log->len / 2; i++)
    {
      RowHead *a = &log->heads[2 * i], *b = &log->heads[2 * i + 1], *o = &log->heads[i];
      const Acc *aa = log->accs + (gsize) 2 * i * ns, *ba = aa + ns;
      Acc *oa = log->accs + (gsize) i * ns;

      o->step_first = a->step_first;
      o->step_last = b->step_last;
      o->n = a->n + b->n;
      for (guint s = 0; s < ns; s++)
        {
          Acc m;
          m.sum = aa[s].sum + ba[s].sum;
          m.min = MIN (aa[s].min, ba[s].min);
          m.max = MAX (aa[s].max, ba[s].max);
          m.n_nonfinite = aa[s].n_nonfinite + ba[s].n_nonfinite;
          oa[s] = m;            /* oa may be aa itself (i == 0) */
        }
    }
  log->len /= 2;
  log->span *= 2;
}

void
ps_train_log_add_step (PsTrainLog *log, guint64 step, double loss, const double *grad_norms)
{
  RowHead *h;
  Acc *a;

  g_return_if_fail (log != NULL);
  g_return_if_fail (log->n_params == 0 || grad_norms != NULL);

  pthread_mutex_lock (&log->lock);
  if (G_UNLIKELY (log->len > 0 && step <= log->last_step))
    {
      guint64 last = log->last_step;
      pthread_mutex_unlock (&log->lock);
      g_critical ("ps_train_log_add_step: step %" G_GUINT64_FORMAT " after step %"
                  G_GUINT64_FORMAT ": steps must increase (clear the log for a new run)",
                  step, last);
      return;
    }
  if (log->len == 0 || log->heads[log->len - 1].n >= log->span)
    {
      if (log->len == PS_LOG_MAX_POINTS)
        merge_pairs (log);
      h = &log->heads[log->len];
      h->step_first = step;
      h->n = 0;
      a = log->accs + (gsize) log->len * log->n_series;
      for (guint s = 0; s < log->n_series; s++)
        a[s] = (Acc) { 0.0, INFINITY, -INFINITY, 0 };
      log->len++;
    }
  h = &log->heads[log->len - 1];
  a = log->accs + (gsize) (log->len - 1) * log->n_series;
  h->step_last = step;
  h->n++;
  acc_add (&a[0], loss);
  for (guint i = 0; i < log->n_params; i++)
    acc_add (&a[1 + i], grad_norms[i]);
  log->last_step = step;
  log->serial++;
  pthread_mutex_unlock (&log->lock);
}

static void
copy_series (PsTrainLog *log, guint s, GArray *out)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (g_array_get_element_size (out) == sizeof (PsLogPoint));

  /* grow before taking the lock, so the writer never waits for malloc */
  g_array_set_size (out, PS_LOG_MAX_POINTS);
  pthread_mutex_lock (&log->lock);
  g_array_set_size (out, log->len);
  for (guint i = 0; i < log->len; i++)
    {
      const RowHead *h = &log->heads[i];
      const Acc *a = &log->accs[(gsize) i * log->n_series + s];
      PsLogPoint *p = &g_array_index (out, PsLogPoint, i);
      guint32 finite = h->n - a->n_nonfinite;

      p->step_first = h->step_first;
      p->step_last = h->step_last;
      p->n = h->n;
      p->n_nonfinite = a->n_nonfinite;
      p->mean = finite ? a->sum / finite : NAN;
      p->min = finite ? a->min : NAN;
      p->max = finite ? a->max : NAN;
    }
  pthread_mutex_unlock (&log->lock);
}

void
ps_train_log_copy_loss (PsTrainLog *log, GArray *out)
{
  g_return_if_fail (log != NULL);
  copy_series (log, 0, out);
}

void
ps_train_log_copy_grad_norm (PsTrainLog *log, guint param, GArray *out)
{
  g_return_if_fail (log != NULL);
  g_return_if_fail (param < log->n_params);
  copy_series (log, 1 + param, out);
}

/* ---- histograms ------------------------------------------------------------ */

double
ps_log_hist_edge (const PsLogHist *h, guint i)
{
  g_return_val_if_fail (h != NULL && i <= PS_LOG_HIST_BINS, NAN);
  /* the last edge is hi itself, not lo + BINS w rounded */
  if (i == PS_LOG_HIST_BINS)
    return h->hi;
  return h->lo + i * ((h->hi - h->lo) / PS_LOG_HIST_BINS);
}

/* Two passes: the finite range (with the sum and a count of the rest),
 * then the bins.  The log calls it outside its lock. */
void
ps_log_hist_compute (PsLogHist *h, guint64 step, const float *x, int64_t n, double lo_take,
                     double hi_take)
{
  float lo = INFINITY, hi = -INFINITY;
  double sum[4] = { 0, 0, 0, 0 };
  int64_t nonfinite = 0, finite, i;
  double edge[PS_LOG_HIST_BINS + 1], scale;

  g_return_if_fail (h != NULL);
  g_return_if_fail (n >= 0 && (x != NULL || n == 0));
  memset (h, 0, sizeof *h);
  h->step = step;
  h->n = (guint64) n;

  /* four partial sums: one long chain of additions would bound the pass */
  for (i = 0; i + 4 <= n; i += 4)
    for (int k = 0; k < 4; k++)
      {
        float v = x[i + k];
        gboolean fin = fabsf (v) <= FLT_MAX;        /* false for NaN and +-Inf */
        lo = fin && v < lo ? v : lo;
        hi = fin && v > hi ? v : hi;
        sum[k] += fin ? v : 0.0;
        nonfinite += !fin;
      }
  for (; i < n; i++)
    {
      float v = x[i];
      gboolean fin = fabsf (v) <= FLT_MAX;
      lo = fin && v < lo ? v : lo;
      hi = fin && v > hi ? v : hi;
      sum[0] += fin ? v : 0.0;
      nonfinite += !fin;
    }
  if (nonfinite > 0)
    for (i = 0; i < n; i++)
      {
        float v = x[i];
        if (isnan (v))
          h->n_nan++;
        else if (isinf (v))
          {
            if (v > 0)
              h->n_posinf++;
            else
              h->n_neginf++;
          }
      }

  finite = n - nonfinite;
  if (finite == 0)
    {
      h->lo = h->hi = h->mean = NAN;
      return;
    }
  h->lo = isfinite (lo_take) ? MIN (lo, lo_take) : lo;
  h->hi = isfinite (hi_take) ? MAX (hi, hi_take) : hi;
  h->mean = (sum[0] + sum[1] + sum[2] + sum[3]) / finite;
  if (h->lo == h->hi)
    {
      /* every finite value is lo: bin 0 holds them (every edge is lo) */
      h->count[0] = (guint64) finite;
      return;
    }

  /* A first guess by scaling, then corrected against the edges themselves,
   * so the counts are exact for the intervals ps_log_hist_edge describes. */
  for (int b = 0; b <= PS_LOG_HIST_BINS; b++)
    edge[b] = ps_log_hist_edge (h, b);
  scale = PS_LOG_HIST_BINS / (h->hi - h->lo);
  for (i = 0; i < n; i++)
    {
      double v = x[i];
      int b;
      if (!(fabs (v) <= FLT_MAX))
        continue;
      b = (int) ((v - h->lo) * scale);
      b = CLAMP (b, 0, PS_LOG_HIST_BINS - 1);
      while (b > 0 && v < edge[b])
        b--;
      while (b < PS_LOG_HIST_BINS - 1 && v >= edge[b + 1])
        b++;
      h->count[b]++;
    }
}

/* The interval that compacting a full set of slots leads to: doubled until
 * at least one slot goes (slots are distinct steps, so it ends). */
static guint64
interval_after_compaction (PsTrainLog *log)
{
  guint64 iv = log->interval;
  guint kept;

  do
    {
      iv *= 2;
      kept = 0;
      for (guint k = 0; k < log->n_slots; k++)
        kept += log->slot_step[k] % iv == 0;
    }
  while (kept == log->n_slots);
  return iv;
}

/* Whether a new slot at step would be kept: the lock is held. */
static gboolean
hist_due (PsTrainLog *log, guint64 step)
{
  if (log->n_slots > 0 && step <= log->slot_step[log->n_slots - 1])
    return FALSE;
  if (log->n_slots < PS_LOG_MAX_HISTS)
    return step % log->interval == 0;
  return step % interval_after_compaction (log) == 0;
}

static void
compact_slots (PsTrainLog *log)
{
  guint ns = 2 * log->n_params, kept = 0;

  log->interval = interval_after_compaction (log);
  for (guint k = 0; k < log->n_slots; k++)
    {
      if (log->slot_step[k] % log->interval != 0)
        continue;
      if (kept != k)
        {
          log->slot_step[kept] = log->slot_step[k];
          for (guint s = 0; s < ns; s++)
            {
              gsize from = (gsize) s * PS_LOG_MAX_HISTS + k, to = (gsize) s * PS_LOG_MAX_HISTS + kept;
              log->present[to] = log->present[from];
              if (log->present[from])
                log->hists[to] = log->hists[from];
            }
        }
      kept++;
    }
  log->n_slots = kept;
}

gboolean
ps_train_log_wants_hist (PsTrainLog *log, guint64 step)
{
  gboolean due;

  g_return_val_if_fail (log != NULL, FALSE);
  pthread_mutex_lock (&log->lock);
  due = (log->n_slots > 0 && log->slot_step[log->n_slots - 1] == step) || hist_due (log, step);
  pthread_mutex_unlock (&log->lock);
  return due;
}

void
ps_train_log_add_hist (PsTrainLog *log, guint64 step, guint param, gboolean grad,
                       const float *x, int64_t n)
{
  PsLogHist h;
  gsize at;

  g_return_if_fail (log != NULL);
  g_return_if_fail (param < log->n_params);
  g_return_if_fail (n >= 0 && (x != NULL || n == 0));

  ps_log_hist_compute (&h, step, x, n, NAN, NAN);

  pthread_mutex_lock (&log->lock);
  if (log->n_slots == 0 || log->slot_step[log->n_slots - 1] != step)
    {
      guint ns = 2 * log->n_params;
      if (!hist_due (log, step))
        {
          pthread_mutex_unlock (&log->lock);
          g_critical ("ps_train_log_add_hist: no histogram is due at step %" G_GUINT64_FORMAT
                      " (ask ps_train_log_wants_hist first)", step);
          return;
        }
      if (log->n_slots == PS_LOG_MAX_HISTS)
        compact_slots (log);
      log->slot_step[log->n_slots] = step;
      for (guint s = 0; s < ns; s++)
        log->present[(gsize) s * PS_LOG_MAX_HISTS + log->n_slots] = FALSE;
      log->n_slots++;
    }
  at = (gsize) (2 * param + (grad ? 1 : 0)) * PS_LOG_MAX_HISTS + log->n_slots - 1;
  log->hists[at] = h;
  log->present[at] = TRUE;
  log->serial++;
  pthread_mutex_unlock (&log->lock);
}

void
ps_train_log_copy_hists (PsTrainLog *log, guint param, gboolean grad, GArray *out)
{
  gsize base;
  guint j = 0;

  g_return_if_fail (log != NULL);
  g_return_if_fail (param < log->n_params);
  g_return_if_fail (out != NULL);
  g_return_if_fail (g_array_get_element_size (out) == sizeof (PsLogHist));

  g_array_set_size (out, PS_LOG_MAX_HISTS);      /* no malloc under the lock */
  base = (gsize) (2 * param + (grad ? 1 : 0)) * PS_LOG_MAX_HISTS;
  pthread_mutex_lock (&log->lock);
  for (guint k = 0; k < log->n_slots; k++)
    if (log->present[base + k])
      g_array_index (out, PsLogHist, j++) = log->hists[base + k];
  g_array_set_size (out, j);
  pthread_mutex_unlock (&log->lock);
}
