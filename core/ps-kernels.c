/* ps-kernels.c — softmax, activations, PReLU and the index-target losses
 * (see ps-kernels.h).  Each activation's formula and its derivative follow
 * PyTorch's CPU kernels, branch points included (Hardswish at +-3, Softplus's
 * threshold, ReLU6's ends), so gradients at the kinks agree too.
 */
#include "ps-kernels.h"
#include "ps-helper.h"

#include <cblas.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

/* ---- matrix products -------------------------------------------------------- */

static GArray *gemm_log;
/* the halves of a convolution record from two threads (a pthread mutex,
 * which ThreadSanitizer models; GLib's GMutex is a bare futex to it) */
static pthread_mutex_t gemm_log_lock = PTHREAD_MUTEX_INITIALIZER;

void
ps_sgemm_record (GArray *log)
{
  gemm_log = log;
}

void
ps_sgemm_note (gboolean trans_a, gboolean trans_b, int M, int N, int K, float beta)
{
  if (G_UNLIKELY (gemm_log != NULL))
    {
      PsGemmShape g = { trans_a, trans_b, M, N, K, beta };
      pthread_mutex_lock (&gemm_log_lock);
      g_array_append_val (gemm_log, g);
      pthread_mutex_unlock (&gemm_log_lock);
    }
}

void
ps_sgemm (gboolean trans_a, gboolean trans_b, int M, int N, int K, float alpha,
          const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
  ps_sgemm_note (trans_a, trans_b, M, N, K, beta);
  cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
               trans_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* OpenBLAS 0.3.21 (Debian 12's) picks its kernels by the processor's model
 * number, and falls back to "Prescott" (SSE3, no FMA) on a model it does not
 * list: Emerald Rapids (family 6, model 0xCF), these machines', is one.  Its
 * sgemm then runs at a third of the speed of the "SkylakeX" kernels on the
 * same core (resnet18's 178 products at batch 32: 487 against 143 ms, one
 * thread).  A library built for several processors (DYNAMIC_ARCH, Debian's)
 * exports its selection, run once by its own constructor before this
 * program's; when OpenBLAS chose Prescott and the user did not name a core,
 * the selection runs again here, before any product, with the core the
 * processor's instruction sets call for.  A static or single-target
 * OpenBLAS has no such functions (weak: NULL), and is left as it is. */
extern void gotoblas_dynamic_init (void) __attribute__ ((weak));
extern void gotoblas_dynamic_quit (void) __attribute__ ((weak));

static const char *blas_chosen_by = "detected";

__attribute__ ((constructor)) static void
blas_pick_core (void)
{
  const char *core = NULL;

  if (g_getenv ("OPENBLAS_CORETYPE") != NULL)
    {
      blas_chosen_by = "OPENBLAS_CORETYPE";
      return;
    }
  if (gotoblas_dynamic_init == NULL || gotoblas_dynamic_quit == NULL
      || g_ascii_strcasecmp (openblas_get_corename (), "Prescott") != 0)
    return;
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512dq") && __builtin_cpu_supports ("avx512vl"))
    core = "SkylakeX";
  else if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    core = "Haswell";
#endif
  if (core == NULL)
    return;
  /* OpenBLAS reads the name from the environment; the user's environment
   * is left as it was (children choose for themselves) */
  g_setenv ("OPENBLAS_CORETYPE", core, TRUE);
  gotoblas_dynamic_quit ();
  gotoblas_dynamic_init ();
  g_unsetenv ("OPENBLAS_CORETYPE");
  blas_chosen_by = "ParamScope";
}

const char *
ps_blas_core (const char **chosen_by)
{
  if (chosen_by)
    *chosen_by = blas_chosen_by;
  return openblas_get_corename ();
}

/* ---- softmax ------------------------------------------------------------- */

static void
softmax_impl (int64_t outer, int64_t C, int64_t inner, const float *x, float *y, gboolean take_log)
{
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++)
      {
        const float *p = x + o * C * inner + in;
        float *q = y + o * C * inner + in;
        float m = -INFINITY;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          m = MAX (m, p[c * inner]);
        for (int64_t c = 0; c < C; c++)
          s += expf (p[c * inner] - m);
        if (take_log)
          {
            float ls = (float) log (s);
            for (int64_t c = 0; c < C; c++)
              q[c * inner] = p[c * inner] - m - ls;
          }
        else
          {
            float inv = (float) (1.0 / s);
            for (int64_t c = 0; c < C; c++)
              q[c * inner] = expf (p[c * inner] - m) * inv;
          }
      }
}

void
ps_softmax_forward (int64_t outer, int64_t C, int64_t inner, const float *x, float *y)
{
  softmax_impl (outer, C, inner, x, y, FALSE);
}

void
ps_log_softmax_forward (int64_t outer, int64_t C, int64_t inner, const float *x, float *y)
{
  softmax_impl (outer, C, inner, x, y, TRUE);
}

void
ps_softmax_backward (int64_t outer, int64_t C, int64_t inner, const float *y,
                     const float *dy, float *dx)
{
  /* dx = y (dy - sum(dy y)) */
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++)
      {
        int64_t base = o * C * inner + in;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          s += dy[base + c * inner] * y[base + c * inner];
        for (int64_t c = 0; c < C; c++)
          dx[base + c * inner] = y[base + c * inner] * (float) (dy[base + c * inner] - s);
      }
}

void
ps_log_softmax_backward (int64_t outer, int64_t C, int64_t inner, const float *y,
                         const float *dy, float *dx)
{
  /* dx = dy - exp(y) sum(dy) */
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++)
      {
        int64_t base = o * C * inner + in;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          s += dy[base + c * inner];
        for (int64_t c = 0; c < C; c++)
          dx[base + c * inner] = dy[base + c * inner] - expf (y[base + c * inner]) * (float) s;
      }
}

/* ---- activations ---------------------------------------------------------- */

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

static inline float
sigmoidf (float x)
{
  return 1.f / (1.f + expf (-x));
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) \
    && !defined(__SANITIZE_THREAD__)   /* its resolvers run before TSan is ready */
#define PS_VECTOR_CLONES __attribute__ ((target_clones ("avx2", "default")))
/* elementwise passes over whole layers (no sum whose order the width would change) */
#define PS_WIDE_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define PS_VECTOR_CLONES
#define PS_WIDE_CLONES
#endif

/* exp(x) within about one ulp of expf (Cephes' reduction and polynomial),
 * written without calls or branches so that a loop over it vectorizes:
 * x = n ln2 + r, |r| <= ln2 / 2, exp(r) by a degree-6 polynomial, 2^n built
 * in the exponent bits.  x is clamped to [-87.3, 88.7]: the result stays a
 * normal float (exp(-88) becomes 1.2e-38 rather than a subnormal). */
static inline float
exp_vec (float x)
{
  float n, r, r2, p;
  int32_t e;
  union { int32_t i; float f; } u;

  x = x < -87.3f ? -87.3f : x;
  x = x > 88.7f ? 88.7f : x;
  n = floorf (x * 1.44269504088896341f + 0.5f);
  r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  r2 = r * r;
  p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r2 + r + 1.f;
  e = (int32_t) n + 127;
  u.i = e << 23;
  return p * u.f;
}

/* Sigmoid and tanh over arrays, vectorized (the sigmoid layers of LeNet
 * evaluate millions of them per step).  tanh(x) = 1 - 2 / (exp(2x) + 1) for
 * |x| >= 0.625. */
PS_WIDE_CLONES static void
sigmoid_range (const float *x, float *y, int64_t begin, int64_t end)
{
  for (int64_t i = begin; i < end; i++)
    y[i] = 1.f / (1.f + exp_vec (-x[i]));
}

PS_WIDE_CLONES static void
sigmoid_backward_range (const float *y, const float *g, float *dx, int64_t begin, int64_t end)
{
  for (int64_t i = begin; i < end; i++)
    dx[i] = g[i] * (1.f - y[i]) * y[i];
}

/* Large arrays (a conv layer's output over the batch) are split with the
 * helper thread: elementwise, so the same values either way. */
#define PS_SPLIT_ELEMENTS (1 << 16)

typedef struct
{
  const float *a, *b;
  float *out;
} Elementwise;

static void
sigmoid_part (int64_t begin, int64_t end, gpointer p)
{
  Elementwise *e = p;

  sigmoid_range (e->a, e->out, begin, end);
}

static void
sigmoid_backward_part (int64_t begin, int64_t end, gpointer p)
{
  Elementwise *e = p;

  sigmoid_backward_range (e->a, e->b, e->out, begin, end);
}

void
ps_sigmoid_array (const float *x, float *y, int64_t n)
{
  ps_helper_split (n, PS_SPLIT_ELEMENTS, sigmoid_part, &(Elementwise) { x, NULL, y });
}

void
ps_sigmoid_backward_array (const float *y, const float *g, float *dx, int64_t n)
{
  ps_helper_split (n, PS_SPLIT_ELEMENTS, sigmoid_backward_part, &(Elementwise) { y, g, dx });
}

/* ---- Sigmoid then a 2x2 average pool, fused ------------------------------- */

gboolean
ps_sigmoid_avg_pool_fuses (const PsPoolGeom *g)
{
  return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0
         && g->dh == 1 && g->dw == 1 && 2 * g->OH == g->H && 2 * g->OW == g->W;
}

/* planes [begin, end), a few at a time: their sigmoid in one run (the
 * planes are contiguous: one long vector loop, where rows of 10 or 28 left
 * most of the work to the scalar tail), then their pool from the values
 * just written, still in the L1 cache; the sums and the quarter as
 * ps_avg_pool2d_forward does them */
#define PS_SIGMOID_POOL_FLOATS 4096

PS_WIDE_CLONES static void
sigmoid_pool_range (const PsPoolGeom *g, const float *x, float *s, float *p, int64_t begin,
                    int64_t end)
{
  int64_t W = g->W, HW = g->H * g->W, OW = g->OW, P = g->OH * g->OW;
  int64_t step = MAX (PS_SIGMOID_POOL_FLOATS / HW, 1);

  for (int64_t c0 = begin; c0 < end; c0 += step)
    {
      int64_t c1 = MIN (c0 + step, end);
      const float *restrict xr = x + c0 * HW;
      float *restrict sr = s + c0 * HW;
      for (int64_t i = 0; i < (c1 - c0) * HW; i++)
        sr[i] = 1.f / (1.f + exp_vec (-xr[i]));
      for (int64_t nc = c0; nc < c1; nc++)
        for (int64_t oh = 0; oh < g->OH; oh++)
          {
            const float *restrict r = s + nc * HW + 2 * oh * W;
            float *restrict q = p + nc * P + oh * OW;
            for (int64_t ow = 0; ow < OW; ow++)
              q[ow] = (r[2 * ow] + r[2 * ow + 1] + r[W + 2 * ow] + r[W + 2 * ow + 1]) / 4.f;
          }
    }
}

/* dx = (dp / 4 over each window) * (1 - s) * s, in ps_sigmoid_backward_array's order */
PS_WIDE_CLONES static void
sigmoid_pool_backward_range (const PsPoolGeom *g, const float *s, const float *dp, float *dx,
                             int64_t begin, int64_t end)
{
  int64_t W = g->W, HW = g->H * g->W, OW = g->OW, P = g->OH * g->OW;

  for (int64_t nc = begin; nc < end; nc++)
    for (int64_t oh = 0; oh < g->OH; oh++)
      {
        const float *restrict r = s + nc * HW + 2 * oh * W;
        const float *restrict q = dp + nc * P + oh * OW;
        float *restrict d = dx + nc * HW + 2 * oh * W;
        for (int64_t k = 0; k < 2; k++)
          for (int64_t ow = 0; ow < OW; ow++)
            {
              float v = q[ow] / 4.f, a = r[k * W + 2 * ow], b = r[k * W + 2 * ow + 1];
              d[k * W + 2 * ow] = v * (1.f - a) * a;
              d[k * W + 2 * ow + 1] = v * (1.f - b) * b;
            }
      }
}

typedef struct
{
  const PsPoolGeom *g;
  const float *a, *b;
  float *out, *out2;
} SigmoidPool;

static void
sigmoid_pool_part (int64_t begin, int64_t end, gpointer p)
{
  SigmoidPool *a = p;

  sigmoid_pool_range (a->g, a->a, a->out, a->out2, begin, end);
}

static void
sigmoid_pool_backward_part (int64_t begin, int64_t end, gpointer p)
{
  SigmoidPool *a = p;

  sigmoid_pool_backward_range (a->g, a->a, a->b, a->out, begin, end);
}

void
ps_sigmoid_avg_pool_forward (const PsPoolGeom *g, const float *x, float *s, float *p)
{
  g_return_if_fail (ps_sigmoid_avg_pool_fuses (g));
  ps_helper_split (g->N * g->C, PS_SPLIT_ELEMENTS / MAX (g->H * g->W, 1), sigmoid_pool_part,
                   &(SigmoidPool) { g, x, NULL, s, p });
}

void
ps_sigmoid_avg_pool_backward (const PsPoolGeom *g, const float *s, const float *dp, float *dx)
{
  g_return_if_fail (ps_sigmoid_avg_pool_fuses (g));
  ps_helper_split (g->N * g->C, PS_SPLIT_ELEMENTS / MAX (g->H * g->W, 1),
                   sigmoid_pool_backward_part, &(SigmoidPool) { g, s, dp, dx, NULL });
}

PS_VECTOR_CLONES void
ps_tanh_array (const float *x, float *y, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    {
      float v = x[i];
      float a = v < 0 ? -v : v;
      float z = v * v;
      /* small |x|: Cephes' odd polynomial, free of the cancellation below */
      float small = ((((-5.70498872745e-3f * z + 2.06390887954e-2f) * z - 5.37397155531e-2f) * z
                      + 1.33314422036e-1f) * z - 3.33332819422e-1f) * z * v + v;
      float t = 1.f - 2.f / (exp_vec (2.f * a) + 1.f);
      t = v < 0 ? -t : t;
      y[i] = a < 0.625f ? small : t;
    }
}

static inline float
softplusf (float x, float beta, float threshold)
{
  return x * beta > threshold ? x : log1pf (expf (x * beta)) / beta;
}

void
ps_act_forward (const PsAct *a, int64_t n, const float *x, float *y)
{
  float alpha = (float) a->alpha, thr = (float) a->threshold;

  switch (a->kind)
    {
    case PS_ACT_SILU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] / (1.f + expf (-x[i]));
      break;
    case PS_ACT_ELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : alpha * expm1f (x[i]);
      break;
    case PS_ACT_SELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = (float) SELU_SCALE * (x[i] > 0 ? x[i] : (float) SELU_ALPHA * expm1f (x[i]));
      break;
    case PS_ACT_SOFTPLUS:
      for (int64_t i = 0; i < n; i++)
        y[i] = softplusf (x[i], alpha, thr);
      break;
    case PS_ACT_MISH:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * tanhf (log1pf (expf (x[i])));
      break;
    case PS_ACT_HARDSWISH:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * MIN (MAX (x[i] + 3.f, 0.f), 6.f) / 6.f;
      break;
    case PS_ACT_HARDSIGMOID:
      for (int64_t i = 0; i < n; i++)
        y[i] = MIN (MAX (x[i] + 3.f, 0.f), 6.f) / 6.f;
      break;
    case PS_ACT_RELU6:
      for (int64_t i = 0; i < n; i++)
        y[i] = isnan (x[i]) ? x[i] : MIN (MAX (x[i], 0.f), 6.f);
      break;
    case PS_ACT_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : (isnan (x[i]) ? x[i] : 0.f);
      break;
    case PS_ACT_SIGMOID:
      ps_sigmoid_array (x, y, n);
      break;
    case PS_ACT_TANH:
      ps_tanh_array (x, y, n);
      break;
    case PS_ACT_LEAKY_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : x[i] * alpha;
      break;
    }
}

void
ps_act_backward (const PsAct *a, int64_t n, const float *x, const float *y,
                 const float *dy, float *dx)
{
  float alpha = (float) a->alpha, thr = (float) a->threshold;

  switch (a->kind)
    {
    case PS_ACT_SILU:
      for (int64_t i = 0; i < n; i++)
        {
          float s = sigmoidf (x[i]);
          dx[i] = dy[i] * s * (1.f + x[i] * (1.f - s));
        }
      break;
    case PS_ACT_ELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : dy[i] * alpha * expf (x[i]);
      break;
    case PS_ACT_SELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] * (float) SELU_SCALE
                         : dy[i] * (float) (SELU_SCALE * SELU_ALPHA) * expf (x[i]);
      break;
    case PS_ACT_SOFTPLUS:
      for (int64_t i = 0; i < n; i++)
        {
          float z = expf (x[i] * alpha);
          dx[i] = x[i] * alpha > thr ? dy[i] : dy[i] * z / (z + 1.f);
        }
      break;
    case PS_ACT_MISH:
      for (int64_t i = 0; i < n; i++)
        {
          float t = tanhf (log1pf (expf (x[i])));
          dx[i] = dy[i] * (t + x[i] * sigmoidf (x[i]) * (1.f - t * t));
        }
      break;
    case PS_ACT_HARDSWISH:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] < -3.f ? 0.f : x[i] <= 3.f ? dy[i] * (x[i] / 3.f + 0.5f) : dy[i];
      break;
    case PS_ACT_HARDSIGMOID:
      for (int64_t i = 0; i < n; i++)
        dx[i] = (x[i] > -3.f && x[i] < 3.f) ? dy[i] / 6.f : 0.f;
      break;
    case PS_ACT_RELU6:
      for (int64_t i = 0; i < n; i++)
        dx[i] = (x[i] <= 0.f || x[i] >= 6.f) ? 0.f : dy[i];
      break;
    case PS_ACT_RELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = y[i] > 0 ? dy[i] : 0.f;
      break;
    case PS_ACT_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.f - y[i]) * y[i];
      break;
    case PS_ACT_TANH:
      for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.f - y[i] * y[i]);
      break;
    case PS_ACT_LEAKY_RELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : dy[i] * alpha;
      break;
    }
}

void
ps_prelu_forward (int64_t N, int64_t C, int64_t L, int64_t nw, const float *x,
                  const float *w, float *y)
{
  for (int64_t b = 0; b < N; b++)
    for (int64_t c = 0; c < C; c++)
      {
        float a = w[nw == 1 ? 0 : c];
        const float *p = x + (b * C + c) * L;
        float *q = y + (b * C + c) * L;
        for (int64_t k = 0; k < L; k++)
          q[k] = p[k] > 0 ? p[k] : a * p[k];
      }
}

void
ps_prelu_backward (int64_t N, int64_t C, int64_t L, int64_t nw, const float *x,
                   const float *w, const float *dy, float *dx, float *dw)
{
  for (int64_t c = 0; c < C; c++)
    {
      float a = w[nw == 1 ? 0 : c];
      double s = 0;
      for (int64_t b = 0; b < N; b++)
        {
          const float *p = x + (b * C + c) * L, *g = dy + (b * C + c) * L;
          for (int64_t k = 0; k < L; k++)
            {
              if (dx)
                dx[(b * C + c) * L + k] = p[k] > 0 ? g[k] : a * g[k];
              if (p[k] <= 0)
                s += p[k] * g[k];
            }
        }
      if (dw)
        dw[nw == 1 ? 0 : c] += (float) s;
    }
}

/* ---- losses -------------------------------------------------------------- */

/* the target of position i, from int64 or float class indices */
#define TARGET(i) (ti ? ti[i] : (int64_t) tf[i])

static double
index_loss (int64_t N, int64_t C, int64_t L, const float *x, const int64_t *ti, const float *tf,
            int64_t ignore_index, float *dx, gboolean logits)
{
  double total = 0;
  int64_t count = 0;

  for (int64_t b = 0; b < N; b++)
    for (int64_t l = 0; l < L; l++)
      if (TARGET (b * L + l) != ignore_index)
        count++;
  if (dx)
    memset (dx, 0, (size_t) (N * C * L) * sizeof (float));
  for (int64_t b = 0; b < N; b++)
    for (int64_t l = 0; l < L; l++)
      {
        int64_t t = TARGET (b * L + l);
        const float *p = x + b * C * L + l;
        if (t == ignore_index)
          continue;
        g_assert (t >= 0 && t < C);   /* the caller checks the targets */
        if (!logits)
          {
            total -= p[t * L];
            if (dx)
              dx[b * C * L + l + t * L] = -1.f / (float) count;
            continue;
          }
        float m = -INFINITY;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          m = MAX (m, p[c * L]);
        for (int64_t c = 0; c < C; c++)
          s += exp ((double) p[c * L] - m);
        total += m + log (s) - p[t * L];
        if (dx)
          {
            for (int64_t c = 0; c < C; c++)
              dx[b * C * L + l + c * L] =
                (float) (exp ((double) p[c * L] - m) / s / (double) count);
            dx[b * C * L + l + t * L] -= 1.f / (float) count;
          }
      }
  return count > 0 ? total / (double) count : NAN;
}

double
ps_cross_entropy_index (int64_t N, int64_t C, int64_t L, const float *x,
                        const int64_t *target, int64_t ignore_index, float *dx)
{
  return index_loss (N, C, L, x, target, NULL, ignore_index, dx, TRUE);
}

double
ps_nll_loss (int64_t N, int64_t C, int64_t L, const float *x,
             const int64_t *target, int64_t ignore_index, float *dx)
{
  return index_loss (N, C, L, x, target, NULL, ignore_index, dx, FALSE);
}

double
ps_index_loss_f32 (int64_t N, int64_t C, int64_t L, const float *x, const float *target,
                   int64_t ignore_index, gboolean logits, float *dx)
{
  return index_loss (N, C, L, x, NULL, target, ignore_index, dx, logits);
}

double
ps_bce_with_logits (int64_t n, const float *x, const float *t, float *dx)
{
  double total = 0;

  for (int64_t i = 0; i < n; i++)
    {
      double v = x[i], mv = MAX (-v, 0.0);
      total += (1 - t[i]) * v + mv + log (exp (-mv) + exp (-v - mv));
      if (dx)
        dx[i] = (float) ((1.0 / (1.0 + exp (-v)) - t[i]) / (double) n);
    }
  return n > 0 ? total / (double) n : NAN;
}

/* ---- two products, one on each core ------------------------------------------ */

static void
gemm_run (const PsGemm *g)
{
  cblas_sgemm (CblasRowMajor, g->trans_a ? CblasTrans : CblasNoTrans,
               g->trans_b ? CblasTrans : CblasNoTrans, g->M, g->N, g->K, g->alpha, g->A, g->lda,
               g->B, g->ldb, g->beta, g->C, g->ldc);
}

static void
gemm_run_job (gpointer p)
{
  gemm_run (p);
}

void
ps_sgemm_two (const PsGemm *first, const PsGemm *second)
{
  gboolean helped;

  ps_sgemm_note (first->trans_a, first->trans_b, first->M, first->N, first->K, first->beta);
  ps_sgemm_note (second->trans_a, second->trans_b, second->M, second->N, second->K,
                 second->beta);
  /* with OpenBLAS's own threads, theirs already share the cores */
  helped = openblas_get_num_threads () == 1 && ps_helper_claim ();
  if (helped)
    ps_helper_start (gemm_run_job, (gpointer) second);
  gemm_run (first);
  if (!helped || !ps_helper_join ())
    gemm_run (second);
}
