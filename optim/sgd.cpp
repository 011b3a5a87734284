// SGD: torch.optim.SGD's single-tensor update.
#include "tapegrad/optim/sgd.h"

#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/tensor/ops.h"

namespace tg::optim {

void SGDOptions::check(const char* name) const {
  TG_CHECK_VALUE(lr >= 0, "{}: invalid learning rate {}", name, lr);
  TG_CHECK_VALUE(momentum >= 0, "{}: invalid momentum value {}", name, momentum);
  TG_CHECK_VALUE(weight_decay >= 0, "{}: invalid weight_decay value {}", name, weight_decay);
  TG_CHECK_VALUE(!nesterov || (momentum > 0 && dampening == 0),
                 "{}: Nesterov momentum requires a momentum and zero dampening", name);
}

void SGD::step() {
  NoGradGuard no_grad;
  for (auto& [g, p] : params_with_grad()) {
    const SGDOptions& o = options_[g];
    Tensor d = o.maximize ? -p.grad() : p.grad();
    if (o.weight_decay != 0) d = d.add(p, o.weight_decay);
    if (o.momentum != 0) {
      Tensor& buf = state(p).momentum_buffer;
      if (!buf.defined()) {
        buf = d.clone();
      } else {
        buf.mul_(o.momentum).add_(d, 1 - o.dampening);
      }
      d = o.nesterov ? d.add(buf, o.momentum) : buf;
    }
    p.add_(d, -o.lr);
  }
}

}  // namespace tg::optim
