// The safetensors format: an 8-byte little-endian header length, a JSON header mapping names to
// {dtype, shape, data_offsets} (plus "__metadata__"), then the data. The loader checks every
// field, every size against the bytes present, and that the tensors tile the data exactly,
// before it allocates anything the file asks for.
#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>

#include "cpp_api/serialize/json.h"
#include "tapegrad/autograd/grad_mode.h"
#include "tapegrad/serialize.h"
#include "tapegrad/tensor/factories.h"

namespace tg {
namespace {

// The reference implementation's limit; no honest header comes near it.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

struct DTypeName {
  DType dtype;
  const char* name;
};
constexpr DTypeName kDTypes[] = {{kFloat64, "F64"}, {kFloat32, "F32"}, {kFloat16, "F16"},  {kBFloat16, "BF16"},
                                 {kInt64, "I64"},   {kInt32, "I32"},   {kInt16, "I16"},    {kInt8, "I8"},
                                 {kUInt8, "U8"},    {kBool, "BOOL"},   {kComplex64, "C64"}};

const char* dtype_name(DType t) {
  for (const auto& d : kDTypes)
    if (d.dtype == t) return d.name;
  TG_FAIL("safetensors: no safetensors name for dtype {}", t);
}

}  // namespace

std::string save_to_bytes(const nn::NamedTensors& tensors, const Metadata& metadata) {
  NoGradGuard no_grad;
  std::string header = "{";
  std::vector<Tensor> contiguous;
  uint64_t offset = 0;
  bool first = true;
  auto comma = [&] {
    if (!first) header += ",";
    first = false;
  };
  if (!metadata.empty()) {
    comma();
    header += "\"__metadata__\":{";
    bool first_meta = true;
    for (const auto& [k, v] : metadata) {
      if (!first_meta) header += ",";
      first_meta = false;
      header += json::quote(k) + ":" + json::quote(v);
    }
    header += "}";
  }
  for (const auto& [name, t] : tensors) {
    TG_CHECK(t.defined(), "save: tensor '{}' is undefined", name);
    TG_CHECK_VALUE(name != "__metadata__", "save: '__metadata__' is reserved and cannot name a tensor");
    Tensor c = t.cpu().contiguous();
    const uint64_t bytes = c.nbytes();
    comma();
    header += fmt::format("{}:{{\"dtype\":\"{}\",\"shape\":[{}],\"data_offsets\":[{},{}]}}", json::quote(name),
                          dtype_name(c.dtype()), fmt::join(c.sizes().begin(), c.sizes().end(), ","), offset,
                          offset + bytes);
    offset += bytes;
    contiguous.push_back(c);
  }
  header += "}";
  // Pad with spaces so that the data starts 8-byte aligned, as the reference writer does.
  header.append((8 - header.size() % 8) % 8, ' ');
  std::string out(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  out += header;
  out.reserve(out.size() + offset);
  for (const Tensor& c : contiguous) out.append(static_cast<const char*>(c.data_ptr()), c.nbytes());
  return out;
}

nn::NamedTensors load_from_bytes(std::string_view bytes, Metadata* metadata) {
  TG_CHECK(bytes.size() >= 8, "load: a safetensors file needs at least 8 bytes, got {}", bytes.size());
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<size_t>(i)]);
  TG_CHECK(n <= kMaxHeaderBytes, "load: header length {} exceeds the limit of {} bytes", n, kMaxHeaderBytes);
  TG_CHECK(n <= bytes.size() - 8, "load: header length {} runs past the end of the {}-byte file", n, bytes.size());
  const json::Value root = json::parse(bytes.substr(8, n), "load");
  TG_CHECK(root.kind == json::Value::Kind::Object, "load: the safetensors header is not a JSON object");
  const std::string_view data = bytes.substr(8 + n);

  struct Entry {
    std::string name;
    DType dtype;
    Shape shape;
    uint64_t begin, end;
  };
  std::vector<Entry> entries;
  for (const auto& [name, v] : root.object) {
    if (name == "__metadata__") {
      TG_CHECK(v.kind == json::Value::Kind::Object, "load: __metadata__ must be an object of strings");
      for (const auto& [k, s] : v.object) {
        TG_CHECK(s.kind == json::Value::Kind::String, "load: __metadata__ value '{}' is not a string", k);
        if (metadata) (*metadata)[k] = s.s;
      }
      continue;
    }
    TG_CHECK(v.kind == json::Value::Kind::Object, "load: entry '{}' is not an object", name);
    const json::Value *dtype = nullptr, *shape = nullptr, *offsets = nullptr;
    for (const auto& [field, fv] : v.object) {
      if (field == "dtype") dtype = &fv;
      else if (field == "shape") shape = &fv;
      else if (field == "data_offsets") offsets = &fv;
      else TG_FAIL("load: entry '{}' has an unknown field '{}'", name, field);
    }
    TG_CHECK(dtype && shape && offsets, "load: entry '{}' needs dtype, shape and data_offsets", name);
    TG_CHECK(dtype->kind == json::Value::Kind::String, "load: entry '{}': dtype is not a string", name);
    Entry e{name, kFloat32, {}, 0, 0};
    bool known = false;
    for (const auto& d : kDTypes)
      if (dtype->s == d.name) {
        e.dtype = d.dtype;
        known = true;
      }
    TG_CHECK(known, "load: entry '{}' has dtype '{}', which tapegrad does not support", name, dtype->s);
    TG_CHECK(shape->kind == json::Value::Kind::Array && shape->array.size() <= static_cast<size_t>(kMaxDims),
             "load: entry '{}': shape must be an array of at most {} sizes", name, kMaxDims);
    uint64_t numel = 1;
    for (const json::Value& s : shape->array) {
      TG_CHECK(s.kind == json::Value::Kind::Int && s.i >= 0, "load: entry '{}': shape holds a non-size", name);
      // Sizes are bounded by the data present, so the product cannot overflow unnoticed.
      TG_CHECK(s.i == 0 || numel <= std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(s.i),
               "load: entry '{}': shape overflows", name);
      numel *= static_cast<uint64_t>(s.i);
      e.shape.push_back(s.i);
    }
    TG_CHECK(offsets->kind == json::Value::Kind::Array && offsets->array.size() == 2 &&
                 offsets->array[0].kind == json::Value::Kind::Int && offsets->array[1].kind == json::Value::Kind::Int &&
                 offsets->array[0].i >= 0 && offsets->array[0].i <= offsets->array[1].i,
             "load: entry '{}': data_offsets must be [begin, end] with 0 <= begin <= end", name);
    e.begin = static_cast<uint64_t>(offsets->array[0].i);
    e.end = static_cast<uint64_t>(offsets->array[1].i);
    TG_CHECK(e.end <= data.size(), "load: entry '{}' ends at byte {} of a {}-byte data section (truncated file?)", name,
             e.end, data.size());
    TG_CHECK(numel <= data.size() && numel * itemsize(e.dtype) == e.end - e.begin,
             "load: entry '{}': shape {} of {} needs {} bytes but data_offsets span {}", name, e.shape, dtype->s,
             numel * itemsize(e.dtype), e.end - e.begin);
    entries.push_back(std::move(e));
  }
  // The tensors must tile the data section exactly, without gaps or overlaps.
  std::vector<const Entry*> by_offset;
  for (const Entry& e : entries) by_offset.push_back(&e);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Entry* a, const Entry* b) { return a->begin != b->begin ? a->begin < b->begin : a->end < b->end; });
  uint64_t expected = 0;
  for (const Entry* e : by_offset) {
    TG_CHECK(e->begin == expected, "load: entry '{}' starts at byte {} but the previous data ends at {}", e->name,
             e->begin, expected);
    expected = e->end;
  }
  TG_CHECK(expected == data.size(), "load: the tensors cover {} bytes of a {}-byte data section", expected, data.size());

  nn::NamedTensors out;
  for (const Entry& e : entries) {
    const char* src = data.data() + e.begin;
    if (e.dtype == kBool)
      for (uint64_t i = 0; i < e.end - e.begin; ++i)
        TG_CHECK(src[i] == 0 || src[i] == 1, "load: entry '{}' holds a bool that is neither 0 nor 1", e.name);
    Tensor t = empty(e.shape, e.dtype);
    if (e.end > e.begin) std::memcpy(t.data_ptr(), src, e.end - e.begin);
    out.insert(e.name, t);
  }
  return out;
}

void save(const std::string& path, const nn::NamedTensors& tensors, const Metadata& metadata) {
  const std::string bytes = save_to_bytes(tensors, metadata);
  // Written beside, then renamed: a crash mid-write never leaves a half checkpoint at `path`.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    TG_CHECK(f.good(), "save: cannot open {} for writing", tmp);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    TG_CHECK(f.good(), "save: writing {} failed", tmp);
  }
  TG_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "save: cannot move {} to {}", tmp, path);
}

nn::NamedTensors load(const std::string& path, Metadata* metadata) {
  std::ifstream f(path, std::ios::binary);
  TG_CHECK(f.good(), "load: cannot open {}", path);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  try {
    return load_from_bytes(bytes, metadata);
  } catch (const Error& e) {
    throw Error(fmt::format("{} (file {})", e.what(), path));
  }
}

void save(const std::string& path, const Tensor& tensor) { save(path, nn::NamedTensors{{"tensor", tensor}}); }

Tensor load_tensor(const std::string& path) {
  nn::NamedTensors t = load(path);
  TG_CHECK(t.contains("tensor"), "load_tensor: {} holds no tensor named 'tensor'", path);
  return t["tensor"];
}

void save(const std::string& path, const nn::Module& module) { save(path, module.state_dict()); }
void load(const std::string& path, nn::Module& module, bool strict) { module.load_state_dict(load(path), strict); }
void save(const std::string& path, const optim::Optimizer& optimizer) { save(path, optimizer.state_dict()); }
void load(const std::string& path, optim::Optimizer& optimizer) { optimizer.load_state_dict(load(path)); }

}  // namespace tg
