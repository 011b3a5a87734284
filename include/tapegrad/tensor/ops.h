#pragma once
// Every tensor op as a free function.
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops/arrange.h"
#include "tapegrad/tensor/ops/elementwise.h"
#include "tapegrad/tensor/ops/index_ops.h"
#include "tapegrad/tensor/ops/linalg.h"
#include "tapegrad/tensor/ops/reduce.h"
#include "tapegrad/tensor/ops/scan.h"
#include "tapegrad/tensor/ops/shape_ops.h"
#include "tapegrad/tensor/ops/softmax.h"
#include "tapegrad/tensor/ops/special.h"
#include "tapegrad/tensor/ops/statistics.h"
#include "tapegrad/tensor/ops/views.h"
