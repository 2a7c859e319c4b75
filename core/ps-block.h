/* ps-block.h — the forward of known container classes
 *
 * A container read from print(model) text or built as torchvision builds it
 * (ResNet, BasicBlock, Bottleneck, GoogLeNet's Inception and BasicConv2d)
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

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  PS_BLOCK_CALL,        /* x = child(x); the child must exist */
  PS_BLOCK_CALL_OPT,    /* x = child(x) when the child exists (downsample) */
  PS_BLOCK_SAVE,        /* s = x */
  PS_BLOCK_RESTORE,     /* x = s */
  PS_BLOCK_KEEP,        /* append x to the kept values */
  PS_BLOCK_ADD,         /* x = kept[0] + x (one kept value, then none) */
  PS_BLOCK_CAT,         /* x = torch.cat(kept, dim=1) (then none kept) */
  PS_BLOCK_RELU,        /* x = F.relu(x) */
  PS_BLOCK_FLATTEN,     /* x = torch.flatten(x, 1) */
} PsBlockStepKind;

typedef struct
{
  PsBlockStepKind kind;
  const char     *child;   /* CALL, CALL_OPT */
} PsBlockStep;

/* The forward of class_name, or NULL when the class is not known. */
const PsBlockStep *ps_block_forward (const char *class_name, guint *n_steps);

/* Most values kept at once by any known forward (Inception's four branches). */
#define PS_BLOCK_MAX_KEPT 4

G_END_DECLS
