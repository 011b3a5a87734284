#pragma once
// Muon (Keller Jordan's MomentUm Orthogonalized by Newton-Schulz), torch.optim.Muon's update:
// SGD momentum (Nesterov by default) whose update is replaced by an approximate orthogonal
// matrix, five quintic Newton-Schulz iterations in bfloat16, with decoupled weight decay. For
// 2-D parameters only (the hidden layers' weights; embeddings, heads and biases go to AdamW).
#include <cstdint>

#include "tapegrad/optim/optimizer.h"

namespace tg::optim {

// How the learning rate scales with the shape [A, B] of a parameter (PyTorch's adjust_lr_fn).
enum MuonAdjustLR : int64_t {
  kMuonOriginal = 0,           // lr * sqrt(max(1, A / B))
  kMuonMatchRmsAdamW = 1,      // lr * 0.2 * sqrt(max(A, B))
  kMuonSpectralUnclamped = 2,  // lr * sqrt(A / B)
};

struct MuonOptions {
  double lr = 1e-3;
  double weight_decay = 0.1;
  double momentum = 0.95;
  bool nesterov = true;
  double ns_a = 3.4445, ns_b = -4.7750, ns_c = 2.0315;  // the quintic's coefficients
  double eps = 1e-7;
  int64_t ns_steps = 5;
  int64_t adjust_lr_fn = kMuonOriginal;
  void check(const char* name) const;
  void visit(auto&& f) {
    f("lr", lr);
    f("weight_decay", weight_decay);
    f("momentum", momentum);
    f("nesterov", nesterov);
    f("ns_a", ns_a);
    f("ns_b", ns_b);
    f("ns_c", ns_c);
    f("eps", eps);
    f("ns_steps", ns_steps);
    f("adjust_lr_fn", adjust_lr_fn);
  }
};
struct MuonState {
  Tensor momentum_buffer;
  void visit(auto&& f) { f("momentum_buffer", momentum_buffer); }
};

class Muon : public OptimizerImpl<MuonOptions, MuonState> {
 public:
  explicit Muon(tensor_list params, const MuonOptions& options = {});
  Muon(const std::vector<ParamGroup>& groups, const MuonOptions& defaults = {});
  void step() override;
  bool has_momentum() const override { return true; }
  double momentum(size_t group) const override { return options(group).momentum; }
  void set_momentum(size_t group, double m) override { options(group).momentum = m; }

 private:
  void check_params() const;
};

// The Newton-Schulz orthogonalisation Muon applies to a 2-D update (in bfloat16, as PyTorch's).
Tensor muon_orthogonalize(const Tensor& update, double a, double b, double c, int64_t steps, double eps);

}  // namespace tg::optim
