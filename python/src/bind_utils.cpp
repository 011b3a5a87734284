// Checkpoints (safetensors), tg.cuda and the profiler.
#include "bindings.h"

#include <tapegrad/profiler.h>

namespace tgpy {

namespace {

tg::nn::NamedTensors named_tensors(const py::dict& d) {
  tg::nn::NamedTensors out;
  for (const auto& [k, v] : d) out.insert(py::cast<std::string>(k), to_tensor(v));
  return out;
}

py::dict to_dict(const tg::nn::NamedTensors& ts) {
  py::dict out;
  for (const auto& [k, v] : ts) out[py::str(k)] = v;
  return out;
}

}  // namespace

void bind_utils(py::module_& m) {
  // ---- checkpoints ----
  m.def("save", [](py::object obj, const std::string& path, std::optional<tg::Metadata> metadata) {
    if (is_tensor(obj)) {
      nogil([&] { tg::save(path, as_tensor(obj)); });
    } else if (py::isinstance<tg::nn::Module>(obj)) {
      nogil([&, &mod = py::cast<const tg::nn::Module&>(obj)] { tg::save(path, mod); });
    } else if (py::isinstance<tg::optim::Optimizer>(obj)) {
      nogil([&, &opt = py::cast<const tg::optim::Optimizer&>(obj)] { tg::save(path, opt); });
    } else if (py::isinstance<py::dict>(obj)) {
      tg::nn::NamedTensors ts = named_tensors(py::cast<py::dict>(obj));
      nogil([&] { tg::save(path, ts, metadata.value_or(tg::Metadata{})); });
    } else {
      throw tg::TypeError(fmt::format("save: expected a tensor, a dict of tensors, a Module or an Optimizer, got {}",
                                      Py_TYPE(obj.ptr())->tp_name));
    }
  }, py::arg("obj"), py::arg("f"), py::arg("metadata") = py::none(),
     "Writes a safetensors file (readable by the safetensors package and PyTorch).");
  m.def("load", [](const std::string& path) { return to_dict(nogil([&] { return tg::load(path); })); }, py::arg("f"),
        "Reads a safetensors file into a dict of tensors (a state_dict).");
  m.def(
      "_load_with_metadata",
      [](const std::string& path) {
        tg::Metadata meta;
        tg::nn::NamedTensors ts = nogil([&] { return tg::load(path, &meta); });
        return py::make_tuple(to_dict(ts), meta);
      },
      py::arg("f"));
  m.def("load_metadata", [](const std::string& path) {
    tg::Metadata meta;
    nogil([&] { tg::load(path, &meta); });
    return meta;
  }, py::arg("f"));
  m.def("load_tensor", [](const std::string& path) { return nogil([&] { return tg::load_tensor(path); }); }, py::arg("f"));
  m.def("save_to_bytes", [](const py::dict& d) {
    tg::nn::NamedTensors ts = named_tensors(d);
    return py::bytes(nogil([&] { return tg::save_to_bytes(ts); }));
  }, py::arg("tensors"));
  m.def("load_from_bytes", [](const py::bytes& b) {
    const std::string_view data = b;
    return to_dict(nogil([&] { return tg::load_from_bytes(data); }));
  }, py::arg("data"));

  // ---- cuda ----
  py::module_ cuda = m.def_submodule("cuda", "CUDA devices and memory");
  cuda.def("is_available", &tg::cuda::is_available);
  cuda.def("device_count", &tg::cuda::device_count);
  cuda.def("current_device", &tg::cuda::current_device);
  cuda.def("set_device", [](py::object d) {
    tg::cuda::set_device(PyLong_Check(d.ptr()) ? py::cast<int>(d) : py::cast<tg::Device>(d).index());
  }, py::arg("device"));
  cuda.def("synchronize", [](int device) { nogil([&] { tg::cuda::synchronize(device); }); }, py::arg("device") = -1);
  cuda.def("memory_allocated", &tg::cuda::memory_allocated, py::arg("device") = 0);
  cuda.def("memory_reserved", &tg::cuda::memory_reserved, py::arg("device") = 0);
  cuda.def("max_memory_allocated", &tg::cuda::max_memory_allocated, py::arg("device") = 0);
  cuda.def("reset_peak_memory_stats", &tg::cuda::reset_peak_memory_stats, py::arg("device") = 0);
  cuda.def("empty_cache", &tg::cuda::empty_cache);
  cuda.def("set_matmul_allow_tf32", &tg::cuda::set_matmul_allow_tf32, py::arg("allow"));
  cuda.def("matmul_allow_tf32", &tg::cuda::matmul_allow_tf32);
  cuda.def("set_cudnn_allow_tf32", &tg::cuda::set_cudnn_allow_tf32, py::arg("allow"));
  cuda.def("cudnn_allow_tf32", &tg::cuda::cudnn_allow_tf32);
  cuda.def("set_cudnn_deterministic", &tg::cuda::set_cudnn_deterministic, py::arg("deterministic"));
  cuda.def("cudnn_deterministic", &tg::cuda::cudnn_deterministic);

  // ---- deterministic algorithms ----
  m.def("use_deterministic_algorithms", &tg::use_deterministic_algorithms, py::arg("mode"), py::kw_only(),
        py::arg("warn_only") = false,
        "Ops without a deterministic implementation (CUDA kernels that add with atomics) raise RuntimeError, or "
        "warn with warn_only; cuDNN convolutions pick deterministic algorithms.");
  m.def("are_deterministic_algorithms_enabled", &tg::are_deterministic_algorithms_enabled);
  m.def("is_deterministic_algorithms_warn_only_enabled", &tg::is_deterministic_algorithms_warn_only_enabled);
  // What a nondeterministic kernel calls before it runs (for the tests of the switch).
  m.def(
      "_alert_not_deterministic",
      [](const std::string& kernel) { tg::detail::alert_not_deterministic(kernel.c_str()); }, py::arg("kernel"));
  // warn_only's warnings become Python UserWarnings (an error under an "error" filter).
  tg::detail::set_warning_handler([](const std::string& msg) {
    py::gil_scoped_acquire gil;
    if (PyErr_WarnEx(PyExc_UserWarning, msg.c_str(), 1) < 0) throw py::error_already_set();
  });
  auto device_arg = [](const py::object& d) {
    if (d.is_none()) return -1;
    return PyLong_Check(d.ptr()) ? py::cast<int>(d) : py::cast<tg::Device>(d).index();
  };
  py::class_<tg::cuda::Stream>(cuda, "Stream", "A CUDA stream (torch.cuda.Stream): work on it runs in order")
      .def(py::init([device_arg](const py::object& device) { return tg::cuda::Stream(device_arg(device)); }),
           py::arg("device") = py::none())
      .def_property_readonly("device", [](const tg::cuda::Stream& s) { return tg::Device::cuda(s.device()); })
      .def_property_readonly("cuda_stream",
                             [](const tg::cuda::Stream& s) { return reinterpret_cast<uintptr_t>(s.handle()); })
      .def("synchronize", [](const tg::cuda::Stream& s) { nogil([&] { s.synchronize(); }); })
      .def("query", &tg::cuda::Stream::query)
      .def("__eq__", [](const tg::cuda::Stream& a, const tg::cuda::Stream& b) { return a == b; })
      .def("__hash__", [](const tg::cuda::Stream& s) { return std::hash<const void*>()(s.handle()) ^ s.device(); })
      .def("__repr__", [](const tg::cuda::Stream& s) {
        return fmt::format("<tapegrad.cuda.Stream device=cuda:{} cuda_stream={:#x}>", s.device(),
                           reinterpret_cast<uintptr_t>(s.handle()));
      });
  cuda.def("current_stream", [device_arg](const py::object& d) { return tg::cuda::Stream::current(device_arg(d)); },
           py::arg("device") = py::none());
  cuda.def("default_stream",
           [device_arg](const py::object& d) { return tg::cuda::Stream::default_stream(device_arg(d)); },
           py::arg("device") = py::none());
  // `with tg.cuda.stream(s):` makes s current on its device for the block.
  struct StreamContext {
    tg::cuda::Stream stream;
    std::unique_ptr<tg::cuda::StreamGuard> guard;
  };
  py::class_<StreamContext>(cuda, "StreamContext")
      .def("__enter__", [](StreamContext& c) {
        c.guard = std::make_unique<tg::cuda::StreamGuard>(c.stream);
        return c.stream;
      })
      .def("__exit__", [](StreamContext& c, const py::args&) { c.guard.reset(); });
  cuda.def("stream", [](const tg::cuda::Stream& s) { return StreamContext{s, nullptr}; }, py::arg("stream"));
  py::class_<tg::cuda::Event>(cuda, "Event", "A CUDA event (torch.cuda.Event): a point in a stream's work")
      .def(py::init<bool>(), py::arg("enable_timing") = false)
      .def("record", [](tg::cuda::Event& e, const std::optional<tg::cuda::Stream>& s) { s ? e.record(*s) : e.record(); },
           py::arg("stream") = py::none())
      .def("wait", [](const tg::cuda::Event& e, const std::optional<tg::cuda::Stream>& s) {
             e.wait(s ? *s : tg::cuda::Stream::current());
           }, py::arg("stream") = py::none())
      .def("synchronize", [](const tg::cuda::Event& e) { nogil([&] { e.synchronize(); }); })
      .def("query", &tg::cuda::Event::query)
      .def("elapsed_time", &tg::cuda::Event::elapsed_time, py::arg("end_event"));
  cuda.def("record_stream", &tg::cuda::record_stream, py::arg("tensor"), py::arg("stream"));
  // Tensor.record_stream, added here where Stream is known.
  py::object tensor_cls = py::type::of<tg::Tensor>();
  tensor_cls.attr("record_stream") = py::cpp_function(
      [](const tg::Tensor& t, const tg::cuda::Stream& s) { tg::cuda::record_stream(t, s); }, py::name("record_stream"),
      py::is_method(tensor_cls), py::arg("stream"),
      "Marks this CUDA tensor's memory as used by work on `stream`: once freed, it is reused only after that work.");

  // ---- tg.profiler (tapegrad/profiler.py builds torch's classes on these) ----
  py::module_ prof = m.def_submodule("profiler", "The op profiler's core (tapegrad.profiler is the API)");
  py::class_<tg::profiler::Event>(prof, "Event", "One timed op, backward node or record_function range")
      .def_readonly("name", &tg::profiler::Event::name)
      .def_readonly("start_ns", &tg::profiler::Event::start_ns)
      .def_readonly("end_ns", &tg::profiler::Event::end_ns)
      .def_readonly("thread", &tg::profiler::Event::thread)
      .def_readonly("depth", &tg::profiler::Event::depth);
  py::class_<tg::profiler::OpTotals>(prof, "OpTotals", "One name's count, total and self time")
      .def_readonly("name", &tg::profiler::OpTotals::name)
      .def_readonly("count", &tg::profiler::OpTotals::count)
      .def_readonly("total_ns", &tg::profiler::OpTotals::total_ns)
      .def_readonly("self_ns", &tg::profiler::OpTotals::self_ns);
  prof.def("start", &tg::profiler::start);
  prof.def("stop", &tg::profiler::stop);
  prof.def("is_recording", &tg::profiler::is_recording);
  prof.def("totals", &tg::profiler::totals, py::arg("events"), py::arg("sort_by") = "cpu_time_total");
  prof.def("table", &tg::profiler::table, py::arg("events"), py::arg("sort_by") = "cpu_time_total",
           py::arg("row_limit") = 100);
  // A RecordFunction a Python `with` opens and closes.
  struct Range {
    std::unique_ptr<tg::profiler::RecordFunction> range;
  };
  py::class_<Range>(prof, "Range", "An open record_function range")
      .def(
          py::init([](const std::string& name) { return Range{std::make_unique<tg::profiler::RecordFunction>(name)}; }),
          py::arg("name"))
      .def("close", [](Range& r) { r.range.reset(); });
}

}  // namespace tgpy
