#pragma once
// Complex tensors (complex64, complex128; CPU kernels): their parts as views, tensors built from
// parts, and the ops only complex numbers need. The elementwise maps, sums, products and matrix
// products take complex tensors through their usual functions; an op without complex support
// raises TypeError naming itself and the dtype. Gradients follow PyTorch's convention: for a
// real loss L of z = x + iy, z.grad() is dL/dx + i dL/dy.
#include "tapegrad/tensor/tensor.h"

namespace tg {

// The real and imaginary parts of a complex tensor as float views of its memory (writing to them
// writes the tensor). real() of a real tensor is the tensor itself; imag() of one is an error.
Tensor real(const Tensor& self, TG_CALLER);
Tensor imag(const Tensor& self, TG_CALLER);
// A complex tensor [...] as a real view [..., 2] of its (real, imaginary) pairs.
Tensor view_as_real(const Tensor& self, TG_CALLER);
// The inverse: a float32 or float64 tensor [..., 2] (last dim of stride 1, other strides and the
// storage offset even) as a complex64 or complex128 view [...].
Tensor view_as_complex(const Tensor& self, TG_CALLER);
// real + i imag elementwise (broadcast); both float32 or both float64.
Tensor complex(const Tensor& real, const Tensor& imag, TG_CALLER);
// abs * (cos(angle) + i sin(angle)); both float32 or both float64.
Tensor polar(const Tensor& abs, const Tensor& angle, TG_CALLER);
// The complex conjugate as a new tensor (PyTorch's conj is a lazy view; here conj and
// conj_physical both copy); a real tensor is returned as is.
Tensor conj(const Tensor& self, TG_CALLER);
Tensor conj_physical(const Tensor& self, TG_CALLER);
const Tensor& conj_physical_(const Tensor& self, TG_CALLER);
// No tensor here is a lazy conjugate: resolve_conj returns self, is_conj is false.
Tensor resolve_conj(const Tensor& self, TG_CALLER);
bool is_conj(const Tensor& self);
// The argument in radians, atan2(imag, real), as a real tensor; for real tensors pi where
// negative, 0 elsewhere, NaN kept (PyTorch's).
Tensor angle(const Tensor& self, TG_CALLER);
// Where the imaginary part is 0 (all true for a real tensor).
Tensor isreal(const Tensor& self, TG_CALLER);

}  // namespace tg
