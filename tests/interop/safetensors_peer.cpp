// The C++ half of the safetensors interop test: reads the file that Python's `safetensors`
// wrote, checks every tensor against the formula both sides share, and writes its own file
// for Python to check.
//   safetensors_peer <from-python.safetensors> <from-tapegrad.safetensors>
#include <cstdio>

#include <tapegrad/tapegrad.h>

using namespace tg;

// The shared formula: element k of a tensor of `dtype` holds (k * 7 + 3) % 11 - 5, cast
// (bools: odd k).
Tensor expected(DType dtype, const Shape& shape) {
  Tensor k = arange(shape.numel(), kInt64);
  if (dtype == kBool) return remainder(k, 2).eq(1).view(shape);
  return (remainder(k * 7 + 3, 11) - 5).to(dtype).view(shape);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: safetensors_peer <in> <out>\n");
    return 2;
  }
  Metadata meta;
  nn::NamedTensors in = load(argv[1], &meta);
  if (meta["writer"] != "python") {
    std::fprintf(stderr, "metadata 'writer' is '%s'\n", meta["writer"].c_str());
    return 1;
  }
  const std::pair<const char*, DType> names[] = {{"f64", kFloat64}, {"f32", kFloat32}, {"f16", kFloat16},
                                                 {"i64", kInt64},   {"i32", kInt32},   {"i8", kInt8},
                                                 {"u8", kUInt8},    {"bool", kBool}};
  nn::NamedTensors out;
  for (const auto& [name, dtype] : names) {
    const Tensor t = in[name];
    if (t.dtype() != dtype || !equal(t.to(kFloat64), expected(dtype, t.sizes()).to(kFloat64))) {
      std::fprintf(stderr, "tensor %s differs: %s\n", name, t.str().c_str());
      return 1;
    }
    out.insert(name, expected(dtype, {2, 3, 4}).transpose(0, 2));  // written contiguous
  }
  save(argv[2], out, {{"writer", "tapegrad"}});
  std::printf("tapegrad read %zu tensors from Python and wrote %zu\n", in.size(), out.size());
  return 0;
}
