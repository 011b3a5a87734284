#pragma once
// tg::optim: optimizers and learning-rate schedulers.
#include "tapegrad/amp/grad_scaler.h"
#include "tapegrad/optim/adadelta_rprop_asgd.h"
#include "tapegrad/optim/adafactor.h"
#include "tapegrad/optim/adam.h"
#include "tapegrad/optim/adam_variants.h"
#include "tapegrad/optim/lbfgs.h"
#include "tapegrad/optim/lr_scheduler.h"
#include "tapegrad/optim/muon.h"
#include "tapegrad/optim/optimizer.h"
#include "tapegrad/optim/rmsprop.h"
#include "tapegrad/optim/sgd.h"
