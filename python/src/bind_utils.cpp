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

// What a checkpoint of obj holds: a tensor under the name "tensor" (as tg::save writes one), a
// module's or an optimizer's state_dict, or a dict of tensors as it is.
tg::nn::NamedTensors checkpoint_tensors(const py::object& obj) {
  if (is_tensor(obj)) return tg::nn::NamedTensors{{"tensor", as_tensor(obj)}};
  if (py::isinstance<tg::nn::Module>(obj))
    return nogil([&, &mod = py::cast<const tg::nn::Module&>(obj)] { return mod.state_dict(); });
  if (py::isinstance<tg::optim::Optimizer>(obj))
    return nogil([&, &opt = py::cast<const tg::optim::Optimizer&>(obj)] { return opt.state_dict(); });
  if (py::isinstance<py::dict>(obj)) return named_tensors(py::cast<py::dict>(obj));
  throw tg::TypeError(fmt::format("save: expected a tensor, a dict of tensors, a Module or an Optimizer, got {}",
                                  Py_TYPE(obj.ptr())->tp_name));
}

}  // namespace

void bind_utils(py::module_& m) {
  // ---- checkpoints ----
  m.def(
      "save",
      [](py::object obj, const std::string& path, std::optional<tg::Metadata> metadata) {
        const tg::nn::NamedTensors ts = checkpoint_tensors(obj);
        nogil([&] { tg::save(path, ts, metadata.value_or(tg::Metadata{})); });
      },
      py::arg("obj"), py::arg("f"), py::arg("metadata") = py::none(),
      "Writes a safetensors file (readable by the safetensors package and PyTorch).");
  m.def(
      "_save_to_bytes",
      [](py::object obj, std::optional<tg::Metadata> metadata) {
        const tg::nn::NamedTensors ts = checkpoint_tensors(obj);
        return py::bytes(nogil([&] { return tg::save_to_bytes(ts, metadata.value_or(tg::Metadata{})); }));
      },
      py::arg("obj"), py::arg("metadata") = py::none());
  m.def(
      "_load_bytes_with_metadata",
      [](const py::bytes& b) {
        const std::string_view data = b;
        tg::Metadata meta;
        tg::nn::NamedTensors ts = nogil([&] { return tg::load_from_bytes(data, &meta); });
        return py::make_tuple(to_dict(ts), meta);
      },
      py::arg("data"));
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
  cuda.def("_compiled_version", &tg::cuda::compiled_version);
  cuda.def("_compiled_architectures", &tg::cuda::compiled_architectures);
  cuda.def("set_device", [](py::object d) {
    tg::cuda::set_device(PyLong_Check(d.ptr()) ? py::cast<int>(d) : py::cast<tg::Device>(d).index());
  }, py::arg("device"));
  // A device as torch.cuda's functions take it: None (the current device), an index, "cuda:1" or
  // a tg.device; -1 for None.
  auto device_arg = [](const py::object& d) {
    if (d.is_none()) return -1;
    if (PyLong_Check(d.ptr())) return py::cast<int>(d);
    const tg::Device dev = py::cast<tg::Device>(d);
    TG_CHECK_VALUE(dev.is_cuda(), "expected a CUDA device, got {}", dev.str());
    return dev.index();
  };
  // The memory figures: None is the current device, which is 0 without a GPU (all zeros then).
  auto memory_device = [device_arg](const py::object& d) {
    const int i = device_arg(d);
    return i >= 0 ? i : tg::cuda::is_available() ? tg::cuda::current_device() : 0;
  };
  cuda.def(
      "synchronize",
      [device_arg](const py::object& d) {
        const int device = device_arg(d);
        nogil([&] { tg::cuda::synchronize(device); });
      },
      py::arg("device") = py::none());
  for (auto [name, figure] : {std::pair{"memory_allocated", &tg::cuda::memory_allocated},
                              {"memory_reserved", &tg::cuda::memory_reserved},
                              {"max_memory_allocated", &tg::cuda::max_memory_allocated},
                              {"max_memory_reserved", &tg::cuda::max_memory_reserved}})
    cuda.def(
        name, [memory_device, figure](const py::object& d) { return figure(memory_device(d)); },
        py::arg("device") = py::none());
  cuda.def(
      "reset_peak_memory_stats",
      [memory_device](const py::object& d) { tg::cuda::reset_peak_memory_stats(memory_device(d)); },
      py::arg("device") = py::none());
  cuda.def(
      "reset_accumulated_memory_stats",
      [memory_device](const py::object& d) { tg::cuda::reset_accumulated_memory_stats(memory_device(d)); },
      py::arg("device") = py::none());
  // torch.cuda.memory_stats()'s flat keys ("allocated_bytes.all.current", ...); tg.cuda sorts them.
  cuda.def(
      "_memory_stats",
      [memory_device](const py::object& d) {
        const tg::memory::AllocatorStats st = tg::cuda::memory_stats(memory_device(d));
        py::dict out;
        using P = tg::memory::PoolStats;
        const std::pair<const char*, tg::memory::StatCounter P::*> figures[] = {
            {"active", &P::active},
            {"active_bytes", &P::active_bytes},
            {"allocated_bytes", &P::allocated_bytes},
            {"allocation", &P::allocations},
            {"requested_bytes", &P::requested_bytes},
            {"reserved_bytes", &P::reserved_bytes},
            {"segment", &P::segments}};
        const std::pair<const char*, const P*> pools[] = {
            {"all", &st.all}, {"small_pool", &st.small_pool}, {"large_pool", &st.large_pool}};
        for (const auto& [figure, member] : figures)
          for (const auto& [pool, stats] : pools) {
            const tg::memory::StatCounter& c = stats->*member;
            const std::string key = fmt::format("{}.{}.", figure, pool);
            out[py::str(key + "current")] = c.current;
            out[py::str(key + "peak")] = c.peak;
            out[py::str(key + "allocated")] = c.allocated;
            out[py::str(key + "freed")] = c.freed;
          }
        out["num_alloc_retries"] = st.alloc_retries;
        out["num_ooms"] = st.ooms;
        out["num_device_alloc"] = st.all.segments.allocated;
        out["num_device_free"] = st.all.segments.freed;
        return out;
      },
      py::arg("device") = py::none());
  cuda.def("empty_cache", &tg::cuda::empty_cache);
  cuda.def(
      "set_per_process_memory_fraction",
      [device_arg](double fraction, const py::object& d) {
        tg::cuda::set_per_process_memory_fraction(fraction, device_arg(d));
      },
      py::arg("fraction"), py::arg("device") = py::none());
  cuda.def(
      "get_per_process_memory_fraction",
      [device_arg](const py::object& d) { return tg::cuda::get_per_process_memory_fraction(device_arg(d)); },
      py::arg("device") = py::none());
  cuda.def(
      "mem_get_info", [device_arg](const py::object& d) { return tg::cuda::mem_get_info(device_arg(d)); },
      py::arg("device") = py::none(), "(free, total) bytes of the device, as the driver counts them");
  using Props = tg::cuda::DeviceProperties;
  py::class_<Props>(cuda, "_CudaDeviceProperties",
                    "What the driver says of a device (torch.cuda.get_device_properties)")
      .def_readonly("name", &Props::name)
      .def_readonly("major", &Props::major)
      .def_readonly("minor", &Props::minor)
      .def_readonly("total_memory", &Props::total_memory)
      .def_readonly("multi_processor_count", &Props::multi_processor_count)
      .def_readonly("max_threads_per_multi_processor", &Props::max_threads_per_multi_processor)
      .def_readonly("warp_size", &Props::warp_size)
      .def_readonly("L2_cache_size", &Props::L2_cache_size)
      .def_readonly("is_integrated", &Props::is_integrated)
      .def_readonly("uuid", &Props::uuid)
      .def_readonly("pci_bus_id", &Props::pci_bus_id)
      .def_readonly("pci_device_id", &Props::pci_device_id)
      .def_readonly("pci_domain_id", &Props::pci_domain_id)
      .def("__repr__", [](const Props& p) {
        return fmt::format(
            "_CudaDeviceProperties(name='{}', major={}, minor={}, total_memory={}MB, multi_processor_count={}, "
            "uuid={}, pci_bus_id={}, pci_device_id={}, pci_domain_id={}, L2_cache_size={}MB)",
            p.name, p.major, p.minor, p.total_memory >> 20, p.multi_processor_count, p.uuid, p.pci_bus_id,
            p.pci_device_id, p.pci_domain_id, p.L2_cache_size >> 20);
      });
  cuda.def(
      "get_device_properties",
      [device_arg](const py::object& d) { return tg::cuda::get_device_properties(device_arg(d)); },
      py::arg("device") = py::none());
  py::module_ nvtx = cuda.def_submodule("_nvtx", "NVIDIA Tools Extension markers (tapegrad.cuda.nvtx is the API)");
  nvtx.def("range_push", &tg::cuda::nvtx::range_push, py::arg("msg"));
  nvtx.def("range_pop", &tg::cuda::nvtx::range_pop);
  nvtx.def("mark", &tg::cuda::nvtx::mark, py::arg("msg"));
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
  cuda.def("set_stream", &tg::cuda::set_stream, py::arg("stream"),
           "Makes `stream` the current stream of its device for this thread (torch.cuda.set_stream)");
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
