#pragma once
// What the Fashion-MNIST examples share: command-line options, a progress line, one epoch of
// training, evaluation, and checkpoints (model + optimizer + epoch in one safetensors file).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include <tapegrad/tapegrad.h>

namespace example {

struct Options {
  int epochs = 10;
  int64_t batch = 128;
  double lr = 1e-3;
  int threads = 0;      // 0: all cores
  int workers = 1;      // DataLoader threads
  int64_t limit = 0;    // use only the first `limit` training images (0: all)
  uint64_t seed = 0;
  std::string data = tg::data::FashionMNIST::kDefaultRoot;
  std::string checkpoint = {};  // written after every epoch when set
  bool resume = false;     // continue from `checkpoint`
  tg::Device device = tg::Device::cpu();  // --device cuda: train on the GPU
};

inline Options parse(int argc, char** argv, Options o) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw tg::ValueError("option " + a + " needs a value");
      return argv[++i];
    };
    if (a == "--epochs") o.epochs = std::stoi(next());
    else if (a == "--batch") o.batch = std::stoll(next());
    else if (a == "--lr") o.lr = std::stod(next());
    else if (a == "--threads") o.threads = std::stoi(next());
    else if (a == "--workers") o.workers = std::stoi(next());
    else if (a == "--limit") o.limit = std::stoll(next());
    else if (a == "--seed") o.seed = std::stoull(next());
    else if (a == "--data") o.data = next();
    else if (a == "--checkpoint") o.checkpoint = next();
    else if (a == "--resume") o.resume = true;
    else if (a == "--device") o.device = tg::Device(next());
    else throw tg::ValueError("unknown option " + a +
                              " (known: --epochs --batch --lr --threads --workers --limit --seed --data --checkpoint"
                              " --resume --device)");
  }
  if (o.resume && o.checkpoint.empty()) throw tg::ValueError("--resume needs --checkpoint PATH");
  if (o.threads > 0) tg::set_num_threads(o.threads);
  return o;
}

// Training and test splits, normalised with Fashion-MNIST's statistics.
inline std::pair<tg::data::TensorDataset, tg::data::TensorDataset> load_data(const Options& o) {
  auto normalize = tg::data::transforms::Normalize({tg::data::FashionMNIST::kMean}, {tg::data::FashionMNIST::kStd});
  tg::data::FashionMNIST train(tg::data::FashionMNIST::Split::Train, o.data, normalize);
  tg::data::FashionMNIST test(tg::data::FashionMNIST::Split::Test, o.data, normalize);
  tg::Tensor x = train.images(), y = train.targets();
  if (o.limit > 0 && o.limit < x.size(0)) {
    x = x.narrow(0, 0, o.limit);
    y = y.narrow(0, 0, o.limit);
  }
  return {tg::data::TensorDataset(x, y), tg::data::TensorDataset(test.images(), test.targets())};
}

// One line, redrawn in place on a terminal; a few lines per epoch otherwise (logs, CTest).
class Progress {
 public:
  Progress(int epoch, int epochs, int64_t batches)
      : epoch_(epoch), epochs_(epochs), batches_(batches), tty_(isatty(fileno(stdout))),
        start_(std::chrono::steady_clock::now()) {}
  void update(int64_t batch, double loss, int64_t samples) {
    loss_sum_ += loss;
    ++loss_count_;
    const bool last = batch == batches_;
    if (!last && (tty_ ? batch % 10 != 0 : batch % std::max<int64_t>(1, batches_ / 4) != 0)) return;
    const int width = 30, filled = static_cast<int>(width * batch / batches_);
    std::printf("%sepoch %d/%d [%s%s] %ld/%ld  loss %.4f  %.0f samples/s%s", tty_ ? "\r" : "", epoch_, epochs_,
                std::string(static_cast<size_t>(filled), '=').c_str(),
                std::string(static_cast<size_t>(width - filled), ' ').c_str(), static_cast<long>(batch),
                static_cast<long>(batches_), loss_sum_ / static_cast<double>(loss_count_), samples / seconds(),
                tty_ ? "" : "\n");
    std::fflush(stdout);
    loss_sum_ = 0;
    loss_count_ = 0;
  }
  double seconds() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
  void finish() const {
    if (tty_) std::printf("\n");
  }

 private:
  int epoch_, epochs_;
  int64_t batches_;
  bool tty_;
  std::chrono::steady_clock::time_point start_;
  double loss_sum_ = 0;
  int64_t loss_count_ = 0;
};

// One pass over the loader; returns samples per second.
template <class Model>
double train_epoch(Model& model, tg::optim::Optimizer& optimizer, tg::data::DataLoader& loader, int epoch, int epochs,
                   tg::Device device) {
  model->train();
  Progress progress(epoch, epochs, loader.size());
  int64_t batch_no = 0, samples = 0;
  for (const tg::data::Example& batch : loader) {
    optimizer.zero_grad();
    tg::Tensor loss = tg::F::cross_entropy(model(batch.data.to(device)), batch.target.to(device));
    loss.backward();
    optimizer.step();
    samples += batch.data.size(0);
    progress.update(++batch_no, loss.item<double>(), samples);
  }
  progress.finish();
  return static_cast<double>(samples) / progress.seconds();
}

template <class Model>
double accuracy(Model& model, const tg::data::TensorDataset& test, tg::Device device) {
  tg::NoGradGuard no_grad;
  model->eval();
  int64_t correct = 0;
  const int64_t n = test.size(), chunk = 1000;
  for (int64_t i = 0; i < n; i += chunk) {
    const int64_t len = std::min(chunk, n - i);
    tg::Tensor logits = model(test.data().narrow(0, i, len).to(device));
    correct += tg::eq(logits.argmax(1), test.targets().narrow(0, i, len).to(device)).sum().template item<int64_t>();
  }
  return static_cast<double>(correct) / static_cast<double>(n);
}

inline void save_checkpoint(const std::string& path, const tg::nn::Module& model, const tg::optim::Optimizer& optimizer,
                            int epoch, double acc) {
  tg::nn::NamedTensors all;
  for (const auto& [k, v] : model.state_dict()) all.insert("model." + k, v);
  for (const auto& [k, v] : optimizer.state_dict()) all.insert("optimizer." + k, v);
  tg::save(path, all, {{"epoch", std::to_string(epoch)}, {"test_accuracy", std::to_string(acc)}});
}

// Restores model and optimizer; returns the epoch the checkpoint finished.
inline int load_checkpoint(const std::string& path, tg::nn::Module& model, tg::optim::Optimizer& optimizer) {
  tg::Metadata meta;
  tg::nn::NamedTensors all = tg::load(path, &meta), model_state, optimizer_state;
  for (const auto& [k, v] : all) {
    if (k.starts_with("model.")) model_state.insert(k.substr(6), v);
    else if (k.starts_with("optimizer.")) optimizer_state.insert(k.substr(10), v);
  }
  model.load_state_dict(model_state);
  optimizer.load_state_dict(optimizer_state);
  if (!meta.count("epoch")) throw tg::Error(path + ": checkpoint has no epoch in its metadata");
  return std::stoi(meta["epoch"]);
}

// The whole program: data, optional resume, epochs with test accuracy and checkpoints. With
// cosine_lr the learning rate follows a cosine from lr to 0 over the epochs (stepped per epoch).
template <class Model>
int run(const char* title, Model& model, tg::optim::Optimizer& optimizer, const Options& o, bool cosine_lr = false) {
  auto [train, test] = load_data(o);
  // Parameters move in place, so the optimizer (made with them) follows.
  model->to(o.device);
  std::printf("%s\nFashion-MNIST: %ld training, %ld test images; batch %ld, lr %g, %d threads, on %s\n", title,
              static_cast<long>(train.size()), static_cast<long>(test.size()), static_cast<long>(o.batch), o.lr,
              tg::get_num_threads(), o.device.str().c_str());
  std::unique_ptr<tg::optim::CosineAnnealingLR> schedule;
  if (cosine_lr) schedule = std::make_unique<tg::optim::CosineAnnealingLR>(optimizer, o.epochs);
  int start = 1;
  if (o.resume) {
    start = load_checkpoint(o.checkpoint, *model, optimizer) + 1;
    if (schedule) {
      // Replay the schedule's epochs, then restore the exact optimizer state (rate included) again.
      for (int e = 1; e < start; ++e) schedule->step();
      load_checkpoint(o.checkpoint, *model, optimizer);
    }
    std::printf("resumed from %s after epoch %d\n", o.checkpoint.c_str(), start - 1);
  }
  tg::data::DataLoader loader(train, {.batch_size = o.batch,
                                      .shuffle = true,
                                      .num_workers = o.workers,
                                      .seed = o.seed,
                                      .pin_memory = o.device.is_cuda()});
  // Epoch e of a resumed run draws the same shuffle as epoch e of an uninterrupted one.
  for (int e = 1; e < start; ++e) loader.begin();
  double acc = 0, best = 0;
  int best_epoch = 0;
  for (int epoch = start; epoch <= o.epochs; ++epoch) {
    const double rate = train_epoch(model, optimizer, loader, epoch, o.epochs, o.device);
    if (schedule) schedule->step();
    acc = accuracy(model, test, o.device);
    if (acc > best) {
      best = acc;
      best_epoch = epoch;
    }
    std::printf("epoch %d  test accuracy %.4f  (%.0f samples/s)\n", epoch, acc, rate);
    if (!o.checkpoint.empty()) save_checkpoint(o.checkpoint, *model, optimizer, epoch, acc);
  }
  std::printf("final test accuracy %.4f (best %.4f, epoch %d)\n", acc, best, best_epoch);
  return 0;
}

}  // namespace example
