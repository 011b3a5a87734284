// A tour of the gradient debugging tools: print the tape, hook a gradient, step through
// backward, check a custom op with gradcheck, profile a step, and let anomaly mode find a
// planted NaN.
#include <cstdio>
#include <iostream>

#include <tapegrad/tapegrad.h>

using namespace tg;

struct SoftClip : autograd::Function<SoftClip> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x) {
    Tensor y = tanh(x);
    ctx->save_for_backward({y});
    return y;
  }
  static tensor_list backward(autograd::AutogradContext* ctx, tensor_list g) {
    Tensor y = ctx->get_saved_variables()[0];
    return {g[0] * (1 - y * y)};
  }
};

int main() {
  manual_seed(0);
  Tensor w = randn({3, 2}, kFloat64).requires_grad_(true).set_name("w");
  Tensor x = randn({4, 3}, kFloat64);
  Tensor loss = SoftClip::apply(x.matmul(w)).square().mean();

  std::cout << "-- the tape behind the loss --\n";
  autograd::print_graph(loss);

  std::cout << "\n-- stepping through backward --\n";
  w.register_hook([](const Tensor& g) { std::cout << "hook on w sees grad norm " << g.norm().item<double>() << "\n"; });
  autograd::BackwardStepper stepper(loss, {}, /*retain_graph=*/true);
  while (!stepper.done()) {
    auto step = stepper.step();
    std::cout << "ran " << step.node->name() << ": " << step.incoming.size() << " gradient(s) in, "
              << step.outgoing.size() << " out\n";
  }
  std::cout << "w.grad() =\n" << w.grad() << "\n";

  std::cout << "\n-- gradcheck of the custom op --\n";
  const bool ok = autograd::gradcheck([](const tensor_list& in) { return SoftClip::apply(in[0]); },
                                      {randn({5}, kFloat64).requires_grad_(true)});
  std::cout << "SoftClip gradcheck: " << (ok ? "passed" : "failed") << "\n";

  std::cout << "\n-- where a step's time goes --\n";
  profiler::start();
  {
    profiler::RecordFunction step("step");
    SoftClip::apply(x.matmul(w)).square().mean().backward();
  }
  std::cout << profiler::table(profiler::stop(), "self_cpu_time_total", 8);

  std::cout << "\n-- anomaly mode on a planted NaN --\n";
  try {
    autograd::DetectAnomalyGuard anomaly;
    Tensor z = (w * 1).sum({1}) - 10;  // negative values...
    Tensor bad = sqrt(z);              // ...make sqrt produce NaN here
    std::cout << bad << "\n";
  } catch (const autograd::AnomalyError& e) {
    std::cout << e.what() << "\n";
  }
  return 0;
}
