// Checkpoints (safetensors), tg.utils.data (datasets, including Python subclasses, and the
// DataLoader with its worker threads) and tg.cuda.
#include "bindings.h"

namespace tgpy {

namespace {

using tg::data::Dataset;
using tg::data::Example;

// A Dataset written in Python: __len__ and __getitem__ returning (data, target).
class PyDataset : public Dataset, public py::trampoline_self_life_support {
 public:
  int64_t size() const override {
    py::gil_scoped_acquire gil;
    return py::cast<int64_t>(py::cast(this).attr("__len__")());
  }
  Example get(int64_t index) const override {
    py::gil_scoped_acquire gil;
    py::object item = py::cast(this).attr("__getitem__")(index);
    TG_CHECK_TYPE(py::isinstance<py::tuple>(item) && py::len(item) == 2,
                  "Dataset.__getitem__ must return (data, target), got {}", Py_TYPE(item.ptr())->tp_name);
    py::tuple t = py::cast<py::tuple>(item);
    return {to_tensor(t[0]), to_tensor(t[1])};
  }
};

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

// One pass over a DataLoader; the loader stays alive while it runs.
struct LoaderIterator {
  std::shared_ptr<tg::data::DataLoader> loader;
  tg::data::DataLoader::Iterator it, end;
  bool started = false;
};

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

  // ---- data ----
  py::module_ utils = m.def_submodule("utils", "data loading");
  py::module_ data = utils.def_submodule("data", "datasets and the DataLoader");
  py::class_<Dataset, PyDataset, py::smart_holder>(data, "Dataset")
      .def(py::init<>())
      .def("__len__", [](const Dataset& d) { return d.size(); })
      .def("__getitem__", [](const Dataset& d, int64_t i) {
        Example e = d.get(i);
        return py::make_tuple(e.data, e.target);
      });
  py::class_<tg::data::TensorDataset, Dataset, py::smart_holder>(data, "TensorDataset")
      .def(py::init<tg::Tensor, tg::Tensor>(), py::arg("data"), py::arg("target"))
      .def_property_readonly("tensors", [](const tg::data::TensorDataset& d) { return py::make_tuple(d.data(), d.targets()); });
  py::class_<tg::data::FashionMNIST, Dataset, py::smart_holder>(data, "FashionMNIST")
      .def(py::init([](std::optional<std::string> root, bool train, bool normalize) {
             tg::data::transforms::Transform t;
             if (normalize) t = tg::data::transforms::Normalize({tg::data::FashionMNIST::kMean}, {tg::data::FashionMNIST::kStd});
             return std::make_shared<tg::data::FashionMNIST>(
                 train ? tg::data::FashionMNIST::Split::Train : tg::data::FashionMNIST::Split::Test,
                 root.value_or(tg::data::FashionMNIST::kDefaultRoot), t);
           }),
           py::arg("root") = py::none(), py::arg("train") = true, py::arg("normalize") = true,
           "Fashion-MNIST from the IDX .gz files (Debian's dataset-fashion-mnist by default); images [1, 28, 28] "
           "in [0, 1], normalised with the dataset's mean and std unless normalize=False.")
      .def_property_readonly("data", &tg::data::FashionMNIST::images)
      .def_property_readonly("targets", &tg::data::FashionMNIST::targets)
      .def_property_readonly_static("classes", [](py::object) {
        return std::vector<std::string>(std::begin(tg::data::FashionMNIST::kClasses), std::end(tg::data::FashionMNIST::kClasses));
      });

  py::class_<LoaderIterator>(data, "_DataLoaderIterator")
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](LoaderIterator& it) {
        nogil([&] {
          if (!it.started) {
            it.it = it.loader->begin();
            it.end = it.loader->end();
            it.started = true;
          } else if (!(it.it == it.end)) {
            ++it.it;
          }
        });
        if (it.it == it.end) throw py::stop_iteration();
        return py::make_tuple(it.it->data, it.it->target);
      });

  py::class_<tg::data::DataLoader, std::shared_ptr<tg::data::DataLoader>>(data, "DataLoader")
      .def(py::init([](std::shared_ptr<Dataset> dataset, int64_t batch_size, bool shuffle, bool drop_last,
                       int num_workers, int prefetch_factor, std::optional<uint64_t> seed, bool pin_memory) {
             tg::data::DataLoaderOptions o;
             o.batch_size = batch_size;
             o.shuffle = shuffle;
             o.drop_last = drop_last;
             o.num_workers = num_workers;
             o.prefetch_factor = prefetch_factor;
             o.seed = seed.value_or(tg::Generator::kDefaultSeed);
             o.pin_memory = pin_memory;
             // Destroying a loader joins its workers, which may be waiting for the GIL inside a
             // Python dataset's __getitem__: let go of the GIL while they finish.
             return std::shared_ptr<tg::data::DataLoader>(
                 new tg::data::DataLoader(std::shared_ptr<const Dataset>(std::move(dataset)), o),
                 [](tg::data::DataLoader* loader) {
                   if (PyGILState_Check()) {
                     Unlocked unlocked;
                     delete loader;
                   } else {
                     delete loader;
                   }
                 });
           }),
           py::arg("dataset"), py::arg("batch_size") = 1, py::arg("shuffle") = false, py::arg("drop_last") = false,
           py::arg("num_workers") = 0, py::arg("prefetch_factor") = 2, py::arg("seed") = py::none(),
           py::arg("pin_memory") = false)
      .def("__len__", &tg::data::DataLoader::size)
      .def_property_readonly("epoch", &tg::data::DataLoader::epoch)
      .def("__iter__", [](const std::shared_ptr<tg::data::DataLoader>& l) { return LoaderIterator{l, {}, {}, false}; });
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
}

}  // namespace tgpy
