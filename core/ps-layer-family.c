/* ps-layer-family.c — a model family's own initialization, after the layers'
 *
 * Many models re-initialize their layers at the end of their constructor:
 *
 *   for m in self.modules():                         # torchvision's ResNet
 *       if isinstance(m, nn.Conv2d):
 *           nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
 *       elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
 *           nn.init.constant_(m.weight, 1)
 *           nn.init.constant_(m.bias, 0)
 *
 * The print of such a model does not show this; its class does.  Each family
 * below is data: the classes it applies to, the names of the children that
 * tell it apart from a user's class of the same name, and its loop as rules
 * (the first rule whose class matches a module applies, as an if/elif
 * chain does).  ps_layer_init_tree() runs a family's rules when the module
 * of that class is complete, at any depth (a ResNet inside a user's model
 * was initialized by its constructor too; a ViT's MLPBlock initializes its
 * Linear layers in its own constructor), walking its modules in the order
 * of self.modules() and drawing from the generator as PyTorch does.
 *
 * A parameter the print cannot show (a ViT's pos_embedding, a Swin block's
 * relative_position_bias_table) is a hidden draw: the values its
 * constructor draws are drawn and dropped at the same moment, so that
 * every later layer gets PyTorch's bits.
 *
 * The facts are torchvision 0.14's (torchvision/models/\*.py).
 */
#include "ps-layer-private.h"
#include "ps-init.h"
#include "ps-rng.h"

#include <math.h>
#include <string.h>

/* An argument of a scheme that depends on the layer. */
typedef enum
{
  ARG_NONE,
  ARG_STD_SQRT_2_OVER_FAN_OUT,   /* std = sqrt(2 / (kh * kw * out_channels)) (RegNet) */
  ARG_STD_SQRT_1_OVER_FAN_IN,    /* std = sqrt(1 / (in_channels * kh * kw)) (ViT's conv_proj) */
  ARG_RANGE_INV_SQRT_OUT,        /* a = -b, b = 1 / sqrt(out_features) (EfficientNet) */
} FamilyArg;

typedef struct
{
  const char *classes;   /* isinstance of one of these, '|' between names */
  const char *path;      /* NULL, or a glob of the paths (under the family's module) it applies to */
  const char *weight;    /* scheme of the weight, NULL: left as it is */
  const char *bias;      /* scheme of the bias (if the layer has one), NULL: left */
  FamilyArg   arg;       /* of the weight's scheme */
  /* The rules of one walk over self.modules() are consecutive and share
   * these: the walk's number (walks run in the table's order), and the
   * child before which it runs (NULL: after the children). */
  guint       walk;
  const char *before;
} FamilyRule;

/* `before` of a walk or a hidden draw that the family's order runs ("walk:N", "hidden:N") */
#define SCRIPTED "-"

/* What a constructor draws that the print does not show (a parameter it
 * cannot show, a layer dropped afterwards), drawn and dropped at the same
 * moment: before the family's child `before`, or with before NULL after
 * its children (before the rules), or with after_rules after the rules. */
typedef void (*HiddenDraw) (PsModule *m, PsRng *rng);

typedef struct
{
  const char *before;
  gboolean    after_rules;
  HiddenDraw  draw;
} FamilyHidden;

#define MAX_RULES 8
#define MAX_HIDDEN 2

typedef struct
{
  const char  *classes;  /* the family's classes, '|' between names */
  const char  *children; /* its first children's names, in order, ' ' between */
  /* NULL, or what else tells the family; outer is the module of the
   * nearest enclosing family (NULL if none) */
  gboolean   (*match) (PsModule *m, PsModule *outer);
  FamilyRule   rules[MAX_RULES];
  FamilyHidden hidden[MAX_HIDDEN];
  /* NULL, or the steps (' ' between) of its constructor that come before
   * its children in the modules' order, where the constructor's order
   * differs (MaskRCNN makes its mask head before its RPN): a path under the
   * family's module, made then; "walk:N", the walk of the rules numbered N
   * (their `before` SCRIPTED); "hidden:N", the hidden draw N (its `before`
   * SCRIPTED) */
  const char  *order;
  /* NULL, or the classes of the enclosing family's module it must be in
   * (a ViT's MLPBlock, not a user's) */
  const char  *within;
} Family;

/* n values of uniform_ (also what trunc_normal_ and every kaiming/xavier
 * uniform draw), or of normal_, drawn and dropped: what they take from the
 * generator is all that matters, one float each, and for normal_ on 16 or
 * more values the last 16 drawn anew when n is not a multiple of 16
 * (ps-rng.c); fewer than 16 normal values are drawn as such. */
typedef enum { DROP_UNIFORM, DROP_NORMAL } DropKind;

static void
draw_dropped (PsRng *rng, DropKind kind, int64_t n)
{
  if (n <= 0)
    return;
  if (kind == DROP_NORMAL && n < 16)
    {
      float x[16];
      ps_rng_fill_normal (rng, x, n, 0, 1);
      return;
    }
  if (kind == DROP_NORMAL && n % 16 != 0)
    n += 16;
  for (int64_t i = 0; i < n; i++)
    ps_rng_float (rng);
}

/* Linear(in, out)'s reset_parameters(): a uniform weight, then a uniform bias */
static void
draw_linear_default (PsRng *rng, int64_t in, int64_t out)
{
  draw_dropped (rng, DROP_UNIFORM, in * out);
  draw_dropped (rng, DROP_UNIFORM, out);
}

/* dimension d of the parameter at path (under m), 0 if there is none */
static int64_t
dim_of (PsModule *m, const char *path, const char *slot, int d)
{
  PsModule *owner = ps_module_find_module (m, path);
  PsParam *p = owner ? ps_layer_own (owner, slot) : NULL;
  int64_t shape[PS_TENSOR_MAX_DIMS];

  if (p == NULL || ps_param_get_shape (p, shape) <= d)
    return 0;
  return shape[d];
}

/* out_channels of the last Conv2d under m (in the order of modules()), 0 if none */
static int64_t
last_conv_out (PsModule *m)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (m);
  int64_t out = 0;

  for (guint i = 0; i < mods->len; i++)
    {
      PsModule *c = ((PsNamedModule *) mods->pdata[i])->module;
      if (strcmp (ps_module_get_type_name (c), "Conv2d") == 0)
        out = dim_of (c, "", "weight", 0);
    }
  return out;
}

/* VisionTransformer's encoder.pos_embedding, normal_(std=0.02) of
 * (1, (224 / patch)^2 + 1, hidden), image_size 224 being the default of
 * every torchvision ViT */
static void
vit_pos_embedding (PsModule *m, PsRng *rng)
{
  int64_t hidden = dim_of (m, "conv_proj", "weight", 0);
  int64_t patch = dim_of (m, "conv_proj", "weight", 2);

  if (hidden > 0 && patch > 0 && 224 % patch == 0)
    draw_dropped (rng, DROP_NORMAL, ((224 / patch) * (224 / patch) + 1) * hidden);
}

/* ShiftedWindowAttention's (Swin V1) and RelativePositionalMultiHeadAttention's
 * (MaxViT) relative_position_bias_table, trunc_normal_(std=0.02) of
 * ((2 * 7 - 1)^2, num_heads), every torchvision model of these having
 * windows (partitions) of 7 and heads of 32 channels; the channels are the
 * first child's (qkv, to_qkv) in_features */
static void
bias_table_7x7_heads_of_32 (PsModule *m, PsRng *rng)
{
  const char *qkv = ps_module_get_n_children (m) ? ps_module_get_child_name (m, 0) : "";
  int64_t dim = dim_of (m, qkv, "weight", 1);

  if (dim > 0 && dim % 32 == 0)
    draw_dropped (rng, DROP_UNIFORM, 13 * 13 * (dim / 32));
}

/* A ResNet's layers kept by IntermediateLayerGetter (segmentation and
 * detection backbones): its fc, Linear(512 * expansion, 1000), was made
 * after layer4 and dropped */
static void
resnet_dropped_fc (PsModule *m, PsRng *rng)
{
  PsModule *layer4 = ps_module_find_module (m, "layer4");
  int64_t in = layer4 ? last_conv_out (layer4) : 0;

  if (in > 0)
    draw_linear_default (rng, in, 1000);
}

/* A MobileNetV3's features kept by IntermediateLayerGetter: its
 * classifier, Linear(C, L), Hardswish, Dropout, Linear(L, 1000), was made
 * after the features and dropped, L = 1280 (large, C = 960) or 1024 (small,
 * C = 576), halved with reduced_tail.  Its constructor's loop initialized
 * the two Linear after the features: normal_(std=0.01), zeros_. */
static int64_t
mobilenet_v3_last_channel (PsModule *m, int64_t *c)
{
  *c = last_conv_out (m);
  switch (*c)
    {
    case 960: return 1280;
    case 576: return 1024;
    case 480: return 640;        /* reduced_tail=True (SSDlite) */
    case 288: return 512;
    default:  return 0;
    }
}

static void
mobilenet_v3_dropped_classifier (PsModule *m, PsRng *rng)
{
  int64_t c, l = mobilenet_v3_last_channel (m, &c);

  if (l == 0)
    return;
  draw_linear_default (rng, c, l);
  draw_linear_default (rng, l, 1000);
}

static void
mobilenet_v3_dropped_classifier_init (PsModule *m, PsRng *rng)
{
  int64_t c, l = mobilenet_v3_last_channel (m, &c);

  if (l == 0)
    return;
  draw_dropped (rng, DROP_NORMAL, c * l);
  draw_dropped (rng, DROP_NORMAL, l * 1000);
}

/* A VGG's features kept by SSD: its classifier, Linear(512 * 7 * 7, 4096),
 * ReLU, Dropout, Linear(4096, 4096), ReLU, Dropout, Linear(4096, 1000),
 * was made after the features and dropped; VGG's loop initialized its
 * Linear after the features' convolutions: normal_(0, 0.01), constant_ 0 */
static const int64_t vgg_classifier[][2] = { { 512 * 7 * 7, 4096 }, { 4096, 4096 }, { 4096, 1000 } };

static void
vgg_dropped_classifier (PsModule *m, PsRng *rng)
{
  for (guint i = 0; i < G_N_ELEMENTS (vgg_classifier); i++)
    draw_linear_default (rng, vgg_classifier[i][0], vgg_classifier[i][1]);
}

static void
vgg_dropped_classifier_init (PsModule *m, PsRng *rng)
{
  for (guint i = 0; i < G_N_ELEMENTS (vgg_classifier); i++)
    draw_dropped (rng, DROP_NORMAL, vgg_classifier[i][0] * vgg_classifier[i][1]);
}

/* MViT: torchvision's V2 (rel_pos_embed, proj_after_attn) normalizes the
 * attention's output, so a block that changes the channels has a norm2 of
 * its project's out_features (V1: in_features) */
static gboolean
mvit_is_v2 (PsModule *mvit)
{
  PsModule *blocks = ps_module_find_module (mvit, "blocks");

  for (guint i = 0; blocks && i < ps_module_get_n_children (blocks); i++)
    {
      PsModule *b = ps_module_get_child (blocks, i);
      int64_t out = dim_of (b, "project", "weight", 0), in = dim_of (b, "project", "weight", 1);
      if (out > 0 && out != in)
        return dim_of (b, "norm2", "weight", 0) == out;
    }
  return FALSE;
}

/* the stride along dimension d (0: time) of the Conv3d at path, 0 if unknown */
static int64_t
conv_stride (PsModule *m, const char *path, int d)
{
  PsModule *c = ps_module_find_module (m, path);
  int64_t s[3];

  return c && ps_module_get_option_ints (c, "stride", s, 3) == 3 ? s[d] : 0;
}

/* The MViT loop's trunc_normal_(std=0.02) of PositionalEncoding's parameters,
 * which the print does not show: class_token (C) and, in V1, spatial_pos
 * (H' W', C), temporal_pos (T', C) and class_pos (C), for torchvision's
 * clips of 16 x 224 x 224 */
static void
mvit_pos_encoding (PsModule *m, PsRng *rng)
{
  int64_t c = dim_of (m, "conv_proj", "weight", 0);
  int64_t st = conv_stride (m, "conv_proj", 0), sh = conv_stride (m, "conv_proj", 1);
  int64_t sw = conv_stride (m, "conv_proj", 2);

  if (c <= 0 || st <= 0 || sh <= 0 || sw <= 0)
    return;
  draw_dropped (rng, DROP_UNIFORM, c);
  if (mvit_is_v2 (m))
    return;
  draw_dropped (rng, DROP_UNIFORM, (224 / sh) * (224 / sw) * c);
  draw_dropped (rng, DROP_UNIFORM, (16 / st) * c);
  draw_dropped (rng, DROP_UNIFORM, c);
}

/* MViT V2's MultiscaleAttention draws rel_pos_h, rel_pos_w (spatial, head_dim)
 * and rel_pos_t (temporal, head_dim), trunc_normal_(std=0.02), after its
 * layers; spatial = 2 * max(q, kv) - 1 for the block's input of width w,
 * q = w / stride_q, kv = w / stride_kv.  In torchvision's mvit_v2_s the
 * strides adapt so that w = 7 * stride_q * stride_kv at every block (56 =
 * 7 * 1 * 8 at the first), so q = 7 * stride_kv and kv = 7 * stride_q; its
 * 8 frames give 2 * 8 - 1 temporal positions. */
static gboolean
in_mvit_v2 (PsModule *m, PsModule *outer)
{
  return outer && strcmp (ps_module_get_type_name (outer), "MViT") == 0 && mvit_is_v2 (outer);
}

static void
mvit_rel_pos (PsModule *m, PsRng *rng)
{
  int64_t hd = dim_of (m, "pool_q.pool", "weight", 0);
  int64_t sq = conv_stride (m, "pool_q.pool", 1), skv = conv_stride (m, "pool_k.pool", 1);
  int64_t spatial;

  if (hd <= 0 || sq <= 0 || skv <= 0)
    return;
  spatial = 2 * 7 * MAX (sq, skv) - 1;
  draw_dropped (rng, DROP_UNIFORM, spatial * hd);
  draw_dropped (rng, DROP_UNIFORM, spatial * hd);
  draw_dropped (rng, DROP_UNIFORM, (2 * 8 - 1) * hd);
}

/* the V2 R-CNN models' box head: FastRCNNConvFCHead */
static gboolean
is_v2_rcnn (PsModule *m, PsModule *outer)
{
  PsModule *h = ps_module_find_module (m, "roi_heads.box_head");
  return h && strcmp (ps_module_get_type_name (h), "FastRCNNConvFCHead") == 0;
}

/* the same for SSDlite's extractor, whose `features` are the MobileNetV3's */
static void
ssdlite_dropped_classifier (PsModule *m, PsRng *rng)
{
  PsModule *f = ps_module_find_module (m, "features");
  if (f)
    mobilenet_v3_dropped_classifier (f, rng);
}

static void
ssdlite_dropped_classifier_init (PsModule *m, PsRng *rng)
{
  PsModule *f = ps_module_find_module (m, "features");
  if (f)
    mobilenet_v3_dropped_classifier_init (f, rng);
}

/* MobileNetV3.features: InvertedResidual blocks with a `block` child */
static gboolean
is_mobilenet_v3_features (PsModule *m, PsModule *outer)
{
  PsModule *b = ps_module_find_module (m, "1");
  int64_t c;

  return b && strcmp (ps_module_get_type_name (b), "InvertedResidual") == 0
         && ps_module_find_module (b, "block") != NULL
         && mobilenet_v3_last_channel (m, &c) > 0;
}

#define CONV "Conv2d"
#define LINEAR "Linear|NonDynamicallyQuantizableLinear"
#define KAIMING_FAN_OUT_RELU "kaiming_normal(mode='fan_out', nonlinearity='relu')"
#define RESNET_RULES \
  { { CONV, NULL, KAIMING_FAN_OUT_RELU, NULL, ARG_NONE }, \
    { "BatchNorm2d|GroupNorm", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE } }
#define MOBILENET_RULES \
  { { CONV, NULL, "kaiming_normal(mode='fan_out')", "zeros", ARG_NONE }, \
    { "BatchNorm2d|GroupNorm", NULL, "ones", "zeros", ARG_NONE }, \
    { LINEAR, NULL, "normal(mean=0, std=0.01)", "zeros", ARG_NONE } }

static const Family families[] = {
  /* resnet.py; ResNet.__init__ (zero_init_residual=False) */
  { "ResNet|QuantizableResNet", "conv1 bn1 relu maxpool layer1 layer2 layer3 layer4 avgpool fc", NULL,
    RESNET_RULES },
  /* a ResNet without avgpool and fc (segmentation/, detection/): the same,
   * after the dropped fc's draws */
  { "IntermediateLayerGetter", "conv1 bn1 relu maxpool layer1 layer2 layer3 layer4", NULL,
    RESNET_RULES, { { NULL, FALSE, resnet_dropped_fc } } },
  /* vgg.py (init_weights=True) */
  { "VGG", "features avgpool classifier", NULL,
    { { CONV, NULL, KAIMING_FAN_OUT_RELU, "constant(val=0)", ARG_NONE },
      { "BatchNorm2d", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE },
      { LINEAR, NULL, "normal(mean=0, std=0.01)", "constant(val=0)", ARG_NONE } } },
  /* mobilenetv2.py, mobilenetv3.py */
  { "MobileNetV2|QuantizableMobileNetV2", "features classifier", NULL, MOBILENET_RULES },
  { "MobileNetV3|QuantizableMobileNetV3", "features avgpool classifier", NULL, MOBILENET_RULES },
  /* a MobileNetV3's features alone (segmentation/, detection/) */
  { "IntermediateLayerGetter", "0 1", is_mobilenet_v3_features, MOBILENET_RULES,
    { { NULL, FALSE, mobilenet_v3_dropped_classifier },
      { NULL, TRUE, mobilenet_v3_dropped_classifier_init } } },
  /* densenet.py */
  { "DenseNet", "features classifier", NULL,
    { { CONV, NULL, "kaiming_normal()", NULL, ARG_NONE },
      { "BatchNorm2d", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE },
      { LINEAR, NULL, NULL, "constant(val=0)", ARG_NONE } } },
  /* squeezenet.py: final_conv is classifier[1] */
  { "SqueezeNet", "features classifier", NULL,
    { { CONV, "classifier.1", "normal(mean=0, std=0.01)", "constant(val=0)", ARG_NONE },
      { CONV, NULL, "kaiming_uniform()", "constant(val=0)", ARG_NONE } } },
  /* googlenet.py (init_weights=True) */
  { "GoogLeNet|QuantizableGoogLeNet", "conv1 maxpool1 conv2 conv3 maxpool2", NULL,
    { { CONV "|" LINEAR, NULL, "trunc_normal(mean=0, std=0.01, a=-2, b=2)", NULL, ARG_NONE },
      { "BatchNorm2d", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE } } },
  /* inception.py (init_weights=True): InceptionAux sets fc.stddev = 0.001 (and
   * conv1.stddev = 0.01 on the BasicConv2d, which the loop, looking at the
   * Conv2d inside it, does not see) */
  { "Inception3|QuantizableInception3", "Conv2d_1a_3x3 Conv2d_2a_3x3 Conv2d_2b_3x3", NULL,
    { { LINEAR, "AuxLogits.fc", "trunc_normal(mean=0, std=0.001, a=-2, b=2)", NULL, ARG_NONE },
      { CONV "|" LINEAR, NULL, "trunc_normal(mean=0, std=0.1, a=-2, b=2)", NULL, ARG_NONE },
      { "BatchNorm2d", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE } } },
  /* efficientnet.py */
  { "EfficientNet", "features avgpool classifier", NULL,
    { { CONV, NULL, "kaiming_normal(mode='fan_out')", "zeros", ARG_NONE },
      { "BatchNorm2d|GroupNorm", NULL, "ones", "zeros", ARG_NONE },
      { LINEAR, NULL, "uniform(a=-1, b=1)", "zeros", ARG_RANGE_INV_SQRT_OUT } } },
  /* regnet.py */
  { "RegNet", "stem trunk_output avgpool fc", NULL,
    { { CONV, NULL, "normal(mean=0, std=1)", NULL, ARG_STD_SQRT_2_OVER_FAN_OUT },
      { "BatchNorm2d", NULL, "ones", "zeros", ARG_NONE },
      { LINEAR, NULL, "normal(mean=0, std=0.01)", "zeros", ARG_NONE } } },
  /* mnasnet.py */
  { "MNASNet", "layers classifier", NULL,
    { { CONV, NULL, KAIMING_FAN_OUT_RELU, "zeros", ARG_NONE },
      { "BatchNorm2d", NULL, "ones", "zeros", ARG_NONE },
      { LINEAR, NULL, "kaiming_uniform(mode='fan_out', nonlinearity='sigmoid')", "zeros", ARG_NONE } } },
  /* vision_transformer.py: the encoder's pos_embedding, normal_(std=0.02),
   * comes before its layers; after them the heads, then the stem's and the
   * head's own initialization */
  { "VisionTransformer", "conv_proj encoder heads", NULL,
    { { CONV, "conv_proj", "trunc_normal(std=1)", "zeros", ARG_STD_SQRT_1_OVER_FAN_IN },
      { LINEAR, "heads.head", "zeros", "zeros", ARG_NONE } },
    { { "encoder", FALSE, vit_pos_embedding } } },
  { "MLPBlock", "0 1 2 3 4", NULL,
    { { LINEAR, NULL, "xavier_uniform()", "normal(std=1e-6)", ARG_NONE } },
    .within = "VisionTransformer" },
  /* swin_transformer.py: each block initializes its MLP; each window
   * attention (V1) draws its bias table after qkv and proj */
  { "ShiftedWindowAttention", "qkv proj", NULL,
    { { NULL } },
    { { NULL, FALSE, bias_table_7x7_heads_of_32 } }, .within = "SwinTransformerBlock" },
  { "SwinTransformerBlock|SwinTransformerBlockV2", "norm1 attn stochastic_depth norm2 mlp", NULL,
    { { LINEAR, "mlp.*", "xavier_uniform()", "normal(std=1e-6)", ARG_NONE } },
    .within = "SwinTransformer" },
  { "SwinTransformer", "features norm permute avgpool flatten head", NULL,
    { { LINEAR, NULL, "trunc_normal(std=0.02)", "zeros", ARG_NONE } } },
  /* maxvit.py: each attention draws its bias table after to_qkv and merge */
  { "RelativePositionalMultiHeadAttention", "to_qkv merge", NULL,
    { { NULL } },
    { { NULL, FALSE, bias_table_7x7_heads_of_32 } }, .within = "MaxVit" },
  { "MaxVit", "stem blocks classifier", NULL,
    { { CONV, NULL, "normal(std=0.02)", "zeros", ARG_NONE },
      { "BatchNorm2d", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE },
      { LINEAR, NULL, "normal(std=0.02)", "zeros", ARG_NONE } } },
  /* video/resnet.py (zero_init_residual=False) */
  { "VideoResNet", "stem layer1 layer2 layer3 layer4 avgpool fc", NULL,
    { { "Conv3d", NULL, KAIMING_FAN_OUT_RELU, "constant(val=0)", ARG_NONE },
      { "BatchNorm3d", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE },
      { LINEAR, NULL, "normal(mean=0, std=0.01)", "constant(val=0)", ARG_NONE } } },
  /* detection/: ops/feature_pyramid_network.py.  The extra blocks (made
   * first, as an argument) initialize themselves; the FPN's loop runs before
   * it adds them. */
  { "FeaturePyramidNetwork", "inner_blocks layer_blocks", NULL,
    { { CONV, "inner_blocks.*", "kaiming_uniform(a=1)", "constant(val=0)", ARG_NONE },
      { CONV, "layer_blocks.*", "kaiming_uniform(a=1)", "constant(val=0)", ARG_NONE } },
    { { NULL } }, "extra_blocks" },
  { "LastLevelP6P7", "p6 p7", NULL,
    { { CONV, NULL, "kaiming_uniform(a=1)", "constant(val=0)", ARG_NONE } } },
  /* rpn.py, faster_rcnn.py, mask_rcnn.py, keypoint_rcnn.py */
  { "RPNHead", "conv cls_logits bbox_pred", NULL,
    { { CONV, NULL, "normal(std=0.01)", "constant(val=0)", ARG_NONE } } },
  { "FastRCNNConvFCHead|MaskRCNNHeads", "0", NULL,
    { { CONV, NULL, KAIMING_FAN_OUT_RELU, "zeros", ARG_NONE } } },
  { "MaskRCNNPredictor", "conv5_mask relu mask_fcn_logits", NULL,
    { { "ConvTranspose2d|" CONV, NULL, KAIMING_FAN_OUT_RELU, NULL, ARG_NONE } } },
  { "KeypointRCNNHeads", "0", NULL,
    { { CONV, NULL, KAIMING_FAN_OUT_RELU, "constant(val=0)", ARG_NONE } } },
  { "KeypointRCNNPredictor", "kps_score_lowres", NULL,
    { { "ConvTranspose2d", NULL, KAIMING_FAN_OUT_RELU, "constant(val=0)", ARG_NONE } } },
  /* MaskRCNN and KeypointRCNN make their own heads, then FasterRCNN's; the
   * V2 builder makes the RPN and box heads first, then MaskRCNN its predictor */
  { "MaskRCNN", "transform backbone rpn roi_heads", is_v2_rcnn, { { NULL } }, { { NULL } },
    "backbone rpn roi_heads.box_head roi_heads.mask_head roi_heads.mask_predictor" },
  { "MaskRCNN", "transform backbone rpn roi_heads", NULL, { { NULL } }, { { NULL } },
    "backbone roi_heads.mask_head roi_heads.mask_predictor" },
  { "KeypointRCNN", "transform backbone rpn roi_heads", NULL, { { NULL } }, { { NULL } },
    "backbone roi_heads.keypoint_head roi_heads.keypoint_predictor" },
  /* retinanet.py, fcos.py: the convolutions' loop comes before cls_logits is
   * made, and after bbox_reg's own; prior probability 0.01 */
  { "RetinaNetClassificationHead|FCOSClassificationHead", "conv cls_logits", NULL,
    { { CONV, "conv.*", "normal(std=0.01)", "constant(val=0)", ARG_NONE, 0, "cls_logits" },
      { CONV, "cls_logits", "normal(std=0.01)", "constant(val=-4.59511985013459)", ARG_NONE, 1 } } },
  { "RetinaNetRegressionHead|FCOSRegressionHead", "conv bbox_reg", NULL,
    { { CONV, "bbox_*", "normal(std=0.01)", "zeros", ARG_NONE, 0 },
      { CONV, "conv.*", "normal(std=0.01)", "zeros", ARG_NONE, 1 } } },
  /* ssd.py: SSDFeatureExtractorVGG keeps a VGG16's convolutions (initialized
   * by VGG's loop, after its dropped classifier's draws), then makes its
   * extra blocks 1-4 and initializes them, then the fc block it puts at the
   * end of extra[0] */
  { "SSDFeatureExtractorVGG", "features extra", NULL,
    { { CONV, "features.*", KAIMING_FAN_OUT_RELU, "constant(val=0)", ARG_NONE, 0, SCRIPTED },
      { CONV, "extra.0.?", KAIMING_FAN_OUT_RELU, "constant(val=0)", ARG_NONE, 0, SCRIPTED },
      { CONV, "extra.1.*", "xavier_uniform()", "constant(val=0)", ARG_NONE, 1, SCRIPTED },
      { CONV, "extra.2.*", "xavier_uniform()", "constant(val=0)", ARG_NONE, 1, SCRIPTED },
      { CONV, "extra.3.*", "xavier_uniform()", "constant(val=0)", ARG_NONE, 1, SCRIPTED },
      { CONV, "extra.4.*", "xavier_uniform()", "constant(val=0)", ARG_NONE, 1, SCRIPTED },
      { CONV, "extra.0.7.*", "xavier_uniform()", "constant(val=0)", ARG_NONE, 2, SCRIPTED } },
    { { SCRIPTED, FALSE, vgg_dropped_classifier }, { SCRIPTED, FALSE, vgg_dropped_classifier_init } },
    "features extra.0.0 extra.0.1 extra.0.2 extra.0.3 extra.0.4 extra.0.5 extra.0.6 hidden:0 "
    "walk:0 hidden:1 extra.1 extra.2 extra.3 extra.4 walk:1 extra.0.7 walk:2" },
  { "SSDClassificationHead|SSDRegressionHead", "module_list", NULL,
    { { CONV, NULL, "xavier_uniform()", "constant(val=0)", ARG_NONE } } },
  /* ssdlite.py: a MobileNetV3 (reduced tail) initialized by its loop (after
   * its dropped classifier's draws), then by _normal_init; then the extra
   * blocks, made and initialized; then the heads */
  { "SSDLiteFeatureExtractorMobileNet", "features extra", NULL,
    { { CONV, "features.*", "kaiming_normal(mode='fan_out')", "zeros", ARG_NONE, 0, SCRIPTED },
      { "BatchNorm2d|GroupNorm", "features.*", "ones", "zeros", ARG_NONE, 0, SCRIPTED },
      { CONV, "features.*", "normal(std=0.03)", "constant(val=0)", ARG_NONE, 1, SCRIPTED },
      { CONV, "extra.*", "normal(std=0.03)", "constant(val=0)", ARG_NONE, 2, SCRIPTED } },
    { { SCRIPTED, FALSE, ssdlite_dropped_classifier },
      { SCRIPTED, FALSE, ssdlite_dropped_classifier_init } },
    "features hidden:0 walk:0 hidden:1 walk:1 extra walk:2" },
  { "SSDLiteClassificationHead|SSDLiteRegressionHead", "module_list", NULL,
    { { CONV, NULL, "normal(std=0.03)", "constant(val=0)", ARG_NONE } } },
  /* optical_flow/raft.py: the feature and context encoders (the
   * convolutions' biases keep their defaults) */
  { "FeatureEncoder", "convnormrelu layer1 layer2 layer3 conv", NULL,
    { { CONV, NULL, KAIMING_FAN_OUT_RELU, NULL, ARG_NONE },
      { "BatchNorm2d|InstanceNorm2d", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE } } },
  /* video/mvit.py */
  { "MultiscaleAttention", "qkv project", in_mvit_v2,
    { { NULL } },
    { { NULL, FALSE, mvit_rel_pos } } },
  { "MViT", "conv_proj pos_encoding blocks norm head", NULL,
    { { LINEAR, NULL, "trunc_normal(std=0.02)", "constant(val=0)", ARG_NONE },
      { "LayerNorm", NULL, "constant(val=1)", "constant(val=0)", ARG_NONE } },
    { { NULL, FALSE, mvit_pos_encoding } } },
  /* convnext.py */
  { "ConvNeXt", "features avgpool classifier", NULL,
    { { CONV "|" LINEAR, NULL, "trunc_normal(std=0.02)", "zeros", ARG_NONE } } },
};

static gboolean
name_in (const char *name, const char *list)
{
  size_t n = strlen (name);

  for (const char *p = list; p; p = strchr (p, '|'))
    {
      if (*p == '|')
        p++;
      if (strncmp (p, name, n) == 0 && (p[n] == '|' || p[n] == '\0'))
        return TRUE;
    }
  return FALSE;
}

static gboolean
children_match (PsModule *m, const char *children)
{
  g_auto (GStrv) names = g_strsplit (children, " ", -1);
  guint n = ps_module_get_n_children (m);

  for (guint i = 0; names[i]; i++)
    if (i >= n || strcmp (ps_module_get_child_name (m, i), names[i]) != 0)
      return FALSE;
  return TRUE;
}

/* isinstance (m, one of classes): its class, or the layer the table reads it
 * as (Conv3DSimple is a Conv3d, LayerNorm2d a LayerNorm) */
static gboolean
is_instance (PsModule *m, const char *classes)
{
  const char *type = ps_module_get_type_name (m);
  const PsLayerEntry *e;

  if (type == NULL)
    return FALSE;
  if (name_in (type, classes))
    return TRUE;
  e = ps_layer_lookup (type);
  return e && strcmp (e->name, type) != 0 && name_in (e->name, classes);
}

static const Family *
find_family (PsModule *m, PsModule *outer)
{
  const char *type = ps_module_get_type_name (m);

  if (type == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (families); i++)
    if (name_in (type, families[i].classes) && children_match (m, families[i].children)
        && (families[i].match == NULL || families[i].match (m, outer))
        && (families[i].within == NULL
            || (outer && name_in (ps_module_get_type_name (outer), families[i].within))))
      return &families[i];
  return NULL;
}

static void
apply (const char *scheme, FamilyArg arg, PsModule *m, const char *slot, PsRng *rng)
{
  PsParam *p = ps_layer_own (m, slot);
  g_autoptr (PsInitScheme) s = NULL;
  char num[G_ASCII_DTOSTR_BUF_SIZE];

  if (scheme == NULL || p == NULL || ps_param_get_data (p) == NULL)
    return;
  s = ps_init_scheme_parse (scheme, NULL);
  g_assert (s != NULL);
  switch (arg)
    {
    case ARG_NONE:
      break;
    case ARG_STD_SQRT_2_OVER_FAN_OUT:
      {
        int64_t shape[PS_TENSOR_MAX_DIMS];
        int nd = ps_param_get_shape (p, shape);
        int64_t fan_out = shape[0];
        for (int d = 2; d < nd; d++)
          fan_out *= shape[d];
        g_ascii_dtostr (num, sizeof num, sqrt (2.0 / (double) fan_out));
        ps_init_scheme_set_arg (s, "std", num, NULL);
      }
      break;
    case ARG_STD_SQRT_1_OVER_FAN_IN:
      {
        int64_t shape[PS_TENSOR_MAX_DIMS];
        int nd = ps_param_get_shape (p, shape);
        int64_t fan_in = nd > 1 ? shape[1] : 1;
        for (int d = 2; d < nd; d++)
          fan_in *= shape[d];
        g_ascii_dtostr (num, sizeof num, sqrt (1.0 / (double) fan_in));
        ps_init_scheme_set_arg (s, "std", num, NULL);
      }
      break;
    case ARG_RANGE_INV_SQRT_OUT:
      {
        int64_t shape[PS_TENSOR_MAX_DIMS];
        double r;
        ps_param_get_shape (p, shape);
        r = 1.0 / sqrt ((double) shape[0]);
        g_ascii_dtostr (num, sizeof num, -r);
        ps_init_scheme_set_arg (s, "a", num, NULL);
        g_ascii_dtostr (num, sizeof num, r);
        ps_init_scheme_set_arg (s, "b", num, NULL);
      }
      break;
    }
  ps_init_apply (s, p, -1, rng, NULL);
}

gconstpointer
ps_layer_family_find (PsModule *m, PsModule *outer)
{
  return find_family (m, outer);
}

/* one walk over self.modules(): the rules first..end-1, an if/elif chain */
static void
run_walk (const Family *f, guint first, guint end, PsModule *m, PsRng *rng)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (m);

  for (guint i = 0; i < mods->len; i++)
    {
      PsNamedModule *nm = mods->pdata[i];
      for (guint r = first; r < end; r++)
        {
          const FamilyRule *rule = &f->rules[r];
          if (!is_instance (nm->module, rule->classes))
            continue;
          if (rule->path && !g_pattern_match_simple (rule->path, nm->name))
            continue;
          apply (rule->weight, rule->arg, nm->module, "weight", rng);
          apply (rule->bias, ARG_NONE, nm->module, "bias", rng);
          break;
        }
    }
}

/* the walks whose rules run at `before` (NULL: after the children), or
 * with before SCRIPTED, the walk numbered `walk` */
static void
run_walks (const Family *f, PsModule *m, const char *before, guint walk, PsRng *rng)
{
  for (guint first = 0; first < MAX_RULES && f->rules[first].classes;)
    {
      guint end = first;
      while (end < MAX_RULES && f->rules[end].classes && f->rules[end].walk == f->rules[first].walk)
        end++;
      if (g_strcmp0 (f->rules[first].before, before) == 0
          && (g_strcmp0 (before, SCRIPTED) != 0 || f->rules[first].walk == walk))
        run_walk (f, first, end, m, rng);
      first = end;
    }
}

gboolean
ps_layer_family_run_step (gconstpointer family, PsModule *m, const char *step, PsRng *rng)
{
  const Family *f = family;
  guint64 n;

  if (g_str_has_prefix (step, "walk:") && g_ascii_string_to_unsigned (step + 5, 10, 0, 99, &n, NULL))
    {
      run_walks (f, m, SCRIPTED, (guint) n, rng);
      return TRUE;
    }
  if (g_str_has_prefix (step, "hidden:")
      && g_ascii_string_to_unsigned (step + 7, 10, 0, MAX_HIDDEN - 1, &n, NULL))
    {
      if (f->hidden[n].draw)
        f->hidden[n].draw (m, rng);
      return TRUE;
    }
  return FALSE;
}

const char *
ps_layer_family_get_order (gconstpointer family)
{
  const Family *f = family;
  return f ? f->order : NULL;
}

void
ps_layer_family_before_child (gconstpointer family, PsModule *m, guint child, PsRng *rng)
{
  const Family *f = family;
  const char *name = ps_module_get_child_name (m, child);

  if (f == NULL)
    return;
  for (guint h = 0; h < MAX_HIDDEN && f->hidden[h].draw; h++)
    if (f->hidden[h].before && strcmp (f->hidden[h].before, SCRIPTED) != 0
        && strcmp (f->hidden[h].before, name) == 0)
      f->hidden[h].draw (m, rng);
  if (strcmp (name, SCRIPTED) != 0)
    run_walks (f, m, name, 0, rng);
}

void
ps_layer_family_init (gconstpointer family, PsModule *m, PsRng *rng)
{
  const Family *f = family;

  if (f == NULL)
    return;
  for (guint h = 0; h < MAX_HIDDEN && f->hidden[h].draw; h++)
    if (f->hidden[h].before == NULL && !f->hidden[h].after_rules)
      f->hidden[h].draw (m, rng);
  run_walks (f, m, NULL, 0, rng);
  for (guint h = 0; h < MAX_HIDDEN && f->hidden[h].draw; h++)
    if (f->hidden[h].after_rules)
      f->hidden[h].draw (m, rng);
}
