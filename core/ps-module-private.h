/* ps-module-private.h — the insides of PsModule, shared by ps-module.c and
 * ps-module-names.c (nothing else includes it) */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

struct _PsModule
{
  gatomicrefcount ref;
  PsModuleKind kind;

  /* Linear */
  int64_t  in_features, out_features;
  gboolean lazy;            /* declared LazyLinear and not materialized yet */

  /* activations */
  gboolean inplace;
  double   negative_slope;
  char    *slope_text;      /* Python repr of the slope as written */
  gboolean gelu_tanh;
  int      start_dim, end_dim;

  /* CONTAINER and LAYER */
  char    *class_name;      /* PyTorch's class name: "ResNet", "Conv2d", "ModuleList" */
  char    *extra;           /* extra_repr() text, may hold several lines; NULL: none */
  GHashTable *options;      /* char* -> GVariant* (floating refs sunk): constructor arguments */
  gboolean params_known;    /* FALSE: its own parameters cannot be known (read from a repr) */
  PsModuleForwardFunc forward;
  gpointer forward_data;
  GDestroyNotify forward_destroy;
  PsBlockProgram *program;  /* a recorded forward (ps-block.h), shared by clones */
  char    *program_error;   /* why a user's class has no program (its forward not recorded) */
  gboolean evaluating;      /* module.eval() was called last (FALSE: training, the default) */

  GPtrArray *child_names;   /* char*, owned */
  GHashTable *child_index;  /* name -> index + 1, once there are many children */
  GPtrArray *children;      /* PsModule*, owned refs */
  GPtrArray *param_names;   /* char*, owned */
  GPtrArray *params;        /* PsParam*, owned refs */
  GPtrArray *buffer_names;  /* char*, owned */
  GPtrArray *buffers;       /* PsParam*, owned refs */
  GArray    *buffer_persistent;   /* gboolean per buffer */
};

G_END_DECLS
