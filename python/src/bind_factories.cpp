// Making tensors from Python: tg.tensor / as_tensor, the filled, ranged and random factories
// (sizes as varargs or one sequence, PyTorch's keywords), the *_like forms and generators.
#include "bindings.h"

namespace tgpy {

namespace {

// The keywords every factory takes: dtype, device, requires_grad (and generator for random ones),
// memory_format for empty and the _like ones (preserve_format by default there, as in torch).
struct FactoryKwargs {
  tg::TensorOptions options;
  tg::Generator* generator = nullptr;
  bool requires_grad = false;
  std::optional<tg::Shape> size;  // size= in place of the varargs (zeros(size=(2, 3)))

  FactoryKwargs(const py::kwargs& kwargs, const char* op, bool random = false, bool like = false, bool sized = false) {
    const std::string_view name(op);
    const bool takes_format = like || name == "empty";
    if (like) options = options.memory_format(tg::MemoryFormat::Preserve);
    for (const auto& [key, value] : kwargs) {
      const std::string k = py::cast<std::string>(key);
      if (k == "dtype") {
        if (!value.is_none()) options = options.dtype(py::cast<tg::DType>(value));
      } else if (k == "device") {
        if (!value.is_none()) options = options.device(py::cast<tg::Device>(value));
      } else if (k == "requires_grad") {
        requires_grad = py::cast<bool>(value);
      } else if (random && k == "generator") {
        if (!value.is_none()) generator = &py::cast<tg::Generator&>(value);
      } else if (sized && k == "size") {
        size = py::cast<tg::Shape>(value);
      } else if (takes_format && k == "memory_format") {
        if (!value.is_none()) options = options.memory_format(py::cast<tg::MemoryFormat>(value));
      } else if (k != "layout" && k != "pin_memory" && k != "out") {
        throw tg::TypeError(fmt::format("{}: unexpected keyword argument '{}'", op, k));
      }
    }
  }
  tg::Tensor finish(tg::Tensor t) const {
    if (requires_grad) t.requires_grad_(true);
    return t;
  }
  // The shape from the varargs or size=, not both.
  tg::Shape shape(const py::args& args, const char* op) const {
    if (!size) return args.empty() ? tg::Shape{} : shape_from_args(args, op);
    TG_CHECK_TYPE(args.empty(), "{}: got the size both as arguments and as size=", op);
    return *size;
  }
};

template <class F>
void def_filled(py::module_& m, const char* name, F make) {
  m.def(name, [make, name](py::args size, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, name, /*random=*/false, /*like=*/false, /*sized=*/true);
    const tg::Shape s = kw.shape(size, name);
    return kw.finish(nogil([&] { return make(s, kw.options); }));
  });
}

template <class F>
void def_random(py::module_& m, const char* name, F make) {
  m.def(name, [make, name](py::args size, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, name, /*random=*/true, /*like=*/false, /*sized=*/true);
    const tg::Shape s = kw.shape(size, name);
    return kw.finish(nogil([&] { return make(s, kw.generator, kw.options); }));
  });
}

template <class F>
void def_like(py::module_& m, const char* name, F make) {
  m.def(
      name,
      [make, name](const tg::Tensor& t, py::kwargs kwargs) {
        FactoryKwargs kw(kwargs, name, /*random=*/false, /*like=*/true);
        return kw.finish(nogil([&] { return make(t, kw.options); }));
      },
      py::arg("input"));
}

}  // namespace

void bind_factories(py::module_& m) {
  m.def("tensor", [](py::handle data, std::optional<tg::DType> dtype, std::optional<tg::Device> device, bool requires_grad) {
    tg::Tensor t = to_tensor(data, dtype, device);
    if (is_tensor(data) && t.is_same(as_tensor(data))) t = nogil([&] { return t.detach().clone(); });
    if (requires_grad) t.requires_grad_(true);
    return t;
  }, py::arg("data"), py::kw_only(), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     py::arg("requires_grad") = false,
     "A new tensor holding a copy of data (a nested list, a number, an array or a tensor). Floats give the "
     "default dtype (float32), ints int64, bools bool, unless dtype says otherwise.");
  // No copy when the data already is a tensor or an array of a supported type.
  m.def("as_tensor", [](py::handle data, std::optional<tg::DType> dtype, std::optional<tg::Device> device) {
    if (!is_tensor(data) && !is_number(data) && PyObject_CheckBuffer(data.ptr())) {
      tg::Tensor t = tensor_from_buffer(data);
      if (dtype) t = t.to(*dtype);
      if (device) t = t.to(*device);
      return t;
    }
    return to_tensor(data, dtype, device);
  }, py::arg("data"), py::arg("dtype") = py::none(), py::arg("device") = py::none(),
     "data as a tensor without copying where possible: tensors as they are, arrays shared (tg.from_numpy).");
  m.def("scalar_tensor", [](const tg::Scalar& s, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "scalar_tensor");
    return kw.finish(tg::scalar_tensor(s, kw.options));
  }, py::arg("s"));

  def_filled(m, "empty", [](const tg::Shape& s, const tg::TensorOptions& o) { return tg::empty(s, o); });
  m.def(
      "empty_strided",
      [](const tg::Shape& size, const tg::Shape& stride, py::kwargs kwargs) {
        FactoryKwargs kw(kwargs, "empty_strided");
        return kw.finish(tg::empty_strided(size, stride, kw.options));
      },
      py::arg("size"), py::arg("stride"),
      "An uninitialized tensor of `size` laid out with `stride` (dtype=, device=, requires_grad=).");
  def_filled(m, "zeros", [](const tg::Shape& s, const tg::TensorOptions& o) { return tg::zeros(s, o); });
  def_filled(m, "ones", [](const tg::Shape& s, const tg::TensorOptions& o) { return tg::ones(s, o); });
  m.def("full", [](const tg::Shape& size, const tg::Scalar& value, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "full");
    return kw.finish(nogil([&] { return tg::full(size, value, kw.options); }));
  }, py::arg("size"), py::arg("fill_value"));
  m.def("arange", [](const tg::Scalar& a, std::optional<tg::Scalar> b, const tg::Scalar& step, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "arange");
    return kw.finish(nogil([&] { return b ? tg::arange(a, *b, step, kw.options) : tg::arange(a, kw.options); }));
  }, py::arg("start"), py::arg("end") = py::none(), py::arg("step") = 1);
  m.def("linspace", [](double start, double end, int64_t steps, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "linspace");
    return kw.finish(nogil([&] { return tg::linspace(start, end, steps, kw.options); }));
  }, py::arg("start"), py::arg("end"), py::arg("steps"));
  m.def(
      "logspace",
      [](double start, double end, int64_t steps, double base, py::kwargs kwargs) {
        FactoryKwargs kw(kwargs, "logspace");
        return kw.finish(nogil([&] { return tg::logspace(start, end, steps, base, kw.options); }));
      },
      py::arg("start"), py::arg("end"), py::arg("steps"), py::arg("base") = 10.0);
  m.def("eye", [](int64_t n, std::optional<int64_t> cols, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "eye");
    return kw.finish(nogil([&] { return cols ? tg::eye(n, *cols, kw.options) : tg::eye(n, kw.options); }));
  }, py::arg("n"), py::arg("m") = py::none());
  // Window functions: float dtypes, the default when unset.
  using Window = tg::Tensor (*)(int64_t, bool, const tg::TensorOptions&, tg::SourceLoc);
  for (auto [name, fn] : {std::pair<const char*, Window>{"hann_window", &tg::hann_window},
                          {"blackman_window", &tg::blackman_window}, {"bartlett_window", &tg::bartlett_window}}) {
    m.def(name, [fn, name](int64_t length, bool periodic, py::kwargs kwargs) {
      FactoryKwargs kw(kwargs, name);
      return kw.finish(nogil([&] { return fn(length, periodic, kw.options, tg::SourceLoc::current()); }));
    }, py::arg("window_length"), py::arg("periodic") = true);
  }
  m.def("hamming_window", [](int64_t length, bool periodic, double alpha, double beta, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "hamming_window");
    return kw.finish(nogil([&] { return tg::hamming_window(length, periodic, alpha, beta, kw.options); }));
  }, py::arg("window_length"), py::arg("periodic") = true, py::arg("alpha") = 0.54, py::arg("beta") = 0.46);
  m.def(
      "kaiser_window",
      [](int64_t length, bool periodic, double beta, py::kwargs kwargs) {
        FactoryKwargs kw(kwargs, "kaiser_window");
        return kw.finish(nogil([&] { return tg::kaiser_window(length, periodic, beta, kw.options); }));
      },
      py::arg("window_length"), py::arg("periodic") = true, py::arg("beta") = 12.0);
  for (const char* name : {"tril_indices", "triu_indices"}) {
    const bool lower = name[3] == 'l';
    m.def(name, [lower, name](int64_t row, int64_t col, int64_t offset, py::kwargs kwargs) {
      FactoryKwargs kw(kwargs, name);
      if (!kwargs.contains("dtype") || kwargs["dtype"].is_none()) kw.options = kw.options.dtype(tg::kInt64);
      return kw.finish(nogil([&] {
        return lower ? tg::tril_indices(row, col, offset, kw.options) : tg::triu_indices(row, col, offset, kw.options);
      }));
    }, py::arg("row"), py::arg("col"), py::arg("offset") = 0);
  }

  def_random(m, "rand", [](const tg::Shape& s, tg::Generator* g, const tg::TensorOptions& o) {
    return g ? tg::rand(s, *g, o) : tg::rand(s, o);
  });
  def_random(m, "randn", [](const tg::Shape& s, tg::Generator* g, const tg::TensorOptions& o) {
    return g ? tg::randn(s, *g, o) : tg::randn(s, o);
  });
  // randint(high, size) or randint(low, high, size).
  m.def("randint", [](int64_t a, py::object b, py::object c, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "randint", true);
    int64_t low = 0, high = a;
    tg::Shape size;
    if (c.is_none()) {
      TG_CHECK_TYPE(!b.is_none(), "randint: expected (high, size) or (low, high, size)");
      size = py::cast<tg::Shape>(b);
    } else {
      low = a;
      high = py::cast<int64_t>(b);
      size = py::cast<tg::Shape>(c);
    }
    return kw.finish(nogil([&] {
      return kw.generator ? tg::randint(low, high, size, *kw.generator, kw.options) : tg::randint(low, high, size, kw.options);
    }));
  }, py::arg("low"), py::arg("high") = py::none(), py::arg("size") = py::none());
  m.def("randperm", [](int64_t n, py::kwargs kwargs) {
    FactoryKwargs kw(kwargs, "randperm", true);
    return kw.finish(nogil([&] { return kw.generator ? tg::randperm(n, *kw.generator, kw.options) : tg::randperm(n, kw.options); }));
  }, py::arg("n"));

  def_like(m, "empty_like", [](const tg::Tensor& t, const tg::TensorOptions& o) { return tg::empty_like(t, o); });
  def_like(m, "zeros_like", [](const tg::Tensor& t, const tg::TensorOptions& o) { return tg::zeros_like(t, o); });
  def_like(m, "ones_like", [](const tg::Tensor& t, const tg::TensorOptions& o) { return tg::ones_like(t, o); });
  def_like(m, "rand_like", [](const tg::Tensor& t, const tg::TensorOptions& o) { return tg::rand_like(t, o); });
  def_like(m, "randn_like", [](const tg::Tensor& t, const tg::TensorOptions& o) { return tg::randn_like(t, o); });
  m.def(
      "full_like",
      [](const tg::Tensor& t, const tg::Scalar& v, py::kwargs kwargs) {
        FactoryKwargs kw(kwargs, "full_like", false, true);
        return kw.finish(nogil([&] { return tg::full_like(t, v, kw.options); }));
      },
      py::arg("input"), py::arg("fill_value"));

  py::class_<tg::Generator>(m, "Generator", py::dynamic_attr())
      .def(py::init(
               [](std::optional<uint64_t> seed) { return tg::Generator(seed.value_or(tg::Generator::kDefaultSeed)); }),
           py::arg("seed") = py::none())
      .def(
          "manual_seed",
          [](py::object self, uint64_t seed) {
            py::cast<tg::Generator&>(self).manual_seed(seed);
            return self;
          },
          py::arg("seed"))
      .def("initial_seed", &tg::Generator::initial_seed)
      .def("get_state", &tg::Generator::state)
      .def("set_state", &tg::Generator::set_state, py::arg("state"));
  m.def("manual_seed", &tg::manual_seed, py::arg("seed"));
  m.def("seed", &tg::seed);
  m.def("initial_seed", &tg::initial_seed);
  m.def("get_rng_state", [] { return tg::get_rng_state(); });
  m.def(
      "set_rng_state", [](const tg::Tensor& state) { tg::set_rng_state(state); }, py::arg("new_state"));
  // normal(mean, std) with a tensor for either (the other a tensor or a number), or
  // normal(mean, std, size) with numbers, which takes the factories' dtype and device.
  m.def(
      "normal",
      [](py::object mean, py::object std, py::object size, py::kwargs kwargs) {
        FactoryKwargs kw(kwargs, "normal", true);
        if (!size.is_none()) {
          TG_CHECK_TYPE(is_number(mean) && is_number(std), "normal: with a size, mean and std must be numbers");
          const tg::Shape s = py::cast<tg::Shape>(size);
          const double m_ = py::cast<double>(mean), s_ = py::cast<double>(std);
          return kw.finish(nogil([&] { return tg::normal(m_, s_, s, kw.generator, kw.options); }));
        }
        if (is_tensor(mean) && is_tensor(std))
          return kw.finish(
              nogil([&, m_ = as_tensor(mean), s_ = as_tensor(std)] { return tg::normal(m_, s_, kw.generator); }));
        if (is_tensor(mean))
          return kw.finish(nogil(
              [&, m_ = as_tensor(mean), s_ = py::cast<double>(std)] { return tg::normal(m_, s_, kw.generator); }));
        TG_CHECK_TYPE(is_tensor(std), "normal: expected a tensor mean or std, or a size");
        return kw.finish(
            nogil([&, m_ = py::cast<double>(mean), s_ = as_tensor(std)] { return tg::normal(m_, s_, kw.generator); }));
      },
      py::arg("mean"), py::arg("std") = 1.0, py::arg("size") = py::none());
  m.def("default_generator", &tg::default_generator, py::return_value_policy::reference);
  m.def("get_num_threads", &tg::get_num_threads);
  m.def("set_num_threads", &tg::set_num_threads, py::arg("n"));
  m.def("_config_show", &tg::config::show);  // tapegrad.__config__
  m.def("_config_parallel_info", &tg::config::parallel_info);
  m.def("set_flush_denormal", &tg::set_flush_denormal, py::arg("mode"),
        "Denormal floats count as zero in the CPU kernels (True) or not; returns whether the CPU supports it.");
}

}  // namespace tgpy
