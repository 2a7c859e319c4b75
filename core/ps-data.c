/* ps-data.c — generated training data */
#include "ps-data.h"
#include "ps-layer-recurrent.h"
#include "ps-i18n.h"
#include "ps-error.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

static const char *const kind_names[] = { "random", "teacher", "spiral", "digits", "chars" };

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

static PsModule *
first_leaf (PsModule *m)
{
  while (ps_module_get_n_children (m) > 0)
    m = ps_module_get_child (m, 0);
  return m;
}

int
ps_data_sample_shape (PsModule *model, int64_t shape[3])
{
  PsModule *f = first_leaf (model);
  const char *type = ps_module_get_type_name (f);
  int64_t c, w;

  if (g_strcmp0 (type, "Conv2d") == 0 || g_strcmp0 (type, "Conv1d") == 0)
    {
      c = ps_module_get_option_int (f, "in_channels", 0);
      if (c <= 0)
        return 0;
      shape[0] = c;
      if (type[4] == '1')
        {
          shape[1] = 64;
          return 2;
        }
      shape[1] = shape[2] = c == 1 ? 28 : 32;
      /* torchvision's Inception3 takes 299 x 299 (its weights' crop size): in training its
       * AuxLogits head pools Mixed_6e's output 5 x 5 and convolves that 5 x 5 again, and
       * without the head its stem and reductions need 75 x 75 at least */
      if (g_strcmp0 (ps_module_get_type_name (model), "Inception3") == 0)
        shape[1] = shape[2] = 299;
      return 3;
    }
  /* a recurrent layer first takes steps of input_size features (not the
   * width of the first Linear further on) */
  w = ps_recurrent_is_module (f) ? ps_module_get_option_int (f, "input_size", 0)
                                 : ps_module_input_width (model);
  if (w <= 0)
    return 0;
  shape[0] = w;
  return 1;
}

/* ---- a character sequence -------------------------------------------------------- */

#define CHARS_STEPS 16       /* characters a sample */
#define CHARS_TOKENS 27      /* space and a-z */

/* A first Embedding's vocabulary, else 0. */
static int64_t
embedding_tokens (PsModule *model)
{
  PsModule *f = first_leaf (model);
  if (g_strcmp0 (ps_module_get_type_name (f), "Embedding") != 0)
    return 0;
  PsParam *w = ps_module_get_param_by_name (f, "weight");
  int64_t v = ps_module_get_option_int (f, "num_embeddings", 0);
  if (v <= 0 && w && ps_param_get_data (w) && ps_param_get_data (w)->ndim == 2)
    v = ps_param_get_data (w)->shape[0];
  return v;
}

/* The made-up text's words: which letter follows which is learnable, and a
 * word's first letter is a guess among a few. */
static const char *const chars_words[] = {
  "the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "to", "see", "big",
  "red", "hat", "in", "sun",
};

/* n windows of CHARS_STEPS + 1 characters of one stream of words, as token
 * indices: the first CHARS_STEPS are the input, the last CHARS_STEPS the targets. */
static void
make_chars (PsRng *rng, int64_t n, float *x, int64_t *next)
{
  for (int64_t i = 0; i < n; i++)
    {
      int tok[CHARS_STEPS + 1 + 8];
      int len = 0;
      /* start inside a word: a random word, from a random letter */
      const char *w = chars_words[ps_rng_u64 (rng) % G_N_ELEMENTS (chars_words)];
      const char *c = w + ps_rng_u64 (rng) % (strlen (w) + 1);
      while (len < CHARS_STEPS + 1)
        {
          for (; *c && len < CHARS_STEPS + 1; c++)
            tok[len++] = *c - 'a' + 1;
          if (len < CHARS_STEPS + 1)
            tok[len++] = 0;
          c = chars_words[ps_rng_u64 (rng) % G_N_ELEMENTS (chars_words)];
        }
      for (int k = 0; k < CHARS_STEPS; k++)
        {
          x[i * CHARS_STEPS + k] = (float) tok[k];
          next[i * CHARS_STEPS + k] = tok[k + 1];
        }
    }
}

/* A sample shape the digits fill: one 28 x 28 channel. */
static gboolean
digits_image (int dims, const int64_t *sample)
{
  return dims == 3 && sample[0] == 1 && sample[1] == 28 && sample[2] == 28;
}

gboolean
ps_data_fits (PsDataKind kind, PsModule *model)
{
  int64_t sample[3];
  int dims;

  g_return_val_if_fail (model != NULL, FALSE);
  dims = ps_data_sample_shape (model, sample);
  switch (kind)
    {
    case PS_DATA_RANDOM:
    case PS_DATA_TEACHER:
      return dims > 0;
    case PS_DATA_SPIRAL:
      return dims == 1 && sample[0] == 2 && ps_module_output_width (model) == 2;
    case PS_DATA_DIGITS:
      return (digits_image (dims, sample) || (dims == 1 && sample[0] == 784))
             && ps_module_output_width (model) == 10;
    case PS_DATA_CHARS:
      {
        int64_t v = embedding_tokens (model), out = ps_module_output_width (model);
        return v >= CHARS_TOKENS && (out <= 0 || out == v);
      }
    }
  return FALSE;
}

/* Seven segments of a digit, as (x0, y0, x1, y1) strokes in a 10 x 16 box:
 * top, upper left, upper right, middle, lower left, lower right, bottom. */
static const float segments[7][4] = {
  { 1, 1, 9, 1 }, { 1, 1, 1, 8 }, { 9, 1, 9, 8 }, { 1, 8, 9, 8 },
  { 1, 8, 1, 15 }, { 9, 8, 9, 15 }, { 1, 15, 9, 15 },
};
/* which segments each digit lights (bit i: segment i) */
static const guint8 digit_segments[10] = {
  0x77, 0x24, 0x5d, 0x6d, 0x2e, 0x6b, 0x7b, 0x25, 0x7f, 0x6f,
};

/* Digit k drawn into a 28 x 28 image: strokes about 2 px wide, the box
 * scaled by 1.0..1.25, shifted up to +-3 px, Gaussian noise of 0.1.  A
 * pixel's ink is 1.6 less its distance to the nearest lit stroke, in
 * [0, 1]: only pixels within 1.6 of the strokes' box can have any, so the
 * distances are computed there alone (a third of the image), squared, with
 * one square root a pixel; every pixel draws its noise, in order. */
static void
draw_digit (float *img, int k, PsRng *rng)
{
  double scale = 1.0 + 0.25 * ps_rng_double (rng);
  double dx = 9 + (ps_rng_double (rng) * 6 - 3), dy = 4 + (ps_rng_double (rng) * 6 - 3);
  double slant = 0.15 * (ps_rng_double (rng) - 0.5);
  double ax[7], ay[7], vx[7], vy[7], inv[7];
  double x0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y0 = G_MAXDOUBLE, y1 = -G_MAXDOUBLE;
  int n = 0;

  for (int s = 0; s < 7; s++)
    {
      const float *g = segments[s];
      double by, bx;
      if (!(digit_segments[k] & (1 << s)))
        continue;
      ay[n] = dy + g[1] * scale;
      by = dy + g[3] * scale;
      ax[n] = dx + g[0] * scale * 0.9 + slant * (16 * scale - (ay[n] - dy));
      bx = dx + g[2] * scale * 0.9 + slant * (16 * scale - (by - dy));
      vx[n] = bx - ax[n];
      vy[n] = by - ay[n];
      inv[n] = 1.0 / MAX (vx[n] * vx[n] + vy[n] * vy[n], 1e-9);
      x0 = MIN (x0, MIN (ax[n], bx)), x1 = MAX (x1, MAX (ax[n], bx));
      y0 = MIN (y0, MIN (ay[n], by)), y1 = MAX (y1, MAX (ay[n], by));
      n++;
    }
  x0 -= 1.6, x1 += 1.6, y0 -= 1.6, y1 += 1.6;
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      {
        double ink = 0;
        if (y >= y0 && y <= y1 && x >= x0 && x <= x1)
          {
            double best = G_MAXDOUBLE;
            for (int s = 0; s < n; s++)
              {
                double px = x - ax[s], py = y - ay[s];
                double t = CLAMP ((px * vx[s] + py * vy[s]) * inv[s], 0.0, 1.0);
                double ex = px - t * vx[s], ey = py - t * vy[s];
                best = MIN (best, ex * ex + ey * ey);
              }
            ink = CLAMP (1.6 - sqrt (best), 0.0, 1.0);
          }
        img[y * 28 + x] = (float) (ink + 0.1 * ps_rng_normal (rng));
      }
}

/* n samples of the network's input: (n, C, H, W) or (n, C, L) before a
 * convolution, else (n, in); NULL when out of memory */
static PsTensor *
new_input (int64_t n, int sample_dims, const int64_t *sample, int64_t in)
{
  int64_t shape[4] = { n, 0, 0, 0 };
  if (sample_dims <= 1)
    return ps_tensor_new_2d (n, in);
  memcpy (shape + 1, sample, (size_t) sample_dims * sizeof (int64_t));
  return ps_tensor_new (sample_dims + 1, shape);
}

int64_t
ps_data_input_tokens (PsModule *model)
{
  return model ? embedding_tokens (model) : 0;
}

PsTensor *
ps_data_random_input (PsModule *model, int64_t n, guint64 seed)
{
  int64_t sample[3], tokens = embedding_tokens (model);
  int dims = ps_data_sample_shape (model, sample);
  PsTensor *x;
  PsRng rng;

  if (n < 1 || (tokens <= 0 && dims <= 0))
    return NULL;
  ps_rng_seed (&rng, seed);
  if (tokens > 0)
    {
      x = ps_tensor_new_2d (n, CHARS_STEPS);
      if (x != NULL)
        for (int64_t i = 0; i < x->numel; i++)
          x->data[i] = (float) (ps_rng_u32 (&rng) % (uint64_t) tokens);
      return x;
    }
  if (ps_recurrent_is_module (first_leaf (model)) && dims == 1)
    {
      /* a recurrent layer first: a batch of sequences of CHARS_STEPS steps, the
       * batch where the layer wants it (dimension 1 unless batch_first) */
      gboolean bf = ps_module_get_option_bool (first_leaf (model), "batch_first", FALSE);
      int64_t shape[3] = { bf ? n : CHARS_STEPS, bf ? CHARS_STEPS : n, sample[0] };
      x = ps_tensor_new (3, shape);
    }
  else
    x = new_input (n, dims, sample, sample[0]);
  if (x != NULL)
    ps_rng_fill_uniform (&rng, x->data, x->numel, 0, 1);
  return x;
}

gboolean
ps_data_generate (PsDataKind kind, PsModule *model, int64_t n, guint64 seed, PsLossKind loss,
                  PsTensor **x_out, PsTensor **target_out, GError **error)
{
  int64_t in = ps_module_input_width (model), out = ps_module_output_width (model);
  int64_t sample[3];
  int sample_dims = ps_data_sample_shape (model, sample);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  PsRng rng;

  if (kind == PS_DATA_CHARS)
    {
      int64_t v = embedding_tokens (model);
      g_autofree int64_t *next = NULL;
      if (!ps_data_fits (PS_DATA_CHARS, model))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       _("the character sequence has 27 tokens (space, a–z): the network needs "
                         "an Embedding of at least 27 first and as many outputs as its tokens, "
                         "not %" PRId64 " tokens and %" PRId64 " outputs"), v, out);
          return FALSE;
        }
      if (n < 1 || n > (1 << 16))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                       _("the number of samples must be between 1 and 65536 (got %" PRId64 ")"), n);
          return FALSE;
        }
      ps_rng_seed (&rng, seed);
      x = ps_tensor_new_2d (n, CHARS_STEPS);
      next = g_new (int64_t, n * CHARS_STEPS);
      make_chars (&rng, n, x->data, next);
      if (loss != PS_LOSS_SUM)
        t = one_hot (next, n * CHARS_STEPS, v);
      *x_out = g_steal_pointer (&x);
      *target_out = g_steal_pointer (&t);
      return TRUE;
    }
  if (sample_dims > 1)
    in = sample[0];             /* a convolution first: its channels */
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
      x = new_input (n, sample_dims, sample, in);
      if (x == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, _("out of memory for the data"));
          return FALSE;
        }
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
        x = new_input (n, sample_dims, sample, in);
        if (x == NULL)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, _("out of memory for the data"));
            return FALSE;
          }
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

    case PS_DATA_DIGITS:
      {
        g_autofree int64_t *cls = g_new (int64_t, n);
        gboolean image = digits_image (sample_dims, sample);
        if (!ps_data_fits (PS_DATA_DIGITS, model))
          {
            g_autofree char *what = sample_dims > 1 ? g_strdup_printf (_("%" PRId64 " channels"), in)
                                                    : g_strdup_printf (_("%" PRId64 " inputs"), in);
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         _("the digits are 1 × 28 × 28 images of 10 classes: the network needs "
                           "Conv2d(1, ...) or Linear(784, ...) first and 10 outputs last, not %s "
                           "and %" PRId64 " outputs"), what, out);
            return FALSE;
          }
        x = image ? ps_tensor_new (4, (int64_t[]) { n, 1, 28, 28 }) : ps_tensor_new_2d (n, 784);
        if (x == NULL)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, _("out of memory for the digits"));
            return FALSE;
          }
        for (int64_t i = 0; i < n; i++)
          {
            cls[i] = i % 10;
            draw_digit (x->data + i * 784, (int) cls[i], &rng);
          }
        if (loss != PS_LOSS_SUM)
          t = one_hot (cls, n, 10);
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
