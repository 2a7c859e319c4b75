/* ps-layer.h — the torch.nn layers the core knows: one table
 *
 * For every torch.nn module class the table holds its constructor's
 * signature (positional and keyword arguments with PyTorch's defaults) and,
 * for the classes with parameters or buffers, how they are made: their
 * names, shapes and registration order, the extra_repr text print() shows,
 * and the default initialization of PyTorch's reset_parameters(), drawing
 * from the generator in the same order and with the same arithmetic, so
 * that after torch.manual_seed(s) the values are the same bits.
 *
 *   g_autoptr (PsLayerArgs) a = ps_layer_args_parse ("3, 64, kernel_size=(7, 7), bias=False", &error);
 *   PsModule *conv = ps_layer_new ("Conv2d", a, NULL, &error);   // meta parameters, no storage
 *   ps_layer_init_tree (net, &rng);                              // PyTorch's default init
 *
 * Arguments are GVariants: int64 "x", double "d", boolean "b", string "s",
 * None (an empty maybe, "mv"), tuples and lists (arrays of variants, "av").
 * A built layer keeps every bound argument as a module option
 * (ps_module_get_option*) under the constructor's argument names, in the
 * normalized form PyTorch stores (Conv2d's kernel_size=3 is (3, 3)).
 *
 * Parameterless classes (activations, pooling, dropout, padding, ...) are
 * leaves whose options are bound the same way when their arguments fit the
 * signature.  Transformer, TransformerEncoder/Decoder(+Layer) are known
 * containers without parameters of their own.
 */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

typedef struct
{
  GPtrArray *pos;         /* GVariant* (owned, sunk) */
  GPtrArray *kw_names;    /* char* */
  GPtrArray *kw_values;   /* GVariant* (owned, sunk) */
} PsLayerArgs;

PsLayerArgs *ps_layer_args_new   (void);
void         ps_layer_args_free  (PsLayerArgs *a);
/* value: floating references are sunk; name NULL appends a positional argument */
void         ps_layer_args_add   (PsLayerArgs *a, const char *name, GVariant *value);
/* The arguments as an extra_repr writes them: "3, 64, kernel_size=(7, 7), mode=nearest"
 * (Python literals; a bare word is a string).  NULL + error if it is not such a list. */
PsLayerArgs *ps_layer_args_parse (const char *text, GError **error);

/* A value as Python's str() (quote FALSE) or repr() (quote TRUE) writes it. */
char        *ps_layer_format_value (GVariant *v, gboolean quote);

typedef enum
{
  PS_LAYER_UNKNOWN,       /* not a torch.nn class */
  PS_LAYER_LEAF,          /* no parameters, no children */
  PS_LAYER_PARAMETRIZED,  /* has parameters or buffers (Conv2d, BatchNorm2d, LSTM, ...) */
  PS_LAYER_CONTAINER,     /* Sequential, ModuleList, ModuleDict, Transformer... */
} PsLayerClass;

/* A class the table does not name is read as a subclass of a layer whose
 * name it extends by a dimension ("LayerNorm2d": a LayerNorm): classified
 * and built as that layer; ps_layer_is_subclass_guess() tells. */
PsLayerClass ps_layer_classify   (const char *type_name);
gboolean     ps_layer_is_subclass_guess (const char *type_name);
/* The constructor's signature as Python shows it ("in_channels, out_channels,
 * kernel_size, stride=1, ..."), NULL if unknown. */
const char  *ps_layer_signature  (const char *type_name);

/* type_name(*args): a new module whose parameters and buffers are meta
 * (shapes known, nothing allocated) unless rng is given, in which case they
 * are initialized as the constructor does.  Errors in PyTorch's words name
 * the class ("Conv2d(): missing required argument 'kernel_size'").
 * Linear, ReLU, LeakyReLU, GELU, Sigmoid, Tanh, Identity and Flatten are the
 * core's own kinds (the tape runs them); other parameterless layers get
 * PyTorch's extra_repr from their options (Dropout(p=0.5, inplace=False));
 * MultiheadAttention gets its out_proj child.  Known containers (Transformer...) are refused here: the
 * repr parser builds them from their children. */
PsModule    *ps_layer_new        (const char *type_name, const PsLayerArgs *args, PsRng *rng,
                                  GError **error);
/* A known container (Transformer, TransformerEncoderLayer, ...) or a
 * parameterless leaf with its extra_repr text kept as given. */
PsModule    *ps_layer_new_node   (const char *type_name, const char *extra_repr);

/* extra_repr() of a layer ps_layer_new built, from its options, as PyTorch
 * writes it; NULL for a module the table does not format. */
char        *ps_layer_extra_repr (PsModule *m);

/* MultiheadAttention read from a repr, which shows only its out_proj child:
 * embed_dim and bias from out_proj, kdim = vdim = embed_dim, no bias_k/v. */
PsModule    *ps_layer_new_mha_from_out_proj (PsModule *out_proj, GError **error);

/* PyTorch's default initialization of every parameter and buffer of m, in
 * the order its constructors would draw: children in registration order,
 * each layer's reset_parameters(); MultiheadAttention's out_proj before its
 * own; a TransformerEncoder/Decoder's layers as deep copies of the first;
 * Transformer's final xavier_uniform_ of every matrix.  Containers of a
 * user's class initialize their children (their own parameters stay as
 * they are).  A module of a torchvision class whose constructor initializes
 * its own way (ResNet, ViT, a detection head, ...) does that too, in its
 * constructor's order (ps-layer-family.c).  Allocates meta parameters. */
void         ps_layer_init_tree  (PsModule *m, PsRng *rng);

/* Bytes the parameters and buffers of m would take as float32, counted
 * without allocating (each distinct tensor once). */
double       ps_layer_tree_bytes (PsModule *m);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsLayerArgs, ps_layer_args_free)

G_END_DECLS
