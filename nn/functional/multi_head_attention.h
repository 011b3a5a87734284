#pragma once
// multi_head_attention_forward with the name its errors give, shared with nn.MultiheadAttention.
#include "tapegrad/nn/functional/attention.h"

namespace tg::nn::functional {

std::tuple<Tensor, Tensor> multi_head_attention(const char* op, const Tensor& query, const Tensor& key,
                                                const Tensor& value, const MultiHeadAttentionForwardOptions& options);

}  // namespace tg::nn::functional
