// Module trees, containers, state_dict, hooks, printing and the layers' defaults.
#include <cmath>

#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {

struct NetImpl : nn::Module {
  NetImpl() : Module("Net") {
    fc1 = register_module("fc1", nn::Linear(4, 3));
    bn = register_module("bn", nn::BatchNorm1d(3));
    fc2 = register_module("fc2", nn::Linear(3, 2, false));
    scale = register_parameter("scale", ones({1}));
    register_buffer("steps", zeros({}, kInt64));
  }
  Tensor forward(const Tensor& x) override { return fc2(relu(bn(fc1(x)))) * scale; }
  nn::Linear fc1{nullptr}, fc2{nullptr};
  nn::BatchNorm1d bn{nullptr};
  Tensor scale;
};
TG_MODULE(Net);

std::vector<std::string> keys(const nn::NamedTensors& d) { return d.keys(); }

}  // namespace

TEST(Module, RegistrationAndTraversal) {
  Net net;
  EXPECT_EQ(keys(net->named_parameters()),
            (std::vector<std::string>{"scale", "fc1.weight", "fc1.bias", "bn.weight", "bn.bias", "fc2.weight"}));
  EXPECT_EQ(keys(net->named_parameters(false)), (std::vector<std::string>{"scale"}));
  EXPECT_EQ(keys(net->named_buffers()),
            (std::vector<std::string>{"steps", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"}));
  EXPECT_EQ(net->children().size(), 3u);
  EXPECT_EQ(net->named_children().keys(), (std::vector<std::string>{"fc1", "bn", "fc2"}));
  EXPECT_EQ(net->buffers().size(), 4u);
  EXPECT_EQ(net->parameters(false).size(), 1u);
  EXPECT_EQ(net->named_modules().keys(), (std::vector<std::string>{"", "fc1", "bn", "fc2"}));
  EXPECT_EQ(net->modules().size(), 4u);
  for (const Tensor& p : net->parameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_TRUE(net->named_parameters()["fc1.weight"].is_same(net->fc1->weight));
  EXPECT_THROW_WITH(net->register_parameter("fc1", zeros({1})), ValueError, "attribute 'fc1' is already registered");
  EXPECT_THROW_WITH(net->register_buffer("a.b", zeros({1})), ValueError, "contain no '.'");
  EXPECT_THROW_WITH(net->named_parameters()["nope"], IndexError, "no key 'nope'");
  // Replacing a submodule keeps its place; an unknown name is an error.
  net->replace_module("fc2", nn::Linear(3, 2));
  EXPECT_TRUE(net->named_parameters().contains("fc2.bias"));
  EXPECT_THROW_WITH(net->replace_module("fc9", nn::Linear(3, 2)), Error, "no submodule named 'fc9'");
  nn::OrderedDict<int> d{{"a", 1}};
  EXPECT_THROW_WITH(d.insert("a", 2), Error, "key 'a' already exists");
  d.insert_or_assign("a", 3);
  EXPECT_EQ(d["a"], 3);
  EXPECT_TRUE(d.erase("a"));
  EXPECT_TRUE(d.empty());
  nn::Linear empty{nullptr};
  EXPECT_THROW_WITH(empty->forward(zeros({1})), Error, "empty");
}

TEST(Module, TrainEvalZeroGradTo) {
  Net net;
  EXPECT_TRUE(net->bn->is_training());
  net->eval();
  EXPECT_FALSE(net->bn->is_training());
  net->train();
  EXPECT_TRUE(net->fc2->is_training());
  Tensor x = randn({5, 4});
  net(x).sum().backward();
  EXPECT_TRUE(net->fc1->weight.grad().defined());
  net->zero_grad(false);
  EXPECT_EQ(net->fc1->weight.grad().abs().sum().item<double>(), 0.0);
  net->zero_grad();
  EXPECT_FALSE(net->fc1->weight.grad().defined());
  // to() converts in place: the handles held by the layers see the new dtype.
  Tensor w = net->fc1->weight;
  net->to(kFloat64);
  EXPECT_EQ(w.dtype(), kFloat64);
  EXPECT_EQ(net->fc1->weight.dtype(), kFloat64);
  EXPECT_EQ(net->bn->num_batches_tracked.dtype(), kInt64);
  Tensor y = net(x.to(kFloat64));
  EXPECT_EQ(y.dtype(), kFloat64);
  y.sum().backward();
  EXPECT_EQ(w.grad().dtype(), kFloat64);
  EXPECT_THROW_WITH(net->to(kInt32), TypeError, "floating-point or complex dtypes only");
  int visited = 0;
  net->apply([&](nn::Module&) { ++visited; });
  EXPECT_EQ(visited, 4);
}

TEST(Module, StateDict) {
  manual_seed(1);
  Net a;
  manual_seed(2);
  Net b;
  a(randn({6, 4}));  // moves the running statistics
  nn::NamedTensors sd = a->state_dict();
  EXPECT_EQ(sd.size(), 10u);
  EXPECT_FALSE(sd["fc1.weight"].requires_grad());
  b->load_state_dict(sd);
  for (const auto& [k, v] : b->state_dict()) EXPECT_TRUE(equal(v, sd[k])) << k;
  // Loading copies: the model's parameters stay its own tensors.
  EXPECT_FALSE(b->fc1->weight.is_same(a->fc1->weight));
  nn::NamedTensors bad = sd;
  bad.erase("fc2.weight");
  bad.insert("extra", zeros({1}));
  bad["fc1.bias"] = zeros({7});
  EXPECT_THROW_WITH(b->load_state_dict(bad), Error, "missing keys: fc2.weight");
  EXPECT_THROW_WITH(b->load_state_dict(bad), Error, "unexpected keys: extra");
  EXPECT_THROW_WITH(b->load_state_dict(bad), Error, "'fc1.bias': checkpoint [7] vs model [3]");
  bad["fc1.bias"] = zeros({3});
  nn::LoadResult r = b->load_state_dict(bad, false);
  EXPECT_EQ(r.missing_keys, (std::vector<std::string>{"fc2.weight"}));
  EXPECT_EQ(r.unexpected_keys, (std::vector<std::string>{"extra"}));
  EXPECT_EQ(b->fc1->bias.abs().sum().item<double>(), 0.0);
}

TEST(NN, InplaceActivationsOverwriteTheirInput) {
  const Tensor v = tensor({-4.0, -0.5, 0.5, 7.0});
  const auto check = [&v](auto layer, const Tensor& expected, const std::string& repr) {
    Tensor x = v.clone();
    Tensor y = layer(x);
    EXPECT_TRUE(y.is_same(x)) << repr;
    EXPECT_TRUE(close(x, expected)) << repr;
    EXPECT_EQ(layer->extra_repr(), repr);
  };
  check(nn::ReLU(true), relu(v), "inplace=True");
  check(nn::LeakyReLU(0.1, true), leaky_relu(v, 0.1), "negative_slope=0.1, inplace=True");
  check(nn::ELU(2.0, true), elu(v, 2.0), "alpha=2.0, inplace=True");
  check(nn::CELU(2.0, true), celu(v, 2.0), "alpha=2.0, inplace=True");
  check(nn::SiLU(true), silu(v), "inplace=True");
  check(nn::ReLU6(true), relu6(v), "inplace=True");
  check(nn::SELU(true), selu(v), "inplace=True");
  check(nn::Hardsigmoid(true), hardsigmoid(v), "");  // torch prints no flag for these two
  check(nn::Hardswish(true), hardswish(v), "");
  check(nn::Mish(true), mish(v), "inplace=True");
  check(nn::Hardtanh(-1.0, 1.0, true), hardtanh(v), "min_val=-1.0, max_val=1.0, inplace=True");
  check(nn::Threshold(0.0, 9.0, true), tensor({9.0, 9.0, 0.5, 7.0}), "threshold=0.0, value=9.0, inplace=True");
  nn::RReLU rrelu(0.1, 0.3, true);
  rrelu->eval();
  check(rrelu, leaky_relu(v, 0.2), "lower=0.1, upper=0.3, inplace=True");
  nn::Dropout drop(1.0, true);
  check(drop, zeros({4}), "p=1.0, inplace=True");
  // Without the flag, the input is kept.
  Tensor x = v.clone();
  EXPECT_FALSE(nn::ReLU()(x).is_same(x));
  EXPECT_EQ(nn::ReLU()->extra_repr(), "");
  EXPECT_TRUE(close(x, v));
  // Gradients flow through the in-place result, as through torch's.
  Tensor w = v.clone().requires_grad_(true);
  nn::ReLU(true)(w * 2).sum().backward();
  EXPECT_TRUE(close(w.grad(), tensor({0.0, 0.0, 2.0, 2.0})));
  EXPECT_THROW_WITH(nn::ReLU(true)(w), Error, "in-place");
}

TEST(Module, ForwardHooks) {
  nn::Linear fc(3, 2);
  Tensor x = randn({4, 3});
  Tensor base = fc(x);
  int calls = 0;
  auto h1 = fc->register_forward_pre_hook([&](nn::Module& m, const tensor_list& in) -> std::optional<tensor_list> {
    ++calls;
    EXPECT_EQ(m.name(), "Linear");
    return tensor_list{in[0] * 2};
  });
  auto h2 = fc->register_forward_hook([&](nn::Module&, const tensor_list&, const tensor_list& out) -> std::optional<tensor_list> {
    return tensor_list{out[0] + 1};
  });
  EXPECT_TRUE(close(fc(x), (base - fc->bias) * 2 + fc->bias + 1));
  h1.remove();
  h2.remove();
  EXPECT_TRUE(close(fc(x), base));
  EXPECT_EQ(calls, 1);
  // Hooks run inside containers too.
  nn::Sequential seq(fc, nn::ReLU());
  auto h3 = fc->register_forward_hook([&](nn::Module&, const tensor_list&, const tensor_list& out) -> std::optional<tensor_list> {
    return tensor_list{-out[0]};
  });
  EXPECT_TRUE(close(seq(x), relu(-base)));
  h3.remove();
}

TEST(Module, HooksPrependAndAlwaysCall) {
  nn::Linear fc(3, 2);
  std::string order;
  auto note = [&order](char c) {
    return [&order, c](nn::Module&, const tensor_list&, const tensor_list&) -> std::optional<tensor_list> {
      order += c;
      return std::nullopt;
    };
  };
  fc->register_forward_hook(note('a'));
  fc->register_forward_hook(note('b'), /*prepend=*/true);
  fc->register_forward_hook(note('c'));
  fc->register_forward_pre_hook([&](nn::Module&, const tensor_list&) -> std::optional<tensor_list> {
    order += 'p';
    return std::nullopt;
  });
  fc->register_forward_pre_hook(
      [&](nn::Module&, const tensor_list&) -> std::optional<tensor_list> {
        order += 'q';
        return std::nullopt;
      },
      /*prepend=*/true);
  fc(randn({1, 3}));
  EXPECT_EQ(order, "qpbac");
  // always_call hooks run after a failed forward, with no outputs; the call's error propagates.
  nn::Linear g(3, 2);
  tensor_list seen{ones({1})};
  g->register_forward_hook(
      [&](nn::Module&, const tensor_list&, const tensor_list& out) -> std::optional<tensor_list> {
        seen = out;
        throw Error("dropped");
      },
      false, /*always_call=*/true);
  int plain_calls = 0;
  g->register_forward_hook([&](nn::Module&, const tensor_list&, const tensor_list&) -> std::optional<tensor_list> {
    ++plain_calls;
    return std::nullopt;
  });
  EXPECT_THROW_WITH(g(randn({1, 4})), Error, "linear: input of shape [1, 4]");
  EXPECT_TRUE(seen.empty());
  EXPECT_EQ(plain_calls, 0);
}

TEST(Module, FullBackwardHook) {
  nn::Linear fc(3, 2);
  Tensor x = randn({4, 3}).requires_grad_(true);
  tensor_list seen_in, seen_out;
  auto h = fc->register_full_backward_hook([&](nn::Module&, const tensor_list& gin, const tensor_list& gout) -> std::optional<tensor_list> {
    seen_in = gin;
    seen_out = gout;
    if (!gin[0].defined()) return std::nullopt;
    return tensor_list{gin[0] * 0.5};
  });
  fc(x).sum().backward();
  ASSERT_EQ(seen_out.size(), 1u);
  EXPECT_TRUE(close(seen_out[0], ones({4, 2})));
  EXPECT_TRUE(close(seen_in[0], ones({4, 2}).matmul(fc->weight.detach())));
  EXPECT_TRUE(close(x.grad(), seen_in[0] * 0.5));
  // Inputs that need no grad: the hook still sees the output gradients.
  seen_out.clear();
  fc(randn({2, 3})).sum().backward();
  EXPECT_EQ(seen_out.size(), 1u);
  EXPECT_FALSE(seen_in.empty() || seen_in[0].defined());
  h.remove();
}

TEST(Module, FullBackwardPreHookReplacesTheOutputGradients) {
  nn::Linear fc(3, 2);
  Tensor x = randn({4, 3}).requires_grad_(true);
  tensor_list pre_seen, full_seen;
  auto pre =
      fc->register_full_backward_pre_hook([&](nn::Module&, const tensor_list& gout) -> std::optional<tensor_list> {
        pre_seen = gout;
        return tensor_list{gout[0] * 3.0};
      });
  auto full_hook = fc->register_full_backward_hook(
      [&](nn::Module&, const tensor_list&, const tensor_list& gout) -> std::optional<tensor_list> {
        full_seen = gout;  // after the pre hook's replacement, as in PyTorch
        return std::nullopt;
      });
  fc(x).sum().backward();
  EXPECT_TRUE(close(pre_seen[0], ones({4, 2})));
  EXPECT_TRUE(close(full_seen[0], full({4, 2}, 3.0)));
  EXPECT_TRUE(close(x.grad(), full({4, 2}, 3.0).matmul(fc->weight.detach())));
  EXPECT_TRUE(close(fc->bias.grad(), full({2}, 12.0)));
  // Alone and with inputs that need no gradient, the pre hook still runs.
  full_hook.remove();
  pre_seen.clear();
  fc->zero_grad();
  fc(randn({2, 3})).sum().backward();
  ASSERT_EQ(pre_seen.size(), 1u);
  EXPECT_TRUE(close(fc->bias.grad(), full({2}, 6.0)));
  auto bad =
      fc->register_full_backward_pre_hook([](nn::Module&, const tensor_list& gout) -> std::optional<tensor_list> {
        return tensor_list{gout[0], gout[0]};
      });
  EXPECT_THROW_WITH(fc(x).sum().backward(), Error, "Linear: a backward pre hook returned 2 gradients for 1 outputs");
  pre.remove();
  bad.remove();
  EXPECT_FALSE(fc->has_hooks());
}

TEST(Module, Printout) {
  nn::Sequential seq(nn::Conv2d(1, 8, 3, {.padding = 1}), nn::BatchNorm2d(8), nn::ReLU(), nn::MaxPool2d(2), nn::Flatten(),
                     nn::Dropout(0.25), nn::Linear(8 * 14 * 14, 10));
  EXPECT_EQ(seq->str(),
            "Sequential(\n"
            "  (0): Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))\n"
            "  (1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)\n"
            "  (2): ReLU()\n"
            "  (3): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
            "  (4): Flatten(start_dim=1, end_dim=-1)\n"
            "  (5): Dropout(p=0.25, inplace=False)\n"
            "  (6): Linear(in_features=1568, out_features=10, bias=True)\n"
            ")");
  EXPECT_EQ(seq(randn({2, 1, 28, 28})).sizes(), Shape({2, 10}));
}

TEST(Module, Containers) {
  nn::ModuleList list(nn::Linear(2, 2), nn::Tanh());
  list->push_back(nn::Sigmoid());
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(list[2]->name(), "Sigmoid");
  EXPECT_EQ(list->at<nn::LinearImpl>(0)->out_features, 2);
  EXPECT_THROW_WITH(list->at<nn::LinearImpl>(1), Error, "module 1 is a Tanh");
  EXPECT_THROW_WITH(list[3], IndexError, "index 3 is out of range for 3 modules");
  EXPECT_EQ(keys(list->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias"}));
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU());
  EXPECT_EQ(seq->size(), 2u);
  EXPECT_EQ(seq[1]->name(), "ReLU");
  int n = 0;
  for (const auto& m : *seq) n += m->parameters().size();
  EXPECT_EQ(n, 2);
  EXPECT_THROW_WITH(seq[2], IndexError, "index 2 is out of range for 2 modules");
  nn::ModuleDict dict;
  dict->insert("enc", nn::Linear(2, 3));
  dict->insert("act", nn::GELU());
  EXPECT_TRUE(dict->contains("enc"));
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"enc", "act"}));
  EXPECT_EQ((*dict->operator[]("act"))(tensor({0.0})).item<double>(), 0.0);
  EXPECT_THROW_WITH(dict->operator[]("x"), IndexError, "no module named 'x'");
  nn::Sequential named(nn::OrderedDict<std::shared_ptr<nn::Module>>{{"lin", nn::Linear(2, 2).ptr()}, {"act", nn::ReLU().ptr()}});
  EXPECT_EQ(keys(named->named_parameters()), (std::vector<std::string>{"lin.weight", "lin.bias"}));
  EXPECT_THROW_WITH(nn::Sequential(nn::Bilinear(2, 2, 2))(zeros({1, 2})), Error, "Bilinear: this module does not take a single tensor");
}

// A forward override (what the Python binding sets for a subclass's forward) is what callers
// run, hooks around it; clone() leaves it behind.
TEST(Module, ForwardOverrideIsWhatCallersRun) {
  nn::Linear lin(2, 2);
  int calls = 0;
  lin->set_forward_override([&](const Tensor& x) {
    ++calls;
    return x * 3.0;
  });
  nn::Sequential seq(lin, nn::ReLU());
  const Tensor x = tensor({{1.0, -1.0}});
  EXPECT_EQ(tgtest::vals(seq(x)), (std::vector<double>{3.0, 0.0}));
  EXPECT_EQ(tgtest::vals(lin(x)), (std::vector<double>{3.0, -3.0}));  // so does the handle
  EXPECT_EQ(calls, 2);
  int hooked = 0;
  lin->register_forward_hook(
      [&](nn::Module&, const tensor_list&, const tensor_list& out) -> std::optional<tensor_list> {
        ++hooked;
        return tensor_list{out[0] + 1.0};
      });
  EXPECT_EQ(tgtest::vals(seq(x)), (std::vector<double>{4.0, 0.0}));
  EXPECT_EQ(hooked, 1);
  EXPECT_TRUE(allclose(lin->forward(x), matmul(x, lin->weight.t()) + lin->bias));  // forward itself is the class's
  const auto copy = std::dynamic_pointer_cast<nn::LinearImpl>(lin->clone());
  EXPECT_FALSE(copy->forward_override());
  EXPECT_EQ(calls, 3);
}

// A child registered by name joins the sequence, as PyTorch's add_module: forward runs it, size
// and indexing count it; unregistering takes it out again.
TEST(Module, ContainersRunEveryRegisteredChild) {
  nn::Sequential seq(nn::Linear(2, 2));
  seq->register_module("act", nn::ReLU());
  EXPECT_EQ(seq->size(), 2u);
  EXPECT_EQ(seq[1]->name(), "ReLU");
  const Tensor x = tensor({{-5.0, -7.0}});
  EXPECT_TRUE(allclose(seq(x), relu((*seq[0])(x))));
  seq->unregister_module("act");
  EXPECT_EQ(seq->size(), 1u);
  nn::ModuleList list(nn::Linear(2, 2));
  list->register_module("extra", nn::Tanh());
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ(list[1]->name(), "Tanh");
  list->push_back(nn::ReLU());
  EXPECT_EQ(list->named_children().keys(), (std::vector<std::string>{"0", "extra", "2"}));
}

// insert and pop renumber the children "0", "1", ..., and forward follows the new order.
TEST(Module, ContainersInsertAndPop) {
  nn::Sequential seq(nn::Linear(2, 2), nn::ReLU());
  const auto lin = seq[0];
  seq->insert(0, nn::Tanh().ptr());
  seq->insert(3, nn::Sigmoid().ptr());
  EXPECT_EQ(seq->named_children().keys(), (std::vector<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(keys(seq->named_parameters()), (std::vector<std::string>{"1.weight", "1.bias"}));
  EXPECT_EQ(seq[0]->name(), "Tanh");
  const Tensor x = tensor({{-2.0, 3.0}});
  const Tensor expected = sigmoid(relu((*lin)(tanh(x))));
  EXPECT_TRUE(allclose(seq(x), expected));
  EXPECT_EQ(seq->pop(1), lin);
  EXPECT_EQ(seq->size(), 3u);
  EXPECT_EQ(seq->named_children().keys(), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(allclose(seq(x), sigmoid(relu(tanh(x)))));
  EXPECT_THROW_WITH(seq->insert(4, nn::ReLU().ptr()), IndexError,
                    "Sequential.insert: index 4 is out of range for 3 modules");
  EXPECT_THROW_WITH(seq->insert(0, nullptr), ValueError, "Sequential.insert: the module is null");
  EXPECT_THROW_WITH(seq->pop(3), IndexError, "Sequential.pop: index 3 is out of range for 3 modules");
  nn::ModuleList list(nn::Linear(2, 2), nn::Linear(2, 3));
  list->insert(1, nn::ReLU().ptr());
  EXPECT_EQ(list[1]->name(), "ReLU");
  EXPECT_EQ(keys(list->named_parameters()), (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  EXPECT_EQ(list->pop(0)->name(), "Linear");
  EXPECT_EQ(keys(list->named_parameters()), (std::vector<std::string>{"1.weight", "1.bias"}));
  EXPECT_THROW_WITH(list->pop(2), IndexError, "ModuleList.pop: index 2 is out of range for 2 modules");
}

TEST(Module, ParameterListAndDict) {
  nn::ParameterList list(tensor_list{zeros({2}), ones({3})});
  list->append(full({1}, 5.0));
  EXPECT_EQ(list->size(), 3u);
  EXPECT_EQ(keys(list->named_parameters()), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(list[1].requires_grad());
  EXPECT_EQ(list[2].item<double>(), 5.0);
  EXPECT_THROW_WITH(list[3], IndexError, "ParameterList: index 3 is out of range for 3 parameters");
  EXPECT_THROW_WITH(list->append(Tensor()), Error, "ParameterList: can't append an undefined tensor");
  // One parameter under two indices or keys (traversal lists it once).
  const Tensor shared = ones({2});
  nn::ParameterList twice(tensor_list{shared, shared});
  EXPECT_TRUE(twice[1].is_same(shared));
  EXPECT_EQ(twice->parameters().size(), 1u);
  nn::ParameterDict both(nn::OrderedDict<Tensor>{{"a", shared}, {"b", shared}});
  EXPECT_EQ(both->keys(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(both->size(), 2u);
  EXPECT_TRUE(both["b"].is_same(shared));
  // Inside a module: the parameters are its own, found by traversal, the optimizers and to().
  nn::ModuleDict owner;
  owner->insert("list", list);
  EXPECT_EQ(keys(owner->named_parameters()), (std::vector<std::string>{"list.0", "list.1", "list.2"}));
  list->to(kFloat64);
  EXPECT_EQ(list[0].dtype(), kFloat64);  // the module's current tensor
  EXPECT_EQ(
      list->str(),
      "ParameterList(\n  (0): Parameter containing: [float64 of size 2]\n  (1): Parameter containing: [float64 of size "
      "3]\n  (2): Parameter containing: [float64 of size 1]\n)");

  nn::ParameterDict dict(nn::OrderedDict<Tensor>{{"scale", ones({4})}, {"shift", zeros({4})}});
  EXPECT_TRUE(dict->contains("scale"));
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"scale", "shift"}));
  const Tensor replacement = full({4}, 2.0);
  dict->insert("scale", replacement);  // replaced in place: the order stays
  EXPECT_EQ(dict->keys(), (std::vector<std::string>{"scale", "shift"}));
  EXPECT_TRUE(dict["scale"].is_same(replacement));
  EXPECT_TRUE(replacement.requires_grad());
  EXPECT_EQ(dict->size(), 2u);
  EXPECT_THROW_WITH(dict["bias"], IndexError, "ParameterDict: no parameter named 'bias'");
  EXPECT_THROW_WITH(dict->replace_parameter("bias", ones({1})), Error, "no parameter named 'bias' to replace");
  EXPECT_THROW_WITH(dict->insert("x", ones({1}).requires_grad_(true) * 2), Error, "must be a leaf tensor");
  EXPECT_EQ(dict->state_dict().size(), 2u);
}

TEST(Module, ReplacedParametersRebindTheLayersMembers) {
  // Weight tying: the head's weight becomes the embedding's tensor, and its forward uses it.
  nn::Embedding embedding(5, 3);
  nn::Linear head(3, 5, false);
  EXPECT_TRUE(head->parameter_bound("weight"));
  head->replace_parameter("weight", embedding->weight);
  EXPECT_TRUE(head->weight.is_same(embedding->weight));
  EXPECT_TRUE(head->named_parameters()["weight"].is_same(embedding->weight));
  const Tensor tokens = tensor(std::vector<int64_t>{2, 0});
  const Tensor h = embedding(tokens);
  EXPECT_TRUE(tgtest::close(head(h), matmul(h, embedding->weight.t())));
  // A recurrent layer's weights live in a table of their own; they follow too.
  nn::GRU gru(2, 3);
  gru->replace_parameter("weight_hh_l0", zeros({9, 3}));
  EXPECT_NO_THROW(gru->forward(ones({4, 1, 2})));
  EXPECT_EQ(gru->named_parameters()["weight_hh_l0"].abs().sum().item<float>(), 0.0f);
  // A parameter registered without a member is not bound.
  Net net;
  EXPECT_FALSE(net->parameter_bound("scale"));
  EXPECT_THROW_WITH(head->register_parameter("other", ones({1}), static_cast<Tensor*>(nullptr)), Error,
                    "the member bound to parameter 'other' is null");
}

TEST(Module, Softmax2dAndUpsampling2d) {
  const Tensor x = randn({2, 3, 4, 5});
  nn::Softmax2d sm;
  EXPECT_TRUE(tgtest::close(sm(x), softmax(x, 1)));
  EXPECT_TRUE(tgtest::close(sm(x[0]), softmax(x[0], 0)));
  EXPECT_THROW_WITH(sm(zeros({3, 4})), Error, "Softmax2d: expected a 3-D or 4-D input, got shape [3, 4]");
  nn::UpsamplingNearest2d near(std::vector<int64_t>{}, std::vector<double>{2.0});
  EXPECT_TRUE(tgtest::close(near(x), nn::functional::interpolate(x, {.scale_factor = {2.0}, .mode = "nearest"})));
  nn::UpsamplingBilinear2d bil(std::vector<int64_t>{7, 9});
  EXPECT_TRUE(tgtest::close(
      bil(x), nn::functional::interpolate(x, {.size = {7, 9}, .mode = "bilinear", .align_corners = true})));
  EXPECT_EQ(bil->str(), "UpsamplingBilinear2d(size=(7, 9), mode='bilinear')");
  EXPECT_THROW_WITH(nn::UpsamplingNearest2d(std::vector<int64_t>{2}, std::vector<double>{2.0}), ValueError,
                    "UpsamplingNearest2d: give exactly one of size and scale_factor");
  EXPECT_THROW_WITH(near(zeros({3, 4, 5})), Error,
                    "UpsamplingNearest2d: expected a 4-D input [N, C, H, W], got shape [3, 4, 5]");
}

TEST(Module, LayersAndDefaults) {
  manual_seed(0);
  nn::Linear fc(100, 50);
  EXPECT_LE(fc->weight.abs().max().item<double>(), 0.1);
  EXPECT_GT(fc->weight.abs().max().item<double>(), 0.09);
  nn::Conv2d conv(4, 8, {3, 5}, {.stride = 2, .padding = "valid", .bias = false});
  EXPECT_EQ(conv->weight.sizes(), Shape({8, 4, 3, 5}));
  EXPECT_FALSE(conv->bias.defined());
  EXPECT_LE(conv->weight.abs().max().item<double>(), 1 / std::sqrt(60.0));
  EXPECT_EQ(conv(randn({1, 4, 9, 9})).sizes(), Shape({1, 8, 4, 3}));
  nn::Conv1d c1(3, 6, 3, {.padding = "same", .groups = 3});
  EXPECT_EQ(c1(randn({2, 3, 7})).sizes(), Shape({2, 6, 7}));
  nn::ConvTranspose2d ct(4, 2, 2, {.stride = 2});
  EXPECT_EQ(ct->weight.sizes(), Shape({4, 2, 2, 2}));
  EXPECT_EQ(ct(randn({1, 4, 5, 5})).sizes(), Shape({1, 2, 10, 10}));
  // output_size picks the output padding (torch's forward(input, output_size)): the spatial sizes
  // or the whole shape, within stride - 1 of the smallest output.
  nn::ConvTranspose2d up(2, 2, 3, {.stride = 2, .padding = 1});
  const Tensor small = randn({1, 2, 4, 5});
  EXPECT_EQ(up(small).sizes(), Shape({1, 2, 7, 9}));
  EXPECT_EQ(up->forward(small, Shape{8, 9}).sizes(), Shape({1, 2, 8, 9}));
  EXPECT_EQ(up->forward(small, Shape{1, 2, 8, 10}).sizes(), Shape({1, 2, 8, 10}));
  EXPECT_TRUE(
      close(up->forward(small, Shape{8, 10}),
            F::conv_transpose2d(small, up->weight, {.bias = up->bias, .stride = 2, .padding = 1, .output_padding = 1}),
            0, 0));
  EXPECT_THROW_WITH(up->forward(small, Shape{9, 9}), ValueError,
                    "ConvTranspose2d: requested an output size of 9 in spatial dim 0, but valid sizes range from 7 to "
                    "8 (for an input of [1, 2, 4, 5])");
  EXPECT_THROW_WITH(up->forward(small, Shape{2, 8, 9}), ValueError,
                    "ConvTranspose2d: for 4-D input, output_size must have 2 or 4 elements (got 3)");
  nn::ConvTranspose1d up1(1, 1, 2, {.stride = 3});
  EXPECT_EQ(up1->forward(randn({1, 4}), Shape{12}).sizes(), Shape({1, 12}));  // unbatched [C, L]
  nn::ConvTranspose3d up3(1, 1, 1, {.stride = 2});
  EXPECT_EQ(up3->forward(randn({1, 1, 2, 2, 2}), Shape{4, 3, 4}).sizes(), Shape({1, 1, 4, 3, 4}));
  nn::Conv3d c3(2, 4, {2, 3, 3}, {.stride = {1, 2, 2}, .padding = {0, 1, 1}, .groups = 2});
  EXPECT_EQ(c3->weight.sizes(), Shape({4, 1, 2, 3, 3}));
  EXPECT_LE(c3->bias.abs().max().item<double>(), 1 / std::sqrt(18.0));
  EXPECT_EQ(c3(randn({1, 2, 5, 8, 8})).sizes(), Shape({1, 4, 4, 4, 4}));
  EXPECT_EQ(c3->extra_repr(), "2, 4, kernel_size=(2, 3, 3), stride=(1, 2, 2), padding=(0, 1, 1), groups=2");
  EXPECT_EQ(nn::Conv3d(1, 1, 3, {.padding = "same"})->extra_repr(),
            "1, 1, kernel_size=(3, 3, 3), stride=(1, 1, 1), padding=same");
  // padding_mode: the input padded by F::pad in that mode, then an unpadded convolution.
  nn::Conv2d reflect(2, 3, 3, {.padding = {1, 2}, .dilation = {1, 2}, .padding_mode = "reflect"});
  const Tensor plane = randn({1, 2, 6, 7});
  EXPECT_TRUE(close(reflect(plane), F::conv2d(F::pad(plane, {2, 2, 1, 1}, "reflect"), reflect->weight,
                                            {.bias = reflect->bias, .dilation = {1, 2}}), 1e-5, 1e-6));
  EXPECT_EQ(reflect->extra_repr(), "2, 3, kernel_size=(3, 3), stride=(1, 1), padding=(1, 2), dilation=(1, 2), padding_mode=reflect");
  nn::Conv1d circ(2, 2, 4, {.padding = "same", .padding_mode = "circular"});  // even kernel: one more on the right
  const Tensor seq = randn({2, 2, 9});
  EXPECT_TRUE(close(circ(seq), F::conv1d(F::pad(seq, {1, 2}, "circular"), circ->weight, {.bias = circ->bias}), 1e-5,
                    1e-6));
  nn::Conv3d rep(1, 1, 3, {.padding = 1, .padding_mode = "replicate"});
  EXPECT_EQ(rep(randn({1, 4, 4, 4})).sizes(), Shape({1, 4, 4, 4}));  // unbatched [C, D, H, W]
  EXPECT_THROW_WITH(nn::Conv2d(1, 1, 3, {.padding_mode = "mirror"}), ValueError,
                    "Conv2d: padding_mode must be \"zeros\", \"reflect\", \"replicate\" or \"circular\", got \"mirror\"");
  nn::ConvTranspose3d ct3(4, 2, 2, {.stride = 2, .bias = false});
  EXPECT_EQ(ct3->weight.sizes(), Shape({4, 2, 2, 2, 2}));
  EXPECT_FALSE(ct3->bias.defined());
  EXPECT_EQ(ct3(randn({4, 3, 5, 5})).sizes(), Shape({2, 6, 10, 10}));
  EXPECT_EQ(ct3->extra_repr(), "4, 2, kernel_size=(2, 2, 2), stride=(2, 2, 2), bias=False");
  nn::Bilinear bl(3, 4, 5);
  EXPECT_EQ(bl(randn({2, 3}), randn({2, 4})).sizes(), Shape({2, 5}));
  nn::Embedding emb(10, 4, -1);
  EXPECT_EQ(emb->padding_idx, 9);
  EXPECT_EQ(emb->weight[9].abs().sum().item<double>(), 0.0);
  EXPECT_EQ(emb(tensor({{1, 9}})).sizes(), Shape({1, 2, 4}));
  nn::LayerNorm ln(Shape{4});
  EXPECT_NEAR(ln(randn({3, 4})).mean({-1}).abs().max().item<double>(), 0.0, 1e-6);
  nn::GroupNorm gn(2, 4);
  EXPECT_EQ(gn(randn({2, 4, 3})).sizes(), Shape({2, 4, 3}));
  EXPECT_EQ(nn::AvgPool2d(2)(randn({1, 1, 4, 4})).sizes(), Shape({1, 1, 2, 2}));
  EXPECT_EQ(nn::AdaptiveAvgPool2d(1)(randn({2, 3, 5, 5})).sizes(), Shape({2, 3, 1, 1}));
  EXPECT_EQ(nn::Unflatten(1, {2, 3})(randn({4, 6})).sizes(), Shape({4, 2, 3}));
  EXPECT_TRUE(close(nn::LeakyReLU(0.2)(tensor({-1.0})), tensor({-0.2})));
  EXPECT_TRUE(close(nn::ELU(0.5)(tensor({-1.0, 2.0})), tensor({0.5 * std::expm1(-1.0), 2.0})));
  EXPECT_TRUE(close(nn::Softplus(2.0, 4.0)(tensor({0.5, 3.0})), tensor({std::log1p(std::exp(1.0)) / 2, 3.0})));
  EXPECT_EQ(nn::Softplus(2.0, 4.0)->extra_repr(), "beta=2.0, threshold=4.0");
  EXPECT_EQ(nn::ELU()->extra_repr(), "alpha=1.0");  // floats as Python prints them
  const Tensor v = tensor({-4.0, -0.5, 0.5, 7.0});
  EXPECT_TRUE(close(nn::ReLU6()(v), tensor({0.0, 0.0, 0.5, 6.0})));
  EXPECT_TRUE(close(nn::Hardtanh(-2.0, 2.0)(v), tensor({-2.0, -0.5, 0.5, 2.0})));
  EXPECT_EQ(nn::Hardtanh()->extra_repr(), "min_val=-1.0, max_val=1.0");
  EXPECT_TRUE(close(nn::Hardsigmoid()(v), hardsigmoid(v)));
  EXPECT_TRUE(close(nn::Hardswish()(v), hardswish(v)));
  EXPECT_TRUE(close(nn::Mish()(v), mish(v)));
  EXPECT_TRUE(close(nn::SELU()(v), selu(v)));
  EXPECT_TRUE(close(nn::CELU(2.0)(v), celu(v, 2.0)));
  EXPECT_TRUE(close(nn::LogSigmoid()(v), F::logsigmoid(v)));
  EXPECT_TRUE(close(nn::Softsign()(v), F::softsign(v)));
  EXPECT_TRUE(close(nn::Tanhshrink()(v), F::tanhshrink(v)));
  EXPECT_TRUE(close(nn::Hardshrink(1.0)(v), tensor({-4.0, 0.0, 0.0, 7.0})));
  EXPECT_TRUE(close(nn::Softshrink(1.0)(v), tensor({-3.0, 0.0, 0.0, 6.0})));
  EXPECT_TRUE(close(nn::Threshold(0.0, 9.0)(v), tensor({9.0, 9.0, 0.5, 7.0})));
  EXPECT_TRUE(close(nn::GLU()(v), F::glu(v)));
  EXPECT_TRUE(close(nn::Softmin(0)(v), F::softmin(v, 0)));
  nn::PReLU prelu(3, 0.1);
  EXPECT_EQ(prelu->parameters().size(), 1u);
  EXPECT_EQ(prelu->extra_repr(), "num_parameters=3");
  Tensor neg = -ones({2, 3, 4});
  prelu(neg).sum().backward();
  EXPECT_TRUE(close(prelu->weight.grad(), full({3}, -8.0)));
  EXPECT_THROW_WITH(nn::PReLU(0), ValueError, "PReLU: num_parameters must be positive");
  EXPECT_EQ(prelu->init, 0.1);
  EXPECT_TRUE(close(nn::Softmax(0)(tensor({0.0, 0.0})), tensor({0.5, 0.5})));
  // Without dim, torch's implicit choice: 0 for 0-, 1- and 3-D input, else 1.
  Tensor m4 = randn({2, 3, 4, 5}), m3 = randn({3, 4, 5});
  EXPECT_TRUE(close(nn::Softmax()(m4), softmax(m4, 1)));
  EXPECT_TRUE(close(nn::Softmax()(m3), softmax(m3, 0)));
  EXPECT_TRUE(close(nn::LogSoftmax()(m4), log_softmax(m4, 1)));
  EXPECT_TRUE(close(nn::Softmin()(m3), F::softmin(m3, 0)));
  EXPECT_EQ(nn::Softmax()->extra_repr(), "dim=None");
  EXPECT_EQ(nn::Softmax(-1)->extra_repr(), "dim=-1");
  EXPECT_TRUE(close(nn::LogSoftmax(0)(tensor({0.0, 0.0})), log(tensor({0.5, 0.5}))));
  EXPECT_TRUE(close(nn::SiLU()(tensor({1.0})), tensor({1.0}) * sigmoid(tensor({1.0}))));
  EXPECT_TRUE(nn::Identity()(tensor({1.0})).defined());
  // Dropout is a no-op in eval mode.
  nn::Dropout drop(0.5);
  EXPECT_EQ(drop->extra_repr(), "p=0.5, inplace=False");
  Tensor x = ones({1000});
  EXPECT_LT(drop(x).eq(0).sum().item<int64_t>(), 600);
  drop->eval();
  EXPECT_TRUE(drop(x).is_same(x));
  // BatchNorm: batch statistics in training, running ones in eval.
  nn::BatchNorm2d bn(3);
  Tensor img = randn({4, 3, 2, 2}) * 3 + 1;
  bn(img);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  EXPECT_TRUE(close(bn->running_mean, img.mean({0, 2, 3}) * 0.1, 1e-4, 1e-5));
  bn->eval();
  EXPECT_TRUE(close(bn(img), (img - bn->running_mean.view({1, 3, 1, 1})) / sqrt(bn->running_var.view({1, 3, 1, 1}) + 1e-5), 1e-4, 1e-5));
  EXPECT_THROW_WITH(bn(randn({3, 2})), Error, "BatchNorm2d: expected a 4-D input, got shape [3, 2]");
  nn::BatchNorm3d bn3(2);
  Tensor vol = randn({3, 2, 2, 3, 2}) * 2 - 1;
  bn3(vol);
  EXPECT_TRUE(close(bn3->running_mean, vol.mean({0, 2, 3, 4}) * 0.1, 1e-4, 1e-5));
  bn3->eval();
  EXPECT_TRUE(close(bn3(vol), (vol - bn3->running_mean.view({1, 2, 1, 1, 1})) /
                                  sqrt(bn3->running_var.view({1, 2, 1, 1, 1}) + 1e-5), 1e-4, 1e-5));
  EXPECT_THROW_WITH(bn3(img), Error, "BatchNorm3d: expected a 5-D input, got shape [4, 3, 2, 2]");
  // SyncBatchNorm: batch norm over [N, C, ...] of any rank (nothing to synchronize with).
  nn::SyncBatchNorm sync(2);
  const Tensor six = randn({3, 2, 2, 1, 2, 2});
  nn::BatchNorm3d twin(2);
  EXPECT_TRUE(close(sync(six), twin(six.reshape({3, 2, 2, 2, 2})).reshape(six.sizes()), 1e-5, 1e-6));
  EXPECT_TRUE(close(sync->running_var, twin->running_var, 1e-6, 1e-7));
  EXPECT_TRUE(close(sync(vol.narrow(1, 0, 2).flatten(2)), nn::BatchNorm1d(2)(vol.flatten(2)), 1e-5, 1e-6));
  EXPECT_THROW_WITH(sync(randn({4})), Error, "SyncBatchNorm: expected an input of at least 2 dims, got shape [4]");
  EXPECT_THROW_WITH(sync(randn({4, 0, 3})), ValueError, "SyncBatchNorm: the number of input channels must be non-zero");
  EXPECT_THROW_WITH(nn::BatchNorm1d(2)(randn({2})), Error, "BatchNorm1d: expected a 2-D or 3-D input, got shape [2]");
  EXPECT_THROW_WITH(nn::Conv2d(3, 4, 3, {.groups = 2}), ValueError, "divisible by groups");
  EXPECT_THROW_WITH(nn::Dropout(2.0), ValueError, "between 0 and 1");
}

// momentum=nullopt keeps the plain average of every batch's statistics, as PyTorch's momentum=None.
TEST(Modules, BatchNormCumulativeAverage) {
  nn::BatchNorm1d bn(2, {.momentum = std::nullopt});
  EXPECT_EQ(bn->extra_repr(), "2, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True");
  std::vector<Tensor> batches{randn({5, 2}), randn({7, 2}) + 2, randn({4, 2}) * 3};
  for (const Tensor& b : batches) bn(b);
  Tensor mean = zeros({2}), var = zeros({2});
  for (const Tensor& b : batches) {
    mean = mean + b.mean({0}) / 3.0;
    var = var + b.var({0}) / 3.0;
  }
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 3);
  EXPECT_TRUE(close(bn->running_mean, mean, 1e-5, 1e-6));
  EXPECT_TRUE(close(bn->running_var, var, 1e-5, 1e-6));
  bn->eval();
  bn(batches[0]);
  EXPECT_TRUE(close(bn->running_mean, mean, 1e-5, 1e-6));
}

TEST(Modules, NormsWithoutBias) {
  // torch's bias=False: the weight alone, the normalization otherwise the same
  const Tensor x = randn({4, 3, 5});
  nn::BatchNorm1d with(3), without(3, {.bias = false});
  EXPECT_FALSE(without->bias.defined());
  EXPECT_EQ(without->named_parameters().size(), 1u);
  EXPECT_EQ(without->extra_repr(), "3, eps=1e-05, momentum=0.1, affine=True, bias=False, track_running_stats=True");
  EXPECT_TRUE(close(without(x), with(x), 0, 0));  // with's bias is zero
  without->reset_parameters();
  nn::InstanceNorm1d inorm(3, nn::BatchNormOptions{.affine = true, .track_running_stats = false, .bias = false});
  EXPECT_FALSE(inorm->bias.defined());
  EXPECT_TRUE(inorm->weight.defined());
  EXPECT_EQ(inorm(x).sizes(), x.sizes());
  nn::GroupNorm gn(1, 3, 1e-5, true, false);
  EXPECT_FALSE(gn->bias.defined());
  EXPECT_EQ(gn->extra_repr(), "1, 3, eps=1e-05, affine=True, bias=False");
  EXPECT_TRUE(close(gn(x), nn::GroupNorm(1, 3)(x), 0, 0));
}

TEST(Init, Initialisers) {
  Generator gen(3);
  Tensor w = empty({300, 200});
  nn::init::xavier_uniform_(w, 1.0, &gen);
  EXPECT_LE(w.abs().max().item<double>(), std::sqrt(6.0 / 500));
  nn::init::kaiming_normal_(w, 0, nn::init::FanMode::FanIn, "relu", &gen);
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / 200), 0.002);
  nn::init::xavier_normal_(w, 2.0, &gen);
  EXPECT_NEAR(w.std().item<double>(), 2 * std::sqrt(2.0 / 500), 0.002);
  nn::init::kaiming_uniform_(w, 0, nn::init::FanMode::FanOut, "relu", &gen);
  EXPECT_LE(w.abs().max().item<double>(), std::sqrt(6.0 / 300));
  nn::init::trunc_normal_(w, 0.5, 1.0, -0.5, 1.0, &gen);
  EXPECT_GE(w.min().item<double>(), -0.5);
  EXPECT_LE(w.max().item<double>(), 1.0);
  Tensor q = empty({3, 5});
  nn::init::orthogonal_(q, 1.0, &gen);
  EXPECT_TRUE(close(q.matmul(q.t()), eye(3), 1e-5, 1e-5));
  Tensor tall = empty({6, 2, 2}, kFloat64);
  nn::init::orthogonal_(tall, 2.0, &gen);
  Tensor flat = tall.view({6, 4});
  EXPECT_TRUE(close(flat.t().matmul(flat), eye(4, kFloat64) * 4.0, 1e-9, 1e-9));
  nn::init::ones_(q);
  EXPECT_EQ(q.sum().item<double>(), 15.0);
  nn::init::zeros_(q);
  EXPECT_EQ(q.abs().sum().item<double>(), 0.0);
  auto [fan_in, fan_out] = nn::init::calculate_fan_in_and_fan_out(empty({8, 4, 3, 3}));
  EXPECT_EQ(fan_in, 36);
  EXPECT_EQ(fan_out, 72);
  nn::init::constant_(q, 0.25);
  EXPECT_EQ(q.sum().item<double>(), 0.25 * 15);
  nn::init::uniform_(q, 2, 3, &gen);
  EXPECT_GE(q.min().item<double>(), 2.0);
  EXPECT_NEAR(nn::init::calculate_gain("leaky_relu", 0.2), std::sqrt(2.0 / 1.04), 1e-12);
  EXPECT_NEAR(nn::init::calculate_gain("tanh"), 5.0 / 3, 1e-12);
  EXPECT_THROW_WITH(nn::init::calculate_gain("swish"), ValueError, "unsupported nonlinearity 'swish'");
  EXPECT_THROW_WITH(nn::init::xavier_uniform_(empty({3})), ValueError, "at least 2 dims");
  // A zero-element weight (a layer with a zero-sized side) has nothing to draw, as in PyTorch.
  Tensor none = empty({4, 0});
  EXPECT_TRUE(nn::init::kaiming_uniform_(none).is_same(none));
  EXPECT_TRUE(nn::init::kaiming_normal_(none).is_same(none));
  EXPECT_EQ(nn::Linear(0, 3)(empty({2, 0})).sizes(), (Shape{2, 3}));
  EXPECT_EQ(nn::Linear(3, 0)(ones({2, 3})).sizes(), (Shape{2, 0}));
  EXPECT_EQ(matmul(ones({0, 3}), ones({3, 4})).sizes(), (Shape{0, 4}));
  EXPECT_THROW_WITH(nn::init::normal_(empty({3}, kInt64)), TypeError, "floating-point");
  // Same seed, same numbers.
  Generator g1(5), g2(5);
  Tensor a = empty({4, 4}), b = empty({4, 4});
  nn::init::kaiming_uniform_(a, 0, nn::init::FanMode::FanIn, "leaky_relu", &g1);
  nn::init::kaiming_uniform_(b, 0, nn::init::FanMode::FanIn, "leaky_relu", &g2);
  EXPECT_TRUE(equal(a, b));
}

TEST(Init, EyeDiracAndSparse) {
  const Tensor w = full({2, 3}, 5.0);
  EXPECT_TRUE(nn::init::eye_(w).is_same(w));
  EXPECT_TRUE(equal(w, eye(2, 3)));
  EXPECT_THROW_WITH(nn::init::eye_(empty({2, 2, 2})), ValueError, "eye_: only tensors with 2 dimensions");

  // A conv weight that passes its input through: conv1d(x, dirac) == x on the shared channels.
  const Tensor k = empty({4, 3, 3}, kFloat64);
  nn::init::dirac_(k);
  const Tensor x = randn({2, 3, 7}, kFloat64);
  const Tensor y = F::conv1d(x, k, {.padding = 1});
  EXPECT_TRUE(tgtest::close(y.narrow(1, 0, 3), x, 0, 0));
  EXPECT_EQ(y.select(1, 3).abs().sum().item<double>(), 0.0);
  const Tensor k2 = empty({4, 2, 3, 3});
  nn::init::dirac_(k2, 2);
  EXPECT_EQ(k2.sum().item<double>(), 4.0);  // two groups of two channels
  EXPECT_EQ(k2.index({1, 1, 1, 1}).item<double>(), 1.0);
  EXPECT_EQ(k2.index({3, 1, 1, 1}).item<double>(), 1.0);
  EXPECT_THROW_WITH(nn::init::dirac_(empty({2, 2})), ValueError, "dirac_: only tensors with 3, 4, or 5 dimensions");
  EXPECT_THROW_WITH(nn::init::dirac_(empty({3, 2, 3}), 2), ValueError,
                    "dirac_: dim 0 (3) must be divisible by groups (2)");

  Generator gen(8);
  const Tensor s = empty({10, 40});
  nn::init::sparse_(s, 0.25, 1.0, &gen);
  // ceil(0.25 * 10) = 3 zeros in every column, the rest Normal(0, 1).
  EXPECT_EQ(tgtest::vals(eq(s, 0).sum({0})), std::vector<double>(40, 3.0));
  EXPECT_NEAR(s.pow(2).sum().item<double>() / 280, 1.0, 0.3);
  Generator g1(2), g2(2);
  const Tensor a = empty({5, 6}), b = empty({5, 6}, kFloat64);
  nn::init::sparse_(a, 0.5, 0.01, &g1);
  nn::init::sparse_(b, 0.5, 0.01, &g2);
  EXPECT_TRUE(tgtest::close(a.to(kFloat64), b, 1e-6, 1e-9));  // one seed, the same values in every dtype
  EXPECT_THROW_WITH(nn::init::sparse_(empty({3}), 0.1), ValueError, "sparse_: only tensors with 2 dimensions");
  EXPECT_THROW_WITH(nn::init::sparse_(empty({3, 3}), 1.5), ValueError, "sparse_: sparsity must lie in [0, 1]");
}
