// Trains a two-layer MLP on Fashion-MNIST with tensors, autograd and a hand-written SGD step,
// printing progress and test accuracy. (Modules, optimizers and a DataLoader come with tg::nn.)
//
//   fashion_mnist_mlp [--epochs 3] [--batch 128] [--lr 0.03] [--hidden 256] [--threads N]
//                     [--data /usr/share/datasets/fashion-mnist]
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include <tapegrad/tapegrad.h>

namespace {

// Reads a gzip-compressed IDX file (the MNIST format): big-endian magic, dims, then uint8 data.
std::vector<uint8_t> read_idx(const std::string& path, std::vector<int64_t>& dims) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw tg::Error("cannot open " + path + " (install Debian's dataset-fashion-mnist or pass --data)");
  auto read_u32 = [&] {
    unsigned char b[4];
    if (gzread(f, b, 4) != 4) throw tg::Error(path + ": truncated header");
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  };
  const uint32_t magic = read_u32();
  if ((magic >> 8) != 0x08) {
    gzclose(f);
    throw tg::Error(path + ": not an IDX file of unsigned bytes");
  }
  dims.assign(magic & 0xff, 0);
  size_t n = 1;
  for (auto& d : dims) {
    d = read_u32();
    n *= static_cast<size_t>(d);
  }
  std::vector<uint8_t> data(n);
  if (gzread(f, data.data(), static_cast<unsigned>(n)) != static_cast<int>(n)) {
    gzclose(f);
    throw tg::Error(path + ": truncated data");
  }
  gzclose(f);
  return data;
}

struct Split {
  tg::Tensor images;  // [N, 784] float32, normalised
  tg::Tensor labels;  // [N] int64
};

Split load(const std::string& dir, const std::string& prefix) {
  std::vector<int64_t> idims, ldims;
  std::vector<uint8_t> img = read_idx(dir + "/" + prefix + "-images-idx3-ubyte.gz", idims);
  std::vector<uint8_t> lab = read_idx(dir + "/" + prefix + "-labels-idx1-ubyte.gz", ldims);
  const int64_t n = idims[0];
  tg::Tensor images = tg::from_blob(img.data(), {n, idims[1] * idims[2]}, tg::kUInt8).to(tg::kFloat32);
  tg::Tensor labels = tg::from_blob(lab.data(), {n}, tg::kUInt8).to(tg::kInt64);
  // Fashion-MNIST's mean and standard deviation.
  return {(images / 255.0 - 0.2860) / 0.3530, labels};
}

// PyTorch's default Linear initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
tg::Tensor uniform_init(tg::Shape shape, int64_t fan_in) {
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  return ((tg::rand(shape) * 2 - 1) * bound).requires_grad_(true);
}

}  // namespace

int main(int argc, char** argv) {
  int epochs = 3, hidden = 256, threads = 0;
  int64_t batch = 128;
  double lr = 0.03, momentum = 0.9;
  std::string data = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--epochs") epochs = std::stoi(argv[i + 1]);
    else if (a == "--batch") batch = std::stoll(argv[i + 1]);
    else if (a == "--lr") lr = std::stod(argv[i + 1]);
    else if (a == "--hidden") hidden = std::stoi(argv[i + 1]);
    else if (a == "--threads") threads = std::stoi(argv[i + 1]);
    else if (a == "--data") data = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (threads > 0) tg::set_num_threads(threads);
  try {
    tg::manual_seed(0);
    const Split train = load(data, "train"), test = load(data, "t10k");
    std::printf("Fashion-MNIST: %ld training and %ld test images; MLP 784-%d-10, SGD lr %.3g momentum %.2g, batch %ld\n",
                static_cast<long>(train.images.size(0)), static_cast<long>(test.images.size(0)), hidden, lr, momentum,
                static_cast<long>(batch));

    tg::Tensor w1 = uniform_init({784, hidden}, 784), b1 = uniform_init({hidden}, 784);
    tg::Tensor w2 = uniform_init({hidden, 10}, hidden), b2 = uniform_init({10}, hidden);
    std::vector<tg::Tensor> params{w1, b1, w2, b2}, velocity;
    for (const auto& p : params) velocity.push_back(tg::zeros_like(p));
    auto forward = [&](const tg::Tensor& x) { return tg::relu(x.matmul(w1) + b1).matmul(w2) + b2; };

    const int64_t n = train.images.size(0), steps = n / batch;
    for (int epoch = 1; epoch <= epochs; ++epoch) {
      const auto start = std::chrono::steady_clock::now();
      tg::Tensor order = tg::randperm(n);
      double running = 0;
      for (int64_t s = 0; s < steps; ++s) {
        tg::Tensor idx = order.narrow(0, s * batch, batch);
        tg::Tensor loss = tg::F::cross_entropy(forward(train.images.index_select(0, idx)), train.labels.index_select(0, idx));
        for (auto& p : params) p.mutable_grad() = tg::Tensor();
        loss.backward();
        {
          tg::NoGradGuard no_grad;  // v = momentum * v + grad; p -= lr * v
          for (size_t i = 0; i < params.size(); ++i) {
            velocity[i].mul_(momentum).add_(params[i].grad());
            params[i].sub_(velocity[i], lr);
          }
        }
        running += loss.item<double>();
        if ((s + 1) % 100 == 0 || s + 1 == steps) {
          const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          std::printf("\repoch %d  batch %4ld/%ld  loss %.4f  %7.0f samples/s", epoch, static_cast<long>(s + 1),
                      static_cast<long>(steps), running / static_cast<double>((s % 100) + 1),
                      static_cast<double>((s + 1) * batch) / secs);
          std::fflush(stdout);
          if ((s + 1) % 100 == 0) running = 0;
        }
      }
      tg::NoGradGuard no_grad;
      const double correct = tg::eq(forward(test.images).argmax(1), test.labels).sum().item<double>();
      std::printf("\nepoch %d  test accuracy %.4f\n", epoch, correct / static_cast<double>(test.images.size(0)));
    }
  } catch (const tg::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
