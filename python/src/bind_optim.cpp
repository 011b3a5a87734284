// tg.optim: the optimizers with torch.optim's keywords (and parameter groups as dicts), and the
// learning-rate schedulers.
#include <algorithm>
#include <array>
#include <cmath>
#include <set>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bindings.h"
#include "optim_keywords.h"

namespace tgpy {
namespace {

// A count of epochs or steps. torch's schedulers do arithmetic with it, so a float of whole
// value is as good as an int there (the official tutorials pass StepLR(optimizer, 1.0)).
struct Steps {
  int64_t value = 0;
  operator int64_t() const { return value; }  // NOLINT(google-explicit-constructor): for py::init<...>
};

}  // namespace
}  // namespace tgpy

namespace pybind11::detail {
template <>
struct type_caster<tgpy::Steps> {
  PYBIND11_TYPE_CASTER(tgpy::Steps, const_name("int"));
  bool load(handle src, bool convert) {
    if (PyFloat_Check(src.ptr())) {
      const double v = PyFloat_AS_DOUBLE(src.ptr());
      if (!std::isfinite(v) || std::floor(v) != v || std::fabs(v) > 9.0e18) return false;
      value.value = static_cast<int64_t>(v);
      return true;
    }
    make_caster<int64_t> whole;
    if (!whole.load(src, convert)) return false;
    value.value = cast_op<int64_t>(whole);
    return true;
  }
  static handle cast(tgpy::Steps s, return_value_policy, handle) { return PyLong_FromLongLong(s.value); }
};
}  // namespace pybind11::detail

namespace tgpy {
namespace {

using namespace tg::optim;

// param_groups keys of PyTorch's state_dicts that choose an implementation (a fused or foreach
// kernel): loading such a state_dict ignores them. (Others, such as the schedulers' 'initial_lr',
// stay with their group.)
const std::set<std::string, std::less<>> kTorchImplementationKeys{"foreach", "fused", "capturable", "differentiable"};

// A Python subclass of LRScheduler, as in torch: get_lr() returns the rates for last_epoch.
class PyLRScheduler : public LRScheduler {
 public:
  using LRScheduler::LRScheduler;
  void set_last_epoch(int64_t epoch) { last_epoch_ = epoch; }
  // The first step, which the C++ schedulers take in their constructors; a Python subclass's
  // get_lr can only be called once its object exists.
  void initial_step() { initialize(); }

 protected:
  std::vector<double> compute_lr() override {
    py::gil_scoped_acquire gil;
    const py::function get_lr = py::get_override(static_cast<const LRScheduler*>(this), "get_lr");
    if (!get_lr) {
      PyErr_SetString(PyExc_NotImplementedError, "LRScheduler: a subclass must define get_lr()");
      throw py::error_already_set();
    }
    return py::cast<std::vector<double>>(get_lr());
  }
};

// The schedulers' protected progress, reached through members of a derived class (a pointer to
// a base's member names the base's member, so it applies to any scheduler).
struct SchedulerMembers : LRScheduler {
  static constexpr auto last_epoch = &SchedulerMembers::last_epoch_;
  static constexpr auto base_lrs = &SchedulerMembers::base_lrs_;
};

// The options of an options struct, by name, with their types.
template <class Options>
std::vector<OptionValue> option_values(const Options& options) {
  std::vector<OptionValue> out;
  const_cast<Options&>(options).visit([&](const char* n, auto& v) {
    using T = std::remove_cvref_t<decltype(v)>;
    out.push_back({n, static_cast<double>(v),
                   std::is_same_v<T, bool>                      ? 'b'
                   : std::is_integral_v<T> || std::is_enum_v<T> ? 'i'
                                                                : 'f'});
  });
  return out;
}

template <class Options>
HasOption has_option(const Options& options) {
  return [&options](std::string_view name) {
    bool found = false;
    const_cast<Options&>(options).visit([&](const char* n, auto&) { found = found || n == name; });
    return found;
  };
}

// torch lets a parameter group carry keys of its own ({"params": ..., "name": "encoder"}, a
// scheduler's "swa_lr"). A C++ optimizer holds only its options, so those keys live here, per
// optimizer and group, until make_optimizer's deleter drops them with the optimizer.
std::unordered_map<const Optimizer*, std::vector<py::dict>>& group_extras_table() {
  // Never destroyed: its dicts must not be released after the interpreter has gone.
  static auto* table = new std::unordered_map<const Optimizer*, std::vector<py::dict>>();
  return *table;
}
// Only optimizers made by make_optimizer have a place for them: one made in C++ and handed to
// Python reads as having none and refuses to store any.
py::dict group_extras(const Optimizer& o, size_t group, const char* writing = nullptr) {
  const auto it = group_extras_table().find(&o);
  if (it == group_extras_table().end()) {
    TG_CHECK_TYPE(writing == nullptr,
                  "optimizer: this optimizer was made in C++ and its parameter groups hold only "
                  "its options, not '{}'",
                  writing);
    return py::dict();
  }
  while (it->second.size() <= group) it->second.emplace_back();
  return it->second[group];
}

// torch.optim's keywords that choose how a step runs: foreach and fused (tapegrad's step is one
// fused pass over all the group's tensors either way), capturable and differentiable (CUDA graphs
// and steps recorded for autograd, which tapegrad lacks: only False). Not kept in the groups.
bool implementation_keyword(const std::string& k, py::handle value, const char* optimizer) {
  if (k == "foreach" || k == "fused") {
    TG_CHECK_TYPE(value.is_none() || py::isinstance<py::bool_>(value), "{}: {} must be None or a bool, got {}",
                  optimizer, k, Py_TYPE(value.ptr())->tp_name);
    return true;
  }
  if (k == "capturable" || k == "differentiable") {
    TG_CHECK_VALUE(!PyObject_IsTrue(value.ptr()), "{}: {}=True is not supported ({})", optimizer, k,
                   k == "capturable" ? "there are no CUDA graphs here" : "steps are not recorded for autograd");
    return true;
  }
  return false;
}

// torch.optim's positional arguments after params (SGD(params, 0.1, 0.9)) moved into the keywords.
py::kwargs with_positional(const char* optimizer, const std::vector<const char*>& names, const py::args& args,
                           py::kwargs kw) {
  TG_CHECK_TYPE(args.size() <= names.size(), "{}: takes at most {} positional arguments after params, got {}",
                optimizer, names.size(), args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    TG_CHECK_TYPE(!kw.contains(names[i]), "{}: got multiple values for argument '{}'", optimizer, names[i]);
    kw[py::str(names[i])] = args[i];
  }
  return kw;
}

// Sets the fields of an options struct from torch.optim keywords ("betas" is (beta1, beta2)).
template <class Options>
void apply_options(Options& o, const py::dict& kwargs, const char* optimizer, py::dict* extras = nullptr) {
  const HasOption has = has_option(o);
  const auto set = [&](const std::string& name, double value) {
    o.visit([&](const char* n, auto& v) {
      if (n == name) v = static_cast<std::remove_reference_t<decltype(v)>>(value);
    });
  };
  for (const auto& [key, value] : kwargs) {
    const std::string k = py::cast<std::string>(key);
    if (k == "params" || implementation_keyword(k, value, optimizer)) continue;
    if (extras != nullptr && !is_torch_keyword(k, has) && !has(k)) {
      (*extras)[key] = value;  // a key of the group's own, as torch keeps it
      continue;
    }
    if (set_torch_keyword(k, value, optimizer, has, set)) continue;
    bool found = false;
    o.visit([&](const char* n, auto& v) {
      using T = std::remove_reference_t<decltype(v)>;
      if (k != n) return;
      found = true;
      try {
        v = py::cast<T>(value);
      } catch (const py::cast_error&) {
        TG_CHECK_TYPE(false, "{}: {} must be {}, got {}", optimizer, k,
                      std::is_same_v<T, bool> ? "a bool"
                      : std::is_integral_v<T> ? "an int"
                                              : "a number",
                      Py_TYPE(value.ptr())->tp_name);
      }
    });
    TG_CHECK_TYPE(found, "{}: unexpected keyword argument '{}'", optimizer, k);
  }
}

// params: an iterable of tensors, or of dicts {"params": [...], "lr": ...} (parameter groups).
template <class Opt, class Options>
std::shared_ptr<Opt> make_optimizer(const char* name, py::iterable params, const py::kwargs& kwargs, Options defaults) {
  apply_options(defaults, kwargs, name);
  // The deleter forgets the groups' own keys where it may touch Python objects (holding the GIL);
  // elsewhere the entry stays until an optimizer made at the same address replaces it.
  const auto owned = [](Opt* opt) {
    if (Py_IsInitialized() && PyGILState_Check()) group_extras_table().erase(opt);
    delete opt;
  };
  py::list items(params);
  if (items.size() > 0 && py::isinstance<py::dict>(items[0])) {
    std::vector<typename Opt::ParamGroup> groups;
    std::vector<py::dict> extras;
    for (const py::handle g : items) {
      py::dict d = py::cast<py::dict>(g);
      TG_CHECK_VALUE(d.contains("params"), "{}: a parameter group needs a 'params' entry", name);
      Options o = defaults;
      apply_options(o, d, name, &extras.emplace_back());
      const py::object p = d["params"];
      groups.push_back({is_tensor(p) ? tg::tensor_list{as_tensor(p)} : py::cast<tg::tensor_list>(py::list(p)), o});
    }
    std::shared_ptr<Opt> opt(new Opt(groups, defaults), owned);
    group_extras_table()[opt.get()] = std::move(extras);
    return opt;
  }
  std::shared_ptr<Opt> opt(new Opt(py::cast<tg::tensor_list>(items), defaults), owned);
  group_extras_table()[opt.get()] = {};  // replaces what a freed optimizer at this address left
  return opt;
}

// Options as torch.optim shows them (defaults, param_groups): torch's tuples under their keyword
// ("betas"), bools and integers as such.
template <class Options>
py::dict options_dict(const Options& options) {
  return torch_options(option_values(options));
}

// An optimizer class whose constructor takes torch.optim's keywords, with `defaults` and
// add_param_group.
template <class Opt, class Options, class Base = tg::optim::Optimizer>
py::class_<Opt, Base, std::shared_ptr<Opt>> def_optimizer(py::module_& m, const char* name,
                                                          std::vector<const char*> positional, Options defaults = {}) {
  py::class_<Opt, Base, std::shared_ptr<Opt>> cls(m, name);
  cls.def(py::init([name, defaults, positional](py::iterable params, py::args args, py::kwargs kw) {
            return make_optimizer<Opt>(name, params, with_positional(name, positional, args, std::move(kw)), defaults);
          }),
          py::arg("params"))
      .def_property_readonly("defaults", [](const Opt& o) { return options_dict(o.defaults()); })
      .def_property_readonly_static("_positional", [positional](py::handle) { return positional; })
      .def(
          "add_param_group",
          [name](Opt& o, const py::dict& group) {
            TG_CHECK_VALUE(group.contains("params"), "{}: a parameter group needs a 'params' entry", name);
            Options options = o.defaults();
            py::dict extras;
            apply_options(options, group, name, &extras);
            const py::object params = group["params"];
            o.add_param_group(
                {is_tensor(params) ? tg::tensor_list{as_tensor(params)} : py::cast<tg::tensor_list>(py::list(params)),
                 options});
            if (!extras.empty()) group_extras(o, o.num_param_groups() - 1, "add_param_group").attr("update")(extras);
          },
          py::arg("param_group"), "Adds a group (a dict with 'params' and options; the others from defaults)");
  return cls;
}

// fn(index, name, tensor) for each "state.<index>.<name>" entry of a flat optimizer state_dict.
template <class F>
void for_each_param_state(const tg::nn::NamedTensors& flat, F&& fn) {
  for (const auto& [k, v] : flat) {
    if (!k.starts_with("state.")) continue;
    const size_t dot = k.find('.', 6);
    fn(std::stoll(k.substr(6, dot - 6)), k.substr(dot + 1), v);
  }
}

// A Python subclass of Optimizer, written as for torch.optim: its param_groups are dicts and its
// state a dict per parameter, both in Python, and step() is the subclass's. The C++ side reads
// and writes the rates in those dicts, so LR schedulers, zero_grad and GradScaler drive it as any
// optimizer; state_dict and load_state_dict are tapegrad.optim.optimizer's, in torch's format.
class PyOptimizer : public Optimizer {
 public:
  py::list groups;
  py::object state = py::dict();

  void step() override {
    py::gil_scoped_acquire gil;
    const py::function step = py::get_override(static_cast<const Optimizer*>(this), "step");
    if (!step) {
      PyErr_SetString(PyExc_NotImplementedError, "Optimizer: a subclass must define step()");
      throw py::error_already_set();
    }
    step();
  }
  double lr(size_t g) const override {
    py::gil_scoped_acquire gil;
    return py::cast<double>(group(g)["lr"]);
  }
  void set_lr(size_t g, double lr) override {
    py::gil_scoped_acquire gil;
    group(g)["lr"] = lr;
  }
  bool has_momentum() const override {
    py::gil_scoped_acquire gil;
    return !groups.empty() && (group(0).contains("momentum") || group(0).contains("betas"));
  }
  double momentum(size_t g) const override {
    py::gil_scoped_acquire gil;
    const py::dict d = group(g);
    return d.contains("betas") ? py::cast<double>(py::tuple(d["betas"])[0]) : py::cast<double>(d["momentum"]);
  }
  void set_momentum(size_t g, double m) override {
    py::gil_scoped_acquire gil;
    py::dict d = group(g);
    if (d.contains("betas")) {
      d["betas"] = py::make_tuple(m, py::tuple(d["betas"])[1]);
    } else {
      d["momentum"] = m;
    }
  }
  char option_type(const std::string& name) const override {
    py::gil_scoped_acquire gil;
    if (groups.empty() || name == "params" || !group(0).contains(name)) return 0;
    const py::object v = group(0)[py::str(name)];
    return PyBool_Check(v.ptr()) ? 'b' : PyLong_Check(v.ptr()) ? 'i' : PyFloat_Check(v.ptr()) ? 'f' : 0;
  }
  // The C++ side's copy of a new group's parameters (zero_grad), checked as any optimizer's.
  void add_group(tg::tensor_list params) { add_params("Optimizer", std::move(params)); }

 protected:
  std::vector<std::pair<std::string, double>> group_options(size_t g) const override {
    py::gil_scoped_acquire gil;
    std::vector<std::pair<std::string, double>> out;
    for (const auto& [key, value] : group(g)) {
      const auto name = py::cast<std::string>(key);
      if (option_type(name)) out.emplace_back(name, py::cast<double>(value));
    }
    return out;
  }
  void set_group_option(size_t g, const std::string& name, double value) override {
    py::gil_scoped_acquire gil;
    const char type = option_type(name);
    TG_CHECK_VALUE(type != 0, "Optimizer: the parameter groups have no number '{}'", name);
    group(g)[py::str(name)] = type == 'b'   ? py::object(py::bool_(value != 0))
                              : type == 'i' ? py::object(py::int_(static_cast<int64_t>(value)))
                                            : py::object(py::float_(value));
  }
  // The per-parameter state is the Python dict `state`, which tapegrad.optim.optimizer's
  // state_dict saves; the C++ flat state_dict has none of it.
  std::vector<std::pair<std::string, tg::Tensor>> param_state(const tg::Tensor&) const override { return {}; }
  void set_param_state(const tg::Tensor&, const std::string& name, const tg::Tensor&) override {
    TG_FAIL("Optimizer: a Python optimizer keeps its state in Python; its load_state_dict sets '{}' there", name);
  }

 private:
  py::dict group(size_t g) const {
    TG_CHECK_INDEX(g < groups.size(), "Optimizer: no parameter group {} ({} groups)", g, groups.size());
    return groups[g];
  }
};

// The Python subclass behind `o`, for what only such an optimizer has.
PyOptimizer& python_optimizer(Optimizer& o, const char* what) {
  auto* own = dynamic_cast<PyOptimizer*>(&o);
  TG_CHECK_TYPE(own != nullptr, "Optimizer.{}: only a Python subclass of Optimizer has it", what);
  return *own;
}

// optimizer.param_groups[i]["lr"] reads and writes through to the optimizer, as in PyTorch.
struct ParamGroupView {
  std::shared_ptr<Optimizer> opt;
  size_t index;
};

}  // namespace

void bind_optim(py::module_& root) {
  py::module_ m = root.def_submodule("optim", "optimizers and learning-rate schedulers");
  // Keys: "params", every option (torch's pairs such as "betas" as tuples), and "momentum" for
  // optimizers whose momentum is another option (Adam's beta1), which OneCycleLR and CyclicLR use.
  const auto options = [](const ParamGroupView& g) {
    std::vector<OptionValue> out;
    for (auto& [n, v] : g.opt->options_of(g.index)) out.push_back({n, v, g.opt->option_type(n)});
    return torch_options(out);
  };
  const auto has_option = [](const std::shared_ptr<Optimizer>& o) -> HasOption {
    return [o](std::string_view name) { return o->option_type(std::string(name)) != 0; };
  };
  // One key without building the whole torch form: schedulers read "lr" every step.
  const auto get = [options, has_option](const ParamGroupView& g, const std::string& key) -> py::object {
    if (key == "params") return py::cast(g.opt->params(g.index));
    if (const char type = g.opt->option_type(key)) {
      for (const auto& [name, value] : g.opt->options_of(g.index))
        if (name == key) {
          if (py::object shown = torch_option({name, value, type}, has_option(g.opt))) return shown;
          break;
        }
    } else if (is_torch_keyword(key, has_option(g.opt))) {
      return options(g)[py::str(key)];
    }
    if (key == "momentum" && g.opt->has_momentum()) return py::float_(g.opt->momentum(g.index));
    const py::dict extras = group_extras(*g.opt, g.index);
    if (extras.contains(key)) return extras[py::str(key)];
    throw py::key_error(key);
  };
  const auto keys = [options](const ParamGroupView& g) {
    std::vector<std::string> k{"params"};
    for (const auto& [key, value] : options(g)) k.push_back(py::cast<std::string>(key));
    if (g.opt->has_momentum() && std::find(k.begin(), k.end(), "momentum") == k.end()) k.push_back("momentum");
    for (const auto& [key, value] : group_extras(*g.opt, g.index)) k.push_back(py::cast<std::string>(key));
    return k;
  };
  py::class_<ParamGroupView>(m, "ParamGroup")
      .def("__getitem__", get)
      .def(
          "get",
          [get](const ParamGroupView& g, const std::string& key, py::object fallback) -> py::object {
            try {
              return get(g, key);
            } catch (const py::key_error&) {
              return fallback;
            }
          },
          py::arg("key"), py::arg("default") = py::none())
      .def("__contains__",
           [get](const ParamGroupView& g, const std::string& key) {
             try {
               get(g, key);
               return true;
             } catch (const py::key_error&) {
               return false;
             }
           })
      .def("__setitem__",
           [has_option](const ParamGroupView& g, const std::string& key, py::object value) {
             const auto set = [&](const std::string& name, double v) { g.opt->set_option(g.index, name, v); };
             const std::string where =
                 py::type::of(py::cast(g.opt)).attr("__name__").cast<std::string>() + ".param_groups";
             if (set_torch_keyword(key, value, where.c_str(), has_option(g.opt), set)) return;
             const auto number = [&] {
               TG_CHECK_TYPE(PyNumber_Check(value.ptr()), "{}: {} must be a number, got {}", where, key,
                             Py_TYPE(value.ptr())->tp_name);
               return py::cast<double>(value);
             };
             if (key != "params" && g.opt->option_type(key)) {
               g.opt->set_option(g.index, key, number());
             } else if (key == "momentum" && g.opt->has_momentum()) {
               g.opt->set_momentum(g.index, number());
             } else if (key != "params") {
               group_extras(*g.opt, g.index, key.c_str())[py::str(key)] = value;  // a key of the group's own
             } else {
               throw py::key_error("'params' cannot be set (add_param_group adds parameters)");
             }
           })
      .def("keys", keys)
      // The rest of the dict protocol that code over torch's group dicts uses.
      .def("__iter__", [keys](const ParamGroupView& g) { return py::iter(py::cast(keys(g))); })
      .def("__len__", [keys](const ParamGroupView& g) { return keys(g).size(); })
      .def("values",
           [keys, get](const ParamGroupView& g) {
             py::list out;
             for (const auto& k : keys(g)) out.append(get(g, k));
             return out;
           })
      .def("items",
           [keys, get](const ParamGroupView& g) {
             py::list out;
             for (const auto& k : keys(g)) out.append(py::make_tuple(k, get(g, k)));
             return out;
           })
      .def(
          "setdefault",
          [keys, get](py::object self, const std::string& key, py::object value) -> py::object {
            const auto k = keys(py::cast<const ParamGroupView&>(self));
            if (std::find(k.begin(), k.end(), key) != k.end()) return get(py::cast<const ParamGroupView&>(self), key);
            self.attr("__setitem__")(key, value);
            return value;
          },
          py::arg("key"), py::arg("default") = py::none())
      .def("update",
           [](py::object self, py::args args, py::kwargs kw) {
             py::dict d;
             for (const py::handle a : args) d.attr("update")(a);
             d.attr("update")(kw);
             for (const auto& [k, v] : d) self.attr("__setitem__")(k, v);
           })
      .def("__repr__", [](py::object self) { return py::repr(py::dict(self)); });

  py::class_<Optimizer, PyOptimizer, std::shared_ptr<Optimizer>>(m, "Optimizer", py::dynamic_attr())
      // A Python subclass's construction; tapegrad.optim.optimizer's __init__ then adds the groups.
      .def(py::init([] { return std::make_shared<PyOptimizer>(); }))
      .def_property_readonly("_is_python_optimizer",
                             [](const Optimizer& o) { return dynamic_cast<const PyOptimizer*>(&o) != nullptr; })
      .def("_add_group_params",
           [](Optimizer& o, const tg::tensor_list& params) {
             python_optimizer(o, "_add_group_params").add_group(params);
           })
      .def(
          "step",
          [](Optimizer& o, py::object closure) -> py::object {
            py::object loss = py::none();
            if (!closure.is_none()) {
              tg::EnableGradGuard grad;
              loss = closure();
            }
            nogil([&] { o.step(); });
            return loss;
          },
          py::arg("closure") = py::none())
      .def("zero_grad", &Optimizer::zero_grad, py::arg("set_to_none") = true)
      // PyTorch's optimizer.state: {parameter: {name: tensor}} for the parameters that have state
      // (the tensors are the optimizer's own).
      .def_property(
          "state",
          [](const std::shared_ptr<Optimizer>& o) -> py::object {
            if (auto* own = dynamic_cast<PyOptimizer*>(o.get())) return own->state;
            tg::tensor_list params;
            for (size_t g = 0; g < o->num_param_groups(); ++g)
              for (const tg::Tensor& p : o->params(g)) params.push_back(p);
            py::dict out;
            for_each_param_state(o->state_dict(), [&](int64_t i, const std::string& name, const tg::Tensor& v) {
              py::object key = py::cast(params.at(static_cast<size_t>(i)));
              if (!out.contains(key)) out[key] = py::dict();
              out[key].cast<py::dict>()[py::str(name)] = v;
            });
            return out;
          },
          [](Optimizer& o, py::object state) { python_optimizer(o, "state").state = std::move(state); })
      .def_property(
          "param_groups",
          [](const std::shared_ptr<Optimizer>& o) -> py::object {
            if (auto* own = dynamic_cast<PyOptimizer*>(o.get())) return own->groups;
            std::vector<ParamGroupView> out;
            for (size_t i = 0; i < o->num_param_groups(); ++i) out.push_back({o, i});
            return py::cast(out);
          },
          [](Optimizer& o, const py::iterable& groups) {
            python_optimizer(o, "param_groups").groups = py::list(groups);
          })
      // PyTorch's layout: {"state": {index: {name: tensor}}, "param_groups": [{option: value,
      // ..., "params": [index, ...]}]}, with torch's keywords ("betas" as a pair).
      .def("state_dict",
           [get, keys](const std::shared_ptr<Optimizer>& o) {
             py::dict state, out;
             py::list groups;
             const tg::nn::NamedTensors flat = o->state_dict();
             for_each_param_state(flat, [&](int64_t i, const std::string& name, const tg::Tensor& v) {
               py::int_ index(i);
               if (!state.contains(index)) state[index] = py::dict();
               state[index].cast<py::dict>()[py::str(name)] = v;
             });
             for (size_t g = 0; g < o->num_param_groups(); ++g) {
               const ParamGroupView view{o, g};
               py::dict group;
               for (const std::string& key : keys(view))
                 if (key != "params" && (key != "momentum" || o->option_type(key)))
                   group[py::str(key)] = get(view, key);
               group["params"] = flat[fmt::format("param_groups.{}.params", g)].to_vector<int64_t>();
               groups.append(group);
             }
             out["state"] = state;
             out["param_groups"] = groups;
             return out;
           })
      .def(
          "load_state_dict",
          [has_option](const std::shared_ptr<Optimizer>& o, const py::dict& sd) {
            TG_CHECK_VALUE(sd.contains("state") && sd.contains("param_groups"),
                           "Optimizer.load_state_dict: expected a dict with 'state' and 'param_groups' (an optimizer's "
                           "state_dict), got keys {}",
                           py::str(py::list(sd.attr("keys")())).cast<std::string>());
            tg::nn::NamedTensors flat;
            for (const auto& [index, entries] : sd["state"].cast<py::dict>())
              for (const auto& [name, value] : entries.cast<py::dict>())
                flat.insert(fmt::format("state.{}.{}", py::cast<int64_t>(index), py::cast<std::string>(name)),
                            to_tensor(value));
            const py::list groups = sd["param_groups"];
            TG_CHECK_VALUE(groups.size() == o->num_param_groups(),
                           "Optimizer.load_state_dict: the state has {} parameter groups, the optimizer {}",
                           groups.size(), o->num_param_groups());
            std::vector<py::dict> loaded_extras(groups.size());
            for (size_t g = 0; g < groups.size(); ++g) {
              py::dict& extras = loaded_extras[g];
              const auto option = [&](const std::string& name, double v) {
                flat.insert(fmt::format("param_groups.{}.{}", g, name), tg::scalar_tensor(v, tg::kFloat64));
              };
              for (const auto& [key, value] : groups[g].cast<py::dict>()) {
                const std::string k = py::cast<std::string>(key);
                if (k == "params") {
                  flat.insert(fmt::format("param_groups.{}.params", g),
                              tg::tensor(py::cast<std::vector<int64_t>>(value)));
                } else if (set_torch_keyword(k, value, "Optimizer.load_state_dict", has_option(o), option)) {
                  continue;
                } else if (k == "momentum" && !o->option_type(k) && o->has_momentum()) {
                  continue;  // the alias of another option (Adam's beta1), saved under that name
                } else if (!o->option_type(k) && kTorchImplementationKeys.contains(k)) {
                  continue;  // how PyTorch runs the step: not what this optimizer computes
                } else if (k == "decoupled_weight_decay" && !o->option_type(k)) {
                  // A state whose weight decay was decoupled can't resume in an optimizer without that.
                  TG_CHECK_VALUE(!py::cast<bool>(value),
                                 "Optimizer.load_state_dict: the state has decoupled_weight_decay=True, which this "
                                 "optimizer does not compute (the optimizer has no option 'decoupled_weight_decay')");
                } else if (o->option_type(k)) {
                  option(k, value.is_none() ? 0.0 : py::cast<double>(value));
                } else {
                  extras[py::str(k)] = value;  // a key of the group's own, set once the state is loaded
                }
              }
            }
            o->load_state_dict(flat);
            // As torch replaces the group dicts with the saved ones, their own keys are the saved ones.
            for (size_t g = 0; g < groups.size(); ++g) {
              if (loaded_extras[g].empty() && group_extras(*o, g).empty()) continue;
              py::dict extras = group_extras(*o, g, "load_state_dict");
              extras.clear();
              extras.attr("update")(loaded_extras[g]);
            }
          },
          py::arg("state_dict"));
  // The positional arguments after params, in torch.optim's order.
  def_optimizer<SGD, SGDOptions>(m, "SGD", {"lr", "momentum", "dampening", "weight_decay", "nesterov"});
  def_optimizer<Adam, AdamOptions>(m, "Adam", {"lr", "betas", "eps", "weight_decay", "amsgrad"});
  def_optimizer<AdamW, AdamOptions, Adam>(m, "AdamW", {"lr", "betas", "eps", "weight_decay", "amsgrad"},
                                          adamw_defaults());
  def_optimizer<RMSprop, RMSpropOptions>(m, "RMSprop",
                                         {"lr", "alpha", "eps", "weight_decay", "momentum", "centered", "capturable",
                                          "foreach", "maximize", "differentiable"});
  def_optimizer<Adagrad, AdagradOptions>(
      m, "Adagrad", {"lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps", "foreach"});
  def_optimizer<Adadelta, AdadeltaOptions>(m, "Adadelta", {"lr", "rho", "eps", "weight_decay", "foreach"});
  def_optimizer<Adamax, AdamaxOptions>(m, "Adamax", {"lr", "betas", "eps", "weight_decay", "foreach"});
  def_optimizer<NAdam, NAdamOptions>(
      m, "NAdam", {"lr", "betas", "eps", "weight_decay", "momentum_decay", "decoupled_weight_decay"});
  def_optimizer<RAdam, RAdamOptions>(m, "RAdam", {"lr", "betas", "eps", "weight_decay", "decoupled_weight_decay"});
  def_optimizer<Rprop, RpropOptions>(m, "Rprop", {"lr", "etas", "step_sizes"});
  def_optimizer<ASGD, ASGDOptions>(
      m, "ASGD", {"lr", "lambd", "alpha", "t0", "weight_decay", "foreach", "maximize", "differentiable", "capturable"});
  def_optimizer<Adafactor, AdafactorOptions>(m, "Adafactor", {"lr", "beta2_decay", "eps", "d", "weight_decay"});
  def_optimizer<Muon, MuonOptions>(
      m, "Muon", {"lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps", "ns_steps", "adjust_lr_fn"});
  // LBFGS: line_search_fn None or "strong_wolfe"; step(closure) calls the closure as often as it needs.
  py::class_<LBFGS, Optimizer, std::shared_ptr<LBFGS>>(m, "LBFGS")
      .def(py::init([](py::iterable params, py::args args, py::kwargs kw) {
             kw = with_positional(
                 "LBFGS",
                 {"lr", "max_iter", "max_eval", "tolerance_grad", "tolerance_change", "history_size", "line_search_fn"},
                 args, std::move(kw));
             LBFGSOptions defaults;
             if (kw.contains("line_search_fn")) {
               const py::object fn = kw["line_search_fn"];
               TG_CHECK_VALUE(fn.is_none() || py::cast<std::string>(fn) == "strong_wolfe",
                              "LBFGS: only 'strong_wolfe' is supported as line_search_fn, got '{}'",
                              py::str(fn).cast<std::string>());
               defaults.strong_wolfe = !fn.is_none();
               PyDict_DelItemString(kw.ptr(), "line_search_fn");
             }
             if (kw.contains("max_eval") && kw["max_eval"].is_none()) PyDict_DelItemString(kw.ptr(), "max_eval");
             return make_optimizer<LBFGS>("LBFGS", params, kw, defaults);
           }),
           py::arg("params"))
      .def(
          "step",
          [](LBFGS& o, py::object closure) -> py::object {
            TG_CHECK_TYPE(!closure.is_none(), "LBFGS.step: needs a closure that re-evaluates the loss");
            const tg::Tensor loss = nogil([&] {
              return o.step([&closure] {
                py::gil_scoped_acquire gil;
                return to_tensor(closure());
              });
            });
            return py::cast(loss);
          },
          py::arg("closure") = py::none());

  // ---- schedulers (each keeps its optimizer alive) ----
  py::module_ s = m.def_submodule("lr_scheduler", "learning-rate schedulers");
  // State dicts as PyTorch writes them: rate lists as lists, counters as ints, the rest floats.
  auto to_state_dict = [](const tg::optim::SchedulerState& state) {
    py::dict d;
    for (const auto& [key, values] : state) {
      const bool list = key.ends_with("base_lrs") || key.ends_with("_last_lr");
      const bool count =
          key.ends_with("last_epoch") || key.ends_with("num_bad_epochs") || key.ends_with("cooldown_counter");
      if (list || values.size() != 1) {
        d[py::str(key)] = py::cast(values);
      } else if (count) {
        d[py::str(key)] = py::int_(static_cast<int64_t>(values[0]));
      } else {
        d[py::str(key)] = py::float_(values[0]);
      }
    }
    return d;
  };
  auto from_state_dict = [](const py::dict& d) {
    tg::optim::SchedulerState state;
    for (const auto& [key, value] : d) {
      std::vector<double>& into = state[py::cast<std::string>(key)];
      if (PyFloat_Check(value.ptr()) || PyIndex_Check(value.ptr())) {
        into.push_back(py::cast<double>(value));
      } else {
        into = py::cast<std::vector<double>>(value);
      }
    }
    return state;
  };
  auto with_state = [&](auto&& cls) {
    using S = typename std::decay_t<decltype(cls)>::type;
    cls.def("state_dict", [to_state_dict](const S& l) { return to_state_dict(l.state_dict()); });
    cls.def(
        "load_state_dict", [from_state_dict](S& l, const py::dict& d) { l.load_state_dict(from_state_dict(d)); },
        py::arg("state_dict"));
  };
  const auto keep = py::keep_alive<1, 2>();
  // The base class, which Python subclasses as torch.optim.lr_scheduler.LRScheduler: their
  // get_lr() gives the rates. (tapegrad.optim.lr_scheduler takes the first step in __init__.)
  with_state(py::class_<LRScheduler, PyLRScheduler, std::shared_ptr<LRScheduler>>(s, "LRScheduler", py::dynamic_attr())
                 .def(py::init([](Optimizer& o, int64_t last_epoch) {
                        auto scheduler = std::make_shared<PyLRScheduler>(o);
                        scheduler->set_last_epoch(last_epoch);
                        return scheduler;
                      }),
                      py::arg("optimizer"), py::arg("last_epoch") = -1, keep)
                 .def("_initial_step",
                      [](LRScheduler& l) {
                        auto* own = dynamic_cast<PyLRScheduler*>(&l);
                        TG_CHECK_TYPE(own != nullptr, "_initial_step: only for Python subclasses of LRScheduler");
                        own->initial_step();
                      })
                 .def("step", &LRScheduler::step)
                 .def("get_last_lr", &LRScheduler::get_last_lr)
                 .def_property("last_epoch", &LRScheduler::last_epoch,
                               [](LRScheduler& l, int64_t epoch) { l.*SchedulerMembers::last_epoch = epoch; })
                 .def_property(
                     "base_lrs", [](const LRScheduler& l) { return l.*SchedulerMembers::base_lrs; },
                     [](LRScheduler& l, std::vector<double> lrs) { l.*SchedulerMembers::base_lrs = std::move(lrs); }));
  py::class_<StepLR, LRScheduler, std::shared_ptr<StepLR>>(s, "StepLR")
      .def(py::init<Optimizer&, Steps, double>(), py::arg("optimizer"), py::arg("step_size"), py::arg("gamma") = 0.1,
           keep);
  py::class_<MultiStepLR, LRScheduler, std::shared_ptr<MultiStepLR>>(s, "MultiStepLR")
      .def(py::init<Optimizer&, std::vector<int64_t>, double>(), py::arg("optimizer"), py::arg("milestones"),
           py::arg("gamma") = 0.1, keep);
  py::class_<ExponentialLR, LRScheduler, std::shared_ptr<ExponentialLR>>(s, "ExponentialLR")
      .def(py::init<Optimizer&, double>(), py::arg("optimizer"), py::arg("gamma"), keep);
  py::class_<CosineAnnealingLR, LRScheduler, std::shared_ptr<CosineAnnealingLR>>(s, "CosineAnnealingLR")
      .def(py::init<Optimizer&, Steps, double>(), py::arg("optimizer"), py::arg("T_max"), py::arg("eta_min") = 0.0,
           keep);
  py::class_<LinearLR, LRScheduler, std::shared_ptr<LinearLR>>(s, "LinearLR")
      .def(py::init<Optimizer&, double, double, Steps>(), py::arg("optimizer"), py::arg("start_factor") = 1.0 / 3,
           py::arg("end_factor") = 1.0, py::arg("total_iters") = 5, keep);
  // torch's rates: one float for every group or a list with one per group.
  const auto rates = [](const py::object& v) {
    if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v)) return py::cast<std::vector<double>>(v);
    return std::vector<double>{py::cast<double>(v)};
  };
  py::class_<OneCycleLR, LRScheduler, std::shared_ptr<OneCycleLR>>(s, "OneCycleLR")
      .def(py::init([rates](Optimizer& o, py::object max_lr, std::optional<int64_t> total_steps,
                            std::optional<int64_t> epochs, std::optional<int64_t> steps_per_epoch, double pct_start,
                            const std::string& anneal, bool cycle_momentum, double base_momentum, double max_momentum,
                            double div_factor, double final_div_factor, bool three_phase) {
             TG_CHECK_VALUE(anneal == "cos" || anneal == "linear",
                            "OneCycleLR: anneal_strategy must be 'cos' or 'linear', got '{}'", anneal);
             if (!total_steps) {
               TG_CHECK_VALUE(epochs && steps_per_epoch,
                              "OneCycleLR: you must define either total_steps OR (epochs AND steps_per_epoch)");
               TG_CHECK_VALUE(*epochs > 0, "OneCycleLR: expected positive integer epochs, but got {}", *epochs);
               TG_CHECK_VALUE(*steps_per_epoch > 0, "OneCycleLR: expected positive integer steps_per_epoch, but got {}",
                              *steps_per_epoch);
               total_steps = *epochs * *steps_per_epoch;
             }
             return std::make_shared<OneCycleLR>(
                 o, rates(max_lr), *total_steps,
                 OneCycleOptions{pct_start, anneal == "cos", cycle_momentum, base_momentum, max_momentum, div_factor,
                                 final_div_factor, three_phase});
           }),
           py::arg("optimizer"), py::arg("max_lr"), py::arg("total_steps") = py::none(), py::arg("epochs") = py::none(),
           py::arg("steps_per_epoch") = py::none(), py::arg("pct_start") = 0.3, py::arg("anneal_strategy") = "cos",
           py::arg("cycle_momentum") = true, py::arg("base_momentum") = 0.85, py::arg("max_momentum") = 0.95,
           py::arg("div_factor") = 25.0, py::arg("final_div_factor") = 1e4, py::arg("three_phase") = false, keep);
  // lr_lambda: one callable, or a list with one per group.
  const auto lambdas = [](const py::object& f) {
    std::vector<LambdaLR::Lambda> out;
    const auto wrap = [](py::object fn) -> LambdaLR::Lambda {
      TG_CHECK_TYPE(PyCallable_Check(fn.ptr()), "lr_lambda: expected a callable or a list of callables");
      return [call = PyCallable(std::move(fn))](int64_t epoch) { return py::cast<double>(call(epoch)); };
    };
    if (py::isinstance<py::list>(f) || py::isinstance<py::tuple>(f))
      for (const py::handle& fn : f) out.push_back(wrap(py::reinterpret_borrow<py::object>(fn)));
    else
      out.push_back(wrap(f));
    return out;
  };
  py::class_<LambdaLR, LRScheduler, std::shared_ptr<LambdaLR>>(s, "LambdaLR")
      .def(py::init([lambdas](Optimizer& o, const py::object& f) { return std::make_shared<LambdaLR>(o, lambdas(f)); }),
           py::arg("optimizer"), py::arg("lr_lambda"), keep);
  py::class_<MultiplicativeLR, LRScheduler, std::shared_ptr<MultiplicativeLR>>(s, "MultiplicativeLR")
      .def(py::init([lambdas](Optimizer& o, const py::object& f) {
             return std::make_shared<MultiplicativeLR>(o, lambdas(f));
           }),
           py::arg("optimizer"), py::arg("lr_lambda"), keep);
  py::class_<ConstantLR, LRScheduler, std::shared_ptr<ConstantLR>>(s, "ConstantLR")
      .def(py::init<Optimizer&, double, Steps>(), py::arg("optimizer"), py::arg("factor") = 1.0 / 3,
           py::arg("total_iters") = 5, keep);
  py::class_<PolynomialLR, LRScheduler, std::shared_ptr<PolynomialLR>>(s, "PolynomialLR")
      .def(py::init<Optimizer&, Steps, double>(), py::arg("optimizer"), py::arg("total_iters") = 5,
           py::arg("power") = 1.0, keep);
  py::class_<CosineAnnealingWarmRestarts, LRScheduler, std::shared_ptr<CosineAnnealingWarmRestarts>>(
      s, "CosineAnnealingWarmRestarts")
      .def(py::init<Optimizer&, int64_t, int64_t, double>(), py::arg("optimizer"), py::arg("T_0"),
           py::arg("T_mult") = 1, py::arg("eta_min") = 0.0, keep)
      .def(
          "step",
          [](CosineAnnealingWarmRestarts& c, std::optional<double> epoch) {
            if (epoch)
              c.step(*epoch);
            else
              c.step();
          },
          py::arg("epoch") = py::none())
      .def_property_readonly("T_cur", &CosineAnnealingWarmRestarts::T_cur);
  py::class_<CyclicLR, LRScheduler, std::shared_ptr<CyclicLR>>(s, "CyclicLR")
      .def(py::init([rates](Optimizer& o, py::object base_lr, py::object max_lr, double up, std::optional<double> down,
                            const std::string& mode, double gamma, py::object scale_fn, const std::string& scale_mode,
                            bool cycle_momentum, double base_momentum, double max_momentum) {
             CyclicLROptions options{up,         down,           mode,          gamma,       {},
                                     scale_mode, cycle_momentum, base_momentum, max_momentum};
             if (!scale_fn.is_none())
               options.scale_fn = [call = PyCallable(std::move(scale_fn))](double x) {
                 return py::cast<double>(call(x));
               };
             return std::make_shared<CyclicLR>(o, rates(base_lr), rates(max_lr), options);
           }),
           py::arg("optimizer"), py::arg("base_lr"), py::arg("max_lr"), py::arg("step_size_up") = 2000,
           py::arg("step_size_down") = py::none(), py::arg("mode") = "triangular", py::arg("gamma") = 1.0,
           py::arg("scale_fn") = py::none(), py::arg("scale_mode") = "cycle", py::arg("cycle_momentum") = true,
           py::arg("base_momentum") = 0.8, py::arg("max_momentum") = 0.9, keep);
  with_state(py::class_<SequentialLR, std::shared_ptr<SequentialLR>>(s, "SequentialLR")
                 .def(py::init<Optimizer&, std::vector<std::shared_ptr<LRScheduler>>, std::vector<int64_t>>(),
                      py::arg("optimizer"), py::arg("schedulers"), py::arg("milestones"), keep,
                      py::keep_alive<1, 3>())  // Python schedulers' objects hold their get_lr
                 .def("step", &SequentialLR::step)
                 .def("get_last_lr", &SequentialLR::get_last_lr)
                 .def_property_readonly("last_epoch", &SequentialLR::last_epoch));
  with_state(py::class_<ChainedScheduler, std::shared_ptr<ChainedScheduler>>(s, "ChainedScheduler")
                 .def(py::init<std::vector<std::shared_ptr<LRScheduler>>>(), py::arg("schedulers"), keep)
                 .def("step", &ChainedScheduler::step)
                 .def("get_last_lr", &ChainedScheduler::get_last_lr));
  with_state(
      py::class_<ReduceLROnPlateau, std::shared_ptr<ReduceLROnPlateau>>(s, "ReduceLROnPlateau")
          .def(py::init([rates](Optimizer& o, const std::string& mode, double factor, Steps patience, double threshold,
                                const std::string& threshold_mode, Steps cooldown, py::object min_lr, double eps) {
                 TG_CHECK_VALUE(mode == "min" || mode == "max",
                                "ReduceLROnPlateau: mode must be 'min' or 'max', got '{}'", mode);
                 TG_CHECK_VALUE(threshold_mode == "rel" || threshold_mode == "abs",
                                "ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got '{}'", threshold_mode);
                 return std::make_shared<ReduceLROnPlateau>(
                     o, ReduceLROnPlateauOptions{mode == "max", factor, patience, threshold, threshold_mode == "rel",
                                                 cooldown, 0.0, rates(min_lr), eps});
               }),
               py::arg("optimizer"), py::arg("mode") = "min", py::arg("factor") = 0.1, py::arg("patience") = 10,
               py::arg("threshold") = 1e-4, py::arg("threshold_mode") = "rel", py::arg("cooldown") = 0,
               py::arg("min_lr") = py::float_(0.0), py::arg("eps") = 1e-8, keep)
          .def("step", &ReduceLROnPlateau::step, py::arg("metrics"))
          .def("get_last_lr", &ReduceLROnPlateau::get_last_lr)
          .def_property_readonly("num_bad_epochs", &ReduceLROnPlateau::num_bad_epochs));
}

}  // namespace tgpy
