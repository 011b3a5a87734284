#pragma once
// RNN, LSTM and GRU (torch.nn names, parameter names, shapes, gate order and initialisation):
// multi-layer, batch_first, bidirectional, dropout between layers, LSTM's projection; and the
// one-step cells RNNCell, LSTMCell and GRUCell.
#include <optional>
#include <string>
#include <tuple>

#include "tapegrad/nn/module.h"
#include "tapegrad/nn/rnn_utils.h"

namespace tg::nn {

struct RNNOptions {
  int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;  // input [N, L, H_in] instead of [L, N, H_in]
  double dropout = 0.0;      // on the outputs of every layer but the last, in training
  bool bidirectional = false;
  int64_t proj_size = 0;              // LSTM only: h is projected to this size by weight_hr_l{k}
  std::string nonlinearity = "tanh";  // RNN only: "tanh" or "relu"
};

// Shared by RNN, LSTM and GRU: the weights weight_ih_l{k}[_reverse] [gates * H, in],
// weight_hh_l{k}[_reverse] [gates * H, H], bias_ih_..., bias_hh_..., drawn from U(-1/sqrt(H), 1/sqrt(H)).
class RNNBaseImpl : public Module {
 public:
  TG_CLONEABLE
  RNNBaseImpl(const char* name, int64_t gates, int64_t input_size, int64_t hidden_size, const RNNOptions& options);
  // The copy's parameters are bound to its own weights_.
  RNNBaseImpl(const RNNBaseImpl& other);
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t input_size, hidden_size;
  RNNOptions options;

 protected:
  struct Weights {
    Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
  };
  // The feature count and dtype of an input (the last dim of `x`).
  void check_features(const Tensor& x) const;
  // Runs all layers; `cell(x_proj_t, h, c, weights) -> (h, c)` does one step given the input
  // projection of that step. Returns the output and the final h (and c) of every layer/direction.
  using Cell = std::function<std::pair<Tensor, Tensor>(const Tensor&, const Tensor&, const Tensor&, const Weights&)>;
  std::tuple<Tensor, Tensor, Tensor> run(const Tensor& input, const Tensor& h0, const Tensor& c0, bool has_cell,
                                         const Cell& cell);
  // The same over a packed batch: each sequence runs for its own length, and h_n (c_n) holds each
  // one's state after its last step. h0, c0 and the returned states are in the batch's order.
  std::tuple<utils::rnn::PackedSequence, Tensor, Tensor> run_packed(const utils::rnn::PackedSequence& input,
                                                                    const Tensor& h0, const Tensor& c0, bool has_cell,
                                                                    const Cell& cell);
  // The layers over x, padded [L, N, in] (batch_sizes empty) or packed [sum, in]; h_init and
  // c_init [layers * D, N, *] in sorted order. Returns the last layer's output as x was laid out.
  std::tuple<Tensor, Tensor, Tensor> run_layers(Tensor x, const std::vector<int64_t>& batch_sizes, const Tensor& h_init,
                                                const Tensor& c_init, bool has_cell, const Cell& cell);
  std::vector<Weights> weights_;  // layer-major, forward then reverse
  int64_t gates_;
};

// Elman RNN: h' = nonlinearity(x W_ih^T + b_ih + h W_hh^T + b_hh).
class RNNImpl : public RNNBaseImpl {
 public:
  TG_CLONEABLE
  RNNImpl(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {})
      : RNNBaseImpl("RNN", 1, input_size, hidden_size, options) {}
  using Module::forward;
  // Returns (output [L, N, D * H], h_n [D * num_layers, N, H]).
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  // A packed batch in, a packed output [sum, D * H] out (libtorch's name).
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(const utils::rnn::PackedSequence& input,
                                                                           const Tensor& hx = {});
};
class RNN : public ModuleHolder<RNNImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  RNN(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {})
      : ModuleHolder(std::make_shared<RNNImpl>(input_size, hidden_size, options)) {}
};

class LSTMImpl : public RNNBaseImpl {
 public:
  TG_CLONEABLE
  LSTMImpl(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {})
      : RNNBaseImpl("LSTM", 4, input_size, hidden_size, options) {}
  using Module::forward;
  // input [L, N, H_in] (or batch_first, or unbatched [L, H_in]); hx = (h_0, c_0), each
  // [D * num_layers, N, H], zeros when absent. Returns (output [L, N, D * H], (h_n, c_n)).
  // With proj_size P > 0, h_0, h_n and the output have P features instead of H.
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& input,
                                                         const std::optional<std::tuple<Tensor, Tensor>>& hx = {});
  std::tuple<utils::rnn::PackedSequence, std::tuple<Tensor, Tensor>> forward_with_packed_input(
      const utils::rnn::PackedSequence& input, const std::optional<std::tuple<Tensor, Tensor>>& hx = {});
};
class LSTM : public ModuleHolder<LSTMImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  LSTM(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {})
      : ModuleHolder(std::make_shared<LSTMImpl>(input_size, hidden_size, options)) {}
};

class GRUImpl : public RNNBaseImpl {
 public:
  TG_CLONEABLE
  GRUImpl(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {})
      : RNNBaseImpl("GRU", 3, input_size, hidden_size, options) {}
  using Module::forward;
  // Returns (output [L, N, D * H], h_n [D * num_layers, N, H]).
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const Tensor& hx = {});
  std::tuple<utils::rnn::PackedSequence, Tensor> forward_with_packed_input(const utils::rnn::PackedSequence& input,
                                                                           const Tensor& hx = {});
};
class GRU : public ModuleHolder<GRUImpl> {
 public:
  using ModuleHolder::ModuleHolder;
  GRU(int64_t input_size, int64_t hidden_size, const RNNOptions& options = {})
      : ModuleHolder(std::make_shared<GRUImpl>(input_size, hidden_size, options)) {}
};

// One step of a cell: weight_ih [G * H, in], weight_hh [G * H, H], bias_ih and bias_hh [G * H],
// all drawn from U(-1/sqrt(H), 1/sqrt(H)). Inputs are [N, in] or unbatched [in]; a missing
// state is zeros.
class RNNCellBaseImpl : public Module {
 public:
  TG_CLONEABLE
  RNNCellBaseImpl(const char* name, int64_t gates, int64_t input_size, int64_t hidden_size, bool bias);
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t input_size, hidden_size;
  bool bias;
  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  // The input as [N, in], checked; `batched` says whether it came with a batch dimension.
  Tensor batch_input(const Tensor& input, bool& batched) const;
  // A state for that input, as [N, H] (zeros when undefined), checked against the input.
  Tensor batch_state(const Tensor& state, const Tensor& input, bool batched, const char* what) const;
};

class RNNCellImpl : public RNNCellBaseImpl {
 public:
  TG_CLONEABLE
  RNNCellImpl(int64_t input_size, int64_t hidden_size, bool bias = true, std::string nonlinearity = "tanh");
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
  std::string extra_repr() const override;

  std::string nonlinearity;
};
TG_MODULE(RNNCell);

class LSTMCellImpl : public RNNCellBaseImpl {
 public:
  TG_CLONEABLE
  LSTMCellImpl(int64_t input_size, int64_t hidden_size, bool bias = true)
      : RNNCellBaseImpl("LSTMCell", 4, input_size, hidden_size, bias) {}
  using Module::forward;
  // hx = (h, c); returns (h', c').
  std::tuple<Tensor, Tensor> forward(const Tensor& input, const std::optional<std::tuple<Tensor, Tensor>>& hx = {});
};
TG_MODULE(LSTMCell);

class GRUCellImpl : public RNNCellBaseImpl {
 public:
  TG_CLONEABLE
  GRUCellImpl(int64_t input_size, int64_t hidden_size, bool bias = true)
      : RNNCellBaseImpl("GRUCell", 3, input_size, hidden_size, bias) {}
  Tensor forward(const Tensor& input) override { return forward(input, Tensor()); }
  Tensor forward(const Tensor& input, const Tensor& hx);
};
TG_MODULE(GRUCell);

}  // namespace tg::nn
