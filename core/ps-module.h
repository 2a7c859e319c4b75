/* ps-module.h — modules: the block tree
 *
 * A PsModule is an nn.Module: a Sequential, a container of a user's class
 * (ResNet, BasicBlock, ModuleList, ModuleDict, a class the core does not
 * know), or a layer.  Each has a class name, named children in registration
 * order, its own named parameters and named buffers (running_mean,
 * num_batches_tracked: PsParams with a dtype, requires_grad FALSE), and may
 * have constructor options and an extra_repr text.  Modules are refcounted:
 * putting the *same* module in two places ties all its parameters, exactly
 * as reusing one nn.Module object does in PyTorch.
 *
 *   g_autoptr (PsModule) net = ps_module_new_sequential ();
 *   ps_module_append (net, NULL, ps_module_new_linear (4, 8, TRUE, rng));  // "0"
 *   ps_module_append (net, NULL, ps_module_new (PS_MODULE_RELU));          // "1"
 *   ps_module_append (net, NULL, ps_module_new_linear (8, 1, TRUE, rng));  // "2"
 *   char *text = ps_module_repr (net);                 // print(net), byte for byte
 *
 * A user's class, as the interpreter or the repr parser builds it:
 *
 *   PsModule *block = ps_module_new_container ("BasicBlock");
 *   ps_module_append (block, "conv1", conv, NULL);
 *   ps_module_add_buffer (bn, "num_batches_tracked",
 *                         ps_param_new_meta (0, NULL, PS_DTYPE_I64), TRUE, NULL);
 *
 * ps_module_append(), ps_module_add_param() and ps_module_add_buffer() take
 * ownership of the reference they are given (also on failure).
 *
 * Parameters may be "meta" (ps_param_new_meta: shape known, no storage), so
 * naming, counting and printing a model of any size allocate nothing.
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
  /* A module of a class with children and its own parameters/buffers:
   * a user's class, ModuleList, ModuleDict, or a class the core does not know
   * (torchvision's Conv2dNormActivation in a repr).  ps_module_get_type_name()
   * is its class name. */
  PS_MODULE_CONTAINER,
  /* Another torch.nn layer (Conv2d, BatchNorm2d, LSTM, Dropout, ...): its class
   * name, constructor options, parameters, buffers and extra_repr are set by
   * whoever builds it (the layer registry, a loader). */
  PS_MODULE_LAYER,
} PsModuleKind;

typedef struct _PsModule PsModule;

/* How deep Sequentials may nest (the tree is walked recursively). */
#define PS_MODULE_MAX_DEPTH 200

/* Layers without parameters (ReLU, Sigmoid, Tanh, GELU, Identity, Flatten,
 * LeakyReLU with the default slope) and Sequential. */
PsModule   *ps_module_new              (PsModuleKind kind);
PsModule   *ps_module_new_sequential   (void);
/* A container of class class_name (a Python identifier), empty. */
PsModule   *ps_module_new_container    (const char *class_name);
/* A layer of class type_name with nothing in it yet: the builder adds its
 * parameters, buffers, options and extra_repr. */
PsModule   *ps_module_new_layer        (const char *type_name);
/* Linear(in, out, bias), initialized as PyTorch's reset_parameters() with rng
 * (weight and bias ~ U(-1/sqrt(in), 1/sqrt(in))); rng NULL leaves zeros. */
PsModule   *ps_module_new_linear       (int64_t in_features, int64_t out_features,
                                        gboolean bias, PsRng *rng);
/* Linear(in, out, bias) with meta parameters: shapes known, nothing allocated
 * (zeros on first need).  NULL if the shape overflows. */
PsModule   *ps_module_new_linear_meta  (int64_t in_features, int64_t out_features,
                                        gboolean bias);
/* A subclass's name for a Linear (MultiheadAttention's
 * "NonDynamicallyQuantizableLinear"), or any module's class name. */
void        ps_module_set_class_name   (PsModule *m, const char *class_name);
/* LazyLinear(out, bias): in_features is 0 until the first forward or a load. */
PsModule   *ps_module_new_lazy_linear  (int64_t out_features, gboolean bias);
PsModule   *ps_module_new_leaky_relu   (double negative_slope, gboolean inplace);
PsModule   *ps_module_new_flatten      (int start_dim, int end_dim);

PsModule   *ps_module_ref              (PsModule *m);
void        ps_module_unref            (PsModule *m);

PsModuleKind ps_module_get_kind        (PsModule *m);
/* PyTorch's class name: "Linear", "LazyLinear" (until materialized), "ReLU",
 * a container's or layer's class name... */
const char *ps_module_get_type_name    (PsModule *m);

/* CONTAINER and LAYER: the text extra_repr() returns (several lines allowed,
 * joined by '\n'; NULL or "" for none).  print() shows it as PyTorch does. */
void        ps_module_set_extra_repr   (PsModule *m, const char *text);
const char *ps_module_get_extra_repr   (PsModule *m);    /* CONTAINER, LAYER: "" if none */
/* FALSE for a module whose own parameters cannot be known (a class the core
 * does not know, read from a repr): shown as "no known parameters".  TRUE by default. */
void        ps_module_set_params_known (PsModule *m, gboolean known);
gboolean    ps_module_get_params_known (PsModule *m);

/* Constructor options of a CONTAINER or LAYER (kernel_size, stride, eps, ...):
 * GVariants — int64 "x", double "d", boolean "b", string "s", or a tuple of
 * them ("(xx)").  set sinks a floating reference, else adds one; NULL removes.
 * get returns a borrowed value, NULL if absent. */
void        ps_module_set_option       (PsModule *m, const char *name, GVariant *value);
GVariant   *ps_module_get_option       (PsModule *m, const char *name);
int64_t     ps_module_get_option_int   (PsModule *m, const char *name, int64_t fallback);
double      ps_module_get_option_double (PsModule *m, const char *name, double fallback);
gboolean    ps_module_get_option_bool  (PsModule *m, const char *name, gboolean fallback);
const char *ps_module_get_option_string (PsModule *m, const char *name);   /* NULL if absent */
/* An int or a tuple of ints as n ints (an int repeated: kernel_size=3 -> 3, 3).
 * Returns the tuple's length (n for an int), 0 if absent or not integers;
 * at most n are written. */
int         ps_module_get_option_ints  (PsModule *m, const char *name, int64_t *out, int n);

/* A forward supplied from outside the core (the interpreter runs a user's
 * forward()): input and output are the caller's own values.  Replaced or
 * cleared (fn NULL) by a new call; destroy(user_data) runs then and when the
 * module is freed.  Not copied by ps_module_clone(). */
typedef gpointer (*PsModuleForwardFunc) (PsModule *m, gpointer input, gpointer user_data,
                                         GError **error);
void        ps_module_set_forward      (PsModule *m, PsModuleForwardFunc fn, gpointer user_data,
                                        GDestroyNotify destroy);
PsModuleForwardFunc ps_module_get_forward (PsModule *m, gpointer *user_data);
/* A CONTAINER's forward as a recorded program (ps-block.h: a user's class,
 * recorded by the interpreter), run by the tape in place of the table of
 * known classes.  Takes a reference (NULL clears); clones share it. */
typedef struct _PsBlockProgram PsBlockProgram;
void        ps_module_set_program      (PsModule *m, PsBlockProgram *program);
PsBlockProgram *ps_module_get_program  (PsModule *m);   /* borrowed, NULL if none */
/* Why a container of a user's class has no program: its forward() could not
 * be recorded ("Odd.forward() cannot be recorded for the tape: <cell 1>:7:16:
 * ..."); the tape's error is this message.  NULL clears; a program clears it. */
void        ps_module_set_program_error (PsModule *m, const char *message);
const char *ps_module_get_program_error (PsModule *m);
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
/* module.train(training) / .eval(): the flag of m and every module under it,
 * read when code calls a layer (BatchNorm, Dropout); the tape has its own. */
void        ps_module_set_training     (PsModule *m, gboolean training);
gboolean    ps_module_get_training     (PsModule *m);   /* module.training */
/* Materialize a LazyLinear for in_features and initialize it as PyTorch's
 * reset_parameters() with rng (NULL: leave zeros). */
gboolean    ps_module_materialize      (PsModule *m, int64_t in_features, PsRng *rng,
                                        GError **error);

/* Children (Sequential, CONTAINER, LAYER; the other kinds refuse).  name NULL
 * appends under the next index ("0", "1", ..., as Sequential(*args) numbers
 * them); an existing name is replaced in place, as add_module() does.  Names
 * may contain spaces but not dots.  Refused: a child that contains seq (a
 * cycle), nesting deeper than PS_MODULE_MAX_DEPTH. */
gboolean    ps_module_append           (PsModule *seq, const char *name, PsModule *child,
                                        GError **error);
guint       ps_module_get_n_children   (PsModule *m);
/* del net[i]: child i leaves; a Sequential's children are numbered again
 * from 0, as PyTorch 1.13's Sequential.__delitem__ does. */
void        ps_module_remove_child     (PsModule *m, guint i);
PsModule   *ps_module_get_child        (PsModule *m, guint i);
const char *ps_module_get_child_name   (PsModule *m, guint i);
/* The direct child called name, NULL if none (no allocation: the tape asks at every forward). */
PsModule   *ps_module_get_child_named  (PsModule *m, const char *name);
/* Sequential and ModuleList can be indexed. */
gboolean    ps_module_is_indexable     (PsModule *m);
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
/* register_parameter(name, param): a new slot after the existing ones.
 * Refused: an empty or dotted name, a name already used by a parameter or buffer. */
gboolean    ps_module_add_param        (PsModule *m, const char *name, PsParam *param,
                                        GError **error);

/* Buffers of this module itself, in registration order (register_buffer;
 * persistent ones are in the state_dict).  The buffer gets requires_grad FALSE. */
gboolean    ps_module_add_buffer       (PsModule *m, const char *name, PsParam *buffer,
                                        gboolean persistent, GError **error);
guint       ps_module_get_n_buffers    (PsModule *m);
PsParam    *ps_module_get_buffer       (PsModule *m, guint i);
const char *ps_module_get_buffer_name  (PsModule *m, guint i);
gboolean    ps_module_get_buffer_persistent (PsModule *m, guint i);
PsParam    *ps_module_get_buffer_by_name (PsModule *m, const char *name);
/* A BatchNorm's forward in training mode wrote its running statistics in
 * place: tell their listeners, and count the batch in num_batches_tracked. */
void        ps_module_batch_norm_counted (PsModule *m);

/* print(net): PyTorch's repr, byte for byte.  Free with g_free. */
char       *ps_module_repr             (PsModule *m);

typedef struct
{
  char     *name;      /* dotted key */
  PsParam  *param;     /* borrowed; alive as long as the model */
  PsModule *owner;     /* the module holding the slot (borrowed) */
  char     *slot;      /* "weight", "bias", "running_mean" */
  gboolean  is_buffer; /* a buffer slot (state_dict and named_buffers) */
} PsNamedParam;

typedef struct
{
  char     *name;      /* dotted path, "" for the root */
  PsModule *module;    /* borrowed */
} PsNamedModule;

/* Arrays of PsNamedParam* / PsNamedModule*, freed with g_ptr_array_unref.
 * Orders are PyTorch's: named_parameters (and named_buffers) a module's own
 * slots, then its children's recursively; state_dict per module its own
 * parameters, then its persistent buffers, then the children. */
GPtrArray  *ps_module_named_parameters (PsModule *m);
GPtrArray  *ps_module_named_buffers    (PsModule *m);
GPtrArray  *ps_module_state_dict       (PsModule *m);
GPtrArray  *ps_module_named_modules    (PsModule *m);

/* Every state_dict key that refers to param, in state_dict order. */
GPtrArray  *ps_module_param_aliases    (PsModule *m, PsParam *param);   /* char* */
PsParam    *ps_module_find_param       (PsModule *m, const char *key);  /* state_dict key (buffers too) */
PsModule   *ps_module_find_module      (PsModule *m, const char *path); /* "" = m */
/* "net[0][1][0].bias" for "0.block 1.0.bias": Sequential and ModuleList children
 * by position, a ModuleDict's by key (net.heads['cls']), other containers'
 * by attribute (net.layer1[0].conv1.weight); a name that is not an
 * identifier by position. */
/* The reverse: "net[0][1][0].bias" (any root name, or none: "[0][1][0].bias") to
 * the module it indexes and, if a ".weight"/".bias" follows, the parameter
 * (*param_out; NULL when the path names a module).  NULL + error if invalid. */
PsModule   *ps_module_find_by_index_path (PsModule *m, const char *path, PsParam **param_out,
                                          GError **error);
char       *ps_module_key_to_index_path (PsModule *m, const char *key, const char *root_name);
/* The same for a module's dotted path ("layer1.0" -> "net.layer1[0]"); NULL if absent. */
char       *ps_module_path_to_index_path (PsModule *m, const char *path, const char *root_name);

/* Number of distinct learnable elements (as sum(p.numel() for p in net.parameters())),
 * without allocating meta parameters.
 * Uninitialized parameters count 0; *n_uninitialized gets how many there are. */
int64_t     ps_module_count_params     (PsModule *m, guint *n_uninitialized);

typedef void (*PsModuleFunc) (PsModule *m, gpointer user_data);
/* net.apply(fn): children first, then the module; as PyTorch, a child that
 * appears twice in one parent is visited once. */
void        ps_module_apply            (PsModule *m, PsModuleFunc fn, gpointer user_data);

/* A deep copy: new modules and parameters (values and requires_grad copied,
 * gradients absent), with the same sharing: a module or parameter that
 * appears twice in m is one object appearing twice in the copy.  No
 * listeners are copied; meta parameters stay meta.  params_out, if not NULL,
 * receives pairs (original PsParam*, copy PsParam*) for every distinct
 * parameter and buffer (borrowed). */
PsModule   *ps_module_clone            (PsModule *m, GHashTable *params_out);

/* The width of the first Linear layer's input and of the last one's output,
 * in forward order (0 while unknown: a lazy first layer, or no Linear). */
int64_t     ps_module_input_width      (PsModule *m);
int64_t     ps_module_output_width     (PsModule *m);

/* PyTorch's Linear.reset_parameters() on an initialized Linear. */
void        ps_module_reset_parameters (PsModule *m, PsRng *rng);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsModule, ps_module_unref)

/* Keras (ps-module-keras.c).  A module made by the Keras dialect is marked so. */
void        ps_module_mark_keras       (PsModule *m);
gboolean    ps_module_is_keras         (PsModule *m);
/* A Keras layer's name scope, as its variables were
 * made under it ("sequential/dense_1"); NULL for a module that is not Keras'. */
void        ps_module_set_keras_scope  (PsModule *m, const char *scope);
const char *ps_module_get_keras_scope  (PsModule *m);
/* The Keras 3 path of owner's parameter ("sequential/dense_1/kernel"), or NULL
 * when owner is not a Keras layer.  Free with g_free. */
char       *ps_module_keras_path       (PsModule *owner, const char *param_name);

/* Which axis of a weight matrix is which: a Keras kernel is (in, out), rows
 * input_dim and columns units; PyTorch's Linear weight is (out, in), rows
 * out_features and columns in_features.  FALSE when the layout is not known. */
typedef struct
{
  gboolean    in_out;   /* TRUE: (in, out); FALSE: (out, in) */
  const char *rows;     /* the axes' names, static strings */
  const char *cols;
} PsWeightAxes;

gboolean    ps_module_weight_axes      (PsModule *owner, const char *param_name, PsWeightAxes *axes);
/* A built Keras Dense: its kernel's (in, out); FALSE for any other module. */
gboolean    ps_module_keras_dense_dims (PsModule *m, int64_t *in, int64_t *out);

G_END_DECLS
