#pragma once
// tg::nn::init: in-place initialisers with PyTorch's names, formulas and defaults. Each runs
// without recording, draws from `generator` (the default generator when null) and returns
// its tensor. uniform_, normal_, xavier_* and kaiming_* also fill complex tensors, both parts
// drawn alike (normal: each part std / sqrt(2)), as PyTorch's.
#include <string_view>

#include "tapegrad/tensor/generator.h"
#include "tapegrad/tensor/tensor.h"

namespace tg::nn::init {

enum class FanMode { FanIn, FanOut };

// The recommended gain for a nonlinearity ("linear", "conv2d", "sigmoid", "tanh", "relu",
// "leaky_relu" with its negative slope `param`, "selu").
double calculate_gain(std::string_view nonlinearity, double param = 0.01);
// (fan_in, fan_out) of a weight [out, in, kernel...]; at least 2 dims.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& tensor);

const Tensor& uniform_(const Tensor& tensor, double a = 0.0, double b = 1.0, Generator* generator = nullptr);
const Tensor& normal_(const Tensor& tensor, double mean = 0.0, double std = 1.0, Generator* generator = nullptr);
const Tensor& constant_(const Tensor& tensor, double value);
const Tensor& zeros_(const Tensor& tensor);
const Tensor& ones_(const Tensor& tensor);
const Tensor& xavier_uniform_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);
const Tensor& xavier_normal_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);
// a: the negative slope of the rectifier after this layer (leaky_relu only).
const Tensor& kaiming_uniform_(const Tensor& tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                               std::string_view nonlinearity = "leaky_relu", Generator* generator = nullptr);
const Tensor& kaiming_normal_(const Tensor& tensor, double a = 0.0, FanMode mode = FanMode::FanIn,
                              std::string_view nonlinearity = "leaky_relu", Generator* generator = nullptr);
// A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times gain; the
// trailing dims are flattened.
const Tensor& orthogonal_(const Tensor& tensor, double gain = 1.0, Generator* generator = nullptr);
// Normal(mean, std) conditioned on [a, b].
const Tensor& trunc_normal_(const Tensor& tensor, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0,
                            Generator* generator = nullptr);
// The identity matrix (a 2-D tensor), keeping the input's identity in Linear layers.
const Tensor& eye_(const Tensor& tensor);
// The Dirac delta for a 3-, 4- or 5-D convolution weight [out, in, k...]: each of the `groups`
// blocks of out channels passes its first min(out / groups, in) input channels through
// unchanged (a 1 at the kernel's centre).
const Tensor& dirac_(const Tensor& tensor, int64_t groups = 1);
// A sparse 2-D matrix: Normal(0, std) with ceil(sparsity * rows) random zeros in each column.
const Tensor& sparse_(const Tensor& tensor, double sparsity, double std = 0.01, Generator* generator = nullptr);

}  // namespace tg::nn::init
