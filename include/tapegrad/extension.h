#pragma once
// What a C++ or CUDA extension includes: tensors and their ops, custom autograd Functions, and
// TG_EXTENSION_OP, which makes a function callable from Python once
// tg.utils.cpp_extension.load(name, sources=[...]) has built and loaded the sources:
//
//   tg::Tensor scaled_swish(const tg::Tensor& x, double beta) { return SwishFn::apply(x, beta); }
//   TG_EXTENSION_OP(scaled_swish);   // Python: ext.scaled_swish(x, 1.5)
//
// Arguments may be tg::Tensor, numbers (double, float, int64_t, int, bool, tg::Scalar), int lists
// (std::vector<int64_t>, tg::Shape) and std::string; results a Tensor, a tensor_list, a tuple of
// Tensors, or a number. No pybind11 here: extensions compile in seconds and do not depend on the
// binding's pybind11 version.
#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "tapegrad/autograd/function.h"
#include "tapegrad/tensor/factories.h"
#include "tapegrad/tensor/ops.h"

namespace tg::ext {

// One argument or result crossing the language boundary.
using Value = std::variant<Tensor, Scalar, std::vector<int64_t>, std::string>;

struct OpResult {
  std::vector<Value> values;
  bool single = true;  // one value (else a tuple)
};
using OpFn = std::function<OpResult(const std::vector<Value>& args)>;

struct Op {
  std::string name;
  size_t num_args = 0;
  OpFn fn;
};

// Registers an op (static initialisers of a loaded extension call it). The ops registered while
// a library loads belong to it: see begin_load / end_load.
bool register_op(std::string name, size_t num_args, OpFn fn);
// Brackets the loading of one extension library; end_load returns the ops it registered.
void begin_load();
std::vector<const Op*> end_load();
// Loads an extension library (dlopen) and returns its ops; a library loaded before returns the
// ops it registered then. Errors (missing file, undefined symbols) are a tg::Error.
std::vector<const Op*> load_library(const std::string& path);

namespace detail {

[[noreturn]] void bad_argument(const std::string& op, size_t index, const char* expected, const Value& got);

template <class T>
T from_value(const std::string& op, size_t index, const Value& v) {
  using D = std::decay_t<T>;
  if constexpr (std::is_same_v<D, Tensor>) {
    if (const Tensor* t = std::get_if<Tensor>(&v)) return *t;
    bad_argument(op, index, "a tensor", v);
  } else if constexpr (std::is_same_v<D, Scalar>) {
    if (const Scalar* s = std::get_if<Scalar>(&v)) return *s;
    bad_argument(op, index, "a number", v);
  } else if constexpr (std::is_arithmetic_v<D>) {
    if (const Scalar* s = std::get_if<Scalar>(&v)) return s->to<D>();
    bad_argument(op, index, "a number", v);
  } else if constexpr (std::is_same_v<D, std::vector<int64_t>> || std::is_same_v<D, Shape>) {
    if (const auto* l = std::get_if<std::vector<int64_t>>(&v)) return D(*l);
    bad_argument(op, index, "a list of ints", v);
  } else if constexpr (std::is_same_v<D, std::string>) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    bad_argument(op, index, "a string", v);
  } else {
    static_assert(sizeof(D) == 0, "TG_EXTENSION_OP: unsupported argument type");
  }
}

template <class R>
OpResult to_result(R&& r) {
  using D = std::decay_t<R>;
  if constexpr (std::is_same_v<D, Tensor> || std::is_same_v<D, Scalar> || std::is_arithmetic_v<D>) {
    if constexpr (std::is_arithmetic_v<D>) return {{Value(Scalar(r))}, true};
    else return {{Value(std::forward<R>(r))}, true};
  } else if constexpr (std::is_same_v<D, tensor_list>) {
    OpResult out{{}, false};
    for (auto& t : r) out.values.emplace_back(t);
    return out;
  } else {
    OpResult out{{}, false};
    std::apply([&](auto&... t) { (out.values.emplace_back(t), ...); }, r);
    return out;
  }
}

template <class R, class... A>
OpFn wrap(std::string name, R (*fn)(A...)) {
  return [name = std::move(name), fn](const std::vector<Value>& args) -> OpResult {
    if (args.size() != sizeof...(A))
      TG_FAIL("{}: expected {} arguments, got {}", name, sizeof...(A), args.size());
    return [&]<size_t... I>(std::index_sequence<I...>) {
      return to_result(fn(from_value<A>(name, I, args[I])...));
    }(std::index_sequence_for<A...>{});
  };
}

template <class R, class... A>
bool register_function(const char* name, R (*fn)(A...)) {
  return register_op(name, sizeof...(A), wrap(name, fn));
}

}  // namespace detail
}  // namespace tg::ext

// Makes `fn` (a free function) callable from Python as `<extension>.fn`.
#define TG_EXTENSION_OP(fn) \
  [[maybe_unused]] static const bool tg_extension_op_##fn = ::tg::ext::detail::register_function(#fn, &fn)
