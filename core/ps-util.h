/* ps-util.h — small shared helpers (private to core) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A double as Python's repr() writes it: "0.01", "1e-05", "2.0", "inf". */
char *ps_python_float_repr (double v);

G_END_DECLS
