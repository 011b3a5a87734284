// parameters_to_vector and vector_to_parameters.
#include "tapegrad/nn/convert_parameters.h"

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"

namespace tg::nn::utils {

Tensor parameters_to_vector(const tensor_list& parameters) {
  TG_CHECK_VALUE(!parameters.empty(), "parameters_to_vector: got no parameters");
  tensor_list flat;
  for (const Tensor& p : parameters) {
    TG_CHECK(p.defined(), "parameters_to_vector: parameter {} is undefined", flat.size());
    TG_CHECK(p.device() == parameters[0].device(),
             "parameters_to_vector: found two parameters on different devices ({} and {})", parameters[0].device(),
             p.device());
    flat.push_back(p.reshape({-1}));
  }
  return cat(flat);
}

void vector_to_parameters(const Tensor& vec, const tensor_list& parameters) {
  TG_CHECK_VALUE(vec.defined() && vec.dim() == 1, "vector_to_parameters: vec must be 1-D, got shape {}",
                 vec.defined() ? vec.sizes() : Shape{});
  int64_t total = 0;
  for (const Tensor& p : parameters) {
    TG_CHECK(p.defined(), "vector_to_parameters: a parameter is undefined");
    total += p.numel();
  }
  TG_CHECK_VALUE(total == vec.numel(), "vector_to_parameters: vec has {} elements but the parameters hold {}",
                 vec.numel(), total);
  NoGradGuard no_grad;
  int64_t at = 0;
  for (const Tensor& p : parameters) {
    p.copy_(vec.narrow(0, at, p.numel()).reshape(p.sizes()));
    at += p.numel();
  }
}

}  // namespace tg::nn::utils
