// Trains an MLP 784-256-128-100-10 (ReLU, Adam with a cosine learning-rate decay) on
// Fashion-MNIST, as one would in PyTorch:
// nn modules, a DataLoader, an optimizer, per-epoch test accuracy and checkpoints.
//
//   fashion_mnist_mlp [--epochs 10] [--batch 128] [--lr 1e-3] [--threads N] [--workers 1]
//                     [--checkpoint mlp.safetensors [--resume]] [--data DIR] [--limit N]
#include "training.h"

using namespace tg;

int main(int argc, char** argv) {
  try {
    example::Options o = example::parse(argc, argv, {.epochs = 10});
    manual_seed(o.seed);
    nn::Sequential model(nn::Flatten(), nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128), nn::ReLU(),
                         nn::Linear(128, 100), nn::ReLU(), nn::Linear(100, 10));
    optim::Adam optimizer(model->parameters(), {.lr = o.lr});
    return example::run(model->str().c_str(), model, optimizer, o, /*cosine_lr=*/true);
  } catch (const Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
