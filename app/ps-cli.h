/* ps-cli.h — what the subcommands of paramscope-cli (and the bench program
 * built beside the tests) share: messages, option parsing, the step benchmark
 *
 * A subcommand parses its own options with one GOptionContext:
 *
 *   static char *out;
 *   static const GOptionEntry entries[] = {
 *     { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out, "The file to write", "OUT" },
 *     { NULL }
 *   };
 *   int status = ps_cli_parse ("exec", "NOTEBOOK", "Run a notebook's cells.", NULL,
 *                              entries, 1, 1, &argc, &argv);
 *   if (status >= 0)
 *     return status;                      // --help printed (0), or a usage error (2)
 *   ...argv[1] is NOTEBOOK...
 *
 * Exit statuses: 0 success, 1 an error of the user's files or values (a
 * message on stderr naming the file, key or line), 2 a usage error.
 */
#pragma once

#include "paramscope.h"

G_BEGIN_DECLS

#define PS_CLI_NAME "paramscope-cli"

/* The program named in messages and usage lines (default PS_CLI_NAME). */
void     ps_cli_set_name    (const char *name);

/* "paramscope-cli: MESSAGE" and a pointer to --help on stderr; returns 2. */
int      ps_cli_usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
/* "paramscope-cli: MESSAGE" on stderr, error freed; returns 1. */
int      ps_cli_fail        (GError *error);

/* The exit status of a function that returned status with error set unless
 * 0: error printed as a usage error (status 2) or an error (1), and freed. */
int      ps_cli_report      (int status, GError *error);

/* Parse the options of subcommand cmd in argv (argv[0]: the program).
 * args names the positional arguments in the usage line ("MODEL"), summary
 * and description go above and below the options in --help; between
 * min_args and max_args positional arguments are accepted.  Returns -1 when
 * the command line is fine (argv then holds argv[0] and the positional
 * arguments), else the exit status: --help printed its usage on stdout (0),
 * or a usage error was printed (2): an unknown option ("print: unknown
 * option --seed"), a missing value, a missing or unexpected argument. */
int      ps_cli_parse       (const char *cmd, const char *args, const char *summary,
                             const char *description, const GOptionEntry *entries,
                             int min_args, int max_args, int *argc, char ***argv);

/* Option values given as text: FALSE after printing a usage error naming
 * opt.  A NULL text leaves *out as it is (the option was not given). */
gboolean ps_cli_int         (const char *opt, const char *text, gint64 min, gint64 max,
                             gint64 *out);
gboolean ps_cli_double      (const char *opt, const char *text, double *out);

/* For benchmarks: a monotonic clock in seconds; the median of n values
 * (sorts v); "432.1 ns", "14.9 ms" (free it). */
double   ps_cli_now         (void);
double   ps_cli_median      (double *v, gint64 n);
char    *ps_cli_human_time  (double seconds);

/* The step benchmark of `paramscope-cli bench`: a steady-state training
 * step of the model at path (forward, loss, backward, sgd) and, interleaved
 * with it, the same cblas_sgemm calls alone (recorded from one step and
 * replayed); prints the medians and their ratio.  The batch's sample shape
 * and values come from the tensor "input" of input_path (NULL: the first
 * Linear's in_features, uniform values); a classifier so fed trains with
 * cross_entropy on class indices, anything else with mse.  steps 0: about a
 * second's worth.  With count_allocs (a heap allocation counter) it also
 * prints the allocations per step.  Returns the exit status; 1 or 2 with
 * error set (2: a usage error). */
int      ps_cli_bench_step  (const char *path, const char *input_path, gint64 batch,
                             gint64 steps, guint64 seed, guint64 (*count_allocs) (void),
                             gboolean per_call, GError **error);

/* `paramscope-cli exec` (ps-cli-exec.c): argv[0] the program, then its arguments. */
int      ps_cli_exec_main   (int argc, char **argv);

G_END_DECLS
