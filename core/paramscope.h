/* paramscope.h — the ParamScope core: the one header to include
 *
 * ParamScope makes a neural network's parameters visible and touchable.  The
 * core holds modules and parameters with PyTorch's semantics; the GTK UI and
 * paramscope-cli are built on this API only.
 *
 * A worked example — the lesson's tied layers (gradients add up):
 *
 *   PsRng rng;
 *   ps_rng_seed (&rng, 0);                                        // torch.manual_seed(0)
 *   g_autoptr (PsModule) net = ps_model_parse (
 *       "linear = nn.Linear(1, 1, bias=False)\n"
 *       "net = nn.Sequential(linear, linear)\n", -1, "tied.py", &rng, NULL, &error);
 *   g_autoptr (PsInitScheme) three = ps_init_scheme_parse ("constant(3)", &error);
 *   ps_init_apply_pattern (net, "*", three, &rng, &error);       // init.constant_(param, val=3)
 *
 *   g_autoptr (PsTensor) x = ps_tensor_new_2d (1, 1);  x->data[0] = 1;
 *   g_autoptr (PsTape) tape = ps_tape_new (net, &rng);
 *   const PsTensor *y = ps_tape_forward (tape, x, &error);        // y = 9
 *   double loss;
 *   ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error);
 *   ps_param_get_grad (ps_module_find_param (net, "0.weight"))->data[0];   // 6
 *
 * Modules:        ps-module.h    (tree, naming, repr, apply)
 * Parameters:     ps-param.h     (data, grad, versions, listeners)
 * Tensors:        ps-tensor.h    (float32 arrays, statistics)
 * Code's tensors: ps-array.h     (N-d strided views, dtypes, ops as torch.Tensor),
 *                 ps-autograd.h  (the eager graph, backward, no_grad, module calls),
 *                 ps-tensor-format.h (repr() as PyTorch prints it)
 * Model files:    ps-model-file.h
 * Initializers:   ps-init.h, ps-rng.h
 * Autograd:       ps-tape.h      (forward, backward, losses)
 * Optimizers:     ps-optim.h
 * Training:       ps-train-step.h (one step), ps-trainer.h (in a worker thread),
 *                 ps-train-log.h (its record), ps-data.h (its data),
 *                 ps-snapshot.h (values at one moment, differences)
 * Files:          ps-weights.h   (the one door: safetensors, torch.save, shards),
 *                 ps-safetensors.h, ps-zip.h, ps-pickle.h (restricted, runs nothing),
 *                 ps-checkpoint.h (a mapped file as a tree),
 *                 ps-run-folder.h (a folder of checkpoints as a run's timeline),
 *                 ps-file.h      (every file written is replaced atomically; mapped reads)
 * Element types:  ps-dtype.h     (sizes, names, conversion to float32)
 * Heatmaps:       ps-pool.h      (max-|x| pooling of a strided slice of any dtype),
 *                 ps-heatmap.h   (the colormap)
 * Errors:         ps-error.h     (GError domain PS_ERROR)
 */
#pragma once

#include "ps-array.h"
#include "ps-autograd.h"
#include "ps-checkpoint.h"
#include "ps-data.h"
#include "ps-dtype.h"
#include "ps-error.h"
#include "ps-file.h"
#include "ps-heatmap.h"
#include "ps-init.h"
#include "ps-kernels.h"
#include "ps-layer.h"
#include "ps-layer-op.h"
#include "ps-layer-recurrent.h"
#include "ps-model-file.h"
#include "ps-module.h"
#include "ps-optim.h"
#include "ps-param.h"
#include "ps-pickle.h"
#include "ps-pool.h"
#include "ps-rng.h"
#include "ps-run-folder.h"
#include "ps-safetensors.h"
#include "ps-snapshot.h"
#include "ps-tape.h"
#include "ps-tensor.h"
#include "ps-tensor-format.h"
#include "ps-train-log.h"
#include "ps-train-step.h"
#include "ps-trainer.h"
#include "ps-weights.h"
#include "ps-zip.h"
