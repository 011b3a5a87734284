#pragma once
// tg::nn: modules, containers, layers, initialisers and the functional forms.
#include "tapegrad/nn/clip_grad.h"
#include "tapegrad/nn/functional.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/nn/module.h"
#include "tapegrad/nn/modules/activation.h"
#include "tapegrad/nn/modules/container.h"
#include "tapegrad/nn/modules/conv.h"
#include "tapegrad/nn/modules/dropout.h"
#include "tapegrad/nn/modules/linear.h"
#include "tapegrad/nn/modules/normalization.h"
#include "tapegrad/nn/modules/pooling.h"
