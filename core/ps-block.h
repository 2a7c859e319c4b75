/* ps-block.h — the forward of known container classes
 *
 * A container read from print(model) text or built as torchvision builds it
 * (AlexNet, VGG, ResNet, BasicBlock, Bottleneck, SqueezeNet, Fire, DenseNet
 * and its blocks, GoogLeNet with Inception, InceptionAux and BasicConv2d,
 * MobileNetV2, MobileNetV3, MNASNet and their inverted residual blocks,
 * SqueezeExcitation, ShuffleNetV2, RegNet, Inception3 and InceptionA to E,
 * EfficientNet with MBConv, FusedMBConv and StochasticDepth)
 * has no forward of its own in ParamScope: this table is the one place that
 * says what each class's forward() does, as a short program over its
 * children that the tape records.  A container with a forward supplied from
 * outside (ps_module_set_forward: a user's class run by the interpreter) does
 * not use it.
 *
 * The program is a list of steps over two registers, x (the value in flight)
 * and s (a saved value), and a list of kept values:
 *
 *   BasicBlock:  SAVE; conv1 bn1 relu conv2 bn2; KEEP; RESTORE; downsample?; ADD; relu
 *
 * that is `identity = x; out = bn2(conv2(relu(bn1(conv1(x))))); identity =
 * downsample(x) if downsample; out += identity; relu(out)`.
 */
#pragma once

#include "ps-layer-op.h"
#include "ps-module.h"
#include "ps-tensor.h"

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  PS_BLOCK_CALL,        /* x = child(x); the child must exist */
  PS_BLOCK_CALL_OPT,    /* x = child(x) when the child exists (downsample) */
  PS_BLOCK_SAVE,        /* s[arg] = x (two saved registers: an InceptionE branch splits again) */
  PS_BLOCK_RESTORE,     /* x = s[arg] */
  PS_BLOCK_KEEP,        /* append x to the kept values */
  PS_BLOCK_ADD,         /* x = kept[0] + x (one kept value, then none) */
  PS_BLOCK_RESIDUAL,    /* x = s + x when the container keeps its input's shape by
                           construction (ps_block_keeps_shape: MobileNetV2's
                           use_res_connect, MNASNet's apply_residual), else x; with a child,
                           x = s + child(x) then (EfficientNet's MBConv: its
                           stochastic_depth runs only there) (tables only) */
  PS_BLOCK_CHILDREN,    /* for every child in order, x = child(x): a subclass of nn.Sequential
                           (Conv2dNormActivation) (tables only) */
  PS_BLOCK_AUX,         /* in training mode, when the child exists: child(x) is an auxiliary
                           output, its loss (the main one's kind and target) added to the
                           main loss times `weight`; x unchanged (GoogLeNet's aux1 and aux2,
                           whose forward returns them beside the logits) (tables only) */
  PS_BLOCK_OP,          /* x = a functional call of a layer, described by `op`
                           (InceptionAux's F.adaptive_avg_pool2d(x, (4, 4))) (tables only) */
  PS_BLOCK_CAT,         /* x = torch.cat(kept, dim=1) (then none kept) */
  PS_BLOCK_SCALE,       /* x = kept[0] * x, kept[0] (N, C, 1, 1) scaling each channel of x
                           (N, C, ...) (one kept value, then none: SqueezeExcitation) */
  PS_BLOCK_RELU,        /* x = F.relu(x) */
  PS_BLOCK_FLATTEN,     /* x = torch.flatten(x, 1) */
  PS_BLOCK_MEAN,        /* x = x.mean(dims): over every dimension from 2 on
                           (F.adaptive_avg_pool2d(x, (1, 1)) then flatten in a table) */
  PS_BLOCK_GROW,        /* for every child in order, x = torch.cat([x, child(x)], 1): a DenseNet
                           block (torchvision concatenates the list of all the features, which
                           holds the same values) (tables only) */
  PS_BLOCK_SIGMOID,     /* x = torch.sigmoid(x) (programs only) */
  PS_BLOCK_TANH,        /* x = torch.tanh(x) (programs only) */
  PS_BLOCK_OUTPUT,      /* x = x[0]: the output of a recurrent layer's (output, h_n) (programs only) */
  PS_BLOCK_RESHAPE,     /* x = x.reshape(-1, cols) (programs only) */
  PS_BLOCK_CAT_KEPT,    /* the last `arg` kept values replaced by torch.cat(them, 1), kept
                           (InceptionE's [branch3x3_2a(y), branch3x3_2b(y)]) (tables only) */
  PS_BLOCK_CHUNK,       /* x = x.chunk(2, dim=1)[arg] (ShuffleNetV2's split) (tables only) */
  PS_BLOCK_SHUFFLE,     /* x = channel_shuffle(x, arg): x.view(N, g, C / g, H, W)
                           .transpose(1, 2).reshape(N, C, H, W) (tables only) */
  PS_BLOCK_DROP_PATH,   /* x = torchvision.ops.stochastic_depth(x, p, mode, training), p and
                           mode read from the module (StochasticDepth) (tables only) */
  PS_BLOCK_ZEROS,       /* x = torch.zeros(dims): a recurrent layer's initial state made in
                           forward(), its sizes read from other registers' shapes (programs only) */
  PS_BLOCK_CONST,       /* x = a tensor of values made in forward() from constants alone
                           (torch.zeros(1, 4, 8)) (programs only) */
  PS_BLOCK_PARAM,       /* x = a parameter of a module under the container (`self.h0`, a
                           learned initial state): its gradient is the parameter's (programs only) */
} PsBlockStepKind;

typedef struct
{
  PsBlockStepKind  kind;
  const char      *child;   /* CALL, CALL_OPT, AUX, RESIDUAL */
  double           weight;  /* AUX */
  const PsLayerOp *op;      /* OP */
  int              arg;     /* SAVE, RESTORE, CAT_KEPT, CHUNK, SHUFFLE */
} PsBlockStep;

/* The forward of m's class, or NULL when the class is not known. */
const PsBlockStep *ps_block_forward (PsModule *m, guint *n_steps);

/* Does the block m map its input to an output of the same shape by
 * construction, so that its forward adds the input?  torchvision decides it
 * from the constructor's arguments (stride == 1 and in == out channels); the
 * print text shows them in the convolutions: every Conv2d under m has stride
 * 1, and the first one's in_channels is the last one's out_channels. */
gboolean ps_block_keeps_shape (PsModule *m);

/* torchvision's StochasticDepth m as its print shows it ("p=0.0125,
 * mode=row"): the op that runs it (PS_OP_STOCHASTIC_DEPTH); FALSE when the
 * text is not of that form. */
gboolean ps_block_stochastic_depth (PsModule *m, PsLayerOp *op);

/* Most values kept at once by any known forward (Inception's four branches;
 * InceptionE's: the first, two halves of the second, then the third's). */
#define PS_BLOCK_MAX_KEPT 4
/* Most auxiliary outputs of a model (GoogLeNet's two). */
#define PS_BLOCK_MAX_AUX 2

/* A forward recorded from outside the core: a user's forward() run once by
 * the interpreter on stand-in values (core/py/py-trace.c).  Each op reads
 * registers (0: the container's input; k: the result of op k - 1) and
 * writes the next one:
 *
 *   Y = F.relu(self.bn1(self.conv1(X))); Y = self.bn2(self.conv2(Y)); Y += X; F.relu(Y)
 *   1: CALL conv1 (0)   2: CALL bn1 (1)   3: RELU (2)   4: CALL conv2 (3)
 *   5: CALL bn2 (4)     6: ADD (5, 0)     7: RELU (6)   output 7
 *
 * A CALL names a module under the container by its dotted path ("net.0").
 * Programs are immutable once attached to a module (ps_module_set_program),
 * and shared by its clones. */
/* A size known when the forward runs: `size` itself (reg < 0), or the size
 * of dimension `axis` (negative: from the end) of register reg's value, as
 * `X.shape[1]` or `Y.shape[-1]` in a forward(). */
typedef struct
{
  int     reg;
  int     axis;
  int64_t size;
} PsBlockDim;

/* A CALL of an RNN, LSTM or GRU reads 1 to 3 registers: its input, then h0,
 * then (an LSTM) c0, as `self.rnn(X, h0)` and `self.lstm(X, (h0, c0))`. */
typedef struct
{
  PsBlockStepKind kind;     /* CALL, ADD, CAT, RELU, FLATTEN, MEAN, SIGMOID, TANH, OUTPUT,
                             * RESHAPE, ZEROS, CONST, PARAM */
  char           *child;    /* CALL: dotted path under the container; PARAM: the parameter's */
  int             src[PS_BLOCK_MAX_KEPT];
  int             n_src;    /* 0 for ZEROS, CONST and PARAM */
  gboolean        keepdim;  /* MEAN */
  int64_t         cols;     /* RESHAPE: > 0, or 0 when dims[0] tells it */
  int             ndim;     /* ZEROS: its rank, and its sizes in dims; RESHAPE: 1 with cols 0 */
  PsBlockDim      dims[4];
  PsTensor       *value;    /* CONST: the values (owned by the program) */
} PsBlockOp;

typedef struct _PsBlockProgram PsBlockProgram;

PsBlockProgram  *ps_block_program_new     (void);
PsBlockProgram  *ps_block_program_ref     (PsBlockProgram *p);
void             ps_block_program_unref   (PsBlockProgram *p);
/* Append an op; returns the register it writes.  child: CALL only. */
int              ps_block_program_add     (PsBlockProgram *p, PsBlockStepKind kind,
                                           const char *child, const int *src, int n_src);
void             ps_block_program_set_keepdim (PsBlockProgram *p, gboolean keepdim);  /* last op */
void             ps_block_program_set_cols    (PsBlockProgram *p, int64_t cols);      /* last op */
/* ZEROS, or RESHAPE's columns (one dim): the sizes of the last op */
void             ps_block_program_set_dims    (PsBlockProgram *p, int ndim, const PsBlockDim *dims);
/* CONST: the last op's values (a reference is taken) */
void             ps_block_program_set_value   (PsBlockProgram *p, PsTensor *value);
void             ps_block_program_set_output (PsBlockProgram *p, int reg);
int              ps_block_program_get_output (const PsBlockProgram *p);
guint            ps_block_program_get_n_ops  (const PsBlockProgram *p);
const PsBlockOp *ps_block_program_get_op     (const PsBlockProgram *p, guint i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsBlockProgram, ps_block_program_unref)

G_END_DECLS
