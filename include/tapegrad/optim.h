#pragma once
// tg::optim: optimizers and learning-rate schedulers.
#include "tapegrad/amp/grad_scaler.h"
#include "tapegrad/optim/adam.h"
#include "tapegrad/optim/lr_scheduler.h"
#include "tapegrad/optim/optimizer.h"
#include "tapegrad/optim/rmsprop.h"
#include "tapegrad/optim/sgd.h"
