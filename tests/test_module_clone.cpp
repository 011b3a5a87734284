// Module::clone (deep copies of layer trees) and the member binding it relies on: replaced
// parameters, buffers and submodules reach the members a layer's forward uses.
#include "test_util.h"

using namespace tg;
using tgtest::close;

namespace {

// A user's module: its members are bound, so TG_CLONEABLE is all it needs to clone.
struct TiedImpl : nn::Module {
  TG_CLONEABLE
  TiedImpl() : Module("Tied") {
    register_module("embedding", nn::Embedding(6, 4), &embedding);
    register_module("head", nn::Linear(4, 6, false), &head);
    head->replace_parameter("weight", embedding->weight);
    register_parameter("scale", ones({1}), &scale);
    register_buffer("steps", zeros({}, kInt64), &steps);
  }
  Tensor forward(const Tensor& tokens) override { return head(embedding(tokens)) * scale; }
  nn::Embedding embedding{nullptr};
  nn::Linear head{nullptr};
  Tensor scale, steps;
};
TG_MODULE(Tied);

// Without TG_CLONEABLE a module can't be copied.
struct PlainImpl : nn::Module {
  PlainImpl() : Module("Plain") { register_parameter("w", ones({2})); }
};
TG_MODULE(Plain);

// A subclass of a layer that does not declare TG_CLONEABLE itself would be sliced by its base's copy.
struct ScaledLinearImpl : nn::LinearImpl {
  ScaledLinearImpl() : LinearImpl(2, 2) {}
  double factor = 2;
};

bool shares_storage(const Tensor& a, const Tensor& b) { return a.data_ptr() == b.data_ptr(); }

}  // namespace

TEST(ModuleClone, CopiesParametersBuffersAndState) {
  manual_seed(0);
  nn::Sequential net(nn::Linear(3, 4), nn::BatchNorm1d(4), nn::ReLU(), nn::Linear(4, 2));
  net->eval();
  const Tensor x = randn({5, 3});
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(net->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_FALSE(copy->is_training());
  EXPECT_TRUE(close(copy->forward(x), net(x)));
  const auto original = net->named_parameters(), copied = copy->named_parameters();
  ASSERT_EQ(copied.keys(), original.keys());
  for (const auto& [name, p] : original) {
    EXPECT_FALSE(shares_storage(copied[name], p)) << name;
    EXPECT_TRUE(copied[name].requires_grad()) << name;
  }
  EXPECT_EQ(copy->named_buffers().keys(), net->named_buffers().keys());
  // The copy's layers use the copy's tensors: training it moves its running stats only.
  auto bn = std::dynamic_pointer_cast<nn::BatchNorm1dImpl>((*copy)[1]);
  ASSERT_NE(bn, nullptr);
  EXPECT_TRUE(bn->running_mean.is_same(copy->named_buffers()["1.running_mean"]));
  copy->train();
  copy->forward(x * 10 + 3);
  EXPECT_GT(bn->running_mean.abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(net->named_buffers()["1.running_mean"].abs().sum().item<float>(), 0.0f);
  EXPECT_EQ(bn->num_batches_tracked.item<int64_t>(), 1);
  auto first = std::dynamic_pointer_cast<nn::LinearImpl>((*copy)[0]);
  ASSERT_NE(first, nullptr);
  EXPECT_TRUE(first->weight.is_same(copied["0.weight"]));
  {
    NoGradGuard no_grad;
    first->weight.zero_();
  }
  EXPECT_NE(std::dynamic_pointer_cast<nn::LinearImpl>(net[0])->weight.abs().sum().item<float>(), 0.0f);
}

TEST(ModuleClone, KeepsTiesSharingGradientsAndHooks) {
  Tied tied;
  const Tensor tokens = tensor(std::vector<int64_t>{1, 4, 2});
  tied(tokens).sum().backward();
  int calls = 0;
  tied->register_forward_hook([&](nn::Module&, const tensor_list&, const tensor_list&) -> std::optional<tensor_list> {
    ++calls;
    return std::nullopt;
  });
  auto copy = std::dynamic_pointer_cast<TiedImpl>(tied->clone());
  ASSERT_NE(copy, nullptr);
  EXPECT_TRUE(copy->head->weight.is_same(copy->embedding->weight));
  EXPECT_FALSE(copy->head->weight.is_same(tied->head->weight));
  EXPECT_TRUE(copy->scale.is_same(copy->named_parameters()["scale"]));
  EXPECT_TRUE(copy->steps.is_same(copy->named_buffers()["steps"]));
  EXPECT_EQ(copy->parameters().size(), 2u);  // the tied weight once, and scale
  ASSERT_TRUE(copy->scale.grad().defined());
  EXPECT_TRUE(close(copy->scale.grad(), tied->scale.grad()));
  EXPECT_FALSE(shares_storage(copy->scale.grad(), tied->scale.grad()));
  EXPECT_TRUE(close((*copy)(tokens), tied(tokens)));
  EXPECT_EQ(calls, 2);  // the hook came along
  // One submodule registered twice stays one module.
  nn::Linear shared(2, 2);
  nn::Sequential twice(shared, shared);
  auto twice_copy = std::dynamic_pointer_cast<nn::SequentialImpl>(twice->clone());
  EXPECT_EQ((*twice_copy)[0], (*twice_copy)[1]);
  EXPECT_NE((*twice_copy)[0], twice[0]);
}

TEST(ModuleClone, RecurrentAndTransformerLayers) {
  manual_seed(1);
  nn::LSTM lstm(3, 4, nn::RNNOptions{.num_layers = 2, .bidirectional = true});
  auto lstm_copy = std::dynamic_pointer_cast<nn::LSTMImpl>(lstm->clone());
  const Tensor seq = randn({5, 2, 3});
  EXPECT_TRUE(close(std::get<0>(lstm_copy->forward(seq)), std::get<0>(lstm->forward(seq))));
  {
    NoGradGuard no_grad;
    lstm_copy->named_parameters()["weight_ih_l1_reverse"].zero_();
  }
  EXPECT_FALSE(close(std::get<0>(lstm_copy->forward(seq)), std::get<0>(lstm->forward(seq))));

  nn::TransformerEncoder encoder(nn::TransformerEncoderLayer(8, 2, {.dim_feedforward = 16}), 2);
  encoder->eval();
  auto encoder_copy = std::dynamic_pointer_cast<nn::TransformerEncoderImpl>(encoder->clone());
  const Tensor src = randn({3, 2, 8});
  EXPECT_TRUE(close(encoder_copy->forward(src), encoder->forward(src)));
  // The stack's layers are copies of the given layer, each with parameters of its own.
  EXPECT_FALSE(shares_storage(encoder->named_parameters()["layers.0.linear1.weight"],
                              encoder->named_parameters()["layers.1.linear1.weight"]));
  EXPECT_FALSE(shares_storage(encoder_copy->named_parameters()["layers.0.linear1.weight"],
                              encoder->named_parameters()["layers.0.linear1.weight"]));
}

// The layers that macros declare (plain activations, fixed-mode padding) clone too; they did not.
TEST(ModuleClone, ActivationAndPaddingLayers) {
  nn::Sequential net(nn::Mish(), nn::ReLU6(), nn::SELU(), nn::Hardswish(), nn::Hardsigmoid(), nn::LogSigmoid(),
                     nn::Softsign(), nn::Tanhshrink(), nn::ZeroPad1d(std::vector<int64_t>{1, 2}),
                     nn::ReflectionPad1d(std::vector<int64_t>{2, 1}), nn::ReplicationPad1d(std::vector<int64_t>{1, 1}),
                     nn::CircularPad1d(std::vector<int64_t>{1, 0}));
  auto copy = std::dynamic_pointer_cast<nn::SequentialImpl>(net->clone());
  ASSERT_NE(copy, nullptr);
  const Tensor x = randn({2, 3, 5});
  EXPECT_TRUE(close(copy->forward(x), net->forward(x)));
  EXPECT_TRUE(copy->forward(x).sizes() == (Shape{2, 3, 14}));
  ASSERT_EQ(copy->size(), net->size());
  for (size_t i = 0; i < net->size(); ++i) {
    EXPECT_NE((*copy)[i].get(), (*net)[i].get());
    EXPECT_EQ((*copy)[i]->name(), (*net)[i]->name());
  }
}

TEST(ModuleClone, ToADeviceAndErrors) {
  nn::Linear fc(2, 3);
  auto on_cpu = fc->clone(Device::cpu());
  EXPECT_TRUE(close(on_cpu->named_parameters()["weight"], fc->weight));
  if (cuda::is_available()) {
    auto on_gpu = std::dynamic_pointer_cast<nn::LinearImpl>(fc->clone(Device::cuda()));
    EXPECT_TRUE(on_gpu->weight.is_cuda());
    EXPECT_TRUE(close(on_gpu->weight.cpu(), fc->weight));
  }
  Plain plain;
  EXPECT_THROW_WITH(plain->clone(), Error, "Plain: clone: this module's class does not declare TG_CLONEABLE");
  nn::Sequential holder(plain);
  EXPECT_THROW_WITH(holder->clone(), Error, "Plain: clone: this module's class does not declare TG_CLONEABLE");
  auto scaled = std::make_shared<ScaledLinearImpl>();
  EXPECT_THROW_WITH(scaled->clone(), Error, "Linear: clone: this module's class does not declare TG_CLONEABLE");
}

TEST(ModuleClone, ReplacedSubmodulesAreWhatTheLayerCalls) {
  nn::Sequential seq(nn::Linear(2, 2), nn::ReLU());
  seq->replace_module("1", nn::Tanh());
  const Tensor x = tensor(std::vector<float>{-1.0f, -2.0f}).reshape({1, 2});
  EXPECT_TRUE(close(seq(x), tanh(seq[0]->forward(x))));
  nn::TransformerEncoderLayer layer(4, 2, {.dim_feedforward = 8, .dropout = 0.0});
  nn::Linear zero(8, 4);
  {
    NoGradGuard no_grad;
    zero->weight.zero_();
    zero->bias.zero_();
  }
  layer->replace_module("linear2", zero);
  EXPECT_EQ(layer->linear2.ptr(), zero.ptr());
  EXPECT_THROW_WITH(layer->replace_module("linear1", nn::Dropout(0.1)), TypeError,
                    "TransformerEncoderLayer: submodule 'linear1' must be a Linear like the one it replaces (the "
                    "layer calls it as one), got Dropout");
  EXPECT_EQ(layer->named_children()["linear1"]->name(), "Linear");  // unchanged after the error
  nn::TransformerEncoder stack(layer, 1);
  stack->layers->replace_module("0", nn::Linear(4, 4));
  EXPECT_THROW_WITH(stack->forward(randn({2, 1, 4})), TypeError,
                    "TransformerEncoder: its layers must be TransformerEncoderLayers, got a Linear");
  // A loss's class weights are a buffer bound to its options.
  nn::CrossEntropyLoss loss(nn::functional::CrossEntropyOptions{.weight = ones({3})});
  auto loss_copy = std::dynamic_pointer_cast<nn::CrossEntropyLossImpl>(loss->clone());
  EXPECT_TRUE(loss_copy->options.weight.is_same(loss_copy->named_buffers()["weight"]));
  EXPECT_FALSE(loss_copy->options.weight.is_same(loss->options.weight));
  loss->replace_buffer("weight", full({3}, 2.0));
  EXPECT_EQ(loss->options.weight.sum().item<float>(), 6.0f);
  EXPECT_THROW_WITH(loss->replace_buffer("bias", ones({3})), Error, "no buffer named 'bias' to replace");
  EXPECT_THROW_WITH(seq->replace_module("9", nn::Tanh()), Error, "Sequential: no submodule named '9' to replace");
}

TEST(ModuleMembers, UnregisterAndAssignBoundMembers) {
  nn::Linear fc(2, 2);
  fc->unregister_parameter("weight");
  EXPECT_EQ(fc->named_parameters().keys(), (std::vector<std::string>{"bias"}));
  // The member stays bound: what a parametrization computes reaches forward.
  fc->assign_member("weight", ones({2, 2}));
  const Tensor x = tensor(std::vector<float>{1.0f, 2.0f}).reshape({1, 2});
  EXPECT_TRUE(close(fc(x), matmul(x, ones({2, 2})) + fc->bias));
  EXPECT_THROW_WITH(fc->assign_member("bias", ones({2})), Error,
                    "Linear: 'bias' is registered; assign_member sets members whose tensor is not");
  EXPECT_THROW_WITH(fc->assign_member("scale", ones({2})), Error, "Linear: no member is bound to 'scale'");
  const Tensor fresh = zeros({2, 2});
  fc->register_parameter("weight", fresh);  // registering the name again rebinds the member
  EXPECT_TRUE(fc->weight.is_same(fresh));
  EXPECT_THROW_WITH(fc->unregister_parameter("scale"), Error, "Linear: no parameter named 'scale' to remove");

  nn::BatchNorm1d bn(3);
  bn->unregister_buffer("num_batches_tracked");
  EXPECT_FALSE(bn->state_dict().contains("num_batches_tracked"));
  EXPECT_THROW_WITH(bn->unregister_buffer("num_batches_tracked"), Error, "no buffer named 'num_batches_tracked'");

  nn::Sequential seq(nn::Linear(2, 2), nn::ReLU());
  seq->unregister_module("1");
  EXPECT_EQ(seq->size(), 1u);
  EXPECT_TRUE(close(seq(-x), seq[0]->forward(-x)));
  nn::TransformerEncoderLayer layer(4, 2, {.dim_feedforward = 8});
  EXPECT_THROW_WITH(layer->unregister_module("linear1"), Error,
                    "TransformerEncoderLayer: submodule 'linear1' can't be removed: the layer calls it");
  EXPECT_THROW_WITH(layer->unregister_module("nothing"), Error, "no submodule named 'nothing' to remove");
}

TEST(ModuleMembers, SwapTensorAndRegistrationQueries) {
  nn::Linear fc(2, 2, false);
  EXPECT_TRUE(fc->has_parameter("bias"));  // registered, empty
  EXPECT_FALSE(fc->has_parameter("scale"));
  EXPECT_FALSE(fc->has_buffer("bias"));
  // Any tensor, also a result of an op, takes a slot for a while; the member follows.
  const Tensor w = ones({2, 2}).requires_grad_(true);
  const Tensor doubled = w * 2;
  const Tensor original = fc->swap_tensor("weight", doubled);
  EXPECT_TRUE(fc->weight.is_same(doubled));
  const Tensor x = ones({1, 2});
  fc(x).sum().backward();
  EXPECT_TRUE(close(w.grad(), full({2, 2}, 2.0)));
  EXPECT_TRUE(fc->swap_tensor("weight", original).is_same(doubled));
  EXPECT_TRUE(fc->weight.is_same(original));
  nn::BatchNorm1d bn(2);
  const Tensor mean = zeros({2});
  bn->swap_tensor("running_mean", mean);
  bn(tensor(std::vector<float>{1, 2, 3, 4}).reshape({2, 2}));
  EXPECT_TRUE(close(mean, tensor(std::vector<float>{0.2f, 0.3f})));
  EXPECT_THROW_WITH(fc->swap_tensor("scale", ones({1})), Error, "Linear: no parameter or buffer named 'scale' to swap");
}
