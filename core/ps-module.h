/* ps-module.h — modules: the block tree
 *
 * A PsModule is a Sequential container or a layer.  Modules are refcounted:
 * putting the *same* module in two places ties all its parameters, exactly
 * as reusing one nn.Module object does in PyTorch.
 *
 *   g_autoptr (PsModule) net = ps_module_new_sequential ();
 *   ps_module_append (net, NULL, ps_module_new_linear (4, 8, TRUE, rng));  // "0"
 *   ps_module_append (net, NULL, ps_module_new (PS_MODULE_RELU));          // "1"
 *   ps_module_append (net, NULL, ps_module_new_linear (8, 1, TRUE, rng));  // "2"
 *   char *text = ps_module_repr (net);                 // print(net), byte for byte
 *
 * ps_module_append() takes ownership of the child reference it is given.
 *
 * Naming follows PyTorch:
 *   named_parameters  dotted names ("0.block 1.0.bias"), each parameter once,
 *                     under its first name (tied ones are skipped after that)
 *   state_dict        every key, tied parameters under each of their names
 *   named_modules     pre-order, each module once ("" is the root)
 */
#pragma once

#include "ps-param.h"
#include "ps-rng.h"

G_BEGIN_DECLS

typedef enum
{
  PS_MODULE_SEQUENTIAL,
  PS_MODULE_LINEAR,        /* also LazyLinear: see ps_module_is_lazy() */
  PS_MODULE_RELU,
  PS_MODULE_LEAKY_RELU,
  PS_MODULE_SIGMOID,
  PS_MODULE_TANH,
  PS_MODULE_GELU,
  PS_MODULE_IDENTITY,
  PS_MODULE_FLATTEN,
} PsModuleKind;

typedef struct _PsModule PsModule;

/* How deep Sequentials may nest (the tree is walked recursively). */
#define PS_MODULE_MAX_DEPTH 200

/* Layers without parameters (ReLU, Sigmoid, Tanh, GELU, Identity, Flatten,
 * LeakyReLU with the default slope) and Sequential. */
PsModule   *ps_module_new              (PsModuleKind kind);
PsModule   *ps_module_new_sequential   (void);
/* Linear(in, out, bias), initialized as PyTorch's reset_parameters() with rng
 * (weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))); rng NULL leaves zeros. */
PsModule   *ps_module_new_linear       (int64_t in_features, int64_t out_features,
                                        gboolean bias, PsRng *rng);
/* LazyLinear(out, bias): in_features is 0 until the first forward or a load. */
PsModule   *ps_module_new_lazy_linear  (int64_t out_features, gboolean bias);
PsModule   *ps_module_new_leaky_relu   (double negative_slope, gboolean inplace);
PsModule   *ps_module_new_flatten      (int start_dim, int end_dim);

PsModule   *ps_module_ref              (PsModule *m);
void        ps_module_unref            (PsModule *m);

PsModuleKind ps_module_get_kind        (PsModule *m);
/* PyTorch's class name: "Linear", "LazyLinear" (until materialized), "ReLU"... */
const char *ps_module_get_type_name    (PsModule *m);
/* Options of the parameter-free layers, as PyTorch's constructors take them. */
void        ps_module_set_inplace      (PsModule *m, gboolean inplace);         /* ReLU, LeakyReLU */
void        ps_module_set_gelu_tanh    (PsModule *m, gboolean tanh_approx);     /* GELU(approximate='tanh') */
/* The text of a float as Python's repr() writes it (for LeakyReLU's slope). */
void        ps_module_set_slope_text   (PsModule *m, const char *python_repr);
double      ps_module_get_negative_slope (PsModule *m);
gboolean    ps_module_get_gelu_tanh    (PsModule *m);
void        ps_module_get_flatten_dims (PsModule *m, int *start_dim, int *end_dim);

/* Linear */
int64_t     ps_module_get_in_features  (PsModule *m);   /* 0 while lazy */
int64_t     ps_module_get_out_features (PsModule *m);
gboolean    ps_module_has_bias         (PsModule *m);
gboolean    ps_module_is_lazy          (PsModule *m);   /* a LazyLinear not yet materialized */
/* Materialize a LazyLinear for in_features and initialize it as PyTorch's
 * reset_parameters() with rng (NULL: leave zeros). */
gboolean    ps_module_materialize      (PsModule *m, int64_t in_features, PsRng *rng,
                                        GError **error);

/* Children (Sequential).  name NULL appends under the next index ("0", "1", ...,
 * as Sequential(*args) numbers them); an existing name is replaced in place,
 * as add_module() does.  Names may contain spaces but not dots.  Refused:
 * a child that contains seq (a cycle), nesting deeper than PS_MODULE_MAX_DEPTH. */
gboolean    ps_module_append           (PsModule *seq, const char *name, PsModule *child,
                                        GError **error);
guint       ps_module_get_n_children   (PsModule *m);
PsModule   *ps_module_get_child        (PsModule *m, guint i);
const char *ps_module_get_child_name   (PsModule *m, guint i);
/* net[i], i may be negative (counted from the end).  NULL + error if out of range. */
PsModule   *ps_module_index            (PsModule *m, int64_t i, GError **error);

/* Parameters of this module itself ("weight", "bias"), in registration order. */
guint       ps_module_get_n_params     (PsModule *m);
PsParam    *ps_module_get_param        (PsModule *m, guint i);
const char *ps_module_get_param_name   (PsModule *m, guint i);
PsParam    *ps_module_get_param_by_name (PsModule *m, const char *name);
/* Tie: make this module's slot `name` refer to param (shapes must match). */
gboolean    ps_module_set_param        (PsModule *m, const char *name, PsParam *param,
                                        GError **error);

/* print(net): PyTorch's repr, byte for byte.  Free with g_free. */
char       *ps_module_repr             (PsModule *m);

typedef struct
{
  char     *name;      /* dotted key */
  PsParam  *param;     /* borrowed; alive as long as the model */
  PsModule *owner;     /* the module holding the slot (borrowed) */
  char     *slot;      /* "weight" or "bias" */
} PsNamedParam;

typedef struct
{
  char     *name;      /* dotted path, "" for the root */
  PsModule *module;    /* borrowed */
} PsNamedModule;

/* Arrays of PsNamedParam* / PsNamedModule*, freed with g_ptr_array_unref. */
GPtrArray  *ps_module_named_parameters (PsModule *m);
GPtrArray  *ps_module_state_dict       (PsModule *m);
GPtrArray  *ps_module_named_modules    (PsModule *m);

/* Every state_dict key that refers to param, in state_dict order. */
GPtrArray  *ps_module_param_aliases    (PsModule *m, PsParam *param);   /* char* */
PsParam    *ps_module_find_param       (PsModule *m, const char *key);  /* state_dict key */
PsModule   *ps_module_find_module      (PsModule *m, const char *path); /* "" = m */
/* "net[0][1][0].bias" for "0.block 1.0.bias" (Sequential children by position). */
/* The reverse: "net[0][1][0].bias" (any root name, or none: "[0][1][0].bias") to
 * the module it indexes and, if a ".weight"/".bias" follows, the parameter
 * (*param_out; NULL when the path names a module).  NULL + error if invalid. */
PsModule   *ps_module_find_by_index_path (PsModule *m, const char *path, PsParam **param_out,
                                          GError **error);
char       *ps_module_key_to_index_path (PsModule *m, const char *key, const char *root_name);

/* Number of distinct learnable elements (as sum(p.numel() for p in net.parameters())).
 * Uninitialized parameters count 0; *n_uninitialized gets how many there are. */
int64_t     ps_module_count_params     (PsModule *m, guint *n_uninitialized);

typedef void (*PsModuleFunc) (PsModule *m, gpointer user_data);
/* net.apply(fn): children first, then the module; as PyTorch, a child that
 * appears twice in one parent is visited once. */
void        ps_module_apply            (PsModule *m, PsModuleFunc fn, gpointer user_data);

/* A deep copy: new modules and parameters (values and requires_grad copied,
 * gradients absent), with the same sharing: a module or parameter that
 * appears twice in m is one object appearing twice in the copy.  No
 * listeners are copied.  params_out, if not NULL, receives pairs
 * (original PsParam*, copy PsParam*) for every distinct parameter (borrowed). */
PsModule   *ps_module_clone            (PsModule *m, GHashTable *params_out);

/* The width of the first Linear layer's input and of the last one's output,
 * in forward order (0 while unknown: a lazy first layer, or no Linear). */
int64_t     ps_module_input_width      (PsModule *m);
int64_t     ps_module_output_width     (PsModule *m);

/* PyTorch's Linear.reset_parameters() on an initialized Linear. */
void        ps_module_reset_parameters (PsModule *m, PsRng *rng);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsModule, ps_module_unref)

G_END_DECLS
