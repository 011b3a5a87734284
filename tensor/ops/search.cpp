// searchsorted and bucketize: binary searches of sorted boundaries, one per value.
#include <algorithm>
#include <span>

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg {
namespace {

Tensor search(const char* name, const Tensor& sorted_sequence, const Tensor& values, bool out_int32, bool right,
              const std::optional<Tensor>& sorter) {
  ops::check_defined(name, sorted_sequence, "sorted_sequence");
  ops::check_defined(name, values, "values");
  ops::check_same_device(name, sorted_sequence, values);
  const int nd = sorted_sequence.dim();
  TG_CHECK(nd >= 1, "{}: the boundaries must have at least 1 dim, got a 0-dim tensor", name);
  if (nd > 1) {
    const auto leading = [](const Tensor& t) {
      return std::span<const int64_t>(t.sizes()).first(static_cast<size_t>(t.dim() - 1));
    };
    TG_CHECK(values.dim() == nd && std::ranges::equal(leading(values), leading(sorted_sequence)),
             "{}: boundaries of shape {} need 1 dim, or values with the same leading dims, got values of shape {}",
             name, sorted_sequence.sizes(), values.sizes());
  }
  ops::ResultType rt;
  rt.add(sorted_sequence);
  rt.add(values);
  const DType dtype = rt.result();
  TG_CHECK_TYPE(dtype != kBool, "{}: bool boundaries and values cannot be searched", name);
  Tensor boundaries = sorted_sequence;
  if (sorter) {
    ops::check_defined(name, *sorter, "sorter");
    TG_CHECK_TYPE(sorter->dtype() == kInt64, "{}: sorter must be int64, got {}", name, sorter->dtype());
    TG_CHECK(sorter->sizes() == sorted_sequence.sizes(), "{}: sorter of shape {} does not match boundaries of shape {}",
             name, sorter->sizes(), sorted_sequence.sizes());
    ops::check_same_device(name, sorted_sequence, *sorter);
    boundaries = gather(sorted_sequence.detach(), -1, *sorter);
  }
  const Tensor b = ops::contiguous(ops::cast(boundaries.detach(), dtype));
  const Tensor v = ops::contiguous(ops::cast(values.detach(), dtype));
  kernels::SearchGeometry g;
  g.size = b.sizes()[nd - 1];
  g.count = nd == 1 ? v.numel() : v.sizes()[nd - 1];
  g.rows = g.count == 0 ? 0 : v.numel() / g.count;
  g.sorted_row_stride = nd == 1 ? 0 : g.size;
  Tensor out = ops::empty(v.sizes(), kInt64, v.device());
  kernels::backend(v.device(), name).searchsorted(dtype, g, out.data_ptr<int64_t>(), b.data_ptr(), v.data_ptr(), right);
  return out_int32 ? out.to(kInt32) : out;
}

}  // namespace

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& values, bool out_int32, bool right,
                    const std::optional<Tensor>& sorter, SourceLoc loc) {
  detail::ApiScope scope("searchsorted", loc);
  return search("searchsorted", sorted_sequence, values, out_int32, right, sorter);
}

Tensor searchsorted(const Tensor& sorted_sequence, const Scalar& value, bool out_int32, bool right,
                    const std::optional<Tensor>& sorter, SourceLoc loc) {
  detail::ApiScope scope("searchsorted", loc);
  ops::check_defined("searchsorted", sorted_sequence, "sorted_sequence");
  TG_CHECK(sorted_sequence.dim() == 1, "searchsorted: a single value needs 1-D boundaries, got shape {}",
           sorted_sequence.sizes());
  const Tensor v = ops::wrapped_scalar(value, ops::result_type(sorted_sequence, value), sorted_sequence.device());
  return search("searchsorted", sorted_sequence, v, out_int32, right, sorter);
}

Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32, bool right, SourceLoc loc) {
  detail::ApiScope scope("bucketize", loc);
  ops::check_defined("bucketize", boundaries, "boundaries");
  TG_CHECK(boundaries.dim() == 1, "bucketize: boundaries must be 1-D, got shape {}", boundaries.sizes());
  return search("bucketize", boundaries, input, out_int32, right, std::nullopt);
}

}  // namespace tg
