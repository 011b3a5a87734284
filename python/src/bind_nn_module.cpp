// tg.nn.Module for Python: one class for C++ layers and Python subclasses alike. A Python
// subclass's forward overrides the C++ virtual (so C++ containers can hold Python modules), and
// assigning a Parameter, a buffer or a Module to an attribute registers it in the C++ tree.
#include "bindings.h"

#include <pybind11/functional.h>

#include <algorithm>

namespace tgpy {

namespace {

using tg::nn::Module;

class PyModule : public Module, public py::trampoline_self_life_support {
 public:
  PyModule() : Module("Module") {}
  tg::Tensor forward(const tg::Tensor& input) override {
    PYBIND11_OVERRIDE_NAME(tg::Tensor, Module, "forward", forward, input);
  }
  std::string extra_repr() const override { PYBIND11_OVERRIDE(std::string, Module, extra_repr, ); }
  void train(bool on) override { PYBIND11_OVERRIDE(void, Module, train, on); }
  std::shared_ptr<Module> shallow_copy() const override {
    TG_FAIL("{}: clone: a Python module can't be cloned from C++; copy it with copy.deepcopy", name());
  }
  // The Python class name ("Net"), known only once the Python object exists.
  void take_type_name(py::handle self) { set_name(py::cast<std::string>(py::type::handle_of(self).attr("__name__"))); }
};

PyObject* parameter_class = nullptr;  // tg.nn.Parameter, set by the package
PyObject* buffer_class = nullptr;     // tg.nn.Buffer

// What `owner` keeps of the objects it handed out, by registered name.
void keep(py::handle owner, const std::string& name, const py::object& obj) {
  const py::str kept_attr("_tg_registered_objects");
  py::dict attrs = owner.attr("__dict__");
  if (!attrs.contains(kept_attr)) attrs[kept_attr] = py::dict();
  py::dict kept = attrs[kept_attr];
  kept[py::str(name)] = obj;
}

// Names Python subclasses in this tree after their classes (printouts and errors show "Net").
void name_python_modules(Module& root) {
  for (const auto& m : root.modules())
    if (auto* p = dynamic_cast<PyModule*>(m.get()); p && p->name() == "Module") {
      py::object self = py::cast(m);
      if (py::type::handle_of(self).ptr() != py::type::of<Module>().ptr()) p->take_type_name(self);
    }
}

// What a hook gets and returns: one tensor as a Tensor, several as a tuple.
py::object pack(const tg::tensor_list& ts) {
  if (ts.size() == 1) return ts[0].defined() ? py::cast(ts[0]) : py::none();
  return tensor_tuple(ts);
}
std::optional<tg::tensor_list> unpack(const py::object& r) {
  if (r.is_none()) return std::nullopt;
  tg::tensor_list out;
  if (PyTuple_Check(r.ptr()) || PyList_Check(r.ptr())) {
    for (const py::handle h : r) out.push_back(h.is_none() ? tg::Tensor() : to_tensor(h));
  } else {
    out.push_back(to_tensor(r));
  }
  return out;
}

// (dotted name, module) for the module and its descendants, each module once (PyTorch's
// named_modules), as the objects their parents keep.
// Each module once (remove_duplicate), or at every place it is registered; `memo`, a set shared
// between calls as PyTorch's, holds the modules already listed.
py::list named_module_objects(py::object self, const std::string& prefix, bool remove_duplicate = true,
                              const py::object& memo = py::none()) {
  py::list out;
  std::vector<const Module*> seen;
  TG_CHECK_TYPE(memo.is_none() || PySet_Check(memo.ptr()), "named_modules: memo must be a set or None, got {}",
                Py_TYPE(memo.ptr())->tp_name);
  std::function<void(const py::object&, const std::string&)> visit = [&](const py::object& m, const std::string& path) {
    const Module* ptr = &py::cast<const Module&>(m);
    if (remove_duplicate) {
      if (std::find(seen.begin(), seen.end(), ptr) != seen.end()) return;
      if (!memo.is_none() && PySet_Contains(memo.ptr(), m.ptr()) == 1) return;
      seen.push_back(ptr);
      if (!memo.is_none()) PySet_Add(memo.ptr(), m.ptr());
    }
    out.append(py::make_tuple(path, m));
    for (const py::handle item : named_child_objects(m)) {
      const auto name = py::cast<std::string>(item[py::int_(0)]);
      visit(py::reinterpret_borrow<py::object>(item[py::int_(1)]), path.empty() ? name : path + "." + name);
    }
  };
  visit(self, prefix);
  return out;
}

py::object module_call(py::object self, py::args args, py::kwargs kwargs) {
  Module& m = py::cast<Module&>(self);
  if (!m.has_hooks()) return self.attr("forward")(*args, **kwargs);
  TG_CHECK(kwargs.empty(), "{}: modules with hooks take tensors as positional arguments only", m.name());
  tg::tensor_list in;
  for (const py::handle a : args) in.push_back(to_tensor(a));
  std::shared_ptr<void> call_state;
  py::object out;
  try {
    in = m.run_pre_hooks(in, call_state);
    out = self.attr("forward")(*tensor_tuple(in));
  } catch (...) {
    m.run_always_call_hooks(in);
    throw;
  }
  const bool single = !PyTuple_Check(out.ptr());
  tg::tensor_list outs = *unpack(out);
  outs = m.run_post_hooks(in, std::move(outs), call_state);
  return single ? py::cast(outs.at(0)) : py::object(tensor_tuple(outs));
}

py::object module_getattr(py::object self, const std::string& name) {
  const Module& m = py::cast<const Module&>(self);
  const tg::nn::NamedTensors params = m.named_parameters(false), buffers = m.named_buffers(false);
  if (const tg::Tensor* p = params.find(name)) return registered_object(self, name, *p, true);
  if (const tg::Tensor* b = buffers.find(name)) return registered_object(self, name, *b, false);
  if (m.has_parameter(name) || m.has_buffer(name)) return py::none();  // registered empty (bias=False)
  const auto children = m.named_children();
  if (const auto* c = children.find(name)) return registered_module(self, name, *c);
  // A tensor computed from others (a parametrized weight), listed in _tg_computed.
  const py::dict attrs = self.attr("__dict__");
  if (attrs.contains("_tg_computed") && py::dict(attrs["_tg_computed"]).contains(name))
    return py::module_::import("tapegrad.nn.utils.parametrize").attr("_value")(self, name);
  throw py::attribute_error(fmt::format("'{}' object has no attribute '{}'", m.name(), name));
}

// (name, value) pairs, names under `prefix`, as an iterator.
template <class Dict>
py::iterator named_iter(const Dict& entries, const std::string& prefix) {
  py::list out;
  for (const auto& [k, v] : entries) out.append(py::make_tuple(prefix.empty() ? k : prefix + "." + k, v));
  return py::iter(out);
}

// A module's parameters or buffers as an iterator of objects, or of (name, object) pairs.
py::iterator registered_iter(py::handle self, const tg::nn::NamedTensors& entries, const std::string& prefix,
                             bool parameters, bool named) {
  py::list out;
  for (const auto& [k, v] : entries) {
    py::object obj = registered_object(self, k, v, parameters);
    if (named)
      out.append(py::make_tuple(prefix.empty() ? k : prefix + "." + k, obj));
    else
      out.append(obj);
  }
  return py::iter(out);
}

// named_parameters / named_buffers with remove_duplicate=False: a tensor registered in several
// places (tied weights, a module used twice) is listed at each, as every module's own tensors.
py::iterator registered_iter_all(py::object self, const std::string& prefix, bool recurse, bool parameters) {
  py::list out;
  const py::list modules = recurse ? named_module_objects(self, prefix, false) : [&] {
    py::list one;
    one.append(py::make_tuple(prefix, self));
    return one;
  }();
  for (const py::handle item : modules) {
    const auto path = py::cast<std::string>(item[py::int_(0)]);
    const py::object m = py::reinterpret_borrow<py::object>(item[py::int_(1)]);
    const Module& mod = py::cast<const Module&>(m);
    for (const auto& [k, v] : parameters ? mod.named_parameters(false) : mod.named_buffers(false))
      out.append(py::make_tuple(path.empty() ? k : path + "." + k, registered_object(m, k, v, parameters)));
  }
  return py::iter(out);
}

// PyTorch's get_submodule: one child name per dot.
py::object submodule(py::object self, const std::string& target) {
  py::object m = std::move(self);
  size_t start = 0;
  while (start < target.size()) {
    const size_t dot = std::min(target.find('.', start), target.size());
    const std::string name = target.substr(start, dot - start);
    const auto children = py::cast<const Module&>(m).named_children();
    const auto* child = children.find(name);
    if (child == nullptr)
      throw py::attribute_error(fmt::format("{} has no attribute `{}`", py::cast<const Module&>(m).name(), name));
    m = registered_module(m, name, *child);
    start = dot + 1;
  }
  return m;
}

// get_parameter / get_buffer: the module at the path before the last dot, then its own tensor.
py::object registered_at(py::object self, const std::string& target, bool parameter) {
  const size_t dot = target.rfind('.');
  py::object owner = dot == std::string::npos ? self : submodule(self, target.substr(0, dot));
  const std::string name = dot == std::string::npos ? target : target.substr(dot + 1);
  const Module& m = py::cast<const Module&>(owner);
  const tg::nn::NamedTensors own = parameter ? m.named_parameters(false) : m.named_buffers(false);
  const tg::Tensor* t = own.find(name);
  if (t == nullptr)
    throw py::attribute_error(fmt::format("{} has no {} `{}`", m.name(), parameter ? "parameter" : "buffer", name));
  return registered_object(owner, name, *t, parameter);
}

// Registered attributes are also kept in the instance's __dict__, so that `self.fc` in a forward
// is a plain attribute lookup; __getattr__ (a search of the C++ registry) is only the fallback.
void mirror(py::handle self, const std::string& name, py::handle value) {
  if (PyObject_GenericSetAttr(self.ptr(), py::str(name).ptr(), value.ptr()) != 0) throw py::error_already_set();
}

void module_setattr(py::object self, const std::string& name, py::object value) {
  if (const py::dict attrs = self.attr("__dict__");
      attrs.contains("_tg_computed") && py::dict(attrs["_tg_computed"]).contains(name)) {
    py::module_::import("tapegrad.nn.utils.parametrize").attr("_assign")(self, name, value);
    return;
  }
  Module& m = py::cast<Module&>(self);
  if (auto* p = dynamic_cast<PyModule*>(&m); p && p->name() == "Module") p->take_type_name(self);
  const bool is_param = parameter_class && PyObject_IsInstance(value.ptr(), parameter_class) == 1;
  tg::nn::NamedTensors params = m.named_parameters(false), buffers = m.named_buffers(false);
  if (py::isinstance<Module>(value)) {
    if (m.named_children().contains(name))
      m.replace_module(name, module_ptr(value));
    else m.register_module(name, module_ptr(value));
  } else if (m.has_parameter(name)) {
    if (value.is_none()) {  // PyTorch's `module.bias = None`: the layer runs without it
      m.replace_parameter(name, tg::Tensor(), false);
      mirror(self, name, value);
      return;
    }
    TG_CHECK_TYPE(is_param, "{}: cannot assign {} as parameter '{}' (tg.nn.Parameter expected)", m.name(),
                  Py_TYPE(value.ptr())->tp_name, name);
    const tg::Tensor& given = as_tensor(value);
    tg::Tensor* registered = params.find(name);  // null while the parameter holds no tensor
    // ParameterList and ParameterDict hold their parameters in the registry alone.
    const bool registry_only = dynamic_cast<PyModule*>(&m) != nullptr ||
                               dynamic_cast<tg::nn::ParameterListImpl*>(&m) != nullptr ||
                               dynamic_cast<tg::nn::ParameterDictImpl*>(&m) != nullptr;
    if (registered == nullptr || m.parameter_bound(name) || registry_only) {
      // PyTorch's setattr: the attribute becomes the given Parameter, which two modules may
      // then share (weight tying); a C++ layer's member follows.
      if (registered == nullptr || !given.is_same(*registered)) m.replace_parameter(name, given, given.requires_grad());
      registered_object(self, name, given, true);  // the module keeps this object, not the replaced one
      mirror(self, name, value);
      return;
    }
    // A C++ module's parameter kept in a member it did not bind: the tensor it holds takes the data.
    registered->set_data(given.detach());
    registered->requires_grad_(given.requires_grad());
    py::dict attrs = self.attr("__dict__");
    if (attrs.contains(name) && is_tensor(attrs[py::str(name)]) && as_tensor(attrs[py::str(name)]).is_same(*registered))
      return;  // the attribute already is that parameter's Python object
    value = registered_object(self, name, *registered, true);
  } else if (is_param) {
    m.register_parameter(name, as_tensor(value), as_tensor(value).requires_grad());
  } else if (buffer_class && PyObject_IsInstance(value.ptr(), buffer_class) == 1) {  // nn.Buffer: registers one
    TG_CHECK_TYPE(!m.named_children().contains(name), "{}: cannot assign a Buffer to '{}', a submodule", m.name(),
                  name);
    if (m.has_buffer(name))
      m.replace_buffer(name, as_tensor(value));
    else
      m.register_buffer(name, as_tensor(value), py::cast<bool>(value.attr("persistent")));
  } else if (m.has_buffer(name)) {
    if (value.is_none()) {  // as in PyTorch, the buffer stays registered, holding nothing
      m.replace_buffer(name, tg::Tensor());
    } else {
      TG_CHECK_TYPE(is_tensor(value), "{}: cannot assign {} to buffer '{}' (a tensor expected)", m.name(),
                    Py_TYPE(value.ptr())->tp_name, name);
      if (tg::Tensor* buffer = buffers.find(name)) {
        buffer->set_data(as_tensor(value).detach());
        value = py::cast(*buffer);
      } else {  // registered as None: it now holds the tensor
        value = py::cast(m.replace_buffer(name, as_tensor(value)));
      }
    }
  }
  mirror(self, name, value);
}

// copy.deepcopy(module): a new module of the same class whose parameters, buffers and
// submodules are deep copies (through `memo`, so that ties and sharing carry over), and whose
// other attributes are deep-copied too, as PyTorch's deepcopy of an nn.Module does.
py::object module_deepcopy(py::object self, py::dict memo) {
  const py::object deepcopy = py::module_::import("copy").attr("deepcopy");
  const Module& m = py::cast<const Module&>(self);
  const py::handle cls = py::type::handle_of(self);
  py::object copy;
  if (typeid(m) == typeid(Module) || dynamic_cast<const PyModule*>(&m) != nullptr) {
    copy = cls.attr("__new__")(cls);
    py::type::of<Module>().attr("__init__")(copy);
    py::cast<Module&>(copy).assign_shallow(m);
  } else {
    const std::shared_ptr<Module> layer = m.shallow_copy();
    copy = py::cast(layer);
    if (!py::type::handle_of(copy).is(cls)) {  // a Python subclass of the layer: its object around the copy
      copy = py::object();
      copy = cls.attr("__new__")(cls);
      copy.attr("__setstate__")(ModuleCopy{layer});
      module_ptr(copy);  // its forward, for C++ callers
    }
  }
  memo[py::int_(reinterpret_cast<uintptr_t>(self.ptr()))] = copy;
  const py::dict old_attrs = self.attr("__dict__");
  py::dict new_attrs = copy.attr("__dict__");
  const py::str kept_attr("_tg_registered_objects");
  py::set registered;
  auto place = [&](const std::string& name, const py::object& obj) {
    registered.add(py::str(name));
    if (old_attrs.contains(name)) new_attrs[py::str(name)] = obj;  // the attribute mirror
  };
  py::cast<Module&>(copy).remap(
      [&](const std::string& name, const tg::Tensor& t, bool parameter) {
        py::object obj = deepcopy(registered_object(self, name, t, parameter), memo);
        registered_object(copy, name, as_tensor(obj), parameter);
        place(name, obj);
        return as_tensor(obj);
      },
      [&](const std::string& name, const std::shared_ptr<Module>& child) {
        py::object obj = deepcopy(registered_module(self, name, child), memo);
        keep(copy, name, obj);
        place(name, obj);
        return module_ptr(obj);
      });
  for (const auto& [key, value] : old_attrs)
    if (!registered.contains(key) && !key.equal(kept_attr)) new_attrs[key] = deepcopy(value, memo);
  return copy;
}

}  // namespace

// `del module.name`: a registered parameter, buffer or submodule leaves the module (and the
// objects kept for it); another attribute goes as on any object.
void module_delattr(py::object self, const std::string& name) {
  Module& m = py::cast<Module&>(self);
  if (m.has_parameter(name)) {
    m.unregister_parameter(name);
  } else if (m.has_buffer(name)) {
    m.unregister_buffer(name);
  } else if (m.named_children().contains(name)) {
    m.unregister_module(name);
  } else {
    if (PyObject_GenericSetAttr(self.ptr(), py::str(name).ptr(), nullptr) != 0) throw py::error_already_set();
    return;
  }
  py::dict attrs = self.attr("__dict__");
  if (attrs.contains(name)) PyDict_DelItemString(attrs.ptr(), name.c_str());
  if (attrs.contains("_tg_registered_objects")) {
    py::dict kept = attrs["_tg_registered_objects"];
    if (kept.contains(name)) PyDict_DelItemString(kept.ptr(), name.c_str());
  }
}

// The Python object of a module reached from C++ (hooks, apply). A module made in Python has no
// owning std::shared_ptr for shared_from_this (pybind11's smart_holder keeps it), but its Python
// object is registered under its address.
namespace {
py::object module_object(Module& m) {
  if (std::shared_ptr<Module> shared = m.weak_from_this().lock()) return py::cast(shared);
  return py::cast(&m, py::return_value_policy::reference);
}
}  // namespace

std::shared_ptr<Module> module_ptr(py::handle h) {
  auto m = py::cast<std::shared_ptr<Module>>(h);
  // A Python subclass of a C++ layer with a forward of its own (a Python function, where the
  // layer's is a bound C++ one): C++ callers run it. A trampoline (PyModule) already does.
  if (!m->forward_override() && dynamic_cast<PyModule*>(m.get()) == nullptr &&
      PyFunction_Check(py::type::handle_of(h).attr("forward").ptr())) {
    m->set_forward_override([self = PyCallable(py::weakref(h)), layer = m.get()](const tg::Tensor& x) {
      py::gil_scoped_acquire gil;
      const py::object obj = self();
      // The Python object is gone (only C++ holds the layer): its class's forward went with it.
      if (obj.is_none()) return layer->forward(x);
      return to_tensor(obj.attr("forward")(x));
    });
  }
  return m;
}

py::object registered_object(py::handle owner, const std::string& name, const tg::Tensor& t, bool parameter) {
  if (!t.defined()) return py::none();
  py::object obj = py::reinterpret_borrow<py::object>(tensor_object(t));
  if (!obj) {
    const bool as_parameter = parameter && parameter_class != nullptr;
    obj = new_tensor_object(as_parameter ? parameter_class : reinterpret_cast<PyObject*>(tensor_type), t);
  }
  keep(owner, name, obj);
  return obj;
}

py::object registered_module(py::handle owner, const std::string& name, const std::shared_ptr<Module>& child) {
  py::object obj = py::cast(child);  // the object alive for it, if any
  keep(owner, name, obj);
  return obj;
}

void forget_stale_objects(py::handle owner) {
  py::dict attrs = owner.attr("__dict__");
  if (!attrs.contains("_tg_registered_objects")) return;
  py::dict kept = attrs["_tg_registered_objects"];
  const Module& m = py::cast<const Module&>(owner);
  const auto children = m.named_children();
  py::list stale;
  for (const auto& [key, value] : kept) {
    const auto name = py::cast<std::string>(key);
    if (!children.contains(name) && !m.has_parameter(name) && !m.has_buffer(name)) stale.append(key);
  }
  for (const py::handle key : stale) PyDict_DelItem(kept.ptr(), key.ptr());
}

py::list named_child_objects(py::handle owner) {
  py::list out;
  for (const auto& [name, child] : py::cast<const Module&>(owner).named_children())
    out.append(py::make_tuple(name, registered_module(owner, name, child)));
  return out;
}

py::list child_objects(py::handle owner) {
  py::list out;
  for (const py::handle item : named_child_objects(owner)) out.append(item[py::int_(1)]);
  return out;
}

void bind_nn_module(py::module_& nn) {
  py::class_<tg::nn::RemovableHandle>(nn, "RemovableHandle")
      .def("remove", &tg::nn::RemovableHandle::remove)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](tg::nn::RemovableHandle& h, py::args) { h.remove(); });
  py::class_<ModuleCopy>(nn, "_ModuleCopy");  // only handed from deepcopy to a layer's __setstate__
  py::class_<Module, PyModule, py::smart_holder> cls(nn, "Module", py::dynamic_attr(), R"(The base of every layer.

Subclass it in Python: call super().__init__(), assign Parameters, buffers (register_buffer) and
submodules to attributes (they register by name, in order), and define forward. Calling the
module runs its hooks around forward. C++ layers (tg.nn.Linear, ...) are Modules too, and both
kinds nest in one tree: parameters(), named_parameters(), state_dict(), train()/eval(), to().)");
  cls.def(py::init<>())
      .def(
          "forward", [](Module& m, const tg::Tensor& x) { return nogil([&] { return m.forward(x); }); },
          py::arg("input"))
      .def("__call__", &module_call)
      .def("__deepcopy__", &module_deepcopy, py::arg("memo"))
      .def("__getattr__", &module_getattr)
      .def("__setattr__", &module_setattr)
      .def("__delattr__", &module_delattr)
      .def("_assign_member", &Module::assign_member, py::arg("name"), py::arg("value"))
      .def("_swap_tensor", &Module::swap_tensor, py::arg("name"), py::arg("tensor"))
      .def("_member_bound", &Module::parameter_bound, py::arg("name"))
      .def("_get_name",
           [](py::object self) {
             name_python_modules(py::cast<Module&>(self));
             return py::cast<Module&>(self).name();
           })
      .def("extra_repr", &Module::extra_repr)
      .def("__repr__",
           [](py::object self) {
             Module& m = py::cast<Module&>(self);
             name_python_modules(m);
             return m.str();
           })
      .def(
          "register_parameter",
          [](py::object self, const std::string& name, py::object param) {
            const std::optional<tg::Tensor> p = param.is_none() ? std::nullopt : std::optional(as_tensor(param));
            py::cast<Module&>(self).register_parameter(name, p.value_or(tg::Tensor()), p && p->requires_grad());
            mirror(self, name, param);
          },
          py::arg("name"), py::arg("param"))
      .def(
          "register_buffer",
          [](py::object self, const std::string& name, py::object tensor, bool persistent) {
            const tg::Tensor t = tensor.is_none() ? tg::Tensor() : to_tensor(tensor);
            py::cast<Module&>(self).register_buffer(name, t, persistent);
            mirror(self, name, t.defined() ? py::cast(t) : py::none());
          },
          py::arg("name"), py::arg("tensor"), py::arg("persistent") = true);
  for (const char* method : {"register_module", "add_module"})
    cls.def(
        method,
        [](py::object self, const std::string& name, py::object child) {
          // A child of that name is replaced, as in PyTorch (a parameter or buffer of it is an error).
          Module& m = py::cast<Module&>(self);
          if (m.named_children().contains(name))
            m.replace_module(name, module_ptr(child));
          else
            m.register_module(name, module_ptr(child));
          mirror(self, name, child);
        },
        py::arg("name"), py::arg("module"));
  // Iterators, as PyTorch's generators: next(model.parameters()) is a common idiom.
  cls.def(
         "parameters",
         [](py::object self, bool recurse) {
           return registered_iter(self, py::cast<const Module&>(self).named_parameters(recurse), "", true, false);
         },
         py::arg("recurse") = true)
      .def(
          "named_parameters",
          [](py::object self, const std::string& prefix, bool recurse, bool remove_duplicate) {
            if (!remove_duplicate) return registered_iter_all(self, prefix, recurse, true);
            return registered_iter(self, py::cast<const Module&>(self).named_parameters(recurse), prefix, true, true);
          },
          py::arg("prefix") = "", py::arg("recurse") = true, py::arg("remove_duplicate") = true)
      .def(
          "buffers",
          [](py::object self, bool recurse) {
            return registered_iter(self, py::cast<const Module&>(self).named_buffers(recurse), "", false, false);
          },
          py::arg("recurse") = true)
      .def(
          "named_buffers",
          [](py::object self, const std::string& prefix, bool recurse, bool remove_duplicate) {
            if (!remove_duplicate) return registered_iter_all(self, prefix, recurse, false);
            return registered_iter(self, py::cast<const Module&>(self).named_buffers(recurse), prefix, false, true);
          },
          py::arg("prefix") = "", py::arg("recurse") = true, py::arg("remove_duplicate") = true)
      .def("children", [](py::object self) { return py::iter(child_objects(self)); })
      .def("named_children", [](py::object self) { return py::iter(named_child_objects(self)); })
      .def("modules",
           [](py::object self) {
             py::list out;
             for (const py::handle item : named_module_objects(self, "")) out.append(item[py::int_(1)]);
             return py::iter(out);
           })
      .def(
          "named_modules",
          [](py::object self, const py::object& memo, const std::string& prefix, bool remove_duplicate) {
            return py::iter(named_module_objects(self, prefix, remove_duplicate, memo));
          },
          py::arg("memo") = py::none(), py::arg("prefix") = "", py::arg("remove_duplicate") = true)
      .def(
          "train",
          [](py::object self, bool mode) {
            py::cast<Module&>(self).train(mode);
            return self;
          },
          py::arg("mode") = true)
      .def("eval",
           [](py::object self) {
             py::cast<Module&>(self).train(false);
             return self;
           })
      .def_property_readonly("training", &Module::is_training)
      .def("zero_grad", &Module::zero_grad, py::arg("set_to_none") = true)
      .def("to",
           [](py::object self, py::args args, py::kwargs kwargs) {
             Module& m = py::cast<Module&>(self);
             std::optional<tg::DType> dtype;
             std::optional<tg::Device> device;
             std::optional<tg::MemoryFormat> format;
             for (const py::handle a : args) {
               if (py::isinstance<tg::DType>(a))
                 dtype = py::cast<tg::DType>(a);
               else if (is_tensor(a)) {
                 dtype = as_tensor(a).dtype();
                 device = as_tensor(a).device();
               } else if (!PyBool_Check(a.ptr()))  // (non_blocking)
                 device = py::cast<tg::Device>(a);
             }
             for (const auto& [key, v] : kwargs) {
               const std::string k = py::cast<std::string>(key);
               if (k == "dtype")
                 dtype = py::cast<tg::DType>(v);
               else if (k == "device")
                 device = py::cast<tg::Device>(v);
               else if (k == "memory_format")
                 format = py::cast<tg::MemoryFormat>(v);
               else if (k != "non_blocking")
                 throw tg::TypeError(fmt::format("Module.to: unexpected keyword argument '{}'", k));
             }
             nogil([&] {
               if (dtype && device)
                 m.to(*device, *dtype);
               else if (device)
                 m.to(*device);
               else if (dtype)
                 m.to(*dtype);
               // torch's rule: parameters and buffers of 4 or 5 dims take the format (channels_last
               // refuses a 5-d one, as there); grads keep theirs.
               if (!format || *format == tg::MemoryFormat::Preserve) return;
               tg::tensor_list tensors = m.parameters();
               for (const tg::Tensor& b : m.buffers()) tensors.push_back(b);
               for (const tg::Tensor& t : tensors)
                 if ((t.dim() == 4 || t.dim() == 5) && !t.is_contiguous(*format))
                   t.set_data(t.detach().contiguous(*format));
             });
             return self;
           })
      .def("cpu",
           [](py::object self) {
             nogil([&] { py::cast<Module&>(self).to(tg::Device::cpu()); });
             return self;
           })
      .def(
          "cuda",
          [](py::object self, std::optional<int> device) {
            nogil([&] { py::cast<Module&>(self).to(tg::Device::cuda(device.value_or(0))); });
            return self;
          },
          py::arg("device") = py::none())
      .def("get_submodule", &submodule, py::arg("target"),
           "The submodule at a dotted path ('' is the module itself), AttributeError if there is none")
      .def(
          "get_parameter", [](py::object self, const std::string& target) { return registered_at(self, target, true); },
          py::arg("target"))
      .def(
          "get_buffer", [](py::object self, const std::string& target) { return registered_at(self, target, false); },
          py::arg("target"))
      .def(
          "requires_grad_",
          [](py::object self, bool requires_grad) {
            for (const tg::Tensor& p : py::cast<Module&>(self).parameters()) p.requires_grad_(requires_grad);
            return self;
          },
          py::arg("requires_grad") = true)
      .def(
          "apply",
          [](py::object self, py::object fn) {
            py::cast<Module&>(self).apply([&](Module& child) { fn(module_object(child)); });
            return self;
          },
          py::arg("fn"))
      .def("state_dict",
           [](const Module& m) {
             py::dict out;
             for (const auto& [k, v] : m.state_dict()) out[py::str(k)] = v;
             return out;
           })
      .def(
          "load_state_dict",
          [](Module& m, const py::dict& state, bool strict) {
            tg::nn::NamedTensors s;
            for (const auto& [k, v] : state) s.insert(py::cast<std::string>(k), to_tensor(v));
            tg::nn::LoadResult r = nogil([&] { return m.load_state_dict(s, strict); });
            return py::make_tuple(r.missing_keys, r.unexpected_keys);
          },
          py::arg("state_dict"), py::arg("strict") = true)
      // with_kwargs=True hooks also get the call's keywords, which are always none here (a module
      // with hooks takes its tensors positionally), and a pre-hook returns (args, kwargs) or None.
      .def(
          "register_forward_pre_hook",
          [](Module& m, py::object hook, bool prepend, bool with_kwargs) {
            PyCallable h(std::move(hook));
            return m.register_forward_pre_hook(
                [h, with_kwargs](Module& mod, const tg::tensor_list& in) {
                  py::gil_scoped_acquire gil;
                  if (!with_kwargs) return unpack(h(module_object(mod), tensor_tuple(in)));
                  const py::object r = h(module_object(mod), tensor_tuple(in), py::dict());
                  if (r.is_none()) return unpack(r);
                  TG_CHECK_TYPE(py::isinstance<py::tuple>(r) && py::len(r) == 2,
                                "{}: a forward pre-hook with kwargs must return None or (args, kwargs), got {}",
                                mod.name(), Py_TYPE(r.ptr())->tp_name);
                  TG_CHECK_VALUE(py::len(r[py::int_(1)]) == 0,
                                 "{}: modules with hooks take tensors as positional arguments only; the pre-hook "
                                 "returned keyword arguments",
                                 mod.name());
                  return unpack(r[py::int_(0)]);
                },
                prepend);
          },
          py::arg("hook"), py::kw_only(), py::arg("prepend") = false, py::arg("with_kwargs") = false)
      .def(
          "register_forward_hook",
          [](Module& m, py::object hook, bool prepend, bool with_kwargs, bool always_call) {
            PyCallable h(std::move(hook));
            return m.register_forward_hook(
                [h, with_kwargs](Module& mod, const tg::tensor_list& in, const tg::tensor_list& out) {
                  py::gil_scoped_acquire gil;
                  // No outputs: an always_call hook after a failed call, which gets None as torch's.
                  const py::object result = out.empty() ? py::none() : pack(out);
                  if (with_kwargs) return unpack(h(module_object(mod), tensor_tuple(in), py::dict(), result));
                  return unpack(h(module_object(mod), tensor_tuple(in), result));
                },
                prepend, always_call);
          },
          py::arg("hook"), py::kw_only(), py::arg("prepend") = false, py::arg("with_kwargs") = false,
          py::arg("always_call") = false)
      .def(
          "register_full_backward_hook",
          [](Module& m, py::object hook, bool prepend) {
            PyCallable h(std::move(hook));
            return m.register_full_backward_hook(
                [h](Module& mod, const tg::tensor_list& grad_in, const tg::tensor_list& grad_out) {
                  py::gil_scoped_acquire gil;
                  return unpack(h(module_object(mod), tensor_tuple(grad_in), tensor_tuple(grad_out)));
                },
                prepend);
          },
          py::arg("hook"), py::arg("prepend") = false)
      .def(
          "register_full_backward_pre_hook",
          [](Module& m, py::object hook, bool prepend) {
            PyCallable h(std::move(hook));
            return m.register_full_backward_pre_hook(
                [h](Module& mod, const tg::tensor_list& grad_out) {
                  py::gil_scoped_acquire gil;
                  return unpack(h(module_object(mod), tensor_tuple(grad_out)));
                },
                prepend);
          },
          py::arg("hook"), py::arg("prepend") = false);
  // module.float() & co.: Module.to with one dtype.
  const std::pair<const char*, tg::DType> casts[] = {
      {"float", tg::kFloat32}, {"double", tg::kFloat64}, {"half", tg::kFloat16}, {"bfloat16", tg::kBFloat16}};
  for (const auto& [name, dtype] : casts)
    cls.def(name, [dtype](py::object self) {
      nogil([&] { py::cast<Module&>(self).to(dtype); });
      return self;
    });
  nn.def("_set_parameter_class", [](py::object cls) { parameter_class = cls.release().ptr(); });
  nn.def("_set_buffer_class", [](py::object cls) { buffer_class = cls.release().ptr(); });
}

void bind_nn(py::module_& m) {
  py::module_ nn = m.def_submodule("nn", "modules, layers, functional ops and initialisers");
  bind_nn_module(nn);
  // functional registers utils.rnn.PackedSequence, which the recurrent layers' forwards name.
  bind_nn_functional(nn);
  bind_nn_layers(nn);
  bind_nn_sequence(nn);
}

}  // namespace tgpy
