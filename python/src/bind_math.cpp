// The math of tg.Tensor, each op both a method and a function of tg: the elementwise tables
// (unary_ops.def, binary_ops.def, compare_ops.def), Python's operators, reductions, shape ops,
// matrix products and softmax.
#include <string_view>

#include "bindings.h"

namespace tgpy {

namespace {

// f(a, b) with b a tensor, a number (kept a number, so it takes a's dtype, as in PyTorch) or
// anything tensor-like.
template <class F>
tg::Tensor binary(const tg::Tensor& a, py::handle b, F f) {
  if (is_tensor(b)) {
    const tg::Tensor& bt = as_tensor(b);
    return nogil([&] { return f(a, bt); });
  }
  if (is_number(b)) {
    const tg::Scalar s = to_scalar(b);
    return nogil([&] { return f(a, s); });
  }
  const tg::Tensor bt = to_tensor(b);
  return nogil([&] { return f(a, bt); });
}

// f(b, a) for the reflected operators (2 - x): b is a number or tensor-like.
template <class FS, class FT>
tg::Tensor reflected(const tg::Tensor& a, py::handle b, FS with_scalar, FT with_tensor) {
  if (is_number(b)) {
    const tg::Scalar s = to_scalar(b);
    return nogil([&] { return with_scalar(s, a); });
  }
  const tg::Tensor bt = to_tensor(b);
  return nogil([&] { return with_tensor(bt, a); });
}

// name(input, params...) for an activation with parameters A..., and name_ (in place) returning
// the input object.
template <class... A>
struct Params {};

template <class... A, class Fn, class... Extra>
void def_inplace_activation(py::module_& m, const char* name, Params<A...>, Fn fn_, const Extra&... extra) {
  m.def(
      name,
      [fn_, op = std::string(name)](py::object self, A... a) {
        tg::Tensor& t = as_tensor(self, op.c_str());
        nogil([&] { fn_(t, a..., tg::SourceLoc::current()); });
        return self;
      },
      py::arg("input"), extra...);
}
template <class... A, class Fn, class FnInplace, class... Extra>
void def_activation(py::module_& m, const char* name, Params<A...> params, Fn fn, FnInplace fn_,
                    const Extra&... extra) {
  m.def(name, [fn](const tg::Tensor& t, A... a) {
    return nogil([&] { return fn(t, a..., tg::SourceLoc::current()); });
  }, py::arg("input"), extra...);
  def_inplace_activation(m, (std::string(name) + "_").c_str(), params, fn_, extra...);
}

template <class F>
void def_binary_inplace(TensorClass& cls, const char* name, F f, const char* operand = "other") {
  cls.def(
      name,
      [f](py::object self, py::handle other) {
        const tg::Tensor& t = as_tensor(self);
        binary(t, other, [&](const tg::Tensor& a, const auto& b) { f(a, b); return a; });
        return self;
      },
      py::arg(operand));
}

// torch's keyword for the second operand: pow(input, exponent), the others' `other`.
constexpr const char* operand_name(std::string_view op) { return op == "pow" ? "exponent" : "other"; }

template <class F>
void def_compare(TensorClass& cls, const char* op, bool with_none, F f) {
  cls.def(op, [with_none, f](const tg::Tensor& a, py::handle b) -> py::object {
    if (b.is_none()) return py::bool_(with_none);
    return py::cast(binary(a, b, f));
  });
}

}  // namespace

void bind_math(py::module_& m, TensorClass& cls) {
  // ---- elementwise tables ----
#define TG_UNARY_OP(name, ...)                                                                           \
  def_op(m, cls, #name, [](const tg::Tensor& t) { return nogil([&] { return tg::name(t); }); },         \
         py::doc("Elementwise " #name " (records for autograd); in place: Tensor." #name "_()."));      \
  cls.def(#name "_", [](py::object self) {                                                              \
    nogil([&] { tg::name##_(as_tensor(self)); });                                                        \
    return self;                                                                                        \
  });
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP
#define TG_BINARY_OP(name, ...)                                                                          \
  def_op(m, cls, #name, [](const tg::Tensor& t, py::handle other) {                                      \
    return binary(t, other, [](const tg::Tensor& a, const auto& b) { return tg::name(a, b); });           \
  }, py::arg(operand_name(#name)), py::doc("Elementwise " #name " with broadcasting; the second operand is a "  \
                                           "tensor, a number or a list. In place: Tensor." #name "_(other).")); \
  def_binary_inplace(cls, #name "_", [](const tg::Tensor& a, const auto& b) { tg::name##_(a, b); },           \
                     operand_name(#name));
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP
#define TG_BITWISE_OP(name, ...)                                                                               \
  def_op(                                                                                                      \
      m, cls, #name,                                                                                           \
      [](const tg::Tensor& t, py::handle other) {                                                              \
        return binary(t, other, [](const tg::Tensor& a, const auto& b) { return tg::name(a, b); });            \
      },                                                                                                       \
      py::arg("other"),                                                                                        \
      py::doc("Elementwise " #name " of integer tensors (bool ones too for and, or, xor), with broadcasting; " \
              "other is a tensor, a number or a list. In place: Tensor." #name "_(other)."));                  \
  def_binary_inplace(cls, #name "_", [](const tg::Tensor& a, const auto& b) { tg::name##_(a, b); });
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
  def_op(m, cls, "bitwise_not", [](const tg::Tensor& t) { return nogil([&] { return tg::bitwise_not(t); }); });
  cls.def("bitwise_not_", [](py::object self) {
    nogil([&] { tg::bitwise_not_(as_tensor(self)); });
    return self;
  });
#define TG_COMPARE_OP(name, ...)                                                                            \
  def_op(                                                                                                   \
      m, cls, #name,                                                                                        \
      [](const tg::Tensor& t, py::handle other) {                                                           \
        return binary(t, other, [](const tg::Tensor& a, const auto& b) { return tg::name(a, b); });         \
      },                                                                                                    \
      py::arg("other"),                                                                                     \
      py::doc("Elementwise " #name " with broadcasting; a bool tensor. In place: Tensor." #name "_(other)," \
              " the result (1 or 0) in the tensor's dtype."));                                              \
  def_binary_inplace(cls, #name "_", [](const tg::Tensor& a, const auto& b) { tg::name##_(a, b); });
#include "tapegrad/tensor/compare_ops.def"
#undef TG_COMPARE_OP

  // add/sub with PyTorch's alpha, div with a rounding mode: the same names, more arguments.
  for (const char* name : {"add", "sub"}) {
    const bool is_add = name[0] == 'a';
    def_op(m, cls, name, [is_add](const tg::Tensor& t, py::handle other, const tg::Scalar& alpha) {
      return binary(t, other, [&](const tg::Tensor& a, const auto& b) {
        return is_add ? tg::add(a, b, alpha) : tg::sub(a, b, alpha);
      });
    }, py::arg("other"), py::kw_only(), py::arg("alpha"));
    cls.def(fmt::format("{}_", name).c_str(), [is_add](py::object self, const tg::Tensor& other, const tg::Scalar& alpha) {
      nogil([&] { is_add ? tg::add_(as_tensor(self), other, alpha) : tg::sub_(as_tensor(self), other, alpha); });
      return self;
    }, py::arg("other"), py::kw_only(), py::arg("alpha"));
  }
  // PyTorch's deprecated forms with the scale first, which older optimizer code calls
  // (p.add_(-lr, grad), exp_avg_sq.addcmul_(1 - beta2, grad, grad)): run, with torch's warning.
  const auto deprecated = [](const char* name, const char* form, const char* instead) {
    const std::string msg = fmt::format(
        "This overload of {} is deprecated:\n\t{}({})\nConsider using one of the "
        "following signatures instead:\n\t{}({})",
        name, name, form, name, instead);
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
  };
  // Two more arguments after the tensor: two numbers are torch's add(input, Number other, Number
  // alpha), without a warning (sub(uint8 tensor, -2.5, 2) subtracts -5.0); else the deprecated
  // (Number alpha, Tensor other).
  const auto other_and_alpha = [deprecated](const char* name, py::handle first, py::handle second) {
    if (is_number(first) && is_number(second)) {
      tg::Tensor other = to_tensor(first);
      other.impl()->wrapped_number_ = true;  // promotes as a number, as in x.add(2)
      return std::pair{other, to_scalar(second)};
    }
    deprecated(name, "Number alpha, Tensor other", "Tensor other, *, Number alpha = 1");
    return std::pair{to_tensor(second), to_scalar(first)};
  };
  for (const char* name : {"add", "sub"}) {
    const bool is_add = name[0] == 'a';
    def_op(
        m, cls, name,
        [is_add, name, other_and_alpha](const tg::Tensor& t, py::object first, py::object second) {
          const auto [other, alpha] = other_and_alpha(name, first, second);
          return nogil([&] { return is_add ? tg::add(t, other, alpha) : tg::sub(t, other, alpha); });
        },
        py::arg("alpha"), py::arg("other"));
    const std::string inplace = fmt::format("{}_", name);
    cls.def(
        inplace.c_str(),
        [is_add, inplace, other_and_alpha](py::object self, py::object first, py::object second) {
          const auto [other, alpha] = other_and_alpha(inplace.c_str(), first, second);
          nogil([&] { is_add ? tg::add_(as_tensor(self), other, alpha) : tg::sub_(as_tensor(self), other, alpha); });
          return self;
        },
        py::arg("alpha"), py::arg("other"));
  }
  def_op(m, cls, "div", [](const tg::Tensor& t, py::handle other, std::optional<std::string> rounding_mode) {
    return binary(t, other, [&](const tg::Tensor& a, const auto& b) {
      return rounding_mode ? tg::div(a, b, *rounding_mode) : tg::div(a, b);
    });
  }, py::arg("other"), py::kw_only(), py::arg("rounding_mode"));
  for (const char* alias : {"multiply", "subtract", "divide", "true_divide"}) {
    const std::string target = alias[0] == 'm' ? "mul" : alias[0] == 's' ? "sub" : "div";
    m.attr(alias) = m.attr(target.c_str());
    cls.attr(alias) = cls.attr(target.c_str());
    cls.attr((std::string(alias) + "_").c_str()) = cls.attr((target + "_").c_str());
  }
  def_op(m, cls, "logical_not", [](const tg::Tensor& t) { return nogil([&] { return t.logical_not(); }); });
  def_inplace<>(cls, "logical_not_", [](const tg::Tensor& t) { nogil([&] { t.logical_not_(); }); });
  def_inplace<>(cls, "square_", [](const tg::Tensor& t) { nogil([&] { t.square_(); }); });
  def_op(m, cls, "isnan", [](const tg::Tensor& t) { return nogil([&] { return tg::isnan(t); }); });
  def_op(m, cls, "isinf", [](const tg::Tensor& t) { return nogil([&] { return tg::isinf(t); }); });
  def_op(m, cls, "isposinf", [](const tg::Tensor& t) { return nogil([&] { return tg::isposinf(t); }); });
  def_op(m, cls, "isneginf", [](const tg::Tensor& t) { return nogil([&] { return tg::isneginf(t); }); });
  def_op(m, cls, "isfinite", [](const tg::Tensor& t) { return nogil([&] { return tg::isfinite(t); }); });
  def_op(m, cls, "square", [](const tg::Tensor& t) { return nogil([&] { return t.square(); }); });
  def_op(m, cls, "allclose", [](const tg::Tensor& a, const tg::Tensor& b, double rtol, double atol, bool equal_nan) {
    return nogil([&] { return tg::allclose(a, b, rtol, atol, equal_nan); });
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  def_op(m, cls, "equal", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return tg::equal(a, b); }); },
         py::arg("other"));
  def_op(m, cls, "isclose", [](const tg::Tensor& a, const tg::Tensor& b, double rtol, double atol, bool equal_nan) {
    return nogil([&] { return tg::isclose(a, b, rtol, atol, equal_nan); });
  }, py::arg("other"), py::arg("rtol") = 1e-5, py::arg("atol") = 1e-8, py::arg("equal_nan") = false);
  for (const char* name : {"addcmul", "addcdiv"}) {
    const bool mul = std::string_view(name) == "addcmul";
    def_op(m, cls, name, [mul](const tg::Tensor& t, const tg::Tensor& a, const tg::Tensor& b, const tg::Scalar& v) {
      return nogil([&] { return mul ? t.addcmul(a, b, v) : t.addcdiv(a, b, v); });
    }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
    cls.def((std::string(name) + "_").c_str(), [mul](py::object self, const tg::Tensor& a, const tg::Tensor& b,
                                                    const tg::Scalar& v) {
      nogil([&] { mul ? as_tensor(self).addcmul_(a, b, v) : as_tensor(self).addcdiv_(a, b, v); });
      return self;
    }, py::arg("tensor1"), py::arg("tensor2"), py::kw_only(), py::arg("value") = 1);
    // The deprecated form with the value first, as above.
    def_op(
        m, cls, name,
        [mul, name, deprecated](const tg::Tensor& t, const tg::Scalar& v, const tg::Tensor& a, const tg::Tensor& b) {
          deprecated(name, "Number value, Tensor tensor1, Tensor tensor2",
                     "Tensor tensor1, Tensor tensor2, *, Number value = 1");
          return nogil([&] { return mul ? t.addcmul(a, b, v) : t.addcdiv(a, b, v); });
        },
        py::arg("value"), py::arg("tensor1"), py::arg("tensor2"));
    const std::string inplace = std::string(name) + "_";
    cls.def(
        inplace.c_str(),
        [mul, inplace, deprecated](py::object self, const tg::Scalar& v, const tg::Tensor& a, const tg::Tensor& b) {
          deprecated(inplace.c_str(), "Number value, Tensor tensor1, Tensor tensor2",
                     "Tensor tensor1, Tensor tensor2, *, Number value = 1");
          nogil([&] { mul ? as_tensor(self).addcmul_(a, b, v) : as_tensor(self).addcdiv_(a, b, v); });
          return self;
        },
        py::arg("value"), py::arg("tensor1"), py::arg("tensor2"));
  }
  // nan=None is 0, as torch's.
  def_op(
      m, cls, "nan_to_num",
      [](const tg::Tensor& t, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
        return nogil([&] { return t.nan_to_num(nan.value_or(0.0), posinf, neginf); });
      },
      py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  def_inplace<std::optional<double>, std::optional<double>, std::optional<double>>(
      cls, "nan_to_num_",
      [](const tg::Tensor& t, std::optional<double> nan, std::optional<double> posinf, std::optional<double> neginf) {
        nogil([&] { t.nan_to_num_(nan.value_or(0.0), posinf, neginf); });
      },
      py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());

  // clamp(min, max) with numbers or tensors for the bounds.
  auto clamp = [](const tg::Tensor& t, py::object min, py::object max) {
    const bool tensors = (!min.is_none() && !is_number(min)) || (!max.is_none() && !is_number(max));
    TG_CHECK_VALUE(!min.is_none() || !max.is_none(), "clamp: at least one of min and max must be given");
    if (tensors) {
      std::optional<tg::Tensor> lo, hi;
      if (!min.is_none()) lo = to_tensor(min);
      if (!max.is_none()) hi = to_tensor(max);
      return nogil([&] { return t.clamp(lo, hi); });
    }
    std::optional<tg::Scalar> lo, hi;
    if (!min.is_none()) lo = to_scalar(min);
    if (!max.is_none()) hi = to_scalar(max);
    return nogil([&] { return t.clamp(lo, hi); });
  };
  def_op(m, cls, "clamp", clamp, py::arg("min") = py::none(), py::arg("max") = py::none());
  def_op(m, cls, "clip", clamp, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def(
      "clamp_",
      [](py::object self, py::object min, py::object max) {
        const tg::Tensor& t = as_tensor(self);
        TG_CHECK_VALUE(!min.is_none() || !max.is_none(), "clamp_: at least one of min and max must be given");
        if ((!min.is_none() && !is_number(min)) || (!max.is_none() && !is_number(max))) {
          std::optional<tg::Tensor> lo, hi;
          if (!min.is_none()) lo = to_tensor(min);
          if (!max.is_none()) hi = to_tensor(max);
          nogil([&] { t.clamp_(lo, hi); });
        } else {
          std::optional<tg::Scalar> lo, hi;
          if (!min.is_none()) lo = to_scalar(min);
          if (!max.is_none()) hi = to_scalar(max);
          nogil([&] { t.clamp_(lo, hi); });
        }
        return self;
      },
      py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.attr("clip_") = cls.attr("clamp_");
  // clamp_min / clamp_max and their in-place forms, with a number or a tensor bound.
  for (const bool is_min : {true, false}) {
    const char* bound = is_min ? "min" : "max";
    def_op(
        m, cls, is_min ? "clamp_min" : "clamp_max",
        [is_min](const tg::Tensor& t, py::handle v) {
          if (is_number(v)) {
            const tg::Scalar s = to_scalar(v);
            return nogil([&] { return is_min ? t.clamp_min(s) : t.clamp_max(s); });
          }
          const tg::Tensor b = to_tensor(v);
          return nogil([&] { return is_min ? t.clamp_min(b) : t.clamp_max(b); });
        },
        py::arg(bound));
    cls.def(
        is_min ? "clamp_min_" : "clamp_max_",
        [is_min](py::object self, py::handle v) {
          const tg::Tensor& t = as_tensor(self);
          if (is_number(v)) {
            const tg::Scalar s = to_scalar(v);
            nogil([&] { is_min ? t.clamp_min_(s) : t.clamp_max_(s); });
          } else {
            const tg::Tensor b = to_tensor(v);
            nogil([&] { is_min ? t.clamp_min_(b) : t.clamp_max_(b); });
          }
          return self;
        },
        py::arg(bound));
  }
  def_op(m, cls, "positive", [](const tg::Tensor& t) { return nogil([&] { return tg::positive(t); }); });
  def_op(m, cls, "sgn", [](const tg::Tensor& t) { return nogil([&] { return tg::sgn(t); }); });
  def_inplace<>(cls, "sgn_", [](const tg::Tensor& t) { nogil([&] { tg::sgn_(t); }); });
  def_op(m, cls, "ravel", [](const tg::Tensor& t) { return nogil([&] { return t.ravel(); }); });
  def_op(m, cls, "lerp", [](const tg::Tensor& t, const tg::Tensor& end, py::handle weight) {
    if (is_number(weight)) return nogil([&, w = to_scalar(weight)] { return t.lerp(end, w); });
    tg::Tensor w = to_tensor(weight);
    return nogil([&] { return t.lerp(end, w); });
  }, py::arg("end"), py::arg("weight"));
  cls.def("lerp_", [](py::object self, const tg::Tensor& end, py::handle weight) {
    const tg::Tensor& t = as_tensor(self);
    if (is_number(weight)) {
      nogil([&, w = to_scalar(weight)] { t.lerp_(end, w); });
    } else {
      tg::Tensor w = to_tensor(weight);
      nogil([&] { t.lerp_(end, w); });
    }
    return self;
  }, py::arg("end"), py::arg("weight"));

  // Activations that take parameters (relu, sigmoid, tanh are in the unary table).
  m.def("leaky_relu", [](const tg::Tensor& t, double slope) { return nogil([&] { return tg::leaky_relu(t, slope); }); },
        py::arg("input"), py::arg("negative_slope") = 0.01);
  m.def("elu", [](const tg::Tensor& t, double alpha) { return nogil([&] { return tg::elu(t, alpha); }); },
        py::arg("input"), py::arg("alpha") = 1.0);
  m.def("gelu", [](const tg::Tensor& t, const std::string& a) { return nogil([&] { return tg::gelu(t, a); }); },
        py::arg("input"), py::arg("approximate") = "none");
  m.def("silu", [](const tg::Tensor& t) { return nogil([&] { return tg::silu(t); }); }, py::arg("input"));
  m.def("softplus", [](const tg::Tensor& t, double beta, double threshold) {
    return nogil([&] { return tg::softplus(t, beta, threshold); });
  }, py::arg("input"), py::arg("beta") = 1.0, py::arg("threshold") = 20.0);
  // Each with its in-place twin (tg.selu_, which returns the input object).
  def_activation(m, "selu", Params<>{}, &tg::selu, &tg::selu_);
  def_activation(m, "celu", Params<double>{}, &tg::celu, &tg::celu_, py::arg("alpha") = 1.0);
  def_activation(m, "hardtanh", Params<double, double>{}, &tg::hardtanh, &tg::hardtanh_, py::arg("min_val") = -1.0,
                 py::arg("max_val") = 1.0);
  def_activation(m, "relu6", Params<>{}, &tg::relu6, &tg::relu6_);
  def_activation(m, "hardsigmoid", Params<>{}, &tg::hardsigmoid, &tg::hardsigmoid_);
  def_activation(m, "hardswish", Params<>{}, &tg::hardswish, &tg::hardswish_);
  def_activation(m, "mish", Params<>{}, &tg::mish, &tg::mish_);
  def_inplace_activation(m, "silu_", Params<>{}, &tg::silu_);
  def_inplace_activation(m, "leaky_relu_", Params<double>{}, &tg::leaky_relu_, py::arg("negative_slope") = 0.01);
  def_inplace_activation(m, "elu_", Params<double>{}, &tg::elu_, py::arg("alpha") = 1.0);

  // ---- operators ----
  auto add = [](const tg::Tensor& a, const auto& b) { return tg::add(a, b); };
  auto mul = [](const tg::Tensor& a, const auto& b) { return tg::mul(a, b); };
  cls.def("__add__", [add](const tg::Tensor& a, py::handle b) { return binary(a, b, add); })
      .def("__radd__", [add](const tg::Tensor& a, py::handle b) { return binary(a, b, add); })
      .def("__mul__", [mul](const tg::Tensor& a, py::handle b) { return binary(a, b, mul); })
      .def("__rmul__", [mul](const tg::Tensor& a, py::handle b) { return binary(a, b, mul); })
      .def("__sub__", [](const tg::Tensor& a, py::handle b) {
        return binary(a, b, [](const tg::Tensor& x, const auto& y) { return tg::sub(x, y); });
      })
      .def("__rsub__", [](const tg::Tensor& a, py::handle b) {
        return reflected(a, b, [](const tg::Scalar& s, const tg::Tensor& x) { return tg::sub(s, x); },
                         [](const tg::Tensor& y, const tg::Tensor& x) { return tg::sub(y, x); });
      })
      .def("__truediv__", [](const tg::Tensor& a, py::handle b) {
        return binary(a, b, [](const tg::Tensor& x, const auto& y) { return tg::div(x, y); });
      })
      .def("__rtruediv__", [](const tg::Tensor& a, py::handle b) {
        return reflected(a, b, [](const tg::Scalar& s, const tg::Tensor& x) { return tg::div(s, x); },
                         [](const tg::Tensor& y, const tg::Tensor& x) { return tg::div(y, x); });
      })
      .def("__floordiv__", [](const tg::Tensor& a, py::handle b) {
        return binary(a, b, [](const tg::Tensor& x, const auto& y) { return tg::floor_divide(x, y); });
      })
      .def("__rfloordiv__", [](const tg::Tensor& a, py::handle b) {
        return reflected(a, b, [](const tg::Scalar& s, const tg::Tensor& x) { return tg::floor_divide(tg::full_like(x, s, tg::promote_types(x.dtype(), s.dtype())), x); },
                         [](const tg::Tensor& y, const tg::Tensor& x) { return tg::floor_divide(y, x); });
      })
      .def("__mod__", [](const tg::Tensor& a, py::handle b) {
        return binary(a, b, [](const tg::Tensor& x, const auto& y) { return tg::remainder(x, y); });
      })
      .def("__rmod__", [](const tg::Tensor& a, py::handle b) {
        return reflected(a, b, [](const tg::Scalar& s, const tg::Tensor& x) { return tg::remainder(tg::full_like(x, s, tg::promote_types(x.dtype(), s.dtype())), x); },
                         [](const tg::Tensor& y, const tg::Tensor& x) { return tg::remainder(y, x); });
      })
      .def("__pow__", [](const tg::Tensor& a, py::handle b) {
        return binary(a, b, [](const tg::Tensor& x, const auto& y) { return tg::pow(x, y); });
      })
      .def("__rpow__", [](const tg::Tensor& a, py::handle b) {
        return reflected(a, b, [](const tg::Scalar& s, const tg::Tensor& x) { return tg::pow(s, x); },
                         [](const tg::Tensor& y, const tg::Tensor& x) { return tg::pow(y, x); });
      })
      .def("__matmul__", [](const tg::Tensor& a, py::handle b) {
        const tg::Tensor bt = to_tensor(b);
        return nogil([&] { return tg::matmul(a, bt); });
      })
      .def("__rmatmul__", [](const tg::Tensor& a, py::handle b) {
        const tg::Tensor bt = to_tensor(b);
        return nogil([&] { return tg::matmul(bt, a); });
      })
      .def("__neg__", [](const tg::Tensor& a) { return nogil([&] { return tg::neg(a); }); })
      .def("__pos__", [](const tg::Tensor& a) { return a; })
      .def("__abs__", [](const tg::Tensor& a) { return nogil([&] { return tg::abs(a); }); })
      .def("__invert__", [](const tg::Tensor& a) { return nogil([&] { return tg::bitwise_not(a); }); });
  // &, |, ^, <<, >> are the bitwise ops (logical ones for bool tensors), as in PyTorch.
#define TG_BITWISE_OP(name, Name, op)                                                         \
  if (std::string_view(#op) != "none") {                                                      \
    cls.def("__" #op "__", [](const tg::Tensor& a, py::handle b) {                            \
      return binary(a, b, [](const tg::Tensor& x, const auto& y) { return tg::name(x, y); }); \
    });                                                                                       \
    cls.def("__r" #op "__", [](const tg::Tensor& a, py::handle b) {                           \
      return reflected(                                                                       \
          a, b, [](const tg::Scalar& s, const tg::Tensor& x) { return tg::name(s, x); },      \
          [](const tg::Tensor& y, const tg::Tensor& x) { return tg::name(y, x); });           \
    });                                                                                       \
    cls.attr("__i" #op "__") = cls.attr(#name "_");                                           \
  }
#include "tapegrad/tensor/bitwise_ops.def"
#undef TG_BITWISE_OP
  // Comparisons (x == None is False and x != None True, as in PyTorch).
  def_compare(cls, "__eq__", false, [](const tg::Tensor& x, const auto& y) { return tg::eq(x, y); });
  def_compare(cls, "__ne__", true, [](const tg::Tensor& x, const auto& y) { return tg::ne(x, y); });
  def_compare(cls, "__lt__", false, [](const tg::Tensor& x, const auto& y) { return tg::lt(x, y); });
  def_compare(cls, "__le__", false, [](const tg::Tensor& x, const auto& y) { return tg::le(x, y); });
  def_compare(cls, "__gt__", false, [](const tg::Tensor& x, const auto& y) { return tg::gt(x, y); });
  def_compare(cls, "__ge__", false, [](const tg::Tensor& x, const auto& y) { return tg::ge(x, y); });
  // In-place operators return the object itself.
  const std::pair<const char*, const char*> inplace_ops[] = {
      {"__iadd__", "add_"}, {"__isub__", "sub_"}, {"__imul__", "mul_"}, {"__itruediv__", "div_"}, {"__ipow__", "pow_"}};
  for (const auto& [op, method] : inplace_ops) cls.attr(op) = cls.attr(method);

  // ---- reductions ----
  for (const char* name : {"sum", "mean", "prod"}) {
    const char kind = name[0] == 's' ? 's' : name[0] == 'm' ? 'm' : 'p';
    def_op(m, cls, name, [kind](const tg::Tensor& t, py::object dim, bool keepdim, std::optional<tg::DType> dtype) {
      std::optional<tg::Shape> dims = dims_of(dim);
      return nogil([&] {
        if (!dims) {
          tg::Tensor r = kind == 's' ? t.sum(dtype) : kind == 'm' ? t.mean(dtype) : t.prod(dtype);
          return keepdim ? r.reshape(tg::Shape::filled(t.dim(), 1)) : r;
        }
        return kind == 's' ? t.sum(*dims, keepdim, dtype) : kind == 'm' ? t.mean(*dims, keepdim, dtype)
                                                          : t.prod(*dims, keepdim, dtype);
      });
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  }
  for (const char* name : {"max", "min"}) {
    const bool is_max = name[1] == 'a';
    def_op(m, cls, name, [is_max](const tg::Tensor& t, py::object dim, bool keepdim) -> py::object {
      if (dim.is_none()) return py::cast(nogil([&] { return is_max ? t.max() : t.min(); }));
      if (is_tensor(dim)) {
        const tg::Tensor& o = as_tensor(dim);
        return py::cast(nogil([&] { return is_max ? t.max(o) : t.min(o); }));
      }
      const auto d = py::cast<int64_t>(dim);
      return values_indices(nogil([&] { return is_max ? t.max(d, keepdim) : t.min(d, keepdim); }));
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
    // x.max(other=y), torch's name for the elementwise form.
    def_op(m, cls, name, [is_max](const tg::Tensor& t, const tg::Tensor& o) {
      return nogil([&] { return is_max ? t.max(o) : t.min(o); });
    }, py::arg("other"));
  }
  for (const char* name : {"amax", "amin"}) {
    const bool is_max = name[2] == 'a';
    def_op(m, cls, name, [is_max](const tg::Tensor& t, py::object dim, bool keepdim) {
      tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
      return nogil([&] { return is_max ? t.amax(dims, keepdim) : t.amin(dims, keepdim); });
    }, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
  // torch's older var(unbiased) form: a lone bool where dim goes.
  const auto unbiased_first = [](py::object& dim, std::optional<bool>& unbiased) {
    if (!PyBool_Check(dim.ptr())) return;
    TG_CHECK_TYPE(!unbiased, "var: unbiased given twice (a bool dim is the unbiased flag)");
    unbiased = dim.ptr() == Py_True;
    dim = py::none();
  };
  for (const char* name : {"var", "std"}) {
    const bool is_var = name[0] == 'v';
    def_op(
        m, cls, name,
        [is_var, unbiased_first](const tg::Tensor& t, py::object dim, std::optional<bool> unbiased, bool keepdim,
                                 std::optional<double> correction) {
          unbiased_first(dim, unbiased);
          tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
          const double c = correction ? *correction : (unbiased.value_or(true) ? 1.0 : 0.0);
          return nogil([&] { return is_var ? t.var(dims, c, keepdim) : t.std(dims, c, keepdim); });
        },
        py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("correction") = py::none());
  }
  for (const char* name : {"var_mean", "std_mean"}) {
    const bool is_var = name[0] == 'v';
    def_with_axis(
        m, name,
        [is_var, unbiased_first](const tg::Tensor& t, py::object dim, std::optional<bool> unbiased, bool keepdim,
                                 std::optional<double> correction) {
          unbiased_first(dim, unbiased);
          tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
          const double c = correction ? *correction : (unbiased.value_or(true) ? 1.0 : 0.0);
          return nogil([&] { return is_var ? tg::var_mean(t, dims, c, keepdim) : tg::std_mean(t, dims, c, keepdim); });
        },
        py::arg("input"), py::arg("dim") = py::none(), py::arg("unbiased") = py::none(), py::arg("keepdim") = false,
        py::kw_only(), py::arg("correction") = py::none());
  }
  for (const char* name : {"nansum", "nanmean"}) {
    const bool is_sum = name[3] == 's';
    def_op(
        m, cls, name,
        [is_sum](const tg::Tensor& t, py::object dim, bool keepdim, std::optional<tg::DType> dtype) {
          tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
          return nogil(
              [&] { return is_sum ? tg::nansum(t, dims, keepdim, dtype) : tg::nanmean(t, dims, keepdim, dtype); });
        },
        py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  }
  m.def("polygamma", [](int64_t n, const tg::Tensor& t) { return nogil([&] { return tg::polygamma(n, t); }); },
        py::arg("n"), py::arg("input"));
  cls.def("polygamma", [](const tg::Tensor& t, int64_t n) { return nogil([&] { return t.polygamma(n); }); },
          py::arg("n"));
  def_inplace<int64_t>(
      cls, "polygamma_", [](const tg::Tensor& t, int64_t n) { nogil([&] { t.polygamma_(n); }); }, py::arg("n"));
  for (const char* name : {"median", "nanmedian"}) {
    const bool skip_nan = name[0] == 'n';
    def_op(
        m, cls, name,
        [skip_nan](const tg::Tensor& t, std::optional<int64_t> dim, bool keepdim) -> py::object {
          if (!dim) return py::cast(nogil([&] { return skip_nan ? tg::nanmedian(t) : tg::median(t); }));
          return values_indices(
              nogil([&] { return skip_nan ? tg::nanmedian(t, *dim, keepdim) : tg::median(t, *dim, keepdim); }));
        },
        py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }
  def_op(
      m, cls, "kthvalue",
      [](const tg::Tensor& t, int64_t k, int64_t dim, bool keepdim) {
        return values_indices(nogil([&] { return tg::kthvalue(t, k, dim, keepdim); }));
      },
      py::arg("k"), py::arg("dim") = -1, py::arg("keepdim") = false);
  def_op(
      m, cls, "mode",
      [](const tg::Tensor& t, int64_t dim, bool keepdim) {
        return values_indices(nogil([&] { return tg::mode(t, dim, keepdim); }));
      },
      py::arg("dim") = -1, py::arg("keepdim") = false);
  for (const char* name : {"quantile", "nanquantile"}) {
    const bool skip_nan = name[0] == 'n';
    def_op(
        m, cls, name,
        [skip_nan](const tg::Tensor& t, py::object q, std::optional<int64_t> dim, bool keepdim,
                   const std::string& interpolation) {
          if (is_tensor(q)) {
            const tg::Tensor& qt = as_tensor(q);
            return nogil([&] {
              return skip_nan ? tg::nanquantile(t, qt, dim, keepdim, interpolation)
                              : tg::quantile(t, qt, dim, keepdim, interpolation);
            });
          }
          const auto qv = py::cast<double>(q);
          return nogil([&] {
            return skip_nan ? tg::nanquantile(t, qv, dim, keepdim, interpolation)
                            : tg::quantile(t, qv, dim, keepdim, interpolation);
          });
        },
        py::arg("q"), py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
        py::arg("interpolation") = "linear");
  }
  def_op(m, cls, "aminmax", [](const tg::Tensor& t, py::object dim, bool keepdim) {
    tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
    return min_max(nogil([&] { return tg::aminmax(t, dims, keepdim); }));
  }, py::kw_only(), py::arg("dim") = py::none(), py::arg("keepdim") = false);
  def_op(m, cls, "count_nonzero", [](const tg::Tensor& t, py::object dim) {
    tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
    return nogil([&] { return tg::count_nonzero(t, dims); });
  }, py::arg("dim") = py::none());
  // p: a number, None or 'fro' (the 2-norm of the dims), or 'nuc' (a matrix's nuclear norm), as Tensor.norm.
  def_op(
      m, cls, "norm",
      [](const tg::Tensor& t, py::object p, py::object dim, bool keepdim, std::optional<tg::DType> dtype) {
        tg::Shape dims = dims_of(dim).value_or(tg::Shape{});
        tg::Scalar order = 2;
        if (py::isinstance<py::str>(p)) {
          const auto s = p.cast<std::string>();
          if (s == "nuc") {
            TG_CHECK_VALUE(!dims.empty() || t.dim() == 2, "norm: 'nuc' without dim needs a 2-D input, got shape {}",
                           t.sizes());
            return nogil([&] {
              return tg::linalg::matrix_norm(dtype ? t.to(*dtype) : t, "nuc", dims.empty() ? tg::Shape{-2, -1} : dims,
                                             keepdim);
            });
          }
          TG_CHECK_VALUE(s == "fro", "norm: p must be a number, None, 'fro' or 'nuc', got '{}'", s);
        } else if (!p.is_none()) {
          order = to_scalar(p);
        }
        return nogil([&] { return (dtype ? t.to(*dtype) : t).norm(order, dims, keepdim); });
      },
      py::arg("p") = "fro", py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(),
      py::arg("dtype") = py::none());
  def_op(m, cls, "logsumexp", [](const tg::Tensor& t, const tg::Shape& dim, bool keepdim) {
    return nogil([&] { return t.logsumexp(dim, keepdim); });
  }, py::arg("dim"), py::arg("keepdim") = false);
  def_op(m, cls, "cumsum", [](const tg::Tensor& t, int64_t dim, std::optional<tg::DType> dtype) {
    return nogil([&] { return t.cumsum(dim, dtype); });
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  // dtype= as torch takes it: only the tensor's own (an in-place result keeps its dtype).
  for (const char* name : {"cumsum_", "cumprod_"}) {
    const bool sum = name[3] == 's';
    def_inplace<int64_t, std::optional<tg::DType>>(
        cls, name,
        [sum, name](const tg::Tensor& t, int64_t dim, std::optional<tg::DType> dtype) {
          TG_CHECK(!dtype || *dtype == t.dtype(), "{}: dtype {} differs from the tensor's {} (an in-place result keeps "
                   "the tensor's dtype)", name, *dtype, t.dtype());
          nogil([&] { sum ? t.cumsum_(dim) : t.cumprod_(dim); });
        },
        py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  }
  def_op(m, cls, "cumprod", [](const tg::Tensor& t, int64_t dim, std::optional<tg::DType> dtype) {
    return nogil([&] { return t.cumprod(dim, dtype); });
  }, py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  def_op(m, cls, "cummax", [](const tg::Tensor& t, int64_t dim) {
    return values_indices(nogil([&] { return t.cummax(dim); }));
  }, py::arg("dim"));
  def_op(m, cls, "cummin", [](const tg::Tensor& t, int64_t dim) {
    return values_indices(nogil([&] { return t.cummin(dim); }));
  }, py::arg("dim"));
  def_op(m, cls, "logcumsumexp", [](const tg::Tensor& t, int64_t dim) {
    return nogil([&] { return t.logcumsumexp(dim); });
  }, py::arg("dim"));
  for (const char* name : {"all", "any"}) {
    const bool is_all = name[1] == 'l';
    // dim: None, an int or a sequence of ints (an empty one reduces nothing, as torch's).
    def_op(
        m, cls, name,
        [is_all](const tg::Tensor& t, py::object dim, bool keepdim) {
          if (dim.is_none()) {
            if (!keepdim || t.dim() == 0) return nogil([&] { return is_all ? t.all() : t.any(); });
            tg::Shape every;  // keepdim: a size-1 dim for each, as torch's
            for (int64_t d = 0; d < t.dim(); ++d) every.push_back(d);
            return nogil([&] { return is_all ? t.all(every, keepdim) : t.any(every, keepdim); });
          }
          if (py::isinstance<py::int_>(dim) || py::hasattr(dim, "__index__")) {
            const auto d = dim.cast<int64_t>();
            return nogil([&] { return is_all ? t.all(d, keepdim) : t.any(d, keepdim); });
          }
          const auto dims = dim.cast<tg::Shape>();
          return nogil([&] { return is_all ? t.all(dims, keepdim) : t.any(dims, keepdim); });
        },
        py::arg("dim") = py::none(), py::arg("keepdim") = false);
  }

  // ---- views and shape ----
  cls.def(
      "view", [](const tg::Tensor& t, tg::DType dtype) { return t.view(dtype); }, py::arg("dtype"));
  cls.def("view", [](const tg::Tensor& t, py::args shape) {
    tg::Shape s = shape_from_args(shape, "view");
    return nogil([&] { return t.view(s); });
  });
  cls.def("reshape", [](const tg::Tensor& t, py::args shape) {
    tg::Shape s = shape_from_args(shape, "reshape");
    return nogil([&] { return t.reshape(s); });
  });
  m.def("reshape", [](const tg::Tensor& t, const tg::Shape& s) { return nogil([&] { return t.reshape(s); }); },
        py::arg("input"), py::arg("shape"));
  cls.def("permute", [](const tg::Tensor& t, py::args dims) {
    tg::Shape s = shape_from_args(dims, "permute");
    return nogil([&] { return t.permute(s); });
  });
  m.def("permute", [](const tg::Tensor& t, const tg::Shape& s) { return nogil([&] { return t.permute(s); }); },
        py::arg("input"), py::arg("dims"));
  // `implicit` is PyTorch's tracing flag: it never changes the result.
  cls.def(
      "expand",
      [](const tg::Tensor& t, py::args sizes, bool /*implicit*/) {
        tg::Shape s = shape_from_args(sizes, "expand");
        return nogil([&] { return t.expand(s); });
      },
      py::arg("implicit") = false);
  cls.def("repeat", [](const tg::Tensor& t, py::args sizes) {
    tg::Shape s = shape_from_args(sizes, "repeat");
    return nogil([&] { return t.repeat(s); });
  });
  // The same with the shape as torch's keyword (x.view(size=(4,)), x.permute(dims=(1, 0))): overloads
  // after the varargs ones, so that the usual calls never reach them.
  cls.def(
      "view", [](const tg::Tensor& t, const tg::Shape& s) { return nogil([&] { return t.view(s); }); },
      py::arg("size"));
  cls.def(
      "reshape", [](const tg::Tensor& t, const tg::Shape& s) { return nogil([&] { return t.reshape(s); }); },
      py::arg("shape"));
  cls.def(
      "permute", [](const tg::Tensor& t, const tg::Shape& s) { return nogil([&] { return t.permute(s); }); },
      py::arg("dims"));
  cls.def(
      "expand", [](const tg::Tensor& t, const tg::Shape& s, bool) { return nogil([&] { return t.expand(s); }); },
      py::arg("size"), py::arg("implicit") = false);
  cls.def(
      "repeat", [](const tg::Tensor& t, const tg::Shape& s) { return nogil([&] { return t.repeat(s); }); },
      py::arg("repeats"));
  def_op(m, cls, "index_add", [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& source,
                                 const tg::Scalar& alpha) {
    return nogil([&] { return tg::index_add(t, dim, index, source, alpha); });
  }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("index_add_", [](py::object self, int64_t dim, const tg::Tensor& index, const tg::Tensor& source,
                           const tg::Scalar& alpha) {
    nogil([&] { tg::index_add_(as_tensor(self), dim, index, source, alpha); });
    return self;
  }, py::arg("dim"), py::arg("index"), py::arg("source"), py::kw_only(), py::arg("alpha") = 1);
  def_op(m, cls, "index_copy", [](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, const tg::Tensor& source) {
    return nogil([&] { return tg::index_copy(t, dim, index, source); });
  }, py::arg("dim"), py::arg("index"), py::arg("source"));
  cls.def("index_copy_", [](py::object self, int64_t dim, const tg::Tensor& index, const tg::Tensor& source) {
    nogil([&] { tg::index_copy_(as_tensor(self), dim, index, source); });
    return self;
  }, py::arg("dim"), py::arg("index"), py::arg("source"));
  // value: a number or a 0-dim tensor (its value), as torch's.
  const auto fill_value = [](py::handle v) -> tg::Scalar {
    if (!is_tensor(v)) return to_scalar(v);
    const tg::Tensor& t = as_tensor(v);
    TG_CHECK_VALUE(t.dim() == 0, "index_fill: the value must be a number or a 0-dim tensor, got shape {}", t.sizes());
    return t.item();
  };
  def_op(
      m, cls, "index_fill",
      [fill_value](const tg::Tensor& t, int64_t dim, const tg::Tensor& index, py::handle value) {
        const tg::Scalar v = fill_value(value);
        return nogil([&] { return tg::index_fill(t, dim, index, v); });
      },
      py::arg("dim"), py::arg("index"), py::arg("value"));
  cls.def(
      "index_fill_",
      [fill_value](py::object self, int64_t dim, const tg::Tensor& index, py::handle value) {
        const tg::Scalar v = fill_value(value);
        nogil([&] { tg::index_fill_(as_tensor(self), dim, index, v); });
        return self;
      },
      py::arg("dim"), py::arg("index"), py::arg("value"));
  def_op(m, cls, "masked_select", [](const tg::Tensor& t, const tg::Tensor& mask) {
    return nogil([&] { return tg::masked_select(t, mask); });
  }, py::arg("mask"));
  def_op(m, cls, "unique", [](const tg::Tensor& t, bool sorted, bool return_inverse, bool return_counts,
                              std::optional<int64_t> dim) -> py::object {
    auto [values, inverse, counts] = nogil([&] {
      return dim ? tg::unique_dim(t, *dim, return_inverse, return_counts) : tg::unique(t, return_inverse, return_counts);
    });
    return unique_result(values, inverse, counts, return_inverse, return_counts);
  }, py::arg("sorted") = true, py::arg("return_inverse") = false, py::arg("return_counts") = false,
     py::arg("dim") = py::none());
  m.def("searchsorted", [](const tg::Tensor& sorted, py::handle input, bool out_int32, bool right,
                           std::optional<std::string> side, std::optional<tg::Tensor> sorter) {
    if (side) {
      TG_CHECK_VALUE(*side == "left" || *side == "right", "searchsorted: side must be 'left' or 'right', got '{}'",
                     *side);
      TG_CHECK_VALUE(!right || *side == "right", "searchsorted: side='left' contradicts right=True");
      right = *side == "right";
    }
    if (is_number(input))
      return nogil([&, v = to_scalar(input)] { return tg::searchsorted(sorted, v, out_int32, right, sorter); });
    return nogil([&, v = to_tensor(input)] { return tg::searchsorted(sorted, v, out_int32, right, sorter); });
  }, py::arg("sorted_sequence"), py::arg("input"), py::kw_only(), py::arg("out_int32") = false,
     py::arg("right") = false, py::arg("side") = py::none(), py::arg("sorter") = py::none());
  m.def(
      "unravel_index",
      [](const tg::Tensor& indices, py::object shape) {
        const tg::Shape s =
            PyLong_Check(shape.ptr()) ? tg::Shape{py::cast<int64_t>(shape)} : py::cast<tg::Shape>(shape);
        return py::tuple(py::cast(nogil([&] { return tg::unravel_index(indices, s); })));
      },
      py::arg("indices"), py::arg("shape"));
  m.def("bucketize", [](const tg::Tensor& input, const tg::Tensor& boundaries, bool out_int32, bool right) {
    return nogil([&] { return tg::bucketize(input, boundaries, out_int32, right); });
  }, py::arg("input"), py::arg("boundaries"), py::kw_only(), py::arg("out_int32") = false, py::arg("right") = false);
  // generator: a py::object, so that the signature names the Python class (registered later).
  auto generator_of = [](const py::object& g) { return g.is_none() ? nullptr : &py::cast<tg::Generator&>(g); };
  def_op(m, cls, "multinomial", [generator_of](const tg::Tensor& t, int64_t n, bool replacement, py::object g) {
    tg::Generator* gen = generator_of(g);
    return nogil([&] { return gen ? tg::multinomial(t, n, replacement, *gen) : tg::multinomial(t, n, replacement); });
  }, py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(), py::arg("generator") = py::none());
  // Module functions only, as in PyTorch.
  m.def(
      "poisson",
      [generator_of](const tg::Tensor& rates, py::object g) {
        tg::Generator* gen = generator_of(g);
        return nogil([&] { return tg::poisson(rates, gen); });
      },
      py::arg("input"), py::arg("generator") = py::none());
  m.def(
      "binomial",
      [generator_of](const tg::Tensor& count, const tg::Tensor& prob, py::object g) {
        tg::Generator* gen = generator_of(g);
        return nogil([&] { return tg::binomial(count, prob, gen); });
      },
      py::arg("count"), py::arg("prob"), py::arg("generator") = py::none());
  def_op(m, cls, "bernoulli", [generator_of](const tg::Tensor& t, py::object g) {
    tg::Generator* gen = generator_of(g);
    return nogil([&] { return gen ? tg::bernoulli(t, *gen) : tg::bernoulli(t); });
  }, py::kw_only(), py::arg("generator") = py::none());
  // In-place random fills: Tensor methods only, as in PyTorch.
  const auto gen_kw = py::arg("generator") = py::none();
  using D2 = const tg::Tensor& (tg::Tensor::*)(double, double, tg::Generator*, tg::SourceLoc) const;
  for (auto [name, fn, a, b, da, db] : {std::tuple<const char*, D2, const char*, const char*, double, double>{
                                            "uniform_", &tg::Tensor::uniform_, "from", "to", 0.0, 1.0},
                                        {"normal_", &tg::Tensor::normal_, "mean", "std", 0.0, 1.0},
                                        {"cauchy_", &tg::Tensor::cauchy_, "median", "sigma", 0.0, 1.0},
                                        {"log_normal_", &tg::Tensor::log_normal_, "mean", "std", 1.0, 2.0}}) {
    cls.def(
        name,
        [generator_of, fn](py::object self, double x, double y, py::object g) {
          tg::Generator* gen = generator_of(g);
          nogil([&] { (as_tensor(self).*fn)(x, y, gen, tg::SourceLoc::current()); });
          return self;
        },
        py::arg(a) = da, py::arg(b) = db, py::kw_only(), gen_kw);
  }
  cls.def(
      "exponential_",
      [generator_of](py::object self, double lambd, py::object g) {
        tg::Generator* gen = generator_of(g);
        nogil([&] { as_tensor(self).exponential_(lambd, gen); });
        return self;
      },
      py::arg("lambd") = 1.0, py::kw_only(), gen_kw);
  cls.def(
      "geometric_",
      [generator_of](py::object self, double p, py::object g) {
        tg::Generator* gen = generator_of(g);
        nogil([&] { as_tensor(self).geometric_(p, gen); });
        return self;
      },
      py::arg("p"), py::kw_only(), gen_kw);
  cls.def(
      "bernoulli_",
      [generator_of](py::object self, py::handle p, py::object g) {
        tg::Generator* gen = generator_of(g);
        if (is_number(p)) {
          const double q = py::cast<double>(p);
          nogil([&] { as_tensor(self).bernoulli_(q, gen); });
        } else {
          const tg::Tensor q = to_tensor(p);
          nogil([&] { as_tensor(self).bernoulli_(q, gen); });
        }
        return self;
      },
      py::arg("p") = 0.5, py::kw_only(), gen_kw);
  // random_(to) or random_(from, to), as PyTorch reads its positional arguments.
  cls.def(
      "random_",
      [generator_of](py::object self, std::optional<int64_t> a, std::optional<int64_t> b, py::object g) {
        tg::Generator* gen = generator_of(g);
        const int64_t from = a && b ? *a : 0;
        const std::optional<int64_t> to = b ? b : a && !b ? a : std::nullopt;
        nogil([&] { as_tensor(self).random_(from, to, gen); });
        return self;
      },
      py::arg("from") = py::none(), py::arg("to") = py::none(), py::kw_only(), gen_kw);
  cls.def("tile", [](const tg::Tensor& t, py::args dims) {
    tg::Shape s = shape_from_args(dims, "tile");
    return nogil([&] { return t.tile(s); });
  });
  m.def("tile", [](const tg::Tensor& t, const tg::Shape& dims) { return nogil([&] { return t.tile(dims); }); },
        py::arg("input"), py::arg("dims"));
  cls.def(
      "tile", [](const tg::Tensor& t, const tg::Shape& dims) { return nogil([&] { return t.tile(dims); }); },
      py::arg("dims"));
  // output_size (torch's hint that spares a device sync) is checked against the result.
  const auto checked_size = [](tg::Tensor out, std::optional<int64_t> dim, std::optional<int64_t> output_size) {
    if (output_size) {
      const int64_t got = dim ? out.sizes()[tg::wrap_dim(*dim, out.dim(), "repeat_interleave")] : out.numel();
      TG_CHECK_VALUE(got == *output_size, "repeat_interleave: output_size is {}, but the repeats give {}", *output_size,
                     got);
    }
    return out;
  };
  def_op(
      m, cls, "repeat_interleave",
      [checked_size](const tg::Tensor& t, py::handle repeats, std::optional<int64_t> dim,
                     std::optional<int64_t> output_size) {
        if (is_number(repeats)) {
          return checked_size(nogil([&, r = py::cast<int64_t>(repeats)] { return t.repeat_interleave(r, dim); }), dim,
                              output_size);
        }
        tg::Tensor r = to_tensor(repeats);
        return checked_size(nogil([&] { return t.repeat_interleave(r, dim); }), dim, output_size);
      },
      py::arg("repeats"), py::arg("dim") = py::none(), py::kw_only(), py::arg("output_size") = py::none());
  // torch.repeat_interleave(repeats): each index i repeated repeats[i] times.
  m.def(
      "repeat_interleave",
      [checked_size](const tg::Tensor& repeats, std::optional<int64_t> output_size) {
        TG_CHECK_VALUE(repeats.dim() <= 1, "repeat_interleave: repeats must be 0-D or 1-D, got shape {}",
                       repeats.sizes());
        const tg::Tensor r = repeats.reshape({-1});
        return checked_size(
            nogil([&] {
              return tg::arange(r.numel(), tg::TensorOptions(tg::kInt64).device(r.device())).repeat_interleave(r, 0);
            }),
            std::nullopt, output_size);
      },
      py::arg("repeats"), py::kw_only(), py::arg("output_size") = py::none());
  def_op(m, cls, "diff", [](const tg::Tensor& t, int64_t n, int64_t dim, std::optional<tg::Tensor> prepend,
                            std::optional<tg::Tensor> append) {
    return nogil([&] { return t.diff(n, dim, prepend.value_or(tg::Tensor()), append.value_or(tg::Tensor())); });
  }, py::arg("n") = 1, py::arg("dim") = -1, py::arg("prepend") = py::none(), py::arg("append") = py::none());
  def_op(m, cls, "diag", [](const tg::Tensor& t, int64_t d) { return nogil([&] { return t.diag(d); }); },
         py::arg("diagonal") = 0);
  def_op(m, cls, "trace", [](const tg::Tensor& t) { return nogil([&] { return t.trace(); }); });
  m.def("meshgrid", [](py::args tensors, const std::string& indexing) {
    tg::tensor_list ts;
    if (tensors.size() == 1 && (PyList_Check(tensors[0].ptr()) || PyTuple_Check(tensors[0].ptr())))
      ts = py::cast<tg::tensor_list>(tensors[0]);
    else
      ts = py::cast<tg::tensor_list>(tensors);
    tg::tensor_list out = nogil([&] { return tg::meshgrid(ts, indexing); });
    return py::tuple(py::cast(out));
  }, py::kw_only(), py::arg("indexing") = "ij");
  cls.def("view_as", [](const tg::Tensor& t, const tg::Tensor& o) { return nogil([&] { return t.view_as(o); }); }, py::arg("other"));
  cls.def("reshape_as", [](const tg::Tensor& t, const tg::Tensor& o) { return nogil([&] { return t.reshape_as(o); }); }, py::arg("other"));
  cls.def("expand_as", [](const tg::Tensor& t, const tg::Tensor& o) { return nogil([&] { return t.expand_as(o); }); }, py::arg("other"));
  def_op(m, cls, "broadcast_to", [](const tg::Tensor& t, const tg::Shape& s) { return nogil([&] { return tg::broadcast_to(t, s); }); },
         py::arg("size"));
  def_op(m, cls, "flatten", [](const tg::Tensor& t, int64_t start, int64_t end) {
    return nogil([&] { return t.flatten(start, end); });
  }, py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  def_op(m, cls, "unflatten", [](const tg::Tensor& t, int64_t dim, const tg::Shape& sizes) {
    return nogil([&] { return t.unflatten(dim, sizes); });
  }, py::arg("dim"), py::arg("sizes"));
  for (const char* name : {"transpose", "swapaxes", "swapdims"}) {
    const bool numpy = name[4] == 'a';  // swapaxes takes NumPy's axis0, axis1
    def_op(m, cls, name, [](const tg::Tensor& t, int64_t d0, int64_t d1) { return nogil([&] { return t.transpose(d0, d1); }); },
           py::arg(numpy ? "axis0" : "dim0"), py::arg(numpy ? "axis1" : "dim1"));
  }
  def_op(m, cls, "t", [](const tg::Tensor& t) { return nogil([&] { return t.t(); }); });
  // The matrix transposes of a 0-dim tensor, and .T of one not 2-dim, are PyTorch's deprecated
  // forms: they run (the identity, or conj), with its warning; C++ has only the strict forms.
  const auto warn = [](const std::string& msg) {
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
  };
  cls.def_property_readonly("T", [warn](const tg::Tensor& t) {
    if (t.dim() == 0)
      warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.");
    else if (t.dim() != 2)
      warn(
          "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated and it will "
          "throw an error in a future release. Consider `x.mT` to transpose batches of matrices or "
          "`x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.");
    tg::Shape dims;
    for (int i = t.dim() - 1; i >= 0; --i) dims.push_back(i);
    return nogil([&] { return t.permute(dims); });
  });
  const auto zero_dim = [warn](const tg::Tensor& t, const char* what, bool conj) {
    warn(fmt::format("{} is deprecated on 0-D tensors. {}", what,
                     conj ? "Consider using x.conj()." : "This function is the identity in these cases."));
    return nogil([&] { return conj ? t.transpose(0, 0).conj() : t.transpose(0, 0); });
  };
  cls.def_property_readonly("mT", [zero_dim](const tg::Tensor& t) {
    return t.dim() == 0 ? zero_dim(t, "Tensor.mT", false) : nogil([&] { return t.mT(); });
  });
  cls.def_property_readonly("mH", [zero_dim](const tg::Tensor& t) {
    return t.dim() == 0 ? zero_dim(t, "Tensor.mH", true) : nogil([&] { return t.mH(); });
  });
  cls.def_property_readonly("H", [zero_dim](const tg::Tensor& t) {
    return t.dim() == 0 ? zero_dim(t, "Tensor.H", true) : nogil([&] { return t.H(); });
  });
  def_op(m, cls, "adjoint", [zero_dim](const tg::Tensor& t) {
    return t.dim() == 0 ? zero_dim(t, "adjoint()", true) : nogil([&] { return t.adjoint(); });
  });
  // squeeze's dim: None (every size-1 dim), an int, or a tuple of ints.
  def_op(
      m, cls, "squeeze",
      [](const tg::Tensor& t, py::object dim) {
        if (dim.is_none()) return nogil([&] { return t.squeeze(); });
        if (PyLong_Check(dim.ptr())) return nogil([&, d = py::cast<int64_t>(dim)] { return t.squeeze(d); });
        return nogil([&, d = py::cast<tg::Shape>(dim)] { return t.squeeze(d); });
      },
      py::arg("dim") = py::none());
  def_op(m, cls, "unsqueeze", [](const tg::Tensor& t, int64_t dim) { return nogil([&] { return t.unsqueeze(dim); }); },
         py::arg("dim"));
  // In-place views (Tensor methods only, as in PyTorch).
  def_inplace<>(cls, "t_", [](const tg::Tensor& t) { nogil([&] { t.t_(); }); });
  for (const char* name : {"transpose_", "swapaxes_", "swapdims_"})
    def_inplace<int64_t, int64_t>(
        cls, name, [](const tg::Tensor& t, int64_t d0, int64_t d1) { nogil([&] { t.transpose_(d0, d1); }); },
        py::arg("dim0"), py::arg("dim1"));
  def_inplace<py::object>(
      cls, "squeeze_",
      [](const tg::Tensor& t, py::object dim) {
        if (dim.is_none()) return nogil([&] { t.squeeze_(); });
        if (PyLong_Check(dim.ptr())) return nogil([&, d = py::cast<int64_t>(dim)] { t.squeeze_(d); });
        nogil([&, d = py::cast<tg::Shape>(dim)] { t.squeeze_(d); });
      },
      py::arg("dim") = py::none());
  def_inplace<int64_t>(
      cls, "unsqueeze_", [](const tg::Tensor& t, int64_t dim) { nogil([&] { t.unsqueeze_(dim); }); }, py::arg("dim"));
  def_inplace<const tg::Shape&, const tg::Shape&, std::optional<int64_t>>(
      cls, "as_strided_",
      [](const tg::Tensor& t, const tg::Shape& size, const tg::Shape& stride, std::optional<int64_t> offset) {
        nogil([&] { t.as_strided_(size, stride, offset); });
      },
      py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  cls.def("resize_", [](py::object self, py::args sizes) {
    tg::Shape s = shape_from_args(sizes, "resize_");
    nogil([&] { as_tensor(self).resize_(s); });
    return self;
  });
  def_inplace<const tg::Tensor&>(
      cls, "resize_as_", [](const tg::Tensor& t, const tg::Tensor& other) { nogil([&] { t.resize_as_(other); }); },
      py::arg("the_template"));
  // set_(source, storage_offset, size, stride): source's storage, with that geometry when given.
  def_inplace<std::optional<tg::Tensor>, std::optional<int64_t>, std::optional<tg::Shape>, std::optional<tg::Shape>>(
      cls, "set_",
      [](const tg::Tensor& t, std::optional<tg::Tensor> source, std::optional<int64_t> offset,
         std::optional<tg::Shape> size, std::optional<tg::Shape> stride) {
        TG_CHECK_TYPE(source || (!offset && !size && !stride), "set_: storage_offset, size and stride need a source");
        TG_CHECK_TYPE(size || (!offset && !stride), "set_: storage_offset and stride need a size");
        nogil([&] {
          if (!source) return void(t.set_());
          t.set_(*source);
          if (size) t.as_strided_(*size, stride ? *stride : tg::contiguous_strides(*size), offset.value_or(0));
        });
      },
      py::arg("source") = py::none(), py::arg("storage_offset") = py::none(), py::arg("size") = py::none(),
      py::arg("stride") = py::none());
  def_op(m, cls, "narrow", [](const tg::Tensor& t, int64_t dim, int64_t start, int64_t length) {
    return nogil([&] { return t.narrow(dim, start, length); });
  }, py::arg("dim"), py::arg("start"), py::arg("length"));
  def_op(
      m, cls, "narrow_copy",
      [](const tg::Tensor& t, int64_t dim, int64_t start, int64_t length) {
        return nogil([&] { return t.narrow_copy(dim, start, length); });
      },
      py::arg("dim"), py::arg("start"), py::arg("length"));
  def_op(m, cls, "select", [](const tg::Tensor& t, int64_t dim, int64_t index) {
    return nogil([&] { return t.select(dim, index); });
  }, py::arg("dim"), py::arg("index"));
  def_op(m, cls, "as_strided", [](const tg::Tensor& t, const tg::Shape& size, const tg::Shape& stride,
                                  std::optional<int64_t> offset) {
    return nogil([&] { return t.as_strided(size, stride, offset); });
  }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  def_op(m, cls, "diagonal", [](const tg::Tensor& t, int64_t offset, int64_t d1, int64_t d2) {
    return nogil([&] { return t.diagonal(offset, d1, d2); });
  }, py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_op(
      m, cls, "select_scatter",
      [](const tg::Tensor& t, const tg::Tensor& src, int64_t dim, int64_t index) {
        return nogil([&] { return tg::select_scatter(t, src, dim, index); });
      },
      py::arg("src"), py::arg("dim"), py::arg("index"));
  def_op(
      m, cls, "slice_scatter",
      [](const tg::Tensor& t, const tg::Tensor& src, int64_t dim, std::optional<int64_t> start,
         std::optional<int64_t> end,
         int64_t step) { return nogil([&] { return tg::slice_scatter(t, src, dim, start, end, step); }); },
      py::arg("src"), py::arg("dim") = 0, py::arg("start") = py::none(), py::arg("end") = py::none(),
      py::arg("step") = 1);
  def_op(
      m, cls, "diagonal_scatter",
      [](const tg::Tensor& t, const tg::Tensor& src, int64_t offset, int64_t d1, int64_t d2) {
        return nogil([&] { return tg::diagonal_scatter(t, src, offset, d1, d2); });
      },
      py::arg("src"), py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  def_op(
      m, cls, "as_strided_scatter",
      [](const tg::Tensor& t, const tg::Tensor& src, const tg::Shape& size, const tg::Shape& stride,
         std::optional<int64_t> offset) {
        return nogil([&] { return tg::as_strided_scatter(t, src, size, stride, offset); });
      },
      py::arg("src"), py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());
  cls.def("unfold", [](const tg::Tensor& t, int64_t dim, int64_t size, int64_t step) {
    return nogil([&] { return t.unfold(dim, size, step); });
  }, py::arg("dimension"), py::arg("size"), py::arg("step"));
  // source and destination: dims, or sequences of them (the others keep their order), as torch's.
  def_op(
      m, cls, "movedim",
      [](const tg::Tensor& t, py::object source, py::object destination) {
        if (PyLong_Check(source.ptr()) && PyLong_Check(destination.ptr())) {
          const auto s = source.cast<int64_t>(), d = destination.cast<int64_t>();
          return nogil([&] { return tg::movedim(t, s, d); });
        }
        const auto src = dims_of(source).value_or(tg::Shape{}), dst = dims_of(destination).value_or(tg::Shape{});
        return nogil([&] { return tg::movedim(t, src, dst); });
      },
      py::arg("source"), py::arg("destination"));
  // The split family returns tuples, as torch's (a list does not concatenate with a tuple).
  def_op(
      m, cls, "unbind",
      [](const tg::Tensor& t, int64_t dim) { return tensor_tuple(nogil([&] { return tg::unbind(t, dim); })); },
      py::arg("dim") = 0);
  def_op(m, cls, "flip", [](const tg::Tensor& t, const tg::Shape& dims) { return nogil([&] { return t.flip(dims); }); },
         py::arg("dims"));
  def_op(m, cls, "roll", [](const tg::Tensor& t, const tg::Shape& shifts, py::object dims) {
    tg::Shape d = dims_of(dims).value_or(tg::Shape{});
    return nogil([&] { return t.roll(shifts, d); });
  }, py::arg("shifts"), py::arg("dims") = py::none());
  def_op(m, cls, "tril", [](const tg::Tensor& t, int64_t d) { return nogil([&] { return t.tril(d); }); }, py::arg("diagonal") = 0);
  def_inplace<int64_t>(
      cls, "tril_", [](const tg::Tensor& t, int64_t d) { nogil([&] { t.tril_(d); }); }, py::arg("diagonal") = 0);
  def_inplace<int64_t>(
      cls, "triu_", [](const tg::Tensor& t, int64_t d) { nogil([&] { t.triu_(d); }); }, py::arg("diagonal") = 0);
  def_inplace<const tg::Scalar&, bool>(
      cls, "fill_diagonal_",
      [](const tg::Tensor& t, const tg::Scalar& v, bool wrap) { nogil([&] { t.fill_diagonal_(v, wrap); }); },
      py::arg("fill_value"), py::arg("wrap") = false);
  def_op(m, cls, "triu", [](const tg::Tensor& t, int64_t d) { return nogil([&] { return t.triu(d); }); }, py::arg("diagonal") = 0);
  const auto split = [](const tg::Tensor& t, py::object split, int64_t dim) {
    if (PyLong_Check(split.ptr())) return tensor_tuple(nogil([&, s = py::cast<int64_t>(split)] { return t.split(s, dim); }));
    auto sizes = py::cast<std::vector<int64_t>>(split);
    return tensor_tuple(nogil([&] { return t.split(sizes, dim); }));
  };
  // torch's names: Tensor.split(split_size, dim), torch.split(tensor, split_size_or_sections, dim).
  cls.def("split", split, py::arg("split_size"), py::arg("dim") = 0);
  m.def("split", split, py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  def_op(
      m, cls, "split_with_sizes",
      [](const tg::Tensor& t, const std::vector<int64_t>& sizes, int64_t dim) {
        return tensor_tuple(nogil([&] { return t.split_with_sizes(sizes, dim); }));
      },
      py::arg("split_sizes"), py::arg("dim") = 0);
  cls.def("sum_to_size", [](const tg::Tensor& t, py::args size) {
    tg::Shape s = shape_from_args(size, "sum_to_size");
    return nogil([&] { return t.sum_to_size(s); });
  });
  def_op(
      m, cls, "chunk",
      [](const tg::Tensor& t, int64_t chunks, int64_t dim) {
        return tensor_tuple(nogil([&] { return t.chunk(chunks, dim); }));
      },
      py::arg("chunks"), py::arg("dim") = 0);
  for (const char* name : {"cat", "concat", "concatenate"})
    def_with_axis(
        m, name, [](const tg::tensor_list& ts, int64_t dim) { return nogil([&] { return tg::cat(ts, dim); }); },
        py::arg("tensors"), py::arg("dim") = 0);
  def_with_axis(
      m, "stack", [](const tg::tensor_list& ts, int64_t dim) { return nogil([&] { return tg::stack(ts, dim); }); },
      py::arg("tensors"), py::arg("dim") = 0);

  // ---- matrix products and softmax (solvers and factorizations: bind_linalg.cpp) ----
  def_op(m, cls, "matmul", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return a.matmul(b); }); }, py::arg("other"));
  def_op(m, cls, "mm", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return a.mm(b); }); }, py::arg("mat2"));
  def_op(m, cls, "bmm", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return a.bmm(b); }); }, py::arg("mat2"));
  def_op(m, cls, "dot", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return a.dot(b); }); }, py::arg("tensor"));
  def_op(
      m, cls, "outer", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return a.outer(b); }); },
      py::arg("vec2"));
  m.def("einsum", [](const std::string& eq, py::args operands) {
    tg::tensor_list ts;
    if (operands.size() == 1 && (PyList_Check(operands[0].ptr()) || PyTuple_Check(operands[0].ptr())))
      ts = py::cast<tg::tensor_list>(operands[0]);
    else
      for (const py::handle o : operands) ts.push_back(to_tensor(o));
    return nogil([&] { return tg::einsum(eq, ts); });
  }, py::arg("equation"));
  // torch's sublist form, einsum(a, [0, 1], b, [1, 2], [0, 2]): subscripts as ints (0-51 for A-Z,
  // a-z, as torch maps them) and Ellipsis, the output's list last and optional.
  m.def("einsum", [](const tg::Tensor& first, py::args rest) {
    const auto subscripts = [](py::handle list) {
      TG_CHECK_TYPE(PyList_Check(list.ptr()) || PyTuple_Check(list.ptr()),
                    "einsum: expected a list of subscripts after each operand, got {}", Py_TYPE(list.ptr())->tp_name);
      std::string out;
      for (const py::handle s : py::reinterpret_borrow<py::sequence>(list)) {
        if (s.ptr() == Py_Ellipsis) {
          out += "...";
          continue;
        }
        TG_CHECK_TYPE(PyLong_Check(s.ptr()), "einsum: subscripts must be ints or Ellipsis, got {}",
                      Py_TYPE(s.ptr())->tp_name);
        const auto v = py::cast<int64_t>(s);
        TG_CHECK_VALUE(v >= 0 && v < 52, "einsum: subscript {} is not within the valid range [0, 52)", v);
        out += static_cast<char>(v < 26 ? 'A' + v : 'a' + (v - 26));
      }
      return out;
    };
    TG_CHECK_TYPE(!rest.empty(), "einsum: expected an equation string or operands with subscript lists");
    tg::tensor_list ts{first};
    std::string eq = subscripts(rest[0]);
    size_t i = 1;
    for (; i + 1 < rest.size(); i += 2) {
      ts.push_back(to_tensor(rest[i]));
      eq += "," + subscripts(rest[i + 1]);
    }
    if (i < rest.size()) eq += "->" + subscripts(rest[i]);
    return nogil([&] { return tg::einsum(eq, ts); });
  });
  def_op(
      m, cls, "mv", [](const tg::Tensor& a, const tg::Tensor& v) { return nogil([&] { return tg::mv(a, v); }); },
      py::arg("vec"));
  def_op(
      m, cls, "inner", [](const tg::Tensor& a, const tg::Tensor& b) { return nogil([&] { return tg::inner(a, b); }); },
      py::arg("other"));
  // addmm, addmv, addr, baddbmm, addbmm: beta * input + alpha * (a product of the two operands),
  // and their in-place forms.
  using ScaledProduct = tg::Tensor (*)(const tg::Tensor&, const tg::Tensor&, const tg::Tensor&, const tg::Scalar&,
                                       const tg::Scalar&, tg::SourceLoc);
  using ScaledProductInPlace = const tg::Tensor& (*)(const tg::Tensor&, const tg::Tensor&, const tg::Tensor&,
                                                     const tg::Scalar&, const tg::Scalar&, tg::SourceLoc);
  for (auto [name, fn, fn_, a, b] :
       {std::tuple<const char*, ScaledProduct, ScaledProductInPlace, const char*, const char*>{
            "addmm", &tg::addmm, &tg::addmm_, "mat1", "mat2"},
        {"addmv", &tg::addmv, &tg::addmv_, "mat", "vec"},
        {"addr", &tg::addr, &tg::addr_, "vec1", "vec2"},
        {"baddbmm", &tg::baddbmm, &tg::baddbmm_, "batch1", "batch2"},
        {"addbmm", &tg::addbmm, &tg::addbmm_, "batch1", "batch2"}}) {
    def_op(
        m, cls, name,
        [fn](const tg::Tensor& t, const tg::Tensor& x, const tg::Tensor& y, const tg::Scalar& beta,
             const tg::Scalar& alpha) { return nogil([&] { return fn(t, x, y, beta, alpha, {}); }); },
        py::arg(a), py::arg(b), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
    def_inplace<const tg::Tensor&, const tg::Tensor&, const tg::Scalar&, const tg::Scalar&>(
        cls, (std::string(name) + "_").c_str(),
        [fn_](const tg::Tensor& t, const tg::Tensor& x, const tg::Tensor& y, const tg::Scalar& beta,
              const tg::Scalar& alpha) { nogil([&] { fn_(t, x, y, beta, alpha, {}); }); },
        py::arg(a), py::arg(b), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  }
  // dims: n (a's last n with b's first n) or a pair of sequences.
  m.def(
      "tensordot",
      [](const tg::Tensor& a, const tg::Tensor& b, py::object dims) {
        if (PyLong_Check(dims.ptr())) return nogil([&, n = py::cast<int64_t>(dims)] { return tg::tensordot(a, b, n); });
        const auto pair = py::cast<py::sequence>(dims);
        TG_CHECK_VALUE(pair.size() == 2, "tensordot: dims must be an int or a pair of dim lists");
        auto as_dims = [](py::handle h) {
          return PyLong_Check(h.ptr()) ? std::vector<int64_t>{py::cast<int64_t>(h)} : py::cast<std::vector<int64_t>>(h);
        };
        const std::vector<int64_t> da = as_dims(pair[0]), db = as_dims(pair[1]);
        return nogil([&] { return tg::tensordot(a, b, da, db); });
      },
      py::arg("a"), py::arg("b"), py::arg("dims") = 2);
  def_op(
      m, cls, "softmax",
      [](const tg::Tensor& t, int64_t dim, std::optional<tg::DType> dtype) {
        return nogil([&] { return t.softmax(dim, dtype); });
      },
      py::arg("dim"), py::arg("dtype") = py::none());
  def_op(
      m, cls, "log_softmax",
      [](const tg::Tensor& t, int64_t dim, std::optional<tg::DType> dtype) {
        return nogil([&] { return t.log_softmax(dim, dtype); });
      },
      py::arg("dim"), py::arg("dtype") = py::none());

  // PyTorch's and NumPy's other names (ops/aliases.h), with their in-place forms where the op has one.
  for (auto [alias, target] : {std::pair{"arccos", "acos"},
                               {"arcsin", "asin"},
                               {"arctan", "atan"},
                               {"arcsinh", "asinh"},
                               {"arccosh", "acosh"},
                               {"arctanh", "atanh"},
                               {"arctan2", "atan2"},
                               {"absolute", "abs"},
                               {"negative", "neg"},
                               {"fix", "trunc"},
                               {"greater", "gt"},
                               {"greater_equal", "ge"},
                               {"less", "lt"},
                               {"less_equal", "le"},
                               {"not_equal", "ne"},
                               {"moveaxis", "movedim"},
                               {"ger", "outer"}}) {
    m.attr(alias) = m.attr(target);
    cls.attr(alias) = cls.attr(target);
    const std::string inplace = std::string(target) + "_";
    if (py::hasattr(cls, inplace.c_str())) cls.attr((std::string(alias) + "_").c_str()) = cls.attr(inplace.c_str());
  }
}

}  // namespace tgpy
