// Shape ops composed of views, repeat, cat, index_select and where: their gradients are those
// ops', and they run on every device.
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {

Tensor tile(const Tensor& self, const Shape& dims, SourceLoc loc) {
  detail::ApiScope scope("tile", loc);
  ops::check_defined("tile", self, "input");
  if (dims.size() >= self.dim()) return repeat(self, dims);
  Shape padded = Shape::filled(self.dim() - dims.size(), 1);
  for (int64_t d : dims) padded.push_back(d);
  return repeat(self, padded);
}

Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim, SourceLoc loc) {
  detail::ApiScope scope("repeat_interleave", loc);
  ops::check_defined("repeat_interleave", self, "input");
  TG_CHECK_VALUE(repeats >= 0, "repeat_interleave: repeats must be non-negative, got {}", repeats);
  const Tensor x = dim ? self : self.reshape({-1});
  const int d = dim ? wrap_dim(*dim, x.dim(), "repeat_interleave") : 0;
  if (x.dim() == 0) return x.reshape({1}).expand({repeats}).contiguous();
  // [.., n, ..] -> [.., n, r, ..] by a broadcast view, then the pair flattened.
  Shape expanded = x.sizes();
  expanded.insert(d + 1, repeats);
  return x.unsqueeze(d + 1).expand(expanded).flatten(d, d + 1);
}

Tensor repeat_interleave(const Tensor& self, const Tensor& repeats, std::optional<int64_t> dim, SourceLoc loc) {
  detail::ApiScope scope("repeat_interleave", loc);
  ops::check_defined("repeat_interleave", self, "input");
  ops::check_defined("repeat_interleave", repeats, "repeats");
  TG_CHECK_TYPE(is_integral(repeats.dtype(), false), "repeat_interleave: repeats must be an integer tensor, got {}",
                repeats.dtype());
  TG_CHECK_VALUE(repeats.dim() <= 1, "repeat_interleave: repeats must be 0-D or 1-D, got shape {}", repeats.sizes());
  if (repeats.numel() == 1) return repeat_interleave(self, repeats.reshape({}).item<int64_t>(), dim);
  const Tensor x = dim ? self : self.reshape({-1});
  TG_CHECK_VALUE(x.dim() > 0, "repeat_interleave: a 0-D input takes a single repeat count, got {}", repeats.numel());
  const int d = dim ? wrap_dim(*dim, x.dim(), "repeat_interleave") : 0;
  TG_CHECK_VALUE(repeats.numel() == x.sizes()[d],
                 "repeat_interleave: repeats has {} counts but dim {} of the input (shape {}) has {} elements",
                 repeats.numel(), d, x.sizes(), x.sizes()[d]);
  // The output's length depends on the counts, so they come to the host once.
  const std::vector<int64_t> counts = repeats.to(Device::cpu()).to_vector<int64_t>();
  std::vector<int64_t> index;
  for (size_t i = 0; i < counts.size(); ++i) {
    TG_CHECK_VALUE(counts[i] >= 0, "repeat_interleave: repeats must be non-negative, got {} at position {}", counts[i],
                   i);
    index.insert(index.end(), static_cast<size_t>(counts[i]), static_cast<int64_t>(i));
  }
  return index_select(x, d, tensor(index, TensorOptions().dtype(kInt64).device(x.device())));
}

tensor_list meshgrid(const tensor_list& tensors, std::string_view indexing, SourceLoc loc) {
  detail::ApiScope scope("meshgrid", loc);
  TG_CHECK_VALUE(indexing == "ij" || indexing == "xy", "meshgrid: indexing must be \"ij\" or \"xy\", got \"{}\"",
                 indexing);
  TG_CHECK_VALUE(!tensors.empty(), "meshgrid: expected at least one tensor");
  Shape grid;
  for (size_t i = 0; i < tensors.size(); ++i) {
    ops::check_defined("meshgrid", tensors[i], "tensor");
    ops::check_same_device("meshgrid", tensors[0], tensors[i]);
    TG_CHECK_VALUE(tensors[i].dim() <= 1, "meshgrid: expected 0-D or 1-D tensors, got shape {} at position {}",
                   tensors[i].sizes(), i);
    TG_CHECK_TYPE(tensors[i].dtype() == tensors[0].dtype(),
                  "meshgrid: expected tensors of one dtype, got {} at position 0 and {} at position {}",
                  tensors[0].dtype(), tensors[i].dtype(), i);
    grid.push_back(tensors[i].numel());
  }
  const bool xy = indexing == "xy" && tensors.size() >= 2;
  auto axis_of = [xy](int i) { return xy && i < 2 ? 1 - i : i; };
  if (xy) std::swap(grid[0], grid[1]);
  tensor_list out;
  for (size_t i = 0; i < tensors.size(); ++i) {
    Shape shape = Shape::filled(grid.size(), 1);
    shape[axis_of(static_cast<int>(i))] = grid[axis_of(static_cast<int>(i))];
    out.push_back(tensors[i].reshape(shape).expand(grid));
  }
  return out;
}

Tensor diff(const Tensor& self, int64_t n, int64_t dim, const Tensor& prepend, const Tensor& append, SourceLoc loc) {
  detail::ApiScope scope("diff", loc);
  ops::check_defined("diff", self, "input");
  TG_CHECK_VALUE(self.dim() > 0, "diff: expected a tensor with at least one dim, got a scalar");
  TG_CHECK_VALUE(n >= 0, "diff: n must be non-negative, got {}", n);
  if (n == 0) return self;  // before prepend and append are joined on, as PyTorch's
  const int d = wrap_dim(dim, self.dim(), "diff");
  tensor_list parts;
  if (prepend.defined()) parts.push_back(prepend);
  parts.push_back(self);
  if (append.defined()) parts.push_back(append);
  Tensor x = parts.size() == 1 ? self : cat(parts, d);
  for (int64_t k = 0; k < n && x.sizes()[d] > 0; ++k) {
    const int64_t len = x.sizes()[d] - 1;
    x = x.dtype() == kBool ? logical_xor(x.narrow(d, 1, len), x.narrow(d, 0, len))
                           : x.narrow(d, 1, len) - x.narrow(d, 0, len);
  }
  return n == 0 ? x.clone() : x;
}

Tensor diag(const Tensor& self, int64_t diagonal, SourceLoc loc) {
  detail::ApiScope scope("diag", loc);
  ops::check_defined("diag", self, "input");
  TG_CHECK_VALUE(self.dim() == 1 || self.dim() == 2, "diag: expected a 1-D or 2-D tensor, got shape {}",
                 self.sizes());
  if (self.dim() == 2) return self.diagonal(diagonal).clone();
  const int64_t n = self.numel(), k = diagonal < 0 ? -diagonal : diagonal;
  Tensor square = where(eye(n, TensorOptions().dtype(kBool).device(self.device())), self.unsqueeze(0),
                        zeros({}, self.options()));  // a 0-D zero of self's dtype keeps bool bool
  if (k == 0) return square;
  // Shift onto the k-th diagonal: zero columns on the left and rows below (above for k < 0).
  return diagonal > 0 ? pad(square, {k, 0, 0, k}) : pad(square, {0, k, k, 0});
}

Tensor trace(const Tensor& self, SourceLoc loc) {
  detail::ApiScope scope("trace", loc);
  ops::check_defined("trace", self, "input");
  TG_CHECK_VALUE(self.dim() == 2, "trace: expected a matrix, got shape {}", self.sizes());
  return self.diagonal().sum();
}

}  // namespace tg
