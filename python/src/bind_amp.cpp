// tg.amp: autocast regions and the gradient scaler for float16 training (torch.amp).
#include "bindings.h"

namespace tgpy {

namespace {

tg::DeviceType device_type(const std::string& name) {
  if (name == "cpu") return tg::kCPU;
  if (name == "cuda") return tg::kCUDA;
  throw tg::ValueError(fmt::format("autocast: device_type must be 'cpu' or 'cuda', got '{}'", name));
}

// A region entered by `with`: the guard lives from __enter__ to __exit__ on that thread.
struct AutocastRegion {
  tg::DType dtype;
  tg::DeviceType device;
  bool enabled;
  std::vector<std::unique_ptr<tg::AutocastGuard>> active;  // one per nested entry of this object
};

}  // namespace

void bind_amp(py::module_& m) {
  py::module_ amp = m.def_submodule("amp", "autocast regions and the gradient scaler");
  py::class_<AutocastRegion>(amp, "_AutocastRegion")
      .def(py::init([](const std::string& device, tg::DType dtype, bool enabled) {
             tg::AutocastGuard check(dtype, device_type(device), false);  // validates the dtype now
             return AutocastRegion{dtype, device_type(device), enabled, {}};
           }),
           py::arg("device_type"), py::arg("dtype"), py::arg("enabled") = true)
      .def("__enter__",
           [](AutocastRegion& r) {
             r.active.push_back(std::make_unique<tg::AutocastGuard>(r.dtype, r.device, r.enabled));
           })
      .def("__exit__", [](AutocastRegion& r, const py::args&) {
        if (!r.active.empty()) r.active.pop_back();
        return false;
      });
  amp.def(
      "is_autocast_enabled", [](const std::string& device) { return tg::amp::is_autocast_enabled(device_type(device)); },
      py::arg("device_type") = "cuda");
  amp.def(
      "get_autocast_dtype", [](const std::string& device) { return tg::amp::autocast_dtype(device_type(device)); },
      py::arg("device_type"));

  using tg::amp::GradScaler;
  py::class_<GradScaler>(amp, "GradScaler", "Loss scaling for float16 training (torch.amp.GradScaler)")
      .def(py::init([](const std::string& device, double init_scale, double growth_factor, double backoff_factor,
                       int64_t growth_interval, bool enabled) {
             device_type(device);
             // As in PyTorch, a scaler for a device without CUDA passes everything through.
             const bool on = enabled && (device != "cuda" || tg::cuda::is_available());
             return GradScaler({init_scale, growth_factor, backoff_factor, growth_interval, on});
           }),
           py::arg("device") = "cuda", py::arg("init_scale") = 65536.0, py::arg("growth_factor") = 2.0,
           py::arg("backoff_factor") = 0.5, py::arg("growth_interval") = 2000, py::arg("enabled") = true)
      .def(
          "scale", [](const GradScaler& s, const tg::Tensor& loss) { return nogil([&] { return s.scale(loss); }); },
          py::arg("outputs"))
      .def(
          "unscale_", [](GradScaler& s, tg::optim::Optimizer& o) { nogil([&] { s.unscale_(o); }); },
          py::arg("optimizer"))
      // The Python step runs optimizer.step() itself, so that the optimizer's step hooks run.
      .def(
          "_should_step",
          [](GradScaler& s, tg::optim::Optimizer& o) { return nogil([&] { return s.should_step(o); }); },
          py::arg("optimizer"))
      .def("update", [](GradScaler& s) { nogil([&] { s.update(); }); })
      .def("get_scale", &GradScaler::get_scale)
      .def("_get_growth_tracker", &GradScaler::growth_tracker)
      .def("is_enabled", &GradScaler::is_enabled)
      .def(
          "_load_state",
          [](GradScaler& s, double scale, int64_t growth_tracker) {
            s.load_state_dict({{"scale", tg::scalar_tensor(scale, tg::kFloat64)},
                               {"growth_tracker", tg::scalar_tensor(growth_tracker, tg::kInt64)}});
          },
          py::arg("scale"), py::arg("growth_tracker"));
}

}  // namespace tgpy
