// Trains a small CNN on Fashion-MNIST: two blocks of 3x3 convolution, batch norm, ReLU and
// 2x2 max pooling, then two linear layers with dropout; Adam with a cosine learning-rate decay.
//
//   fashion_mnist_cnn [--epochs 5] [--batch 128] [--lr 1e-3] [--threads N] [--workers 1]
//                     [--checkpoint cnn.safetensors [--resume]] [--data DIR] [--limit N]
#include "training.h"

using namespace tg;

struct CNNImpl : nn::Module {
  CNNImpl() : Module("CNN") {
    features = register_module(
        "features", nn::Sequential(nn::Conv2d(1, 32, 3, {.padding = 1}), nn::BatchNorm2d(32), nn::ReLU(), nn::MaxPool2d(2),
                                   nn::Conv2d(32, 64, 3, {.padding = 1}), nn::BatchNorm2d(64), nn::ReLU(),
                                   nn::MaxPool2d(2)));
    classifier = register_module("classifier", nn::Sequential(nn::Flatten(), nn::Linear(64 * 7 * 7, 256), nn::ReLU(),
                                                              nn::Dropout(0.5), nn::Linear(256, 10)));
  }
  Tensor forward(const Tensor& x) override { return classifier(features(x)); }
  nn::Sequential features{nullptr}, classifier{nullptr};
};
TG_MODULE(CNN);

int main(int argc, char** argv) {
  try {
    example::Options o = example::parse(argc, argv, {.epochs = 5});
    manual_seed(o.seed);
    CNN model;
    optim::Adam optimizer(model->parameters(), {.lr = o.lr});
    return example::run(model->str().c_str(), model, optimizer, o, /*cosine_lr=*/true);
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
