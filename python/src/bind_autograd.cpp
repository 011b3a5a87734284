// tg._C.autograd: the tape's nodes, backward and grad, grad mode, anomaly mode (reporting the
// Python line that called the op), gradcheck, the printed tape, the step-through backward, and
// custom Functions written in Python.
#include "bindings.h"

#include <tapegrad/autograd/forward_ad.h>

#include <pybind11/functional.h>

#include <any>
#include <string>

namespace tgpy {

namespace {

py::object tensor_or_none(const tg::Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }

py::tuple tensors_or_none(const tg::tensor_list& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = tensor_or_none(ts[i]);
  return out;
}

// Tensors, or None for "no gradient": what backward functions and hooks return.
tg::tensor_list to_tensor_list(py::handle obj) {
  tg::tensor_list out;
  if (PyTuple_Check(obj.ptr()) || PyList_Check(obj.ptr())) {
    for (const py::handle h : obj) out.push_back(h.is_none() ? tg::Tensor() : to_tensor(h));
  } else {
    out.push_back(obj.is_none() ? tg::Tensor() : to_tensor(obj));
  }
  return out;
}

// What a node hook returned: None keeps the gradients (an empty list), else one per gradient.
tg::tensor_list replaced_gradients(const py::object& r) {
  if (r.is_none()) return {};
  TG_CHECK_TYPE(PyTuple_Check(r.ptr()) || PyList_Check(r.ptr()),
                "a node hook must return None or a tuple of gradients, got {}", Py_TYPE(r.ptr())->tp_name);
  return to_tensor_list(r);
}

// ---- saved-tensor hooks: the packed value is any Python object ----
class SavedTensorsHooks {
 public:
  SavedTensorsHooks(py::object pack, py::object unpack) : pack_(std::move(pack)), unpack_(std::move(unpack)) {}
  void enter() {
    TG_CHECK(!guard_, "saved_tensors_hooks: this context is already entered");
    PyCallable pack = pack_, unpack = unpack_;
    guard_ = std::make_unique<tg::autograd::SavedTensorHooksGuard>(
        [pack](const tg::Tensor& t) -> std::any {
          py::gil_scoped_acquire gil;
          return PyCallable(pack(t));  // PyCallable: a Python object freed under the GIL
        },
        [unpack](const std::any& packed) -> tg::Tensor {
          py::gil_scoped_acquire gil;
          py::object r = unpack(std::any_cast<const PyCallable&>(packed).get());
          TG_CHECK_TYPE(is_tensor(r), "saved_tensors_hooks: the unpack hook must return a Tensor, got {}",
                        Py_TYPE(r.ptr())->tp_name);
          return as_tensor(r);
        });
  }
  void exit() { guard_.reset(); }

 private:
  PyCallable pack_, unpack_;
  std::unique_ptr<tg::autograd::SavedTensorHooksGuard> guard_;
};

// ---- anomaly mode: the Python line that called the op ----
std::string package_dir;  // frames in tapegrad's own .py files are skipped

bool python_call_site(std::string& file, uint32_t& line, std::string& function) {
  if (!Py_IsInitialized()) return false;
  PyGILState_STATE gil = PyGILState_Ensure();
  bool found = false;
  PyFrameObject* frame = PyEval_GetFrame();
  Py_XINCREF(frame);
  while (frame && !found) {
    PyCodeObject* code = PyFrame_GetCode(frame);
    const std::string filename = py::str(reinterpret_cast<PyObject*>(code->co_filename));
    if (package_dir.empty() || filename.rfind(package_dir, 0) != 0) {
      file = filename;
      line = static_cast<uint32_t>(PyFrame_GetLineNumber(frame));
      function = py::str(reinterpret_cast<PyObject*>(code->co_name));
      found = true;
    }
    Py_DECREF(code);
    PyFrameObject* back = PyFrame_GetBack(frame);
    Py_DECREF(frame);
    frame = back;
  }
  Py_XDECREF(frame);
  PyGILState_Release(gil);
  return found;
}

// ---- custom Functions: a CustomNode whose backward (and jvp) call the Python class's ----------
// cls.<method>(ctx, *tensors), each tensor as a Tensor or None.
tg::tensor_list call_method(tg::autograd::AutogradContext* ctx, const char* method, const tg::tensor_list& tensors) {
  py::gil_scoped_acquire gil;
  const auto& cls = std::any_cast<const PyCallable&>(ctx->saved_data.at("cls")).get();
  const auto& py_ctx = std::any_cast<const PyCallable&>(ctx->saved_data.at("ctx")).get();
  py::tuple args(tensors.size() + 1);
  args[0] = py_ctx;
  for (size_t i = 0; i < tensors.size(); ++i) args[i + 1] = tensor_or_none(tensors[i]);
  return to_tensor_list(cls.attr(method)(*args));
}

tg::tensor_list python_backward(tg::autograd::AutogradContext* ctx, tg::tensor_list grads) {
  return call_method(ctx, "backward", grads);
}

// One tangent (or None) per argument of forward in, one per output out.
tg::tensor_list python_jvp(tg::autograd::AutogradContext* ctx, tg::tensor_list tangents) {
  return call_method(ctx, "jvp", tangents);
}

// Tensors or None (undefined) from Python arguments.
tg::tensor_list tensors_or_none_arg(const py::args& tensors) {
  tg::tensor_list ts;
  for (const py::handle t : tensors) ts.push_back(t.is_none() ? tg::Tensor() : as_tensor(t));
  return ts;
}

// Whether a Function subclass defines `method` (jvp, setup_context: the base's, Function.<method>, raise).
bool defines(const py::object& cls, const char* method) {
  if (!py::hasattr(cls, method)) return false;
  const py::object f = cls.attr(method);
  return !py::hasattr(f, "__qualname__") ||
         py::cast<std::string>(f.attr("__qualname__")) != std::string("Function.") + method;
}

py::object function_apply(py::object cls, py::args args) {
  const std::string name = py::cast<std::string>(cls.attr("__name__"));
  auto node = std::make_shared<tg::autograd::CustomNode>(name + "Backward", &python_backward,
                                                         defines(cls, "jvp") ? &python_jvp : nullptr);
  tg::tensor_list inputs;
  std::vector<bool> is_tensor_arg;
  py::tuple needs(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    const bool t = is_tensor(args[i]);
    is_tensor_arg.push_back(t);
    if (t) inputs.push_back(as_tensor(args[i]));
    needs[i] = py::bool_(t && as_tensor(args[i]).requires_grad() && tg::GradMode::is_enabled());
  }
  node->set_inputs(inputs, std::move(is_tensor_arg));
  tg::autograd::AutogradContext* ctx = node->ctx();
  py::object py_ctx = py::cast(ctx, py::return_value_policy::reference);
  py_ctx.attr("needs_input_grad") = needs;
  ctx->saved_data["cls"] = PyCallable(cls);
  ctx->saved_data["ctx"] = PyCallable(py_ctx);

  py::object result;
  {
    tg::NoGradGuard no_grad;
    tg::autograd::detail::PauseTangents pause;
    if (defines(cls, "setup_context")) {
      // PyTorch 2's form: forward(*args) without ctx, then setup_context(ctx, inputs, output).
      result = cls.attr("forward")(*args);
      cls.attr("setup_context")(py_ctx, py::tuple(args), result);
    } else {
      py::tuple fargs(args.size() + 1);
      fargs[0] = py_ctx;
      for (size_t i = 0; i < args.size(); ++i) fargs[i + 1] = args[i];
      result = cls.attr("forward")(*fargs);
    }
  }
  const bool single = !PyTuple_Check(result.ptr()) && !PyList_Check(result.ptr());
  tg::tensor_list outputs = to_tensor_list(result);
  outputs = node->wrap_outputs(inputs, std::move(outputs));
  if (single) return py::cast(outputs.at(0));
  return tensors_or_none(outputs);
}

tg::autograd::GradcheckOptions gradcheck_options(double eps, double atol, double rtol, bool raise_exception,
                                                 bool check_forward_ad = false) {
  return {
      .eps = eps, .atol = atol, .rtol = rtol, .raise_exception = raise_exception, .check_forward_ad = check_forward_ad};
}

// fn(*inputs) from Python as a DifferentiableFn.
tg::autograd::DifferentiableFn differentiable(py::object fn) {
  PyCallable f(std::move(fn));
  return [f](const tg::tensor_list& in) {
    py::gil_scoped_acquire gil;
    py::tuple args(in.size());
    for (size_t i = 0; i < in.size(); ++i) args[i] = py::cast(in[i]);
    return to_tensor_list(f.get()(*args));
  };
}

}  // namespace

void bind_autograd_node(py::module_& root) {
  // (Bound before anything that returns one, for Python names in the signatures.)
  py::class_<tg::HookHandle>(root, "RemovableHandle")
      .def("remove", &tg::HookHandle::remove)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](tg::HookHandle& h, py::args) { h.remove(); });

  py::module_ m = root.def_submodule("autograd", "the tape: nodes, backward, grad, anomaly mode, gradcheck");
  py::class_<tg::autograd::Node, std::shared_ptr<tg::autograd::Node>>(m, "Node")
      .def("name", &tg::autograd::Node::name)
      .def("__repr__", [](const tg::autograd::Node& n) { return fmt::format("<{}>", n.name()); })
      .def_property_readonly("next_functions",
                             [](const tg::autograd::Node& n) {
                               py::tuple out(n.num_inputs());
                               for (size_t i = 0; i < n.num_inputs(); ++i) {
                                 const auto& e = n.next_edge(i);
                                 out[i] = py::make_tuple(e.function ? py::cast(e.function) : py::none(), e.input_nr);
                               }
                               return out;
                             })
      .def_property_readonly("sequence_nr", &tg::autograd::Node::sequence_nr)
      .def_property_readonly("num_outputs", &tg::autograd::Node::num_outputs)
      .def_property_readonly("saved_tensors",
                             [](const tg::autograd::Node& n) {
                               py::list out;
                               for (const auto& s : n.saved_tensors()) out.append(tensor_or_none(s.data()));
                               return out;
                             })
      .def_property_readonly("saved_bytes", &tg::autograd::Node::saved_bytes)
      .def(
          "register_prehook",
          [](tg::autograd::Node& n, py::object fn) {
            PyCallable hook(std::move(fn));
            return n.register_prehook([hook](const tg::tensor_list& grad_outputs) {
              py::gil_scoped_acquire gil;
              return replaced_gradients(hook(tensors_or_none(grad_outputs)));
            });
          },
          py::arg("hook"), "hook(grad_outputs) runs before the node's backward; it may return new grad_outputs")
      .def(
          "register_hook",
          [](tg::autograd::Node& n, py::object fn) {
            PyCallable hook(std::move(fn));
            return n.register_hook([hook](const tg::tensor_list& grad_inputs, const tg::tensor_list& grad_outputs) {
              py::gil_scoped_acquire gil;
              return replaced_gradients(hook(tensors_or_none(grad_inputs), tensors_or_none(grad_outputs)));
            });
          },
          py::arg("hook"),
          "hook(grad_inputs, grad_outputs) runs after the node's backward; it may return new grad_inputs")
      .def_property_readonly("creation_site", [](const tg::autograd::Node& n) -> py::object {
        const auto* site = n.creation_site();
        return site ? py::cast(site->str()) : py::none();
      });
}

void bind_autograd(py::module_& root) {
  py::module_ m = root.attr("autograd");

  m.def("is_grad_enabled", &tg::GradMode::is_enabled);
  m.def("set_grad_enabled", &tg::GradMode::set_enabled, py::arg("mode"));
  m.def("is_inference_mode_enabled", &tg::InferenceMode::is_enabled);
  m.def("_set_inference_mode", &tg::InferenceMode::set_enabled, py::arg("enabled"));
  m.def("backward", [](py::object tensors, py::object grads, std::optional<bool> retain, bool create_graph,
                       py::object inputs) {
    const tg::tensor_list ts = tensors_arg(tensors), gs = tensors_arg(grads), in = tensors_arg(inputs);
    nogil([&] { tg::autograd::backward(ts, gs, retain, create_graph, in); });
  }, py::arg("tensors"), py::arg("grad_tensors") = py::none(), py::arg("retain_graph") = py::none(),
     py::arg("create_graph") = false, py::arg("inputs") = py::none());
  m.def("grad", [](py::object outputs, py::object inputs, py::object grad_outputs, std::optional<bool> retain,
                   bool create_graph, bool allow_unused) {
    const tg::tensor_list out = tensors_arg(outputs), in = tensors_arg(inputs);
    tg::tensor_list go;
    if (!grad_outputs.is_none()) go = to_tensor_list(grad_outputs);
    return tensors_or_none(nogil([&] { return tg::autograd::grad(out, in, go, retain, create_graph, allow_unused); }));
  }, py::arg("outputs"), py::arg("inputs"), py::arg("grad_outputs") = py::none(), py::arg("retain_graph") = py::none(),
     py::arg("create_graph") = false, py::arg("allow_unused") = false);

  // Edges travel as (node, output_nr) pairs; tg.autograd.graph.GradientEdge is their named tuple.
  m.def(
      "_get_gradient_edge",
      [](const tg::Tensor& t) {
        const tg::autograd::Edge e = tg::autograd::get_gradient_edge(t);
        return py::make_tuple(e.function, e.input_nr);
      },
      py::arg("tensor"));
  m.def(
      "_grad_edges",
      [](const std::vector<std::pair<std::shared_ptr<tg::autograd::Node>, uint32_t>>& outputs, py::object grad_outputs,
         const std::vector<std::pair<std::shared_ptr<tg::autograd::Node>, uint32_t>>& inputs,
         std::optional<bool> retain, bool create_graph, bool allow_unused) {
        const auto edges = [](const auto& pairs) {
          std::vector<tg::autograd::Edge> out;
          for (const auto& [node, nr] : pairs) out.push_back({node, nr});
          return out;
        };
        const tg::tensor_list go = to_tensor_list(grad_outputs);
        return tensors_or_none(nogil(
            [&] { return tg::autograd::grad(edges(outputs), go, edges(inputs), retain, create_graph, allow_unused); }));
      },
      py::arg("outputs"), py::arg("grad_outputs"), py::arg("inputs"), py::arg("retain_graph") = py::none(),
      py::arg("create_graph") = false, py::arg("allow_unused") = false);

  m.def(
      "_increment_version",
      [](const tg::Tensor& t) {
        TG_CHECK_VALUE(t.defined() && t.storage(), "increment_version: the tensor has no storage");
        t.storage()->bump_version();
      },
      py::arg("tensor"));

  m.def("is_anomaly_enabled", &tg::autograd::AnomalyMode::is_enabled);
  m.def("is_anomaly_check_forward_enabled", &tg::autograd::AnomalyMode::checks_forward);
  m.def("set_detect_anomaly", &tg::autograd::AnomalyMode::set_enabled, py::arg("mode"), py::arg("check_forward") = true);
  m.def("_set_package_dir", [](std::string dir) {
    package_dir = std::move(dir);
    tg::autograd::set_call_site_provider(&python_call_site);
  });

  m.def(
      "gradcheck",
      [](py::object fn, py::object in, double eps, double atol, double rtol, bool raise, bool fw) {
        auto f = differentiable(std::move(fn));
        const tg::tensor_list inputs = tensors_arg(in);
        return nogil([&] { return tg::autograd::gradcheck(f, inputs, gradcheck_options(eps, atol, rtol, raise, fw)); });
      },
      py::arg("func"), py::arg("inputs"), py::arg("eps") = 1e-6, py::arg("atol") = 1e-5, py::arg("rtol") = 1e-3,
      py::arg("raise_exception") = true, py::arg("check_forward_ad") = false);

  namespace fwad = tg::autograd::forward_ad;
  m.def("_enter_dual_level", &fwad::enter_dual_level);
  m.def("_exit_dual_level", &fwad::exit_dual_level);
  m.def("_dual_level_active", &fwad::dual_level_active);
  m.def("_make_dual", &fwad::make_dual, py::arg("tensor"), py::arg("tangent"));
  m.def(
      "_unpack_dual",
      [](const tg::Tensor& t) {
        fwad::UnpackedDual u = fwad::unpack_dual(t);
        return py::make_tuple(u.primal, u.tangent.defined() ? py::cast(u.tangent) : py::none());
      },
      py::arg("tensor"));
  m.def("gradgradcheck", [](py::object fn, py::object in, double eps, double atol, double rtol, bool raise) {
    auto f = differentiable(std::move(fn));
    const tg::tensor_list inputs = tensors_arg(in);
    return nogil([&] { return tg::autograd::gradgradcheck(f, inputs, gradcheck_options(eps, atol, rtol, raise)); });
  }, py::arg("func"), py::arg("inputs"), py::arg("eps") = 1e-6, py::arg("atol") = 1e-5, py::arg("rtol") = 1e-3,
     py::arg("raise_exception") = true);

  py::class_<SavedTensorsHooks>(m, "_SavedTensorsHooks")
      .def(py::init<py::object, py::object>(), py::arg("pack_hook"), py::arg("unpack_hook"))
      .def("_enter", &SavedTensorsHooks::enter)
      .def("_exit", &SavedTensorsHooks::exit);
  py::class_<tg::autograd::DisableSavedTensorHooksGuard>(m, "_DisableSavedTensorsHooks")
      .def(py::init<std::string>(), py::arg("error_message"));
  py::class_<tg::autograd::SaveOnCpuGuard>(m, "_SaveOnCpu").def(py::init<bool>(), py::arg("pin_memory"));
  m.def("_saved_tensors_hooks_active", &tg::autograd::saved_tensor_hooks_active);
  m.def("_current_graph_task_id", &tg::autograd::current_backward_id);
  m.def("_will_engine_compute", &tg::autograd::will_backward_reach, py::arg("tensor"));

  m.def("format_graph", &tg::autograd::format_graph, py::arg("tensor"));
  m.def("to_dot", &tg::autograd::to_dot, py::arg("tensor"));

  using Stepper = tg::autograd::BackwardStepper;
  py::class_<Stepper::Step>(m, "BackwardStep")
      .def_readonly("node", &Stepper::Step::node)
      .def_property_readonly("incoming", [](const Stepper::Step& s) { return tensors_or_none(s.incoming); })
      .def_property_readonly("outgoing", [](const Stepper::Step& s) { return tensors_or_none(s.outgoing); })
      .def("__repr__", [](const Stepper::Step& s) {
        return fmt::format("BackwardStep({}, {} in, {} out)", s.node->name(), s.incoming.size(), s.outgoing.size());
      });
  py::class_<Stepper>(m, "BackwardStepper")
      .def(py::init([](const tg::Tensor& root, std::optional<tg::Tensor> gradient, bool retain, bool create) {
             return std::make_unique<Stepper>(root, gradient.value_or(tg::Tensor()), retain, create);
           }),
           py::arg("root"), py::arg("gradient") = py::none(), py::arg("retain_graph") = false,
           py::arg("create_graph") = false)
      .def_property_readonly("done", &Stepper::done)
      .def_property_readonly("next_node", &Stepper::next_node)
      .def_property_readonly("next_incoming", [](const Stepper& s) { return tensors_or_none(s.next_incoming()); })
      .def_property_readonly("steps_taken", &Stepper::steps_taken)
      .def("step", [](Stepper& s) { return nogil([&] { return s.step(); }); })
      .def("run_to_end", [](Stepper& s) { nogil([&] { s.run_to_end(); }); })
      .def("__iter__", [](py::object self) { return self; })
      .def("__next__", [](Stepper& s) {
        if (s.done()) throw py::stop_iteration();
        return nogil([&] { return s.step(); });
      });

  py::class_<tg::autograd::AutogradContext>(m, "FunctionCtx", py::dynamic_attr())
      .def("save_for_backward", [](tg::autograd::AutogradContext& c,
                                   py::args tensors) { c.save_for_backward(tensors_or_none_arg(tensors)); })
      .def("save_for_forward",
           [](tg::autograd::AutogradContext& c, py::args tensors) { c.save_for_forward(tensors_or_none_arg(tensors)); })
      .def_property_readonly(
          "saved_tensors",
          [](const tg::autograd::AutogradContext& c) { return tensors_or_none(c.get_saved_variables()); })
      .def("mark_non_differentiable",
           [](tg::autograd::AutogradContext& c, py::args tensors) {
             c.mark_non_differentiable(py::cast<tg::tensor_list>(tensors));
           })
      .def("set_materialize_grads", &tg::autograd::AutogradContext::set_materialize_grads, py::arg("value"));
  m.def("_function_apply", &function_apply, py::arg("cls"));
}

}  // namespace tgpy
