// Debugging tools: the printed tape, Graphviz export, anomaly mode, step-through backward.
#include <sstream>

#include "test_util.h"

using namespace tg;
using tgtest::vals;

namespace {
Tensor leaf(std::vector<double> v, const char* name) { return tensor(v, kFloat64).requires_grad_(true).set_name(name); }
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST(PrintGraph, ShowsOpsShapesSavedBytesAndVersions) {
  Tensor w = leaf({1.0, 2.0, 3.0}, "w");
  Tensor x = tensor({{1.0, 0.0, 2.0}}, kFloat64);
  Tensor h = (x * w).exp();
  Tensor loss = (h * h).sum();
  const std::string g = autograd::format_graph(loss);
  EXPECT_TRUE(has(g, "SumBackward -> float64 []")) << g;
  EXPECT_TRUE(has(g, "MulBackward -> float64 [1, 3]")) << g;
  EXPECT_TRUE(has(g, "ExpBackward -> float64 [1, 3]")) << g;
  EXPECT_TRUE(has(g, "AccumulateGrad -> float64 [3]  leaf 'w'")) << g;
  EXPECT_TRUE(has(g, "saved 0: float64 [1, 3] version 0 (24 B)")) << g;
  EXPECT_TRUE(has(g, "(shared, see above)")) << g;  // h * h uses h twice
  EXPECT_TRUE(has(g, "saved for backward")) << g;
  std::ostringstream os;
  autograd::print_graph(loss, os);
  EXPECT_EQ(os.str(), g);
  // A saved tensor changed in place is flagged.
  Tensor a = w * 1;
  Tensor b = a * a;
  a.add_(1);
  EXPECT_TRUE(has(autograd::format_graph(b), "modified in place!"));
  loss.backward();
  EXPECT_TRUE(has(autograd::format_graph(loss), "saved tensors freed"));
  EXPECT_TRUE(has(autograd::format_graph(w), "a leaf that requires grad"));
  EXPECT_TRUE(has(autograd::format_graph(ones({2})), "does not require grad"));
}

TEST(PrintGraph, Dot) {
  Tensor w = leaf({1.0}, "w");
  const std::string dot = autograd::to_dot((w * 2).exp());
  EXPECT_TRUE(has(dot, "digraph tape {"));
  EXPECT_TRUE(has(dot, "ExpBackward"));
  EXPECT_TRUE(has(dot, "n1 -> n0;"));
  EXPECT_TRUE(has(dot, "leaf 'w'"));
}

TEST(Anomaly, ForwardNamesTheOpThatCreatedTheNan) {
  Tensor x = leaf({1.0, -1.0}, "x");
  autograd::DetectAnomalyGuard guard;
  Tensor y = x * 2;  // fine
  const int line = __LINE__ + 2;
  try {
    Tensor z = log(y);  // log(-2) = NaN: created here
    (void)z;
    FAIL() << "expected an anomaly";
  } catch (const autograd::AnomalyError& e) {
    EXPECT_EQ(e.op(), "log");
    EXPECT_TRUE(has(e.location(), "test_debugging.cpp:" + std::to_string(line))) << e.location();
    EXPECT_TRUE(has(e.what(), "min -2, max 2")) << e.what();
    EXPECT_TRUE(has(e.what(), "1 NaN")) << e.what();
  }
}

TEST(Anomaly, ACallSiteProviderNamesAnotherLanguagesLine) {
  // What the Python binding does: the user's line is a Python one, not the C++ caller's.
  autograd::set_call_site_provider([](std::string& file, uint32_t& line, std::string& function) {
    file = "train.py";
    line = 42;
    function = "step";
    return true;
  });
  Tensor x = leaf({-1.0}, "x");
  autograd::DetectAnomalyGuard guard;
  try {
    (void)log(x);
    FAIL() << "expected an anomaly";
  } catch (const autograd::AnomalyError& e) {
    EXPECT_EQ(e.location(), "train.py:42 (step)");
  }
  // A provider that has no site (a thread without Python frames) falls back to the C++ caller.
  autograd::set_call_site_provider([](std::string&, uint32_t&, std::string&) { return false; });
  try {
    (void)log(x);
    FAIL() << "expected an anomaly";
  } catch (const autograd::AnomalyError& e) {
    EXPECT_TRUE(has(e.location(), "test_debugging.cpp")) << e.location();
  }
  autograd::set_call_site_provider(nullptr);
}

TEST(Anomaly, ForwardSkipsOpsThatMerelyPassNansOn) {
  Tensor x = tensor({NAN, 1.0}, kFloat64).requires_grad_(true);
  autograd::DetectAnomalyGuard guard;
  EXPECT_NO_THROW((x * 2).exp());  // the NaN came in with the data
  Tensor m = zeros({2}, kFloat64).requires_grad_(true);
  EXPECT_NO_THROW(m.masked_fill(tensor({true, false}), -INFINITY));  // the inf is an input here
}

TEST(Anomaly, BackwardNamesTheFirstNodeAndItsCallSite) {
  Tensor x = leaf({0.0, 4.0}, "x");
  autograd::DetectAnomalyGuard guard(/*check_forward=*/false);
  const int line = __LINE__ + 1;
  Tensor r = sqrt(x);  // finite forward, but d sqrt / dx = inf at 0
  Tensor loss = (r * 3).sum();
  try {
    loss.backward();
    FAIL() << "expected an anomaly";
  } catch (const autograd::AnomalyError& e) {
    EXPECT_EQ(e.op(), "sqrt");
    EXPECT_TRUE(has(e.what(), "SqrtBackward produced")) << e.what();
    EXPECT_TRUE(has(e.location(), std::to_string(line))) << e.location();
  }
}

TEST(Anomaly, OffByDefaultAndInsideComposites) {
  Tensor x = leaf({-1.0}, "x");
  EXPECT_NO_THROW(log(x));
  autograd::DetectAnomalyGuard guard;
  Tensor logp = tensor({{-1.0, -2.0}}, kFloat64).requires_grad_(true);
  const int line = __LINE__ + 2;
  try {
    F::nll_loss(logp, tensor({0}), {.weight = zeros({2}, kFloat64)});  // mean over zero total weight: 0 / 0
    FAIL() << "expected an anomaly";
  } catch (const autograd::AnomalyError& e) {
    // The NaN is made by a division inside nll_loss; the report names the user's call.
    EXPECT_EQ(e.op(), "nll_loss");
    EXPECT_TRUE(has(e.location(), std::to_string(line))) << e.location();
    EXPECT_TRUE(has(e.what(), "DivBackward")) << e.what();
  }
}

TEST(Stepper, RunsOneNodeAtATime) {
  Tensor w = leaf({1.0, 2.0}, "w");
  Tensor loss = (w.exp() * 3).sum();
  autograd::BackwardStepper stepper(loss);
  ASSERT_FALSE(stepper.done());
  EXPECT_EQ(stepper.next_node()->name(), "SumBackward");
  EXPECT_EQ(vals(stepper.next_incoming()[0]), (std::vector<double>{1}));
  auto s1 = stepper.step();
  EXPECT_EQ(s1.node->name(), "SumBackward");
  EXPECT_EQ(vals(s1.outgoing[0]), (std::vector<double>{1, 1}));
  auto s2 = stepper.step();
  EXPECT_EQ(s2.node->name(), "MulBackward");
  EXPECT_EQ(vals(s2.outgoing[0]), (std::vector<double>{3, 3}));
  EXPECT_FALSE(w.grad().defined());  // not there yet
  auto s3 = stepper.step();
  EXPECT_EQ(s3.node->name(), "ExpBackward");
  EXPECT_EQ(vals(s3.incoming[0]), (std::vector<double>{3, 3}));
  stepper.run_to_end();
  EXPECT_TRUE(stepper.done());
  EXPECT_EQ(stepper.steps_taken(), 4u);
  EXPECT_NEAR(vals(w.grad())[1], 3 * std::exp(2.0), 1e-12);
  EXPECT_THROW_WITH(stepper.step(), Error, "backward has finished");
}

TEST(Print, PyTorchLayout) {
  EXPECT_EQ(tensor({1.0f, 2.5f, -3.0f}).str(), "tensor([ 1.0000,  2.5000, -3.0000])");
  EXPECT_EQ(tensor({1.0f, 2.0f}).str(), "tensor([1., 2.])");
  EXPECT_EQ(tensor({{1, 2}, {3, 40}}).str(), "tensor([[ 1,  2],\n        [ 3, 40]])");
  EXPECT_EQ(tensor({true, false}).str(), "tensor([ True, False])");
  EXPECT_EQ(tensor({1e-5f, 1.0f}).str(), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(tensor({1.5}, kFloat64).str(), "tensor([1.5000], dtype=float64)");
  EXPECT_EQ(scalar_tensor(3.25).str(), "tensor(3.2500)");
  EXPECT_EQ(zeros({0}).str(), "tensor([])");
  EXPECT_EQ(zeros({2, 0}, kInt64).str(), "tensor([], size=(2, 0), dtype=int64)");
  EXPECT_EQ(tensor({NAN, INFINITY, 1.0f}).str(), "tensor([nan, inf, 1.])");
  // x86's own NaN (inf - inf) has its sign bit set: "nan" all the same, as PyTorch prints it.
  EXPECT_EQ(sub(tensor({INFINITY, 1.0f}), tensor({INFINITY, 0.5f})).str(), "tensor([   nan, 0.5000])");
  EXPECT_EQ(tensor({-NAN, -INFINITY}, kFloat64).str(), "tensor([nan, -inf], dtype=float64)");
  Tensor w = ones({2}).requires_grad_(true);
  EXPECT_EQ(w.str(), "tensor([1., 1.], requires_grad=True)");
  EXPECT_EQ((w * 2).str(), "tensor([2., 2.], grad_fn=<MulBackward>)");
  const std::string big = arange(2000, kFloat32).str();
  EXPECT_TRUE(has(big, "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,")) << big;
  const std::string wide = arange(30, kFloat32).str();
  EXPECT_TRUE(has(wide, ",\n        ")) << wide;
  std::ostringstream os;
  os << tensor({7});
  EXPECT_EQ(os.str(), "tensor([7])");
  EXPECT_EQ(Tensor().str(), "tensor(undefined)");
}

TEST(Print, Options) {
  const PrintOptions saved = get_printoptions();
  EXPECT_EQ(saved.precision, 4);
  set_printoptions({.precision = 2});
  EXPECT_EQ(tensor({1.0f, 2.555f}).str(), "tensor([1.00, 2.56])");
  set_printoptions({.precision = 2, .sci_mode = true});
  EXPECT_EQ(tensor({1.0f, 2.5f}).str(), "tensor([1.00e+00, 2.50e+00])");
  set_printoptions({.sci_mode = false});
  EXPECT_EQ(tensor({1e-5f, 1.0f}).str(), "tensor([0.0000, 1.0000])");
  set_printoptions({.threshold = 5, .edgeitems = 1});
  EXPECT_EQ(arange(10).str(), "tensor([0,  ..., 9])");
  set_printoptions({.linewidth = 20});
  EXPECT_EQ(arange(6).str(), "tensor([0, 1, 2, 3,\n        4, 5])");
  EXPECT_THROW_WITH(set_printoptions({.precision = -1}), ValueError, "precision must be in [0, 30], got -1");
  EXPECT_THROW_WITH(set_printoptions({.linewidth = 0}), ValueError, "linewidth must be positive");
  EXPECT_THROW_WITH(set_printoptions({.threshold = -2}), ValueError, "threshold must be non-negative");
  EXPECT_THROW_WITH(set_printoptions({.edgeitems = -1}), ValueError, "edgeitems must be non-negative");
  set_printoptions(saved);
  EXPECT_EQ(tensor({1.0f, 2.5f}).str(), "tensor([1.0000, 2.5000])");
}
