#pragma once
// Fashion-MNIST (Xiao et al., 2017): 60,000 training and 10,000 test 28x28 grey images of 10
// clothing classes, read from the IDX .gz files of Debian's dataset-fashion-mnist or any folder
// holding the four files under their original names.
#include <string>

#include "tapegrad/data/dataset.h"
#include "tapegrad/data/transforms.h"

namespace tg::data {

class FashionMNIST : public Dataset {
 public:
  enum class Split { Train, Test };
  static constexpr const char* kDefaultRoot = "/usr/share/datasets/fashion-mnist";
  // Mean and standard deviation of the training images scaled to [0, 1].
  static constexpr double kMean = 0.2860, kStd = 0.3530;
  static constexpr const char* kClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                               "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

  // Images become float32 [1, 28, 28] in [0, 1] (as ToTensor makes them), then `transform`.
  // Missing or malformed files raise a tg::Error naming the file and what is wrong.
  explicit FashionMNIST(Split split = Split::Train, std::string root = kDefaultRoot,
                        transforms::Transform transform = nullptr);

  int64_t size() const override { return images_.sizes()[0]; }
  Example get(int64_t index) const override;
  Example get_batch(const std::vector<int64_t>& indices) const override;
  // All images [N, 1, 28, 28] (float32, transformed) and labels [N] (int64).
  const Tensor& images() const { return images_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor images_, targets_;
};

// Reads a gzip-compressed IDX file of unsigned bytes: its dims and data (as uint8 tensor).
// Guards against truncation, bad magic numbers and absurd sizes.
Tensor read_idx_gz(const std::string& path);

}  // namespace tg::data
