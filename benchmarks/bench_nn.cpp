// Training throughput of the nn stack: the Fashion-MNIST MLP and CNN of examples/ (Adam,
// batch 128, on synthetic data of the same shapes) and one large convolution, forward +
// backward, and the fused layer norm and cross-entropy, forward + backward.
// benchmarks/bench_nn_torch.py is the same program in PyTorch; compare_nn.sh runs both.
// Prints one "name value unit" line per figure, for 1 thread and for all threads.
//   bench_nn [--quick] [--threads N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>

#include "bench_models.h"

using namespace tg;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

using bench::CNN;

// Seconds per training step (median of `reps` timings of `steps` steps), after warm-up.
template <class Model>
double step_time(Model& model, const Tensor& x, const Tensor& y, int warmup, int steps, int reps) {
  optim::Adam opt(model->parameters(), {.lr = 1e-3});
  auto step = [&] {
    opt.zero_grad();
    F::cross_entropy(model(x), y).backward();
    opt.step();
  };
  for (int i = 0; i < warmup; ++i) step();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now();
    for (int i = 0; i < steps; ++i) step();
    t.push_back((now() - t0) / steps);
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void report(const std::string& name, double value, const char* unit) {
  std::printf("%-32s %12.3f %s\n", name.c_str(), value, unit);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int all = get_num_threads();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--threads" && i + 1 < argc) all = std::stoi(argv[++i]);
  }
  manual_seed(0);
  const int64_t batch = 128;
  Tensor xm = randn({batch, 784}), ym = randint(0, 10, {batch});
  Tensor xc = randn({batch, 1, 28, 28});
  const int64_t cn = quick ? 2 : 64, cs = quick ? 8 : 56;
  Tensor conv_x = randn({cn, 128, cs, cs}).requires_grad_(true);
  nn::Conv2d conv(128, 128, 3, {.padding = 1});
  // A transformer's layer norm and a classifier's loss: the fused kernels' figures.
  const int64_t rows = quick ? 64 : 8192;
  Tensor ln_x = randn({rows, 768}).requires_grad_(true), ln_g = randn({rows, 768});
  nn::LayerNorm ln(Shape{768});
  Tensor ce_x = randn({rows / 2, 1000}).requires_grad_(true), ce_y = randint(0, 1000, {rows / 2});
  // A transformer's MLP activation, a diffusion U-Net's norm, a segmentation loss (21 classes).
  Tensor gelu_x = randn({rows / 2, 3072}).requires_grad_(true);
  const int64_t gn = quick ? 2 : 32, sn = quick ? 2 : 8;
  Tensor gn_x = randn({gn, 64, 28, 28}).requires_grad_(true);
  nn::GroupNorm gnorm(8, 64);
  Tensor seg_x = randn({sn, 21, 64, 64}).requires_grad_(true), seg_y = randint(0, 21, {sn, 64, 64});
  // A volumetric (video or medical) network's stage: 3-D convolution, batch norm, ReLU, max pooling.
  const int64_t vn = quick ? 1 : 8, vs = quick ? 8 : 32;
  Tensor vol_x = randn({vn, 16, vs / 2, vs, vs}).requires_grad_(true);
  nn::Sequential vol_stage(nn::Conv3d(16, 32, 3, {.padding = 1}), nn::BatchNorm3d(32), nn::ReLU(), nn::MaxPool3d(2));
  // Fractional max pooling (Graham's networks) with fixed samples, as in bench_nn_torch.py.
  const int64_t fn = quick ? 2 : 32, fs = quick ? 8 : 56;
  Tensor frac_x = randn({fn, 64, fs, fs}).requires_grad_(true), frac_u = rand({fn, 64, 2});
  // A speech model's loss: CTC over 150 frames of 80 classes, targets of 20 to 40 labels.
  const int64_t cb = quick ? 2 : 32;
  Tensor ctc_x = randn({150, cb, 80}).requires_grad_(true), ctc_y = randint(1, 80, {cb, 40});
  Tensor ctc_in = full({cb}, 150, TensorOptions(kInt64)), ctc_tl = randint(20, 41, {cb});
  // A sequence model: two LSTM layers of 256 units over 50 steps of a batch of 32.
  const int64_t lb = quick ? 2 : 32, ls = quick ? 4 : 50;
  Tensor lstm_x = randn({lb, ls, 128});
  nn::LSTM lstm(128, 256, {.num_layers = 2, .batch_first = true});
  std::printf("tapegrad %s, %d threads available\n", "nn", all);
  for (int threads : {1, all}) {
    set_num_threads(threads);
    const std::string t = fmt::format("/{}", threads);
    manual_seed(1);
    nn::Sequential mlp(nn::Linear(784, 256), nn::ReLU(), nn::Linear(256, 128), nn::ReLU(), nn::Linear(128, 100),
                       nn::ReLU(), nn::Linear(100, 10));
    const double mlp_step = step_time(mlp, xm, ym, quick ? 2 : 20, quick ? 2 : 100, quick ? 1 : 5);
    report(fmt::format("mlp_train_samples_per_s{}", t), batch / mlp_step, "samples/s");
    report(fmt::format("mlp_epoch_60k{}", t), mlp_step * (60000.0 / batch), "s");
    CNN cnn;
    const double cnn_step = step_time(cnn, xc, ym, quick ? 1 : 3, quick ? 1 : 10, quick ? 1 : 3);
    report(fmt::format("cnn_train_samples_per_s{}", t), batch / cnn_step, "samples/s");
    std::vector<double> ct;
    for (int r = 0; r < (quick ? 2 : 6); ++r) {
      conv_x.set_grad(Tensor());
      const double t0 = now();
      conv(conv_x).sum().backward();
      ct.push_back(now() - t0);
    }
    std::sort(ct.begin() + 1, ct.end());  // the first run is warm-up
    report(fmt::format("conv2d_64x128x56x56_k3_fwd_bwd{}", t), ct[(ct.size() + 1) / 2] * 1e3, "ms");
    auto median_ms = [&](auto&& fn) {
      std::vector<double> ts;
      for (int r = 0; r < (quick ? 2 : 12); ++r) {
        const double t0 = now();
        fn();
        ts.push_back(now() - t0);
      }
      std::sort(ts.begin() + 1, ts.end());
      return ts[(ts.size() + 1) / 2] * 1e3;
    };
    report(fmt::format("layer_norm_8192x768_fwd_bwd{}", t), median_ms([&] {
             ln_x.set_grad(Tensor());
             ln(ln_x).backward(ln_g);
           }),
           "ms");
    report(fmt::format("cross_entropy_4096x1000_fwd_bwd{}", t), median_ms([&] {
             ce_x.set_grad(Tensor());
             F::cross_entropy(ce_x, ce_y, {.label_smoothing = 0.1}).backward();
           }),
           "ms");
    report(fmt::format("gelu_4096x3072_fwd_bwd{}", t), median_ms([&] {
             gelu_x.set_grad(Tensor());
             gelu(gelu_x).sum().backward();
           }),
           "ms");
    report(fmt::format("group_norm_32x64x28x28_g8_fwd_bwd{}", t), median_ms([&] {
             gn_x.set_grad(Tensor());
             gnorm(gn_x).sum().backward();
           }),
           "ms");
    report(fmt::format("cross_entropy_8x21x64x64_fwd_bwd{}", t), median_ms([&] {
             seg_x.set_grad(Tensor());
             F::cross_entropy(seg_x, seg_y).backward();
           }),
           "ms");
    report(fmt::format("ctc_loss_150x32x80_s40_fwd_bwd{}", t), median_ms([&] {
             ctc_x.set_grad(Tensor());
             F::ctc_loss(log_softmax(ctc_x, 2), ctc_y, ctc_in, ctc_tl).backward();
           }),
           "ms");
    report(fmt::format("lstm_2x256_50x32_fwd_bwd{}", t), median_ms([&] {
             lstm->zero_grad();
             std::get<0>(lstm(lstm_x)).sum().backward();
           }),
           "ms");
    report(fmt::format("conv3d_bn_relu_maxpool3d_8x16x16x32x32_fwd_bwd{}", t), median_ms([&] {
             vol_x.set_grad(Tensor());
             vol_stage->forward(vol_x).sum().backward();
           }),
           "ms");
    report(fmt::format("fractional_max_pool2d_32x64x56x56_r0.7_fwd_bwd{}", t), median_ms([&] {
             frac_x.set_grad(Tensor());
             F::fractional_max_pool2d(frac_x, {.kernel_size = 2, .output_ratio = 0.7, .random_samples = frac_u})
                 .sum()
                 .backward();
           }),
           "ms");
  }
  return 0;
}
