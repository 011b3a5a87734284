#pragma once
// One flat vector for a list of parameters and back (torch.nn.utils.parameters_to_vector and
// vector_to_parameters), for optimizers and analyses that work on a single vector.
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::utils {

// The parameters flattened and concatenated in order; differentiable. They must share a device.
Tensor parameters_to_vector(const tensor_list& parameters);
// Copies consecutive slices of the 1-D `vec` into the parameters, in order, without recording
// a gradient. PyTorch rebinds each parameter's .data to a view of vec instead; copying keeps
// the parameters' own storage, so that optimizers and views of them stay valid.
void vector_to_parameters(const Tensor& vec, const tensor_list& parameters);

}  // namespace tg::nn::utils
