/* ps-block.c — the forward of known container classes (see ps-block.h)
 *
 * Each program follows the class's forward() in torchvision 0.14
 * (torchvision/models/resnet.py, googlenet.py) in call order: the order
 * matters where a forward updates state (BatchNorm's running statistics).
 */
#include "ps-block.h"

#include <string.h>

#define CALL(c)     { PS_BLOCK_CALL, c }
#define CALL_OPT(c) { PS_BLOCK_CALL_OPT, c }
#define STEP(k)     { PS_BLOCK_##k, NULL }

/* conv1 bn1 relu maxpool layer1..4 avgpool, torch.flatten(x, 1), fc */
static const PsBlockStep resnet[] = {
  CALL ("conv1"), CALL ("bn1"), CALL ("relu"), CALL ("maxpool"),
  CALL ("layer1"), CALL ("layer2"), CALL ("layer3"), CALL ("layer4"),
  CALL ("avgpool"), STEP (FLATTEN), CALL ("fc"),
};

static const PsBlockStep basic_block[] = {
  STEP (SAVE),
  CALL ("conv1"), CALL ("bn1"), CALL ("relu"), CALL ("conv2"), CALL ("bn2"),
  STEP (KEEP), STEP (RESTORE), CALL_OPT ("downsample"), STEP (ADD),
  CALL ("relu"),
};

static const PsBlockStep bottleneck[] = {
  STEP (SAVE),
  CALL ("conv1"), CALL ("bn1"), CALL ("relu"), CALL ("conv2"), CALL ("bn2"), CALL ("relu"),
  CALL ("conv3"), CALL ("bn3"),
  STEP (KEEP), STEP (RESTORE), CALL_OPT ("downsample"), STEP (ADD),
  CALL ("relu"),
};

/* googlenet.BasicConv2d: conv, bn, F.relu(x, inplace=True) */
static const PsBlockStep basic_conv2d[] = {
  CALL ("conv"), CALL ("bn"), STEP (RELU),
};

/* googlenet.Inception: the four branches of x, concatenated along channels */
static const PsBlockStep inception[] = {
  STEP (SAVE), CALL ("branch1"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch2"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch3"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch4"), STEP (KEEP),
  STEP (CAT),
};

static const struct
{
  const char        *name;
  const PsBlockStep *steps;
  guint              n;
} known[] = {
  { "ResNet", resnet, G_N_ELEMENTS (resnet) },
  { "BasicBlock", basic_block, G_N_ELEMENTS (basic_block) },
  { "Bottleneck", bottleneck, G_N_ELEMENTS (bottleneck) },
  { "BasicConv2d", basic_conv2d, G_N_ELEMENTS (basic_conv2d) },
  { "Inception", inception, G_N_ELEMENTS (inception) },
};

const PsBlockStep *
ps_block_forward (const char *class_name, guint *n_steps)
{
  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_strcmp0 (class_name, known[i].name) == 0)
      {
        *n_steps = known[i].n;
        return known[i].steps;
      }
  *n_steps = 0;
  return NULL;
}
