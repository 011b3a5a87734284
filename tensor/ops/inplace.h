#pragma once
// In-place forms of composed ops: compute out of place, then copy into self. A recorded op reads
// a clone of self, so that the tensors it saves are not the memory being overwritten: cloned up
// front when self needs grad, and computed again from a clone in the rare case that only another
// input does.
#include "autograd/record.h"
#include "tapegrad/tensor/ops/elementwise.h"
#include "tapegrad/tensor/ops/views.h"
#include "tensor/ops/common.h"

namespace tg::ops {

template <class F>
const Tensor& inplace_via_copy(const Tensor& self, const char* name, F&& op) {
  check_defined(name, self, "input");
  autograd::check_inplace(self, name);
  const bool cloned = autograd::needs_grad(self);
  Tensor result = op(cloned ? tg::clone(self) : self);
  if (!cloned && autograd::needs_grad(result)) result = op(tg::clone(self));
  TG_CHECK(result.sizes() == self.sizes() || broadcast_shapes(result.sizes(), self.sizes(), name) == self.sizes(),
           "{}: the result's shape {} is not self's shape {} (an in-place op can't broadcast self)", name,
           result.sizes(), self.sizes());
  TG_CHECK_TYPE(can_cast(result.dtype(), self.dtype()), "{}: the result type {} can't be cast to the tensor's dtype {}",
                name, result.dtype(), self.dtype());
  return self.copy_(result);
}

}  // namespace tg::ops
