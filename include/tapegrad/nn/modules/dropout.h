#pragma once
// Dropout, Embedding and EmbeddingBag (torch.nn names and defaults).
#include <optional>
#include <string>

#include "tapegrad/nn/module.h"
#include "tapegrad/tensor/generator.h"

namespace tg::nn {

// Active in training mode only. Draws from `generator` when set, else the default generator.
// With inplace, the result is written into the input (torch's flag).
class DropoutImpl : public Module {
 public:
  TG_CLONEABLE
  explicit DropoutImpl(double p = 0.5, bool inplace = false) : DropoutImpl("Dropout", p, inplace) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  double p;
  bool inplace;
  Generator* generator = nullptr;

 protected:
  DropoutImpl(const char* name, double p, bool inplace);
};
TG_MODULE(Dropout);

// Channel dropout (functional::dropout1d / dropout2d / dropout3d).
class Dropout1dImpl : public DropoutImpl {
 public:
  TG_CLONEABLE
  explicit Dropout1dImpl(double p = 0.5, bool inplace = false) : DropoutImpl("Dropout1d", p, inplace) {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(Dropout1d);
class Dropout2dImpl : public DropoutImpl {
 public:
  TG_CLONEABLE
  explicit Dropout2dImpl(double p = 0.5, bool inplace = false) : DropoutImpl("Dropout2d", p, inplace) {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(Dropout2d);
class Dropout3dImpl : public DropoutImpl {
 public:
  TG_CLONEABLE
  explicit Dropout3dImpl(double p = 0.5, bool inplace = false) : DropoutImpl("Dropout3d", p, inplace) {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(Dropout3d);

// A table [num_embeddings, embedding_dim] initialised N(0, 1) (the padding row zeroed).
class EmbeddingImpl : public Module {
 public:
  TG_CLONEABLE
  EmbeddingImpl(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};
TG_MODULE(Embedding);

// Bags of embeddings reduced by mode "sum", "mean" or "max" (functional::embedding_bag).
class EmbeddingBagImpl : public Module {
 public:
  TG_CLONEABLE
  EmbeddingBagImpl(int64_t num_embeddings, int64_t embedding_dim, std::string mode = "mean",
                   bool include_last_offset = false, std::optional<int64_t> padding_idx = std::nullopt);
  Tensor forward(const Tensor& input) override;
  Tensor forward(const Tensor& input, const Tensor& offsets, const Tensor& per_sample_weights = {});
  std::string extra_repr() const override;
  void reset_parameters();
  int64_t num_embeddings, embedding_dim;
  std::string mode;
  bool include_last_offset;
  std::optional<int64_t> padding_idx;
  Tensor weight;
};
TG_MODULE(EmbeddingBag);

// SELU's dropout (functional::alpha_dropout / feature_alpha_dropout).
class AlphaDropoutImpl : public DropoutImpl {
 public:
  TG_CLONEABLE
  explicit AlphaDropoutImpl(double p = 0.5, bool inplace = false) : DropoutImpl("AlphaDropout", p, inplace) {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(AlphaDropout);

class FeatureAlphaDropoutImpl : public DropoutImpl {
 public:
  TG_CLONEABLE
  explicit FeatureAlphaDropoutImpl(double p = 0.5, bool inplace = false)
      : DropoutImpl("FeatureAlphaDropout", p, inplace) {}
  Tensor forward(const Tensor& input) override;
};
TG_MODULE(FeatureAlphaDropout);

}  // namespace tg::nn
