#pragma once
// In-place forms of composed ops: compute out of place, then copy into self. While recording,
// the op reads a clone of self, so that its saved tensors are not the memory being overwritten.
#include "autograd/record.h"
#include "tapegrad/tensor/ops/elementwise.h"
#include "tapegrad/tensor/ops/views.h"
#include "tensor/ops/common.h"

namespace tg::ops {

template <class F>
const Tensor& inplace_via_copy(const Tensor& self, const char* name, F&& op) {
  check_defined(name, self, "input");
  autograd::check_inplace(self, name);
  Tensor result = op(autograd::needs_grad(self) ? tg::clone(self) : self);
  TG_CHECK_TYPE(can_cast(result.dtype(), self.dtype()), "{}: the result type {} can't be cast to the tensor's dtype {}",
                name, result.dtype(), self.dtype());
  return self.copy_(result);
}

}  // namespace tg::ops
