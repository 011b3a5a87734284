// Dropout, Embedding and EmbeddingBag.
#include "tapegrad/nn/modules/dropout.h"

#include "repr.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/functional/embedding.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"
#include "written_back.h"

namespace tg::nn {

using detail::py_float;
using detail::written_back;

DropoutImpl::DropoutImpl(const char* name, double p, bool inplace) : Module(name), p(p), inplace(inplace) {
  TG_CHECK_VALUE(p >= 0 && p <= 1, "{}: probability has to be between 0 and 1, but got {}", name, p);
}
Tensor DropoutImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::dropout(input, p, is_training(), generator));
}
std::string DropoutImpl::extra_repr() const {
  return fmt::format("p={}, inplace={}", py_float(p), inplace ? "True" : "False");
}
Tensor Dropout1dImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::dropout1d(input, p, is_training(), generator));
}
Tensor Dropout2dImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::dropout2d(input, p, is_training(), generator));
}
Tensor Dropout3dImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::dropout3d(input, p, is_training(), generator));
}

namespace {
// The table's sizes and padding_idx (made non-negative), checked as PyTorch does.
std::optional<int64_t> checked_table(const char* name, int64_t n, int64_t dim, std::optional<int64_t> pad) {
  TG_CHECK_VALUE(n > 0 && dim > 0, "{}: sizes must be positive, got {} and {}", name, n, dim);
  if (!pad) return pad;
  TG_CHECK_VALUE(*pad >= -n && *pad < n, "{}: padding_idx {} must be within num_embeddings ({})", name, *pad, n);
  return *pad < 0 ? *pad + n : *pad;
}
// N(0, 1) rows, the padding row zero.
void reset_table(const Tensor& weight, std::optional<int64_t> padding_idx) {
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard no_grad;
    weight[*padding_idx].zero_();
  }
}
}  // namespace

EmbeddingImpl::EmbeddingImpl(int64_t n, int64_t dim, std::optional<int64_t> pad)
    : Module("Embedding"),
      num_embeddings(n),
      embedding_dim(dim),
      padding_idx(checked_table("Embedding", n, dim, pad)) {
  register_parameter("weight", empty({n, dim}), &weight);
  reset_parameters();
}
void EmbeddingImpl::reset_parameters() { reset_table(weight, padding_idx); }
Tensor EmbeddingImpl::forward(const Tensor& input) { return functional::embedding(input, weight, padding_idx); }
std::string EmbeddingImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", num_embeddings, embedding_dim);
  if (padding_idx) s += fmt::format(", padding_idx={}", *padding_idx);
  return s;
}

EmbeddingBagImpl::EmbeddingBagImpl(int64_t n, int64_t dim, std::string mode_, bool include_last,
                                   std::optional<int64_t> pad)
    : Module("EmbeddingBag"),
      num_embeddings(n),
      embedding_dim(dim),
      mode(std::move(mode_)),
      include_last_offset(include_last),
      padding_idx(checked_table("EmbeddingBag", n, dim, pad)) {
  TG_CHECK_VALUE(mode == "sum" || mode == "mean" || mode == "max",
                 "EmbeddingBag: mode must be \"sum\", \"mean\" or \"max\", got \"{}\"", mode);
  register_parameter("weight", empty({n, dim}), &weight);
  reset_parameters();
}
void EmbeddingBagImpl::reset_parameters() { reset_table(weight, padding_idx); }
Tensor EmbeddingBagImpl::forward(const Tensor& input) { return forward(input, Tensor()); }
Tensor EmbeddingBagImpl::forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights) {
  return functional::embedding_bag(input, weight,
                                   {.offsets = offsets,
                                    .mode = mode,
                                    .per_sample_weights = per_sample_weights,
                                    .include_last_offset = include_last_offset,
                                    .padding_idx = padding_idx});
}
std::string EmbeddingBagImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}, mode='{}'", num_embeddings, embedding_dim, mode);
  if (padding_idx) s += fmt::format(", padding_idx={}", *padding_idx);
  return s;
}

Tensor AlphaDropoutImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::alpha_dropout(input, p, is_training(), generator));
}
Tensor FeatureAlphaDropoutImpl::forward(const Tensor& input) {
  return written_back(inplace, input, functional::feature_alpha_dropout(input, p, is_training(), generator));
}

}  // namespace tg::nn
