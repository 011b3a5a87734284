// tg.utils.data: datasets (including Python subclasses), Subset, ConcatDataset, random_split,
// samplers (C++ ones, Python subclasses of Sampler, or any iterable of indices) and the
// DataLoader with its worker threads.
#include <cmath>

#include "bindings.h"

namespace tgpy {

namespace {

using tg::data::BatchSampler;
using tg::data::Dataset;
using tg::data::Example;
using tg::data::Sampler;

std::vector<int64_t> index_list(py::handle obj, const char* what) {
  if (is_tensor(obj)) {
    const tg::Tensor& t = as_tensor(obj);
    TG_CHECK_TYPE(!t.is_floating_point() && t.dim() <= 1, "{}: indices must be a 1-D integer tensor, got {} {}", what,
                  t.dtype(), t.sizes());
    return t.to(tg::kInt64).cpu().reshape({-1}).to_vector<int64_t>();
  }
  std::vector<int64_t> out;
  for (py::handle item : py::iter(obj)) {
    TG_CHECK_TYPE(PyIndex_Check(item.ptr()), "{}: indices must be integers, got {}", what,
                  Py_TYPE(item.ptr())->tp_name);
    out.push_back(py::cast<int64_t>(item));
  }
  return out;
}

// A Dataset written in Python: __len__ and __getitem__ returning (data, target).
class PyDataset : public Dataset, public py::trampoline_self_life_support {
 public:
  int64_t size() const override {
    py::gil_scoped_acquire gil;
    py::function len = py::get_override(static_cast<const Dataset*>(this), "__len__");
    TG_CHECK_TYPE(len, "Dataset subclasses must define __len__");
    return py::cast<int64_t>(len());
  }
  Example get(int64_t index) const override {
    py::gil_scoped_acquire gil;
    py::function getitem = py::get_override(static_cast<const Dataset*>(this), "__getitem__");
    TG_CHECK_TYPE(getitem, "Dataset subclasses must define __getitem__");
    py::object item = getitem(index);
    TG_CHECK_TYPE(py::isinstance<py::tuple>(item) && py::len(item) >= 1,
                  "Dataset.__getitem__ must return a tuple of tensors (data, target, ...), got {}",
                  Py_TYPE(item.ptr())->tp_name);
    py::tuple t = py::cast<py::tuple>(item);
    Example e{to_tensor(t[0]), t.size() > 1 ? to_tensor(t[1]) : tg::Tensor()};
    for (size_t k = 2; k < t.size(); ++k) e.rest.push_back(to_tensor(t[k]));
    return e;
  }
};

// A Sampler subclass written in Python: __len__ and __iter__ yielding indices.
class PySampler : public Sampler, public py::trampoline_self_life_support {
 public:
  int64_t size() const override {
    py::gil_scoped_acquire gil;
    py::function len = py::get_override(static_cast<const Sampler*>(this), "__len__");
    TG_CHECK_TYPE(len, "Sampler subclasses must define __len__");
    return py::cast<int64_t>(len());
  }
  std::vector<int64_t> sample(tg::Generator&) override {
    py::gil_scoped_acquire gil;
    py::function iter = py::get_override(static_cast<const Sampler*>(this), "__iter__");
    TG_CHECK_TYPE(iter, "Sampler subclasses must define __iter__");
    return index_list(iter(), "Sampler.__iter__");
  }
};

// Batches of indices from a Python iterable (a batch sampler's __iter__, a list of lists).
std::vector<std::vector<int64_t>> batch_lists(py::handle batches, const char* what) {
  std::vector<std::vector<int64_t>> out;
  for (py::handle batch : py::iter(batches)) out.push_back(index_list(batch, what));
  return out;
}

// A BatchSampler subclass written in Python: __iter__ yielding lists of indices (and __len__),
// or only BatchSampler's own constructor arguments.
class PyBatchSampler : public BatchSampler, public py::trampoline_self_life_support {
 public:
  using BatchSampler::BatchSampler;
  PyBatchSampler() = default;
  int64_t size() const override {
    {
      py::gil_scoped_acquire gil;
      if (py::function len = py::get_override(static_cast<const BatchSampler*>(this), "__len__"))
        return py::cast<int64_t>(len());
    }
    check_planned("__len__");
    return BatchSampler::size();
  }
  std::vector<std::vector<int64_t>> sample(tg::Generator& generator) override {
    {
      py::gil_scoped_acquire gil;
      if (py::function iter = py::get_override(static_cast<const BatchSampler*>(this), "__iter__"))
        return batch_lists(iter(), "BatchSampler.__iter__");
    }
    check_planned("__iter__");
    return BatchSampler::sample(generator);
  }

 private:
  void check_planned(const char* method) const {
    TG_CHECK_TYPE(sampler() != nullptr,
                  "BatchSampler subclasses must define {} or pass a sampler to BatchSampler.__init__", method);
  }
};

// Any Python iterable of indices (a list, a range, a generator-making object) as a sampler.
// PyCallable holds it: the loader's threads may drop the sampler without the GIL.
class IterableSampler : public Sampler {
 public:
  explicit IterableSampler(py::object source) : source_(std::move(source)) {}
  int64_t size() const override {
    py::gil_scoped_acquire gil;
    return static_cast<int64_t>(py::len(source_.get()));
  }
  std::vector<int64_t> sample(tg::Generator&) override {
    py::gil_scoped_acquire gil;
    return index_list(source_.get(), "sampler");
  }
  const py::object& source() const { return source_.get(); }

 private:
  PyCallable source_;
};

// Any Python iterable of lists of indices as a batch sampler.
class IterableBatchSampler : public BatchSampler {
 public:
  explicit IterableBatchSampler(py::object source) : source_(std::move(source)) {}
  int64_t size() const override {
    py::gil_scoped_acquire gil;
    return static_cast<int64_t>(py::len(source_.get()));
  }
  std::vector<std::vector<int64_t>> sample(tg::Generator&) override {
    py::gil_scoped_acquire gil;
    return batch_lists(source_.get(), "batch_sampler");
  }
  const py::object& source() const { return source_.get(); }

 private:
  PyCallable source_;
};

std::shared_ptr<Sampler> to_sampler(const py::object& obj) {
  if (obj.is_none()) return nullptr;
  if (py::isinstance<Sampler>(obj)) return py::cast<std::shared_ptr<Sampler>>(obj);
  TG_CHECK_TYPE(py::hasattr(obj, "__iter__"), "sampler must be a Sampler or an iterable of indices, got {}",
                Py_TYPE(obj.ptr())->tp_name);
  return std::make_shared<IterableSampler>(obj);
}

py::object from_sampler(const std::shared_ptr<Sampler>& s) {
  if (auto it = std::dynamic_pointer_cast<IterableSampler>(s)) return it->source();
  return py::cast(s);
}

std::shared_ptr<BatchSampler> to_batch_sampler(const py::object& obj) {
  if (obj.is_none()) return nullptr;
  if (py::isinstance<BatchSampler>(obj)) return py::cast<std::shared_ptr<BatchSampler>>(obj);
  TG_CHECK_TYPE(py::hasattr(obj, "__iter__"),
                "DataLoader: batch_sampler must be a BatchSampler or an iterable of index lists, got {}",
                Py_TYPE(obj.ptr())->tp_name);
  return std::make_shared<IterableBatchSampler>(obj);
}

// The DataLoader's options as given from Python (the C++ and the Python loader share them).
tg::data::DataLoaderOptions loader_options(int64_t batch_size, bool shuffle, const py::object& sampler,
                                           const py::object& batch_sampler, int num_workers, bool pin_memory,
                                           bool drop_last, int prefetch_factor, std::optional<uint64_t> seed) {
  tg::data::DataLoaderOptions o;
  o.batch_size = batch_size;
  o.shuffle = shuffle;
  o.drop_last = drop_last;
  o.num_workers = num_workers;
  o.prefetch_factor = prefetch_factor;
  o.seed = seed.value_or(tg::Generator::kDefaultSeed);
  o.pin_memory = pin_memory;
  o.sampler = to_sampler(sampler);
  o.batch_sampler = to_batch_sampler(batch_sampler);
  return o;
}

// One pass over a DataLoader; the loader stays alive while it runs.
struct LoaderIterator {
  std::shared_ptr<tg::data::DataLoader> loader;
  tg::data::DataLoader::Iterator it, end;
  bool started = false;
};

// Iterating a sampler from Python draws from the default generator, as PyTorch's samplers do
// without one of their own.
py::iterator iterate(std::vector<int64_t> v) { return py::iter(py::cast(std::move(v))); }

}  // namespace

void bind_data(py::module_& m) {
  py::module_ utils = m.def_submodule("utils", "data loading");
  py::module_ data = utils.def_submodule("data", "datasets, samplers and the DataLoader");
  using tg::data::ConcatDataset;
  using tg::data::Subset;
  auto to_datasets = [](const std::vector<std::shared_ptr<Dataset>>& ds) {
    return std::vector<std::shared_ptr<const Dataset>>(ds.begin(), ds.end());
  };
  py::class_<Dataset, PyDataset, py::smart_holder> dataset_cls(data, "Dataset");
  dataset_cls.def(py::init<>())
      .def("__len__", [](const Dataset& d) { return d.size(); })
      .def("__getitem__", [](const Dataset& d, int64_t i) {
        Example e = d.get(i);
        return tensor_tuple(e.tensors());
      });
  py::class_<tg::data::TensorDataset, Dataset, py::smart_holder>(data, "TensorDataset")
      .def(py::init([](const py::args& tensors) {
             tg::tensor_list ts;
             for (py::handle t : tensors) {
               TG_CHECK_TYPE(is_tensor(t), "TensorDataset: expected tensors, got {}", Py_TYPE(t.ptr())->tp_name);
               ts.push_back(as_tensor(t));
             }
             return std::make_shared<tg::data::TensorDataset>(std::move(ts));
           }),
           "TensorDataset(*tensors): example i is the tuple of each tensor's row i")
      .def_property_readonly("tensors", [](const tg::data::TensorDataset& d) {
        tg::data::Example all{d.data(), d.targets(), {d.tensors().begin() + 2, d.tensors().end()}};
        return tensor_tuple(all.tensors());
      });
  py::class_<tg::data::FashionMNIST, Dataset, py::smart_holder>(data, "FashionMNIST")
      .def(py::init([](std::optional<std::string> root, bool train, bool normalize) {
             tg::data::transforms::Transform t;
             if (normalize)
               t = tg::data::transforms::Normalize({tg::data::FashionMNIST::kMean}, {tg::data::FashionMNIST::kStd});
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
        return std::vector<std::string>(std::begin(tg::data::FashionMNIST::kClasses),
                                        std::end(tg::data::FashionMNIST::kClasses));
      });
  py::class_<Subset, Dataset, py::smart_holder>(data, "Subset", "The examples `indices` of `dataset`, in that order")
      .def(py::init([](std::shared_ptr<Dataset> dataset, const py::object& indices) {
             return std::make_shared<Subset>(std::move(dataset), index_list(indices, "Subset"));
           }),
           py::arg("dataset"), py::arg("indices"))
      .def_property_readonly("dataset", [](const Subset& s) { return std::const_pointer_cast<Dataset>(s.dataset()); })
      .def_property_readonly("indices", &Subset::indices)
      // The underlying dataset's index of example i (negative i from the end), without copying
      // the index list as `indices` does: what the Python __getitem__ uses per sample.
      .def(
          "_source_index",
          [](const Subset& s, int64_t i) {
            const int64_t n = s.size();
            if (i < 0) i += n;
            TG_CHECK_INDEX(i >= 0 && i < n, "Subset: index {} is out of range for {} examples", i, n);
            return s.indices()[static_cast<size_t>(i)];
          },
          py::arg("index"));
  py::class_<ConcatDataset, Dataset, py::smart_holder>(data, "ConcatDataset", "Datasets chained end to end")
      .def(py::init([to_datasets](const std::vector<std::shared_ptr<Dataset>>& datasets) {
             return std::make_shared<ConcatDataset>(to_datasets(datasets));
           }),
           py::arg("datasets"))
      .def_property_readonly("datasets",
                             [](const ConcatDataset& c) {
                               py::list out;
                               for (const auto& d : c.datasets())
                                 out.append(py::cast(std::const_pointer_cast<Dataset>(d)));
                               return out;
                             })
      .def_property_readonly("cumulative_sizes", &ConcatDataset::cumulative_sizes);
  dataset_cls.def(
      "__add__",
      [to_datasets](const std::shared_ptr<Dataset>& a, const std::shared_ptr<Dataset>& b) {
        return std::make_shared<ConcatDataset>(to_datasets({a, b}));
      },
      py::arg("other"));
  data.def(
      "random_split",
      [](const std::shared_ptr<Dataset>& dataset, const py::sequence& lengths, const py::object& generator) {
        const int64_t n = dataset->size();
        // PyTorch's rule: lengths that sum to 1 (and no more than the dataset) are fractions.
        double sum = 0;
        std::vector<double> as_double;
        for (py::handle l : lengths) {
          TG_CHECK_TYPE(PyFloat_Check(l.ptr()) || PyIndex_Check(l.ptr()),
                        "random_split: lengths must be numbers, got {}", Py_TYPE(l.ptr())->tp_name);
          as_double.push_back(py::cast<double>(l));
          sum += as_double.back();
        }
        std::vector<int64_t> counts;
        if (std::abs(sum - 1.0) <= 1e-9 && sum <= static_cast<double>(n)) {
          counts = tg::data::split_lengths(n, as_double);
        } else {
          for (py::handle l : lengths) {
            TG_CHECK_TYPE(PyIndex_Check(l.ptr()),
                          "random_split: lengths {} are neither whole counts nor fractions summing to 1",
                          py::str(lengths).cast<std::string>());
            counts.push_back(py::cast<int64_t>(l));
          }
        }
        tg::Generator* g = generator.is_none() ? nullptr : &py::cast<tg::Generator&>(generator);
        return tg::data::random_split(dataset, counts, g);
      },
      py::arg("dataset"), py::arg("lengths"), py::arg("generator") = py::none(),
      "Disjoint random Subsets of the given lengths, or of fractions summing to 1 (dealt as PyTorch deals them).");

  // ---- samplers ----
  py::class_<Sampler, PySampler, py::smart_holder>(data, "Sampler",
                                                   "Subclass with __len__ and __iter__ yielding indices")
      .def(py::init([](const py::object&) { return std::make_shared<PySampler>(); }),
           py::arg("data_source") = py::none())
      .def("__len__", &Sampler::size)
      .def("__iter__", [](Sampler& s) { return iterate(s.sample(tg::default_generator())); });
  auto gen_of = [](const py::object& g) { return g.is_none() ? nullptr : &py::cast<tg::Generator&>(g); };
  py::class_<tg::data::SequentialSampler, Sampler, py::smart_holder>(data, "SequentialSampler",
                                                                     "0, 1, ..., len(data_source) - 1")
      .def(py::init([](const py::object& source) {
             return std::make_shared<tg::data::SequentialSampler>(static_cast<int64_t>(py::len(source)));
           }),
           py::arg("data_source"));
  py::class_<tg::data::RandomSampler, Sampler, py::smart_holder>(
      data, "RandomSampler", "A random permutation per epoch, or num_samples draws with replacement")
      .def(py::init([gen_of](const py::object& source, bool replacement, std::optional<int64_t> num_samples,
                             const py::object& generator) {
             return std::make_shared<tg::data::RandomSampler>(
                 static_cast<int64_t>(py::len(source)),
                 tg::data::RandomSamplerOptions{replacement, num_samples, gen_of(generator)});
           }),
           py::arg("data_source"), py::arg("replacement") = false, py::arg("num_samples") = py::none(),
           py::arg("generator") = py::none(), py::keep_alive<1, 5>())
      .def_property_readonly("replacement", &tg::data::RandomSampler::replacement)
      .def_property_readonly("num_samples", &tg::data::RandomSampler::size);
  py::class_<tg::data::SubsetRandomSampler, Sampler, py::smart_holder>(data, "SubsetRandomSampler",
                                                                       "The given indices in a random order per epoch")
      .def(py::init([gen_of](const py::object& indices, const py::object& generator) {
             return std::make_shared<tg::data::SubsetRandomSampler>(index_list(indices, "SubsetRandomSampler"),
                                                                    gen_of(generator));
           }),
           py::arg("indices"), py::arg("generator") = py::none(), py::keep_alive<1, 3>())
      .def_property_readonly("indices", &tg::data::SubsetRandomSampler::indices);
  py::class_<tg::data::WeightedRandomSampler, Sampler, py::smart_holder>(
      data, "WeightedRandomSampler", "Indices drawn with probabilities proportional to weights")
      .def(py::init(
               [gen_of](const py::object& weights, int64_t num_samples, bool replacement, const py::object& generator) {
                 return std::make_shared<tg::data::WeightedRandomSampler>(to_tensor(weights, tg::kFloat64), num_samples,
                                                                          replacement, gen_of(generator));
               }),
           py::arg("weights"), py::arg("num_samples"), py::arg("replacement") = true, py::arg("generator") = py::none(),
           py::keep_alive<1, 5>())
      .def_property_readonly("weights", &tg::data::WeightedRandomSampler::weights)
      .def_property_readonly("num_samples", &tg::data::WeightedRandomSampler::size)
      .def_property_readonly("replacement", &tg::data::WeightedRandomSampler::replacement);
  auto batch_sampler_factory = [](auto tag) {
    return [](const py::object& sampler, int64_t batch_size, bool drop_last) {
      std::shared_ptr<Sampler> s = to_sampler(sampler);
      TG_CHECK_TYPE(s != nullptr, "BatchSampler: sampler must not be None");
      return std::make_shared<typename decltype(tag)::type>(std::move(s), batch_size, drop_last);
    };
  };
  py::class_<BatchSampler, PyBatchSampler, py::smart_holder>(
      data, "BatchSampler",
      "Runs of batch_size indices from a sampler; subclass with __iter__ yielding index lists (and __len__)")
      .def(py::init(batch_sampler_factory(std::type_identity<BatchSampler>{}),
                    batch_sampler_factory(std::type_identity<PyBatchSampler>{})),
           py::arg("sampler"), py::arg("batch_size"), py::arg("drop_last"))
      // What a subclass that skips super().__init__() gets (see utils/data.py).
      .def(py::init_alias<>())
      .def("__len__", &BatchSampler::size)
      .def("__iter__", [](BatchSampler& b) { return py::iter(py::cast(b.sample(tg::default_generator()))); })
      // One epoch's batches drawn from `generator` (the Python DataLoader's seeded stream).
      .def(
          "_sample", [](BatchSampler& b, tg::Generator& g) { return b.sample(g); }, py::arg("generator"))
      .def_property_readonly("sampler", [](const BatchSampler& b) { return from_sampler(b.sampler()); })
      .def_property_readonly("batch_size", &BatchSampler::batch_size)
      .def_property_readonly("drop_last", &BatchSampler::drop_last);

  // The Python DataLoader's batch plan: the same option checks and samplers as the C++ loader's.
  data.def(
      "_batch_plan",
      [](const py::object& dataset, int64_t batch_size, bool shuffle, const py::object& sampler,
         const py::object& batch_sampler, int num_workers, bool drop_last, int prefetch_factor) {
        tg::data::DataLoaderOptions o = loader_options(batch_size, shuffle, sampler, batch_sampler, num_workers, false,
                                                       drop_last, prefetch_factor, std::nullopt);
        // As in PyTorch, a dataset with a sampler of its own need not have a length.
        const int64_t n = o.sampler || o.batch_sampler ? 0 : static_cast<int64_t>(py::len(dataset));
        return tg::data::make_batch_sampler(n, o);
      },
      py::arg("dataset"), py::arg("batch_size"), py::arg("shuffle"), py::arg("sampler"), py::arg("batch_sampler"),
      py::arg("num_workers"), py::arg("drop_last"), py::arg("prefetch_factor"));

  // Whether obj's C++ part is made: PyTorch's Dataset and Sampler need no super().__init__(),
  // so the package makes it after a subclass's __init__ that skipped it.
  data.def("_initialised", [](const py::object& obj) {
    auto* inst = reinterpret_cast<py::detail::instance*>(obj.ptr());
    for (const auto& vh : py::detail::values_and_holders(inst))
      if (!vh.holder_constructed()) return false;
    return true;
  });

  // ---- the loader ----
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
        // A list, as PyTorch's default_collate makes of a batch of tuples.
        py::list batch;
        for (const tg::Tensor& t : it.it->tensors()) batch.append(py::cast(t));
        return batch;
      });

  py::class_<tg::data::DataLoader, std::shared_ptr<tg::data::DataLoader>>(data, "DataLoader")
      .def(py::init([](std::shared_ptr<Dataset> dataset, int64_t batch_size, bool shuffle, const py::object& sampler,
                       const py::object& batch_sampler, int num_workers, bool pin_memory, bool drop_last,
                       int prefetch_factor, std::optional<uint64_t> seed) {
             tg::data::DataLoaderOptions o = loader_options(batch_size, shuffle, sampler, batch_sampler, num_workers,
                                                            pin_memory, drop_last, prefetch_factor, seed);
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
           py::arg("dataset"), py::arg("batch_size") = 1, py::arg("shuffle") = false, py::arg("sampler") = py::none(),
           py::arg("batch_sampler") = py::none(), py::arg("num_workers") = 0, py::arg("pin_memory") = false,
           py::arg("drop_last") = false, py::arg("prefetch_factor") = 2, py::arg("seed") = py::none(),
           "Batches of `dataset`, in order, shuffled (from `seed`), or as a sampler or batch_sampler says; "
           "num_workers > 0 makes them on C++ threads ahead of the loop, in the same order.")
      .def("__len__", &tg::data::DataLoader::size)
      .def_property_readonly("epoch", &tg::data::DataLoader::epoch)
      .def_property_readonly("dataset",
                             [](const py::object& self) {
                               const auto& l = py::cast<const tg::data::DataLoader&>(self);
                               return py::cast(const_cast<Dataset*>(&l.dataset()),
                                               py::return_value_policy::reference_internal, self);
                             })
      .def_property_readonly("batch_sampler",
                             [](const py::object& self) -> py::object {
                               const BatchSampler& b = py::cast<const tg::data::DataLoader&>(self).batch_sampler();
                               if (auto* it = dynamic_cast<const IterableBatchSampler*>(&b)) return it->source();
                               return py::cast(const_cast<BatchSampler*>(&b),
                                               py::return_value_policy::reference_internal, self);
                             })
      .def_property_readonly("sampler",
                             [](const tg::data::DataLoader& l) -> py::object {
                               const std::shared_ptr<Sampler>& s = l.batch_sampler().sampler();
                               return s ? from_sampler(s) : py::none();
                             })
      .def("__iter__", [](const std::shared_ptr<tg::data::DataLoader>& l) {
        return LoaderIterator{l, {}, {}, false};
      });
}

}  // namespace tgpy
