/* ps-test-corpus.h — the malformed files of tests/corpus and the message each
 * must produce, shared by the library/CLI test (core/test-corpus.c) and the
 * window test (ui/test-hostile.c), so both assert the same expectations.
 *
 *   models/NAME.py       first line "# expect: SUBSTRING"
 *   models/NAME.txt      PyTorch repr text; the substring is in models/NAME.expect
 *   safetensors/expected.tsv   FILE<TAB>SUBSTRING, one malformed file a row
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *path;      /* absolute (under env PS_CORPUS) */
  char *name;      /* base name */
  char *expect;    /* a substring of the error every reader must give */
} PsCorpusCase;

void       ps_corpus_case_free                 (PsCorpusCase *c);

/* Arrays of PsCorpusCase* (they own them).  Model files sorted by name;
 * malformed safetensors files in expected.tsv's order.  Empty if the directory
 * (or expected.tsv) is missing; a malformed expectation aborts. */
GPtrArray *ps_test_corpus_model_cases          (void);
GPtrArray *ps_test_corpus_bad_safetensors_cases (void);

G_END_DECLS
