#pragma once
// tg::nn::functional (alias tg::F): the stateless forms of the nn layers, with PyTorch's names.
#include "tapegrad/nn/functional/activation.h"
#include "tapegrad/nn/functional/attention.h"
#include "tapegrad/nn/functional/conv.h"
#include "tapegrad/nn/functional/ctc_loss.h"
#include "tapegrad/nn/functional/distance.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/functional/embedding.h"
#include "tapegrad/nn/functional/fold.h"
#include "tapegrad/nn/functional/grid_sample.h"
#include "tapegrad/nn/functional/linear.h"
#include "tapegrad/nn/functional/linear_cross_entropy.h"
#include "tapegrad/nn/functional/loss.h"
#include "tapegrad/nn/functional/margin_loss.h"
#include "tapegrad/nn/functional/normalization.h"
#include "tapegrad/nn/functional/padding.h"
#include "tapegrad/nn/functional/pooling.h"
#include "tapegrad/nn/functional/upsampling.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn::functional {
// Activations are tensor ops; these make F::relu(x) read as it does in PyTorch.
using tg::celu;
using tg::elu;
using tg::gelu;
using tg::hardsigmoid;
using tg::hardswish;
using tg::hardtanh;
using tg::leaky_relu;
using tg::log_softmax;
using tg::mish;
using tg::relu;
using tg::relu6;
using tg::selu;
using tg::sigmoid;
using tg::silu;
using tg::softmax;
using tg::softplus;
using tg::tanh;
}  // namespace tg::nn::functional
