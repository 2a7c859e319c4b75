/* ps-data.c — generated training data */
#include "ps-data.h"
#include "ps-i18n.h"
#include "ps-error.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static const char *const kind_names[] = { "random", "teacher", "spiral" };

gboolean
ps_data_kind_from_string (const char *s, PsDataKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (s, kind_names[i]) == 0)
      {
        *kind = (PsDataKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ps_data_kind_to_string (PsDataKind kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

/* One-hot rows of the given classes. */
static PsTensor *
one_hot (const int64_t *cls, int64_t n, int64_t classes)
{
  PsTensor *t = ps_tensor_new_2d (n, classes);
  for (int64_t i = 0; i < n; i++)
    t->data[i * classes + cls[i]] = 1.f;
  return t;
}

static void
softmax_rows (PsTensor *t)
{
  int64_t rows = ps_tensor_rows (t), cols = ps_tensor_cols (t);
  for (int64_t i = 0; i < rows; i++)
    {
      float *r = t->data + i * cols, mx = -INFINITY;
      double sum = 0;
      for (int64_t j = 0; j < cols; j++)
        mx = MAX (mx, r[j]);
      for (int64_t j = 0; j < cols; j++)
        sum += (r[j] = expf (r[j] - mx));
      for (int64_t j = 0; j < cols; j++)
        r[j] = (float) (r[j] / sum);
    }
}

static void
reinit (PsModule *m, gpointer rng)
{
  if (ps_module_get_kind (m) == PS_MODULE_LINEAR && !ps_module_is_lazy (m))
    ps_module_reset_parameters (m, rng);
}

static PsTensor *
random_target (PsRng *rng, int64_t n, int64_t out, PsLossKind loss)
{
  if (loss == PS_LOSS_SUM)
    return NULL;
  if (loss == PS_LOSS_CROSS_ENTROPY)
    {
      g_autofree int64_t *cls = g_new (int64_t, n);
      for (int64_t i = 0; i < n; i++)
        cls[i] = (int64_t) (ps_rng_u64 (rng) % (guint64) out);
      return one_hot (cls, n, out);
    }
  PsTensor *t = ps_tensor_new_2d (n, out);
  ps_rng_fill_uniform (rng, t->data, t->numel, 0, 1);
  return t;
}

gboolean
ps_data_generate (PsDataKind kind, PsModule *model, int64_t n, guint64 seed, PsLossKind loss,
                  PsTensor **x_out, PsTensor **target_out, GError **error)
{
  int64_t in = ps_module_input_width (model), out = ps_module_output_width (model);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  PsRng rng;

  if (in <= 0 || out <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   _("the network's input width is not known yet (a lazy first layer, or no "
                     "Linear layer): run a forward pass first"));
      return FALSE;
    }
  if (n < 1 || n > (1 << 20))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   _("the number of samples must be between 1 and 1048576 (got %" PRId64 ")"), n);
      return FALSE;
    }
  ps_rng_seed (&rng, seed);
  switch (kind)
    {
    case PS_DATA_RANDOM:
      x = ps_tensor_new_2d (n, in);
      ps_rng_fill_uniform (&rng, x->data, x->numel, 0, 1);
      t = random_target (&rng, n, out, loss);
      break;

    case PS_DATA_TEACHER:
      {
        g_autoptr (PsModule) teacher = ps_module_clone (model, NULL);
        g_autoptr (PsTape) tape = NULL;
        const PsTensor *y;

        /* the teacher's own stream: the student, built under the same small
         * seed (torch.manual_seed(0) by default), would otherwise be the
         * teacher itself, with nothing to learn */
        PsRng trng;
        ps_rng_seed (&trng, seed ^ G_GUINT64_CONSTANT (0x7eac4e2d5eedf00d));
        ps_module_apply (teacher, reinit, &trng);
        x = ps_tensor_new_2d (n, in);
        ps_rng_fill_normal (&rng, x->data, x->numel, 0, 1);
        tape = ps_tape_new (teacher, NULL);
        y = ps_tape_forward (tape, x, error);
        if (y == NULL)
          return FALSE;
        if (loss != PS_LOSS_SUM)
          {
            t = ps_tensor_copy (y);
            if (loss == PS_LOSS_CROSS_ENTROPY)
              softmax_rows (t);
          }
        break;
      }

    case PS_DATA_SPIRAL:
      {
        g_autofree int64_t *cls = g_new (int64_t, n);
        if (in != 2 || out != 2)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         _("the spiral has 2 inputs and 2 classes: the network needs "
                           "Linear(2, ...) first and Linear(..., 2) last, not %" PRId64
                           " inputs and %" PRId64 " outputs"), in, out);
            return FALSE;
          }
        x = ps_tensor_new_2d (n, 2);
        for (int64_t i = 0; i < n; i++)
          {
            int64_t c = i % 2;
            double r = (double) (i / 2 + 1) / (double) ((n + 1) / 2);    /* (0, 1] */
            double theta = 3.0 * G_PI * r + (double) c * G_PI + 0.2 * ps_rng_normal (&rng);
            x->data[2 * i] = (float) (r * cos (theta));
            x->data[2 * i + 1] = (float) (r * sin (theta));
            cls[i] = c;
          }
        if (loss != PS_LOSS_SUM)
          t = one_hot (cls, n, 2);
        break;
      }

    default:
      g_return_val_if_reached (FALSE);
    }
  *x_out = g_steal_pointer (&x);
  *target_out = g_steal_pointer (&t);
  return TRUE;
}

/* ---- what a classifier makes of the data ------------------------------------------ */

static int64_t
row_argmax (const float *r, int64_t cols)
{
  int64_t best = 0;
  for (int64_t j = 1; j < cols; j++)
    if (r[j] > r[best])
      best = j;
  return best;
}

double
ps_data_accuracy (const PsTensor *y, const PsTensor *target)
{
  int64_t rows, cols, hits = 0;

  if (y == NULL || target == NULL || y->ndim != 2 || target->ndim != 2)
    return NAN;
  rows = ps_tensor_rows (y);
  cols = ps_tensor_cols (y);
  if (rows == 0 || cols < 2 || ps_tensor_rows (target) != rows || ps_tensor_cols (target) != cols)
    return NAN;
  for (int64_t i = 0; i < rows; i++)
    {
      const float *r = y->data + i * cols;
      for (int64_t j = 0; j < cols; j++)
        if (!isfinite (r[j]))
          goto next;                    /* a non-finite output is never right */
      hits += row_argmax (r, cols) == row_argmax (target->data + i * cols, cols);
    next:;
    }
  return (double) hits / (double) rows;
}

gboolean
ps_data_evaluate (PsModule *model, const PsTensor *x, const PsTensor *target, double *accuracy,
                  GError **error)
{
  g_autoptr (PsTape) tape = NULL;
  const PsTensor *y;

  g_return_val_if_fail (model != NULL && x != NULL && accuracy != NULL, FALSE);
  tape = ps_tape_new (model, NULL);
  ps_tape_set_training (tape, FALSE);
  y = ps_tape_forward (tape, x, error);
  if (y == NULL)
    return FALSE;
  *accuracy = ps_data_accuracy (y, target);
  return TRUE;
}

PsTensor *
ps_data_decision_grid (PsModule *model, double x0, double x1, double y0, double y1, int nx, int ny,
                       GError **error)
{
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsTensor) grid = NULL;
  const PsTensor *y;
  PsTensor *p;

  g_return_val_if_fail (model != NULL && nx > 0 && ny > 0, NULL);
  if (ps_module_input_width (model) != 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   _("decision regions need a network with 2 inputs, not %" PRId64),
                   ps_module_input_width (model));
      return NULL;
    }
  /* the centre of each cell, top row first (y1 at the top, as drawn) */
  grid = ps_tensor_new_2d ((int64_t) nx * ny, 2);
  for (int r = 0; r < ny; r++)
    for (int c = 0; c < nx; c++)
      {
        float *q = grid->data + 2 * ((int64_t) r * nx + c);
        q[0] = (float) (x0 + (x1 - x0) * (c + 0.5) / nx);
        q[1] = (float) (y1 - (y1 - y0) * (r + 0.5) / ny);
      }
  tape = ps_tape_new (model, NULL);
  ps_tape_set_training (tape, FALSE);
  y = ps_tape_forward (tape, grid, error);
  if (y == NULL)
    return NULL;
  if (y->ndim != 2 || ps_tensor_cols (y) < 2)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   _("decision regions need a network with 2 or more outputs (classes)"));
      return NULL;
    }
  p = ps_tensor_copy (y);
  softmax_rows (p);
  return p;
}
