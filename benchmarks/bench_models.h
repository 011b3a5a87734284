#pragma once
// The Fashion-MNIST CNN of examples/fashion_mnist_cnn.cpp, as the benchmarks build it (their
// PyTorch twins build the same layers).
#include <tapegrad/tapegrad.h>

namespace bench {

using namespace tg;

struct CNNImpl : nn::Module {
  CNNImpl() : Module("CNN") {
    net = register_module(
        "net", nn::Sequential(nn::Conv2d(1, 32, 3, {.padding = 1}), nn::BatchNorm2d(32), nn::ReLU(), nn::MaxPool2d(2),
                              nn::Conv2d(32, 64, 3, {.padding = 1}), nn::BatchNorm2d(64), nn::ReLU(), nn::MaxPool2d(2),
                              nn::Flatten(), nn::Linear(64 * 7 * 7, 256), nn::ReLU(), nn::Dropout(0.5),
                              nn::Linear(256, 10)));
  }
  Tensor forward(const Tensor& x) override { return net(x); }
  nn::Sequential net{nullptr};
};
TG_MODULE(CNN);

}  // namespace bench
