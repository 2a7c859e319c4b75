/* ps-test-util.h — helpers shared by the core test programs */
#pragma once

#include "paramscope.h"

G_BEGIN_DECLS

/* Path of a file under tests/fixtures (env PS_FIXTURES), caller frees. */
char      *ps_test_fixture      (const char *relative);
/* Path of a file under tests/corpus (env PS_CORPUS), caller frees. */
char      *ps_test_corpus       (const char *relative);
/* A fresh temporary directory, removed with everything in it by ps_test_rmdir. */
char      *ps_test_tmpdir       (void);
void       ps_test_rmdir        (const char *dir);
/* A file's bytes (asserted readable); the number of entries of a directory. */
GBytes    *ps_test_read_bytes   (const char *path);
guint      ps_test_count_dir_entries (const char *dir);

/* Build a model from model-file text (seeded with seed); aborts on error. */
PsModule  *ps_test_parse_model  (const char *text, guint64 seed);
/* Load a model file from the fixtures (seeded with seed). */
PsModule  *ps_test_load_model   (const char *relative, guint64 seed);
PsTensor  *ps_test_load_tensor  (const char *path, const char *name);   /* aborts if absent */

/* Elementwise closeness as numpy.allclose with rtol and a scale-aware
 * atol = rtol * max|want|.  Returns the worst |got - want| / (rtol-scale) ratio
 * (<= 1 means close) and reports the first failure in *where (may be NULL). */
double     ps_test_compare      (const float *got, const float *want, int64_t n, double rtol,
                                 int64_t *where);
/* Assert that tensor `got` equals the tensor `key` of the safetensors `want_path`
 * (aliases resolved) within rtol; shapes [] and [1] are equal. */
void       ps_test_assert_tensor (const PsTensor *got, PsSafetensors *want, const char *key,
                                  double rtol, const char *context);

/* ps_pool_slice over the window (row0, col0, vrows, vcols) of a rows x cols
 * row-major float matrix. */
float      ps_test_pool_f32     (const float *x, int64_t rows, int64_t cols, int64_t row0,
                                 int64_t col0, int64_t vrows, int64_t vcols, float *out,
                                 int out_rows, int out_cols, PsPoolScratch *scratch);

/* Run paramscope-cli (env PS_CLI) with argv (NULL-terminated, without the
 * program name); returns the exit status, stdout and stderr (caller frees). */
int        ps_test_run_cli      (const char *const *argv, char **out, char **err);
/* The same with the bench program, paramscope-bench (env PS_BENCH). */
int        ps_test_run_bench    (const char *const *argv, char **out, char **err);

/* got against want token by token (numbers whole, other characters one by one,
 * newlines kept, spaces skipped); a `~` in want matches any one number; a
 * line of want without `~` must be got's line exactly, spaces included.  A
 * mismatch fails the test naming the line of want. */
void       ps_test_assert_matches_text (const char *got, const char *want);

G_END_DECLS
