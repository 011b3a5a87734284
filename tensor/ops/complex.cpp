// Complex tensors' parts as views (view_as_real, view_as_complex, real, imag), tensors built from
// parts (complex, polar), conj, angle and isreal.
#include <numbers>

#include "autograd/derivatives/derivatives.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

// A view of self's memory as another element type (the geometry in that type's elements).
Tensor retyped_view(const Tensor& self, DType dtype, const Shape& sizes, const Shape& strides, int64_t offset) {
  return Tensor(IntrusivePtr<TensorImpl>::make(new TensorImpl(self.storage(), dtype, sizes, strides, offset)));
}

// The imaginary parts of a contiguous complex tensor negated in place (no autograd).
void negate_imaginary(const Tensor& t) {
  const DType part = to_real_dtype(t.dtype());
  Tensor im = retyped_view(t, part, {t.numel()}, {2}, t.storage_offset() * 2 + 1);
  kernels::backend(t.device(), "conj")
      .unary(kernels::UnaryOp::Neg, part, ops::make_loop(im, {&im}), im.data_ptr(), im.data_ptr());
}

void check_parts(const char* name, const Tensor& a, const char* what_a, const Tensor& b, const char* what_b) {
  ops::check_defined(name, a, what_a);
  ops::check_defined(name, b, what_b);
  ops::check_same_device(name, a, b);
  TG_CHECK_TYPE((a.dtype() == kFloat32 || a.dtype() == kFloat64) && a.dtype() == b.dtype(),
                "{}: expected {} and {} both float32 or both float64, got {} and {}", name, what_a, what_b, a.dtype(),
                b.dtype());
}

}  // namespace

Tensor view_as_real(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("view_as_real", loc);
  ops::check_defined("view_as_real", self, "input");
  TG_CHECK_TYPE(self.is_complex(), "view_as_real: expected a complex tensor, got {}", self.dtype());
  Shape sizes = self.sizes(), strides = self.strides();
  for (int d = 0; d < strides.size(); ++d) strides[d] *= 2;
  sizes.push_back(2);
  strides.push_back(1);
  Tensor out = retyped_view(self, to_real_dtype(self.dtype()), sizes, strides, self.storage_offset() * 2);
  autograd::set_view_base(out, self);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::view_as_real_node(self));
  return out;
}

Tensor view_as_complex(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("view_as_complex", loc);
  ops::check_defined("view_as_complex", self, "input");
  TG_CHECK_TYPE(self.dtype() == kFloat32 || self.dtype() == kFloat64,
                "view_as_complex: expected a float32 or float64 tensor, got {}", self.dtype());
  TG_CHECK(self.dim() >= 1 && self.sizes()[self.dim() - 1] == 2,
           "view_as_complex: expected the last dimension to have size 2, got shape {}", self.sizes());
  TG_CHECK(self.strides()[self.dim() - 1] == 1, "view_as_complex: expected the last dimension to have stride 1, got {}",
           self.strides()[self.dim() - 1]);
  Shape sizes, strides;
  for (int d = 0; d + 1 < self.dim(); ++d) {
    TG_CHECK(self.strides()[d] % 2 == 0, "view_as_complex: expected every stride but the last to be even, got {}",
             self.strides());
    sizes.push_back(self.sizes()[d]);
    strides.push_back(self.strides()[d] / 2);
  }
  TG_CHECK(self.storage_offset() % 2 == 0, "view_as_complex: expected an even storage offset, got {}",
           self.storage_offset());
  Tensor out = retyped_view(self, to_complex_dtype(self.dtype()), sizes, strides, self.storage_offset() / 2);
  autograd::set_view_base(out, self);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::view_as_complex_node(self));
  return out;
}

Tensor real(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("real", loc);
  ops::check_defined("real", self, "input");
  return self.is_complex() ? view_as_real(self).select(-1, 0) : self;
}

Tensor imag(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("imag", loc);
  ops::check_defined("imag", self, "input");
  TG_CHECK(self.is_complex(), "imag: not implemented for tensors with non-complex dtypes (got {})", self.dtype());
  return view_as_real(self).select(-1, 1);
}

Tensor complex(const Tensor& real, const Tensor& imag, SourceLoc loc) {
  detail::ApiScope scope("complex", loc);
  check_parts("complex", real, "real", imag, "imag");
  const Shape shape = broadcast_shapes(real.sizes(), imag.sizes(), "complex");
  return view_as_complex(stack({real.expand(shape), imag.expand(shape)}, -1));
}

Tensor polar(const Tensor& abs, const Tensor& angle, SourceLoc loc) {
  detail::ApiScope scope("polar", loc);
  check_parts("polar", abs, "abs", angle, "angle");
  return complex(abs * cos(angle), abs * sin(angle));
}

Tensor conj(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("conj", loc);
  ops::check_defined("conj", self, "input");
  if (!self.is_complex()) return self;
  Tensor out = ops::clone_raw(self);
  negate_imaginary(out);
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::conj_node(self));
  return out;
}

Tensor conj_physical(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("conj_physical", loc);
  return conj(self);
}

const Tensor& conj_physical_(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("conj_physical_", loc);
  ops::check_defined("conj_physical_", self, "input");
  if (!self.is_complex()) return self;
  autograd::check_inplace(self, "conj_physical_");
  {
    NoGradGuard no_grad;
    ops::copy_into(self, conj(self));
  }
  ops::bump_version(self);
  if (autograd::needs_grad(self)) autograd::rebase_history(self, autograd::derivatives::conj_node(self));
  return self;
}

Tensor resolve_conj(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("resolve_conj", loc);
  ops::check_defined("resolve_conj", self, "input");
  return self;
}

bool is_conj(const Tensor& self) {
  ops::check_defined("is_conj", self, "input");
  return false;
}

Tensor angle(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("angle", loc);
  ops::check_defined("angle", self, "input");
  Tensor out;
  {
    NoGradGuard no_grad;
    if (self.is_complex()) {
      out = atan2(imag(self), real(self));
    } else {
      const Tensor x = self.is_floating_point() ? self : self.to(default_dtype());
      out = where(isnan(x), x, where(lt(x, 0), std::numbers::pi, zeros_like(x)));
    }
  }
  if (autograd::needs_grad(self)) autograd::set_history(out, autograd::derivatives::angle_node(self));
  return out;
}

Tensor isreal(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("isreal", loc);
  ops::check_defined("isreal", self, "input");
  return self.is_complex() ? eq(imag(self), 0) : ones_like(self, TensorOptions(kBool));
}

}  // namespace tg
