// unfold and fold over one strided geometry of the padded image: the blocks [N, C, kh, kw, oh, ow]
// are a strided view of it. unfold copies that view out (an as_strided view, whose gradient adds
// back); fold scatters columns into it with accumulation. Each is the other's adjoint, and both
// differentiate through the view and scatter ops.
#include "tapegrad/nn/functional/fold.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"
#include "tensor/ops/internal.h"

namespace tg::nn::functional {
namespace {

struct Blocks {
  int64_t n, c, h, w, padded_h, padded_w, out_h, out_w;
  Shape sizes, strides;  // of [N, C, kh, kw, oh, ow] within the contiguous padded [N, C, Hp, Wp]
};

Blocks blocks(const char* op, int64_t n, int64_t c, int64_t h, int64_t w, const FoldOptions& o) {
  const Size2 k = o.kernel_size, d = o.dilation, p = o.padding, s = o.stride;
  TG_CHECK_VALUE(k.h > 0 && k.w > 0, "{}: kernel_size must be positive, got ({}, {})", op, k.h, k.w);
  TG_CHECK_VALUE(d.h > 0 && d.w > 0, "{}: dilation must be positive, got ({}, {})", op, d.h, d.w);
  TG_CHECK_VALUE(s.h > 0 && s.w > 0, "{}: stride must be positive, got ({}, {})", op, s.h, s.w);
  TG_CHECK_VALUE(p.h >= 0 && p.w >= 0, "{}: padding must be non-negative, got ({}, {})", op, p.h, p.w);
  Blocks b{n, c, h, w, h + 2 * p.h, w + 2 * p.w, 0, 0, {}, {}};
  const int64_t span_h = b.padded_h - d.h * (k.h - 1) - 1, span_w = b.padded_w - d.w * (k.w - 1) - 1;
  TG_CHECK(span_h >= 0 && span_w >= 0,
           "{}: the image ({}, {}) padded by ({}, {}) is smaller than the dilated kernel ({}, {}) dilation ({}, {})",
           op, h, w, p.h, p.w, k.h, k.w, d.h, d.w);
  b.out_h = span_h / s.h + 1;
  b.out_w = span_w / s.w + 1;
  const int64_t plane = b.padded_h * b.padded_w;
  b.sizes = {n, c, k.h, k.w, b.out_h, b.out_w};
  b.strides = {c * plane, plane, d.h * b.padded_w, d.w, s.h * b.padded_w, s.w};
  return b;
}

}  // namespace

Tensor unfold(const Tensor& input, const FoldOptions& o, SourceLoc loc) {
  const char* op = "unfold";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  TG_CHECK(input.dim() == 3 || input.dim() == 4, "{}: expected a 3-D (unbatched) or 4-D (batched) input, got shape {}",
           op, input.sizes());
  const Tensor x = input.dim() == 4 ? input : input.unsqueeze(0);
  const Blocks b = blocks(op, x.sizes()[0], x.sizes()[1], x.sizes()[2], x.sizes()[3], o);
  const Size2 p = o.padding;
  const Tensor padded = (p.h || p.w ? tg::pad(x, {p.w, p.w, p.h, p.h}) : x).contiguous();
  const Tensor cols = padded.as_strided(b.sizes, b.strides, padded.storage_offset())
                          .reshape({b.n, b.c * o.kernel_size.h * o.kernel_size.w, b.out_h * b.out_w});
  return input.dim() == 4 ? cols : cols.squeeze(0);
}

Tensor fold(const Tensor& input, Size2 output_size, const FoldOptions& o, SourceLoc loc) {
  const char* op = "fold";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  TG_CHECK(input.dim() == 2 || input.dim() == 3, "{}: expected a 2-D (unbatched) or 3-D (batched) input, got shape {}",
           op, input.sizes());
  TG_CHECK_VALUE(output_size.h > 0 && output_size.w > 0, "{}: output_size must be positive, got ({}, {})", op,
                 output_size.h, output_size.w);
  const Tensor cols = input.dim() == 3 ? input : input.unsqueeze(0);
  const int64_t taps = o.kernel_size.h * o.kernel_size.w, rows = cols.sizes()[1];
  TG_CHECK(o.kernel_size.h > 0 && o.kernel_size.w > 0 && rows % taps == 0,
           "{}: the input's {} rows must be a multiple of kernel_size ({}, {}), C * kh * kw", op, rows, o.kernel_size.h,
           o.kernel_size.w);
  const Blocks b = blocks(op, cols.sizes()[0], rows / taps, output_size.h, output_size.w, o);
  TG_CHECK(cols.sizes()[2] == b.out_h * b.out_w,
           "{}: an output of ({}, {}) with these options has {} x {} = {} blocks, got input of shape {}", op,
           output_size.h, output_size.w, b.out_h, b.out_w, b.out_h * b.out_w, input.sizes());
  const Tensor base = zeros({b.n, b.c, b.padded_h, b.padded_w}, cols.options().requires_grad(false));
  const Tensor image = ops::strided_scatter(base, cols.reshape(b.sizes), b.sizes, b.strides, 0, /*accumulate=*/true)
                           .narrow(2, o.padding.h, b.h)
                           .narrow(3, o.padding.w, b.w);
  return input.dim() == 3 ? image : image.squeeze(0);
}

}  // namespace tg::nn::functional
