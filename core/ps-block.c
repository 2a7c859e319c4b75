/* ps-block.c — the forward of known container classes (see ps-block.h)
 *
 * Each program follows the class's forward() in torchvision 0.14
 * (torchvision/models/resnet.py, alexnet.py, vgg.py, squeezenet.py,
 * densenet.py, googlenet.py, inception.py, mobilenetv2.py, mobilenetv3.py,
 * mnasnet.py, shufflenetv2.py, regnet.py, efficientnet.py, ops/misc.py,
 * ops/stochastic_depth.py) in call order: the order matters where a forward updates
 * state (BatchNorm's running statistics, Dropout's generator).
 */
#include "ps-block.h"

#include <string.h>

#define CALL(c)     { PS_BLOCK_CALL, c }
#define CALL_OPT(c) { PS_BLOCK_CALL_OPT, c }
#define STEP(k)     { PS_BLOCK_##k, NULL }
#define AUX(c, w)   { PS_BLOCK_AUX, c, w }
#define OP(o)       { PS_BLOCK_OP, NULL, 0, &o }
#define ARG(k, a)   { PS_BLOCK_##k, NULL, 0, NULL, a }   /* SAVE, RESTORE, CAT_KEPT, CHUNK, SHUFFLE */

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

/* alexnet.AlexNet, vgg.VGG and mobilenetv3.MobileNetV3: features, avgpool,
 * torch.flatten(x, 1), classifier */
static const PsBlockStep features_classifier[] = {
  CALL ("features"), CALL ("avgpool"), STEP (FLATTEN), CALL ("classifier"),
};

/* squeezenet.SqueezeNet: features, classifier, torch.flatten(x, 1) */
static const PsBlockStep squeezenet[] = {
  CALL ("features"), CALL ("classifier"), STEP (FLATTEN),
};

/* squeezenet.Fire: the squeezed x through both expands, concatenated along channels */
static const PsBlockStep fire[] = {
  CALL ("squeeze"), CALL ("squeeze_activation"), STEP (SAVE),
  CALL ("expand1x1"), CALL ("expand1x1_activation"), STEP (KEEP),
  STEP (RESTORE), CALL ("expand3x3"), CALL ("expand3x3_activation"), STEP (KEEP),
  STEP (CAT),
};

/* densenet.DenseNet: features, F.relu, adaptive_avg_pool2d(1, 1), flatten, classifier */
static const PsBlockStep densenet[] = {
  CALL ("features"), STEP (RELU), STEP (MEAN), CALL ("classifier"),
};

/* densenet._DenseBlock: each layer reads every feature so far, concatenated */
static const PsBlockStep dense_block[] = {
  STEP (GROW),
};

/* densenet._DenseLayer (drop_rate 0, torchvision's default; the print does not show it) */
static const PsBlockStep dense_layer[] = {
  CALL ("norm1"), CALL ("relu1"), CALL ("conv1"), CALL ("norm2"), CALL ("relu2"), CALL ("conv2"),
};

/* densenet._Transition (a Sequential of these four) */
static const PsBlockStep transition[] = {
  CALL ("norm"), CALL ("relu"), CALL ("conv"), CALL ("pool"),
};

/* googlenet.BasicConv2d: conv, bn, F.relu(x, inplace=True) */
static const PsBlockStep basic_conv2d[] = {
  CALL ("conv"), CALL ("bn"), STEP (RELU),
};

/* googlenet.GoogLeNet (transform_input=False, what GoogLeNet() and googlenet() without
 * weights build: the print does not show it).  In training mode its forward returns
 * (logits, aux2, aux1); the loss is the logits' plus 0.3 times each auxiliary head's, the
 * weight of "Going Deeper with Convolutions" (Szegedy et al., 2015, section 5). */
static const PsBlockStep googlenet[] = {
  CALL ("conv1"), CALL ("maxpool1"), CALL ("conv2"), CALL ("conv3"), CALL ("maxpool2"),
  CALL ("inception3a"), CALL ("inception3b"), CALL ("maxpool3"), CALL ("inception4a"),
  AUX ("aux1", 0.3),
  CALL ("inception4b"), CALL ("inception4c"), CALL ("inception4d"),
  AUX ("aux2", 0.3),
  CALL ("inception4e"), CALL ("maxpool4"), CALL ("inception5a"), CALL ("inception5b"),
  CALL ("avgpool"), STEP (FLATTEN), CALL ("dropout"), CALL ("fc"),
};

static const PsLayerOp adaptive_avg_pool_4x4 = {
  .kind = PS_OP_ADAPTIVE_AVG_POOL, .name = "adaptive_avg_pool2d", .spatial = 2,
  .out_size = { 4, 4 },
};

/* googlenet.InceptionAux: F.adaptive_avg_pool2d(x, (4, 4)), conv, torch.flatten(x, 1),
 * F.relu(fc1(x)), dropout, fc2 */
static const PsBlockStep inception_aux[] = {
  OP (adaptive_avg_pool_4x4), CALL ("conv"), STEP (FLATTEN), CALL ("fc1"), STEP (RELU),
  CALL ("dropout"), CALL ("fc2"),
};

/* googlenet.Inception: the four branches of x, concatenated along channels */
static const PsBlockStep inception[] = {
  STEP (SAVE), CALL ("branch1"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch2"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch3"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch4"), STEP (KEEP),
  STEP (CAT),
};

/* ops.misc.Conv2dNormActivation: an nn.Sequential of conv, norm and activation (either
 * of the last two may be absent) */
static const PsBlockStep children[] = {
  STEP (CHILDREN),
};

/* mobilenetv2.MobileNetV2: features, adaptive_avg_pool2d(x, (1, 1)), torch.flatten(x, 1),
 * classifier */
static const PsBlockStep mobilenet_v2[] = {
  CALL ("features"), STEP (MEAN), CALL ("classifier"),
};

/* mobilenetv2.InvertedResidual: x + self.conv(x) if use_res_connect else self.conv(x) */
static const PsBlockStep inverted_residual[] = {
  STEP (SAVE), CALL ("conv"), STEP (RESIDUAL),
};

/* mobilenetv3.InvertedResidual: result = self.block(input); result += input if
 * use_res_connect (print texts of a dilated MobileNetV3, a segmentation backbone, cannot
 * show use_res_connect: its dilated blocks have stride 1 convolutions whatever their
 * configured stride; read as stride 1) */
static const PsBlockStep inverted_residual_v3[] = {
  STEP (SAVE), CALL ("block"), STEP (RESIDUAL),
};

/* ops.misc.SqueezeExcitation: scale_activation(fc2(activation(fc1(avgpool(x))))) * x */
static const PsBlockStep squeeze_excitation[] = {
  STEP (SAVE), CALL ("avgpool"), CALL ("fc1"), CALL ("activation"), CALL ("fc2"),
  CALL ("scale_activation"), STEP (KEEP), STEP (RESTORE), STEP (SCALE),
};

/* mnasnet.MNASNet: layers, x.mean([2, 3]), classifier */
static const PsBlockStep mnasnet[] = {
  CALL ("layers"), STEP (MEAN), CALL ("classifier"),
};

/* mnasnet._InvertedResidual: self.layers(input) + input if apply_residual */
static const PsBlockStep mnas_inverted_residual[] = {
  STEP (SAVE), CALL ("layers"), STEP (RESIDUAL),
};

/* ---- ShuffleNetV2 ---- */

/* shufflenetv2.ShuffleNetV2: conv1, maxpool, stage2..4, conv5, x.mean([2, 3]), fc */
static const PsBlockStep shufflenet[] = {
  CALL ("conv1"), CALL ("maxpool"), CALL ("stage2"), CALL ("stage3"), CALL ("stage4"),
  CALL ("conv5"), STEP (MEAN), CALL ("fc"),
};

/* shufflenetv2.InvertedResidual with stride 1 (its branch1 an empty Sequential):
 * x1, x2 = x.chunk(2, dim=1); torch.cat((x1, self.branch2(x2)), dim=1); channel_shuffle(out, 2) */
static const PsBlockStep shuffle_unit[] = {
  STEP (SAVE), ARG (CHUNK, 0), STEP (KEEP),
  STEP (RESTORE), ARG (CHUNK, 1), CALL ("branch2"), STEP (KEEP),
  STEP (CAT), ARG (SHUFFLE, 2),
};

/* with stride 2: torch.cat((self.branch1(x), self.branch2(x)), dim=1); channel_shuffle(out, 2) */
static const PsBlockStep shuffle_down[] = {
  STEP (SAVE), CALL ("branch1"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch2"), STEP (KEEP),
  STEP (CAT), ARG (SHUFFLE, 2),
};

/* ---- RegNet ---- */

/* regnet.RegNet: stem, trunk_output, avgpool, x.flatten(start_dim=1), fc */
static const PsBlockStep regnet[] = {
  CALL ("stem"), CALL ("trunk_output"), CALL ("avgpool"), STEP (FLATTEN), CALL ("fc"),
};

/* regnet.ResBottleneckBlock: x = self.proj(x) + self.f(x) if proj, else x + self.f(x);
 * self.activation(x) */
static const PsBlockStep res_bottleneck_block[] = {
  STEP (SAVE), CALL_OPT ("proj"), STEP (KEEP), STEP (RESTORE), CALL ("f"), STEP (ADD),
  CALL ("activation"),
};

/* ---- Inception3 ---- */

static const PsLayerOp avg_pool_3_1_1 = {
  .kind = PS_OP_AVG_POOL, .name = "avg_pool2d", .spatial = 2, .k = { 3, 3 },
  .stride = { 1, 1 }, .pad = { 1, 1 }, .dil = { 1, 1 }, .count_include_pad = TRUE,
};

static const PsLayerOp max_pool_3_2 = {
  .kind = PS_OP_MAX_POOL, .name = "max_pool2d", .spatial = 2, .k = { 3, 3 },
  .stride = { 2, 2 }, .dil = { 1, 1 },
};

static const PsLayerOp avg_pool_5_3 = {
  .kind = PS_OP_AVG_POOL, .name = "avg_pool2d", .spatial = 2, .k = { 5, 5 },
  .stride = { 3, 3 }, .dil = { 1, 1 }, .count_include_pad = TRUE,
};

/* inception.Inception3 (transform_input=False, what inception_v3() builds without weights:
 * the print does not show it).  In training mode its forward returns (logits, aux), aux
 * from the AuxLogits head on Mixed_6e's output; the loss adds 0.4 times the head's, the
 * weight of PyTorch's fine-tuning tutorial for inception_v3 (finetuning_torchvision_models:
 * "loss = loss1 + 0.4*loss2") */
static const PsBlockStep inception3[] = {
  CALL ("Conv2d_1a_3x3"), CALL ("Conv2d_2a_3x3"), CALL ("Conv2d_2b_3x3"), CALL ("maxpool1"),
  CALL ("Conv2d_3b_1x1"), CALL ("Conv2d_4a_3x3"), CALL ("maxpool2"),
  CALL ("Mixed_5b"), CALL ("Mixed_5c"), CALL ("Mixed_5d"),
  CALL ("Mixed_6a"), CALL ("Mixed_6b"), CALL ("Mixed_6c"), CALL ("Mixed_6d"), CALL ("Mixed_6e"),
  AUX ("AuxLogits", 0.4),
  CALL ("Mixed_7a"), CALL ("Mixed_7b"), CALL ("Mixed_7c"),
  CALL ("avgpool"), CALL ("dropout"), STEP (FLATTEN), CALL ("fc"),
};

/* inception.InceptionA: [branch1x1, branch5x5_1..2, branch3x3dbl_1..3,
 * branch_pool(F.avg_pool2d(x, 3, stride=1, padding=1))], concatenated */
static const PsBlockStep inception_a[] = {
  STEP (SAVE), CALL ("branch1x1"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch5x5_1"), CALL ("branch5x5_2"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch3x3dbl_1"), CALL ("branch3x3dbl_2"), CALL ("branch3x3dbl_3"),
  STEP (KEEP),
  STEP (RESTORE), OP (avg_pool_3_1_1), CALL ("branch_pool"), STEP (KEEP),
  STEP (CAT),
};

/* inception.InceptionB: [branch3x3, branch3x3dbl_1..3, F.max_pool2d(x, 3, stride=2)] */
static const PsBlockStep inception_b[] = {
  STEP (SAVE), CALL ("branch3x3"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch3x3dbl_1"), CALL ("branch3x3dbl_2"), CALL ("branch3x3dbl_3"),
  STEP (KEEP),
  STEP (RESTORE), OP (max_pool_3_2), STEP (KEEP),
  STEP (CAT),
};

/* inception.InceptionC: [branch1x1, branch7x7_1..3, branch7x7dbl_1..5,
 * branch_pool(F.avg_pool2d(x, 3, stride=1, padding=1))] */
static const PsBlockStep inception_c[] = {
  STEP (SAVE), CALL ("branch1x1"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch7x7_1"), CALL ("branch7x7_2"), CALL ("branch7x7_3"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch7x7dbl_1"), CALL ("branch7x7dbl_2"), CALL ("branch7x7dbl_3"),
  CALL ("branch7x7dbl_4"), CALL ("branch7x7dbl_5"), STEP (KEEP),
  STEP (RESTORE), OP (avg_pool_3_1_1), CALL ("branch_pool"), STEP (KEEP),
  STEP (CAT),
};

/* inception.InceptionD: [branch3x3_1..2, branch7x7x3_1..4, F.max_pool2d(x, 3, stride=2)] */
static const PsBlockStep inception_d[] = {
  STEP (SAVE), CALL ("branch3x3_1"), CALL ("branch3x3_2"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch7x7x3_1"), CALL ("branch7x7x3_2"), CALL ("branch7x7x3_3"),
  CALL ("branch7x7x3_4"), STEP (KEEP),
  STEP (RESTORE), OP (max_pool_3_2), STEP (KEEP),
  STEP (CAT),
};

/* inception.InceptionE: [branch1x1, cat([branch3x3_2a(y), branch3x3_2b(y)]) for
 * y = branch3x3_1(x), cat([branch3x3dbl_3a(z), branch3x3dbl_3b(z)]) for
 * z = branch3x3dbl_2(branch3x3dbl_1(x)), branch_pool(F.avg_pool2d(x, 3, 1, 1))] */
static const PsBlockStep inception_e[] = {
  STEP (SAVE), CALL ("branch1x1"), STEP (KEEP),
  STEP (RESTORE), CALL ("branch3x3_1"), ARG (SAVE, 1),
  CALL ("branch3x3_2a"), STEP (KEEP), ARG (RESTORE, 1), CALL ("branch3x3_2b"), STEP (KEEP),
  ARG (CAT_KEPT, 2),
  STEP (RESTORE), CALL ("branch3x3dbl_1"), CALL ("branch3x3dbl_2"), ARG (SAVE, 1),
  CALL ("branch3x3dbl_3a"), STEP (KEEP), ARG (RESTORE, 1), CALL ("branch3x3dbl_3b"), STEP (KEEP),
  ARG (CAT_KEPT, 2),
  STEP (RESTORE), OP (avg_pool_3_1_1), CALL ("branch_pool"), STEP (KEEP),
  STEP (CAT),
};

/* inception.InceptionAux: F.avg_pool2d(x, 5, stride=3), conv0, conv1,
 * F.adaptive_avg_pool2d(x, (1, 1)), torch.flatten(x, 1), fc */
static const PsBlockStep inception3_aux[] = {
  OP (avg_pool_5_3), CALL ("conv0"), CALL ("conv1"), STEP (MEAN), CALL ("fc"),
};

/* ---- EfficientNet ---- */

/* efficientnet.EfficientNet: features, avgpool, torch.flatten(x, 1), classifier (as AlexNet) */

/* efficientnet.MBConv and FusedMBConv (EfficientNetV2's): result = self.block(input); if
 * use_res_connect: result = self.stochastic_depth(result); result += input */
static const PsBlockStep mbconv[] = {
  STEP (SAVE), CALL ("block"), { PS_BLOCK_RESIDUAL, "stochastic_depth" },
};

/* ops.stochastic_depth.StochasticDepth */
static const PsBlockStep stochastic_depth[] = {
  STEP (DROP_PATH),
};

/* A class's forward; `child`, when set, tells classes of the same name apart by a child
 * only one of them has, an empty Sequential counting as none (torchvision's
 * InvertedResidual: MobileNetV2's holds `conv`, MobileNetV3's `block`, ShuffleNetV2's
 * `branch1` when its stride is 2, else only `branch2`; InceptionAux: GoogLeNet's `fc1`,
 * Inception3's `conv0`).  The first that fits is the class's. */
static const struct
{
  const char        *name;
  const PsBlockStep *steps;
  guint              n;
  const char        *child;
} known[] = {
  { "ResNet", resnet, G_N_ELEMENTS (resnet) },
  { "BasicBlock", basic_block, G_N_ELEMENTS (basic_block) },
  { "Bottleneck", bottleneck, G_N_ELEMENTS (bottleneck) },
  { "AlexNet", features_classifier, G_N_ELEMENTS (features_classifier) },
  { "VGG", features_classifier, G_N_ELEMENTS (features_classifier) },
  { "SqueezeNet", squeezenet, G_N_ELEMENTS (squeezenet) },
  { "Fire", fire, G_N_ELEMENTS (fire) },
  { "DenseNet", densenet, G_N_ELEMENTS (densenet) },
  { "_DenseBlock", dense_block, G_N_ELEMENTS (dense_block) },
  { "_DenseLayer", dense_layer, G_N_ELEMENTS (dense_layer) },
  { "_Transition", transition, G_N_ELEMENTS (transition) },
  { "BasicConv2d", basic_conv2d, G_N_ELEMENTS (basic_conv2d) },
  { "Inception", inception, G_N_ELEMENTS (inception) },
  { "GoogLeNet", googlenet, G_N_ELEMENTS (googlenet) },
  { "InceptionAux", inception_aux, G_N_ELEMENTS (inception_aux), "fc1" },
  { "Conv2dNormActivation", children, G_N_ELEMENTS (children) },
  { "MobileNetV2", mobilenet_v2, G_N_ELEMENTS (mobilenet_v2) },
  { "InvertedResidual", inverted_residual, G_N_ELEMENTS (inverted_residual), "conv" },
  { "InvertedResidual", inverted_residual_v3, G_N_ELEMENTS (inverted_residual_v3), "block" },
  { "MobileNetV3", features_classifier, G_N_ELEMENTS (features_classifier) },
  { "SqueezeExcitation", squeeze_excitation, G_N_ELEMENTS (squeeze_excitation) },
  { "MNASNet", mnasnet, G_N_ELEMENTS (mnasnet) },
  { "_InvertedResidual", mnas_inverted_residual, G_N_ELEMENTS (mnas_inverted_residual) },
  { "ShuffleNetV2", shufflenet, G_N_ELEMENTS (shufflenet) },
  { "InvertedResidual", shuffle_down, G_N_ELEMENTS (shuffle_down), "branch1" },
  { "InvertedResidual", shuffle_unit, G_N_ELEMENTS (shuffle_unit), "branch2" },
  { "RegNet", regnet, G_N_ELEMENTS (regnet) },
  { "SimpleStemIN", children, G_N_ELEMENTS (children) },
  { "AnyStage", children, G_N_ELEMENTS (children) },
  { "BottleneckTransform", children, G_N_ELEMENTS (children) },
  { "ResBottleneckBlock", res_bottleneck_block, G_N_ELEMENTS (res_bottleneck_block) },
  { "Inception3", inception3, G_N_ELEMENTS (inception3) },
  { "InceptionA", inception_a, G_N_ELEMENTS (inception_a) },
  { "InceptionB", inception_b, G_N_ELEMENTS (inception_b) },
  { "InceptionC", inception_c, G_N_ELEMENTS (inception_c) },
  { "InceptionD", inception_d, G_N_ELEMENTS (inception_d) },
  { "InceptionE", inception_e, G_N_ELEMENTS (inception_e) },
  { "InceptionAux", inception3_aux, G_N_ELEMENTS (inception3_aux), "conv0" },
  { "EfficientNet", features_classifier, G_N_ELEMENTS (features_classifier) },
  { "MBConv", mbconv, G_N_ELEMENTS (mbconv) },
  { "FusedMBConv", mbconv, G_N_ELEMENTS (mbconv) },
  { "StochasticDepth", stochastic_depth, G_N_ELEMENTS (stochastic_depth) },
};

/* m has a child `name` that is not an empty Sequential */
static gboolean
has_child (PsModule *m, const char *name)
{
  PsModule *c = ps_module_get_child_named (m, name);

  return c != NULL
         && (ps_module_get_kind (c) != PS_MODULE_SEQUENTIAL || ps_module_get_n_children (c) > 0);
}

const PsBlockStep *
ps_block_forward (PsModule *m, guint *n_steps)
{
  const char *class_name = ps_module_get_type_name (m);

  for (guint i = 0; i < G_N_ELEMENTS (known); i++)
    if (g_strcmp0 (class_name, known[i].name) == 0
        && (known[i].child == NULL || has_child (m, known[i].child)))
      {
        *n_steps = known[i].n;
        return known[i].steps;
      }
  *n_steps = 0;
  return NULL;
}

/* The Conv2d layers under m in pre-order: FALSE as soon as one has a stride
 * other than 1; *first and *last the first and last seen.  (No allocation:
 * the tape asks at every forward.) */
static gboolean
convs_stride_1 (PsModule *m, PsModule **first, PsModule **last)
{
  if (g_strcmp0 (ps_module_get_type_name (m), "Conv2d") == 0)
    {
      int64_t stride[2];
      if (ps_module_get_option_ints (m, "stride", stride, 2) != 2 || stride[0] != 1
          || stride[1] != 1)
        return FALSE;
      if (*first == NULL)
        *first = m;
      *last = m;
    }
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    if (!convs_stride_1 (ps_module_get_child (m, i), first, last))
      return FALSE;
  return TRUE;
}

gboolean
ps_block_keeps_shape (PsModule *m)
{
  PsModule *first = NULL, *last = NULL;

  return convs_stride_1 (m, &first, &last) && first != NULL
         && ps_module_get_option_int (first, "in_channels", -1)
            == ps_module_get_option_int (last, "out_channels", -2);
}

gboolean
ps_block_stochastic_depth (PsModule *m, PsLayerOp *op)
{
  /* StochasticDepth.__repr__: f"{self.__class__.__name__}(p={self.p}, mode={self.mode})" */
  const char *text = ps_module_get_extra_repr (m);
  char *end;
  double p;

  if (text == NULL || strncmp (text, "p=", 2) != 0)
    return FALSE;
  p = g_ascii_strtod (text + 2, &end);
  if (end == text + 2 || strncmp (end, ", mode=", 7) != 0 || !(p >= 0 && p <= 1))
    return FALSE;
  end += 7;
  if (strcmp (end, "row") != 0 && strcmp (end, "batch") != 0)
    return FALSE;
  memset (op, 0, sizeof *op);
  op->kind = PS_OP_STOCHASTIC_DEPTH;
  op->name = "StochasticDepth";
  op->p = p;
  op->row = strcmp (end, "row") == 0;
  return TRUE;
}

/* ---- programs recorded from outside ------------------------------------------ */

struct _PsBlockProgram
{
  gint    refcount;
  GArray *ops;      /* PsBlockOp */
  int     output;
};

static void
op_clear (gpointer data)
{
  g_free (((PsBlockOp *) data)->child);
  g_clear_pointer (&((PsBlockOp *) data)->value, ps_tensor_unref);
}

PsBlockProgram *
ps_block_program_new (void)
{
  PsBlockProgram *p = g_new0 (PsBlockProgram, 1);
  p->refcount = 1;
  p->ops = g_array_new (FALSE, TRUE, sizeof (PsBlockOp));
  g_array_set_clear_func (p->ops, op_clear);
  return p;
}

PsBlockProgram *
ps_block_program_ref (PsBlockProgram *p)
{
  g_atomic_int_inc (&p->refcount);
  return p;
}

void
ps_block_program_unref (PsBlockProgram *p)
{
  if (p && g_atomic_int_dec_and_test (&p->refcount))
    {
      g_array_unref (p->ops);
      g_free (p);
    }
}

int
ps_block_program_add (PsBlockProgram *p, PsBlockStepKind kind, const char *child,
                      const int *src, int n_src)
{
  PsBlockOp op = { kind, g_strdup (child), { 0 }, n_src, FALSE, 0 };
  g_return_val_if_fail (n_src >= 0 && n_src <= PS_BLOCK_MAX_KEPT, -1);
  for (int k = 0; k < n_src; k++)
    {
      g_return_val_if_fail (src[k] >= 0 && src[k] <= (int) p->ops->len, -1);
      op.src[k] = src[k];
    }
  g_array_append_val (p->ops, op);
  p->output = (int) p->ops->len;
  return (int) p->ops->len;
}

void
ps_block_program_set_keepdim (PsBlockProgram *p, gboolean keepdim)
{
  g_return_if_fail (p->ops->len > 0);
  g_array_index (p->ops, PsBlockOp, p->ops->len - 1).keepdim = keepdim;
}

void
ps_block_program_set_cols (PsBlockProgram *p, int64_t cols)
{
  g_return_if_fail (p->ops->len > 0);
  g_array_index (p->ops, PsBlockOp, p->ops->len - 1).cols = cols;
}

void
ps_block_program_set_dims (PsBlockProgram *p, int ndim, const PsBlockDim *dims)
{
  PsBlockOp *op;
  g_return_if_fail (p->ops->len > 0 && ndim >= 0 && ndim <= 4);
  op = &g_array_index (p->ops, PsBlockOp, p->ops->len - 1);
  for (int k = 0; k < ndim; k++)
    g_return_if_fail (dims[k].reg < (int) p->ops->len);   /* an earlier register */
  op->ndim = ndim;
  memcpy (op->dims, dims, (size_t) ndim * sizeof *dims);
}

void
ps_block_program_set_value (PsBlockProgram *p, PsTensor *value)
{
  PsBlockOp *op;
  g_return_if_fail (p->ops->len > 0);
  op = &g_array_index (p->ops, PsBlockOp, p->ops->len - 1);
  g_clear_pointer (&op->value, ps_tensor_unref);
  op->value = ps_tensor_ref (value);
}

void
ps_block_program_set_output (PsBlockProgram *p, int reg)
{
  g_return_if_fail (reg >= 0 && reg <= (int) p->ops->len);
  p->output = reg;
}

int
ps_block_program_get_output (const PsBlockProgram *p)
{
  return p->output;
}

guint
ps_block_program_get_n_ops (const PsBlockProgram *p)
{
  return p->ops->len;
}

const PsBlockOp *
ps_block_program_get_op (const PsBlockProgram *p, guint i)
{
  g_return_val_if_fail (i < p->ops->len, NULL);
  return &g_array_index (p->ops, PsBlockOp, i);
}
