// Fashion-MNIST from its IDX .gz files, decoded with zlib.
#include "tapegrad/data/fashion_mnist.h"

#include <zlib.h>

#include <memory>
#include <vector>

#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::data {
namespace {

// No IDX file we read is near this; a header claiming more is corrupt or hostile.
constexpr uint64_t kMaxIdxBytes = uint64_t{1} << 31;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

}  // namespace

Tensor read_idx_gz(const std::string& path) {
  std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
  TG_CHECK(file != nullptr,
           "read_idx_gz: cannot open {} (install Debian's dataset-fashion-mnist, or pass the folder that holds the "
           "IDX .gz files)",
           path);
  gzFile f = file.get();
  unsigned char magic[4];
  TG_CHECK(gzread(f, magic, 4) == 4, "read_idx_gz: {} is truncated (no IDX header)", path);
  TG_CHECK(magic[0] == 0 && magic[1] == 0 && magic[2] == 0x08 && magic[3] >= 1 && magic[3] <= 4,
           "read_idx_gz: {} is not an IDX file of unsigned bytes (magic {:02x} {:02x} {:02x} {:02x})", path, magic[0],
           magic[1], magic[2], magic[3]);
  Shape dims;
  uint64_t total = 1;
  for (int d = 0; d < magic[3]; ++d) {
    unsigned char b[4];
    TG_CHECK(gzread(f, b, 4) == 4, "read_idx_gz: {} is truncated in its dims", path);
    const uint32_t v = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
    dims.push_back(v);
    total *= v;
    TG_CHECK(total <= kMaxIdxBytes, "read_idx_gz: {} claims an implausible size (dims {})", path, dims);
  }
  // Read in chunks: memory follows the data actually present, not what the header claims.
  std::vector<uint8_t> data;
  constexpr size_t kChunk = size_t{1} << 20;
  while (data.size() < total) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(kChunk, total - data.size()));
    const size_t old = data.size();
    data.resize(old + want);
    const int got = gzread(f, data.data() + old, static_cast<unsigned>(want));
    TG_CHECK(got >= 0, "read_idx_gz: {} is corrupt ({})", path, gzerror(f, nullptr));
    data.resize(old + static_cast<size_t>(got));
    TG_CHECK(got > 0 || data.size() == total, "read_idx_gz: {} is truncated: {} of {} data bytes", path, data.size(),
             total);
  }
  return tensor(data, kUInt8).view(dims);
}

FashionMNIST::FashionMNIST(Split split, std::string root, transforms::Transform transform) {
  const std::string prefix = root + (split == Split::Train ? "/train" : "/t10k");
  const std::string image_file = prefix + "-images-idx3-ubyte.gz", label_file = prefix + "-labels-idx1-ubyte.gz";
  Tensor images = read_idx_gz(image_file);
  Tensor labels = read_idx_gz(label_file);
  TG_CHECK(images.dim() == 3 && images.sizes()[1] == 28 && images.sizes()[2] == 28,
           "FashionMNIST: {} holds images of shape {}, expected [N, 28, 28]", image_file, images.sizes());
  TG_CHECK(labels.dim() == 1 && labels.sizes()[0] == images.sizes()[0],
           "FashionMNIST: {} holds {} labels for {} images", label_file, labels.numel(), images.sizes()[0]);
  if (labels.numel() > 0)
    TG_CHECK(labels.max().item<int64_t>() < 10, "FashionMNIST: {} holds label {}, expected 0..9", label_file,
             labels.max().item<int64_t>());
  images_ = images.to(kFloat32).div_(255.0).unsqueeze(1);
  if (transform) images_ = transform(images_);
  targets_ = labels.to(kInt64);
}

Example FashionMNIST::get(int64_t index) const {
  check_index(index);
  return {images_[index], targets_[index]};
}

Example FashionMNIST::get_batch(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices) check_index(i);
  Tensor idx = tensor(indices);
  return {images_.index_select(0, idx), targets_.index_select(0, idx)};
}

}  // namespace tg::data
