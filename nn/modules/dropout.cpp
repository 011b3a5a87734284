// Dropout and Embedding.
#include "tapegrad/nn/modules/dropout.h"

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/nn/functional/dropout.h"
#include "tapegrad/nn/functional/embedding.h"
#include "tapegrad/nn/init.h"
#include "tapegrad/tensor/factories.h"

namespace tg::nn {

DropoutImpl::DropoutImpl(const char* name, double p) : Module(name), p(p) {
  TG_CHECK_VALUE(p >= 0 && p <= 1, "{}: probability has to be between 0 and 1, but got {}", name, p);
}
Tensor DropoutImpl::forward(const Tensor& input) { return functional::dropout(input, p, is_training(), generator); }
std::string DropoutImpl::extra_repr() const { return fmt::format("p={}, inplace=False", p); }
Tensor Dropout1dImpl::forward(const Tensor& input) { return functional::dropout1d(input, p, is_training(), generator); }
Tensor Dropout2dImpl::forward(const Tensor& input) { return functional::dropout2d(input, p, is_training(), generator); }

EmbeddingImpl::EmbeddingImpl(int64_t n, int64_t dim, std::optional<int64_t> pad)
    : Module("Embedding"), num_embeddings(n), embedding_dim(dim), padding_idx(pad) {
  TG_CHECK_VALUE(n > 0 && dim > 0, "Embedding: sizes must be positive, got {} and {}", n, dim);
  if (pad) {
    TG_CHECK_VALUE(*pad >= -n && *pad < n, "Embedding: padding_idx {} must be within num_embeddings ({})", *pad, n);
    if (*pad < 0) padding_idx = *pad + n;
  }
  weight = register_parameter("weight", empty({n, dim}));
  reset_parameters();
}
void EmbeddingImpl::reset_parameters() {
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard no_grad;
    weight[*padding_idx].zero_();
  }
}
Tensor EmbeddingImpl::forward(const Tensor& input) { return functional::embedding(input, weight, padding_idx); }
std::string EmbeddingImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", num_embeddings, embedding_dim);
  if (padding_idx) s += fmt::format(", padding_idx={}", *padding_idx);
  return s;
}

}  // namespace tg::nn
