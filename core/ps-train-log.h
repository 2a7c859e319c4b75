/* ps-train-log.h — the record of a training run, bounded, for the charts
 *
 * A PsTrainLog keeps, for one run:
 *   - the loss of every step and the gradient norm of every parameter, as
 *     series of points.  A point summarizes consecutive steps (mean, min and
 *     max of the finite values, and how many were not finite); while the
 *     run is short a point is one step.  When a series reaches
 *     PS_LOG_MAX_POINTS points, neighbours are merged pairwise and each new
 *     point covers twice as many steps: memory stays bounded however long
 *     the run, and every step is still counted in some point.
 *   - histograms of every parameter's values and gradient at some steps
 *     (every `hist_interval` steps; the interval doubles, dropping every
 *     other histogram, when PS_LOG_MAX_HISTS are kept).  A histogram's bins
 *     are PS_LOG_HIST_BINS equal-width bins between that step's finite min
 *     and max, with exact counts and non-finite values counted apart.
 *
 * It is written by one thread (the trainer's worker) and read by others (the
 * charts, on the main thread): every function takes an internal lock, and
 * readers copy what they draw.  The serial number changes with every write,
 * so a chart redraws only when there is something new.
 *
 *   PsTrainLog *log = ps_train_log_new (n, names, 1);
 *   ps_train_log_add_step (log, step, loss, grad_norms);       // worker, every step
 *   if (ps_train_log_wants_hist (log, step))
 *     ps_train_log_add_hist (log, step, i, FALSE, w->data, w->numel);
 *   g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
 *   ps_train_log_copy_loss (log, pts);                          // main thread
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define PS_LOG_MAX_POINTS 2048
#define PS_LOG_MAX_HISTS  256
#define PS_LOG_HIST_BINS  48

typedef struct
{
  guint64 step_first, step_last;   /* the steps summarized, inclusive */
  double  mean, min, max;          /* over the finite values among them (NAN if none) */
  guint32 n;                       /* steps summarized */
  guint32 n_nonfinite;             /* of which NaN or +-Inf */
} PsLogPoint;

typedef struct
{
  guint64 step;
  double  lo, hi;                  /* finite min and max; bin i is [lo + i w, lo + (i+1) w), w = (hi - lo) / BINS, the last bin closed */
  guint64 count[PS_LOG_HIST_BINS];
  guint64 n;                       /* elements */
  guint64 n_nan, n_posinf, n_neginf;
  double  mean;                    /* of the finite values (NAN if none) */
} PsLogHist;

/* Edge i (0 ..= PS_LOG_HIST_BINS) of h's bins: lo + i w, and hi for the last;
 * the counts are exact for exactly these intervals.  When every finite value
 * is the same (lo == hi, w = 0) they are all counted in bin 0 and every edge
 * is lo.  NAN edges: the step had no finite value (every count is 0). */
double      ps_log_hist_edge            (const PsLogHist *h, guint i);
/* The histogram of x[0..n) at step: PS_LOG_HIST_BINS equal bins over the
 * finite values' range, widened to take in lo_take and hi_take where they
 * are finite (NAN: the values' range alone).  The project's one binning:
 * the log's histograms and the inspector's are both made here. */
void        ps_log_hist_compute         (PsLogHist *h, guint64 step, const float *x, int64_t n,
                                         double lo_take, double hi_take);

typedef struct _PsTrainLog PsTrainLog;

/* n_params series of gradient norms named by names (copied).  hist_interval:
 * the first histogram interval in steps (>= 1). */
PsTrainLog *ps_train_log_new            (guint n_params, const char *const *names,
                                         guint64 hist_interval);
void        ps_train_log_free           (PsTrainLog *log);
/* Forget everything (a new run); the parameters and first interval stay. */
void        ps_train_log_clear          (PsTrainLog *log);

guint       ps_train_log_get_n_params   (PsTrainLog *log);
const char *ps_train_log_get_param_name (PsTrainLog *log, guint i);
guint64     ps_train_log_get_serial     (PsTrainLog *log);   /* changes on every write */
guint64     ps_train_log_get_last_step  (PsTrainLog *log);   /* 0 before the first */
/* Steps between two histograms now (hist_interval, doubled at each thinning). */
guint64     ps_train_log_get_hist_interval (PsTrainLog *log);

/* Writer.  Steps are added in increasing order.  grad_norms: n_params values
 * (NAN for a parameter without gradient). */
void        ps_train_log_add_step       (PsTrainLog *log, guint64 step, double loss,
                                         const double *grad_norms);
/* TRUE when histograms are due at this step. */
gboolean    ps_train_log_wants_hist     (PsTrainLog *log, guint64 step);
void        ps_train_log_add_hist       (PsTrainLog *log, guint64 step, guint param,
                                         gboolean grad, const float *x, int64_t n);

/* Readers: replace the contents of out (a GArray of PsLogPoint or PsLogHist)
 * with a copy, oldest first. */
void        ps_train_log_copy_loss      (PsTrainLog *log, GArray *out);
void        ps_train_log_copy_grad_norm (PsTrainLog *log, guint param, GArray *out);
void        ps_train_log_copy_hists     (PsTrainLog *log, guint param, gboolean grad,
                                         GArray *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTrainLog, ps_train_log_free)

G_END_DECLS
