/* ps-test-corpus.h — the files of tests/corpus and what each must give,
 * shared by the library/CLI test (core/test-corpus.c) and the window test
 * (ui/test-hostile.c), so both assert the same expectations.
 *
 *   models/NAME.py       first line "# expect: SUBSTRING"
 *   models/NAME.txt      PyTorch repr text; the substring is in models/NAME.expect
 *   safetensors/expected.tsv   FILE<TAB>SUBSTRING, one malformed file a row
 *   safetensors/valid/NAME.safetensors and valid.tsv
 *                        FILE<TAB>TENSOR<TAB>V,V,...: well-formed files and
 *                        the float32 values of their tensors
 *
 *   g_autoptr (GPtrArray) cases = ps_test_corpus_model_cases ();
 *   for (guint i = 0; i < cases->len; i++)
 *     check_error_of (((PsCorpusCase *) cases->pdata[i])->path, ...->expect);
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char   *name;    /* the tensor's */
  GArray *values;  /* float, every element in order */
} PsCorpusTensor;

typedef struct
{
  char      *path;      /* absolute (under env PS_CORPUS) */
  char      *name;      /* base name */
  char      *expect;    /* a substring of the error every reader must give; NULL: valid */
  GPtrArray *tensors;   /* valid files: PsCorpusTensor* in valid.tsv's order; else NULL */
} PsCorpusCase;

void       ps_corpus_case_free                   (PsCorpusCase *c);

/* Arrays of PsCorpusCase* (they own them).  Model files sorted by name;
 * malformed safetensors files in expected.tsv's order; valid ones sorted
 * by name (every file of the directory, even one valid.tsv has no row
 * for).  Empty if the directory (or expected.tsv) is missing; a malformed
 * expectation aborts. */
GPtrArray *ps_test_corpus_model_cases            (void);
GPtrArray *ps_test_corpus_bad_safetensors_cases  (void);
GPtrArray *ps_test_corpus_valid_safetensors_cases (void);

G_END_DECLS
