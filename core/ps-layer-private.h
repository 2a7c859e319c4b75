/* ps-layer-private.h — what the files of the layer table share (see ps-layer.h)
 *
 * ps-layer.c holds the table and the dispatch from a layer's family to the
 * file of that family; ps-layer-args.c reads, binds and formats constructor
 * arguments; each family file (ps-layer-linear.c, -conv.c, -norm.c,
 * -sequence.c, -leaf.c) says for its classes how the parameters and buffers
 * are made, what extra_repr() writes and what reset_parameters() draws.
 */
#pragma once

#include "ps-layer.h"
#include "ps-error.h"

G_BEGIN_DECLS

typedef enum
{
  F_LEAF, F_CONTAINER, F_LINEAR, F_CONV, F_CONV_T, F_BATCH_NORM, F_INSTANCE_NORM, F_LAYER_NORM,
  F_GROUP_NORM, F_EMBEDDING, F_EMBEDDING_BAG, F_RNN, F_LSTM, F_GRU, F_RNN_CELL, F_LSTM_CELL,
  F_GRU_CELL, F_MHA, F_BILINEAR, F_PRELU,
} PsLayerFamily;

typedef struct
{
  const char *name;
  PsLayerFamily      family;
  int         dims;        /* spatial dimensions (Conv2d: 2) */
  const char *signature;   /* NULL: any arguments (kept as given) */
} PsLayerEntry;

/* The table's entry of a class (or of the class it extends, LayerNorm2d). */
const PsLayerEntry *ps_layer_lookup (const char *name);

/* ---- arguments (ps-layer-args.c) ---------------------------------------- */

/* name -> GVariant* (refs) for every signature parameter; NULL + error when
 * the arguments do not fit (PyTorch's words, naming the class). */
GHashTable *ps_layer_bind_args (const PsLayerEntry *e, const PsLayerArgs *args, GError **error);

/* Typed access to bound values while a layer is built: the first failure
 * sets *error and `failed`; later calls do nothing and return 0. */
typedef struct
{
  const PsLayerEntry *e;
  GHashTable *kv;
  GError    **error;
  gboolean    failed;
  GPtrArray  *owned;        /* tuples made while building: kept until it ends, so a
                             * failure halfway leaves none floating */
} PsLayerBind;

int64_t   ps_bind_int    (PsLayerBind *b, const char *name);
int64_t   ps_bind_size   (PsLayerBind *b, const char *name);     /* an int >= 0 */
gboolean  ps_bind_bool   (PsLayerBind *b, const char *name);
double    ps_bind_double (PsLayerBind *b, const char *name);
/* An int or a tuple of n ints (PyTorch's _single/_pair/_triple); out may be NULL. */
GVariant *ps_bind_tuple  (PsLayerBind *b, const char *name, int n, int64_t *out);
void      ps_bind_fail   (PsLayerBind *b, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

/* Python's None (an empty maybe) and a tuple of ints, as the options hold them. */
gboolean  ps_layer_is_none (GVariant *v);
GVariant *ps_layer_tuple (const int64_t *x, int n);

/* extra_repr pieces: sep, then option `name` as str() (quote FALSE) or repr(). */
void      ps_layer_append_opt (GString *s, PsModule *m, const char *sep, const char *name,
                                  gboolean quote);

/* ---- parameters and their default values (ps-layer.c) ----------------------- */

#define I64(x) ((int64_t) (x))

/* A meta parameter (or buffer) of the given shape; FALSE if the shape is too large. */
gboolean  ps_layer_add_meta       (PsModule *m, const char *name, gboolean buffer, PsDtype dtype,
                                   int ndim, ...);
gboolean  ps_layer_add_meta_shape (PsModule *m, const char *name, int ndim, const int64_t *shape);
/* A parameter or buffer of m's own, by name. */
PsParam  *ps_layer_own            (PsModule *m, const char *name);
void      ps_layer_fill (PsParam *p, float value);
void      ps_layer_uniform (PsParam *p, PsRng *rng, double bound);
/* An init scheme of ps-init ("xavier_uniform()") applied to p. */
void      ps_layer_scheme (const char *scheme, PsParam *p, PsRng *rng);

/* ---- the families: build (shapes, options), extra_repr, reset_parameters() ---- */

gboolean  ps_layer_linear_build       (PsLayerBind *b, PsModule *m);
void      ps_layer_linear_extra_repr  (GString *s, PsModule *m, const PsLayerEntry *e);
void      ps_layer_linear_reset       (PsModule *m, const PsLayerEntry *e, PsRng *rng);

gboolean  ps_layer_conv_build         (PsLayerBind *b, PsModule *m);
void      ps_layer_conv_extra_repr    (GString *s, PsModule *m);
void      ps_layer_conv_reset         (PsModule *m, PsRng *rng);

gboolean  ps_layer_norm_build         (PsLayerBind *b, PsModule *m);
void      ps_layer_norm_extra_repr    (GString *s, PsModule *m, const PsLayerEntry *e);
void      ps_layer_norm_reset         (PsModule *m, const PsLayerEntry *e);

gboolean  ps_layer_sequence_build     (PsLayerBind *b, PsModule *m);
void      ps_layer_sequence_extra_repr (GString *s, PsModule *m, const PsLayerEntry *e);
void      ps_layer_sequence_reset     (PsModule *m, const PsLayerEntry *e, PsRng *rng);

/* Parameterless layers: the core's own kinds (ReLU, GELU, Flatten...), NULL
 * for the others (or on failure: b->failed); options PyTorch stores; extra_repr. */
PsModule *ps_layer_leaf_core          (PsLayerBind *b);
void      ps_layer_leaf_normalize     (PsModule *m, const PsLayerEntry *e);
char     *ps_layer_leaf_extra_repr    (PsModule *m, const PsLayerEntry *e);

/* ---- a model family's own initialization (ps-layer-family.c) ---------------- */

/* The family of m, if its class is one whose constructor initializes more
 * than its layers' defaults (torchvision's ResNet, VGG, ...); NULL if not.
 * outer: the module of the nearest enclosing family, NULL if none. */
gconstpointer ps_layer_family_find    (PsModule *m, PsModule *outer);
/* What the family's constructor draws before its child number `child` is made. */
void      ps_layer_family_before_child (gconstpointer family, PsModule *m, guint child,
                                        PsRng *rng);
/* The steps (' ' between) its constructor takes first, in this order: paths
 * under m to initialize, and the family's own steps; NULL if none. */
const char *ps_layer_family_get_order (gconstpointer family);
/* Run a step of the order that is the family's own ("walk:1"); FALSE if step is a path. */
gboolean  ps_layer_family_run_step    (gconstpointer family, PsModule *m, const char *step,
                                       PsRng *rng);
/* What its constructor does once its children are made: its loop over
 * self.modules() (nothing if family is NULL). */
void      ps_layer_family_init        (gconstpointer family, PsModule *m, PsRng *rng);

G_END_DECLS
