// embedding (a row gather with autograd through index_select) and one_hot.
#include "tapegrad/nn/functional/embedding.h"

#include "tapegrad/tensor/ops.h"
#include "tensor/ops/common.h"

namespace tg::nn::functional {

Tensor embedding(const Tensor& input, const Tensor& weight, std::optional<int64_t> padding_idx, SourceLoc loc) {
  const char* op = "embedding";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  ops::check_defined(op, weight, "weight");
  TG_CHECK_TYPE(input.dtype() == kInt64 || input.dtype() == kInt32, "{}: expected int64 or int32 indices, got {}", op,
                input.dtype());
  TG_CHECK(weight.dim() == 2, "{}: expected a weight [num_embeddings, embedding_dim], got shape {}", op,
           weight.sizes());
  const int64_t rows = weight.sizes()[0];
  Tensor flat = input.reshape({-1}).to(kInt64);
  if (flat.numel() > 0) {
    const int64_t lo = amin(flat).item<int64_t>(), hi = amax(flat).item<int64_t>();
    TG_CHECK_INDEX(lo >= 0 && hi < rows, "{}: index {} is out of range for a table of {} rows", op, lo < 0 ? lo : hi,
                   rows);
  }
  Shape out_shape = input.sizes();
  out_shape.push_back(weight.sizes()[1]);
  Tensor out = weight.index_select(0, flat).view(out_shape);
  if (padding_idx) {
    int64_t pad = *padding_idx;
    TG_CHECK_INDEX(pad >= -rows && pad < rows, "{}: padding_idx {} is out of range for a table of {} rows", op, pad,
                   rows);
    if (pad < 0) pad += rows;
    // Same values; the detached branch keeps gradient away from the padding row.
    if (out.requires_grad()) out = where(eq(input, pad).unsqueeze(-1), out.detach(), out);
  }
  return out;
}

Tensor one_hot(const Tensor& input, int64_t num_classes, SourceLoc loc) {
  const char* op = "one_hot";
  detail::ApiScope scope(op, loc);
  ops::check_defined(op, input, "input");
  TG_CHECK_TYPE(input.dtype() == kInt64, "{}: expected int64 class indices, got {}", op, input.dtype());
  if (input.numel() > 0) {
    const int64_t lo = amin(input).item<int64_t>(), hi = amax(input).item<int64_t>();
    TG_CHECK_VALUE(lo >= 0, "{}: class values must be non-negative, got {}", op, lo);
    if (num_classes == -1) num_classes = hi + 1;
    TG_CHECK_VALUE(hi < num_classes, "{}: class value {} is out of range for {} classes", op, hi, num_classes);
  }
  TG_CHECK_VALUE(num_classes > 0, "{}: num_classes must be positive (or -1 to infer it), got {}", op, num_classes);
  Shape out_shape = input.sizes();
  out_shape.push_back(num_classes);
  return zeros(out_shape, input.options()).scatter_(-1, input.unsqueeze(-1), 1);
}

}  // namespace tg::nn::functional
