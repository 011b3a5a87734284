// Every differentiable op against finite differences (float64): first and second derivatives,
// over broadcast shapes and on non-contiguous inputs. The table ops come from the .def tables;
// the rest are listed here, one line each.
#include <functional>

#include "test_util.h"

using namespace tg;
using namespace tg::indexing;
using tgtest::Domain;

namespace {

struct OpCase {
  std::string name;
  std::function<Tensor(const tensor_list&)> fn;
  std::vector<Shape> shapes;
  std::vector<Domain> domains;  // one per input, or one for all
  bool second_order = true;
  bool transpose_first = false;  // feed input 0 as a transposed (non-contiguous) leaf
};

using tgtest::kAnyValue;
using tgtest::kAwayFromInts;
using tgtest::kAwayFromZero;
using tgtest::kPositive;
using tgtest::kUnitInterval;

std::vector<OpCase> table_cases() {
  std::vector<OpCase> cases;
#define TG_UNARY_OP(name, Name, kind, domain, ...)                                                         \
  if (tgtest::domain != tgtest::kNoGradcheck) {                                                            \
    cases.push_back({#name, [](const tensor_list& x) { return tg::name(x[0]); }, {{3, 4}}, {tgtest::domain}}); \
    cases.push_back({#name "_t", [](const tensor_list& x) { return tg::name(x[0]); }, {{4, 3}}, {tgtest::domain}, true, true}); \
    cases.push_back({#name "_", [](const tensor_list& x) { Tensor y = x[0] * 1.0; tg::name##_(y); return y; }, {{5}}, {tgtest::domain}}); \
  }
#include "tapegrad/tensor/unary_ops.def"
#undef TG_UNARY_OP
#define TG_BINARY_OP(name, Name, kind, da, db, ...)                                                                 \
  if (tgtest::da != tgtest::kNoGradcheck) {                                                                         \
    auto f = [](const tensor_list& x) { return tg::name(x[0], x[1]); };                                             \
    cases.push_back({#name, f, {{3, 4}, {3, 4}}, {tgtest::da, tgtest::db}});                                        \
    cases.push_back({#name "_bcast", f, {{2, 1, 4}, {3, 1}}, {tgtest::da, tgtest::db}});                            \
    cases.push_back({#name "_t", f, {{3, 4}, {4}}, {tgtest::da, tgtest::db}, true, true});                          \
    cases.push_back({#name "_", [](const tensor_list& x) { Tensor y = x[0] * 1.0; y.name##_(x[1]); return y; },     \
                     {{2, 3}, {3}}, {tgtest::da, tgtest::db}});                                                     \
    cases.push_back({#name "_scalar", [](const tensor_list& x) { return tg::name(x[0], 1.5); }, {{4}}, {tgtest::da}}); \
  }
#include "tapegrad/tensor/binary_ops.def"
#undef TG_BINARY_OP
  // tg::special's kernels (no in-place forms); zeta and the incomplete gamma functions differentiate
  // their second argument only, so the first is a constant here; the polynomials their first (the
  // second is the degree, 0 to 6 here and 2.7 truncated to 2 as a number).
#define TG_UNARY_OP(name, Name, kind, domain, ...)                                                               \
  cases.push_back(                                                                                               \
      {"special." #name, [](const tensor_list& x) { return special::name(x[0]); }, {{3, 4}}, {tgtest::domain}}); \
  cases.push_back({"special." #name "_t",                                                                        \
                   [](const tensor_list& x) { return special::name(x[0]); },                                     \
                   {{4, 3}},                                                                                     \
                   {tgtest::domain},                                                                             \
                   true,                                                                                         \
                   true});
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
#define TG_BINARY_OP(name, Name, kind, da, db, ...)                                                               \
  if (tgtest::db == tgtest::kDegree) {                                                                            \
    cases.push_back({"special." #name,                                                                            \
                     [](const tensor_list& x) {                                                                   \
                       return special::name(x[0], tensor({0.0, 1.0, 2.0, 3.0, 5.0, 7.0}, kFloat64).view({6, 1})); \
                     },                                                                                           \
                     {{4}},                                                                                       \
                     {tgtest::da}});                                                                              \
    cases.push_back({"special." #name "_number",                                                                  \
                     [](const tensor_list& x) { return special::name(x[0], 2.7); },                               \
                     {{2, 3}},                                                                                    \
                     {tgtest::da},                                                                                \
                     true,                                                                                        \
                     true});                                                                                      \
  } else {                                                                                                        \
    cases.push_back({"special." #name,                                                                            \
                     [](const tensor_list& x) {                                                                   \
                       return special::name(tensor({1.7, 2.5, 3.25, 4.0}, kFloat64).view({4, 1}), x[0]);          \
                     },                                                                                           \
                     {{3}},                                                                                       \
                     {tgtest::db}});                                                                              \
    cases.push_back({"special." #name "_number",                                                                  \
                     [](const tensor_list& x) { return special::name(2.5, x[0]); },                               \
                     {{2, 3}},                                                                                    \
                     {tgtest::db},                                                                                \
                     true,                                                                                        \
                     true});                                                                                      \
  }
#include "tapegrad/tensor/special_ops.def"
#undef TG_BINARY_OP
  return cases;
}

Tensor idx(std::vector<int64_t> v) { return tensor(v); }

std::vector<OpCase> other_cases() {
  using L = const tensor_list&;
  return {
      // pointwise
      {"add_alpha", [](L x) { return add(x[0], x[1], 2.5); }, {{3}, {3}}, {kAnyValue}},
      {"xlogy", [](L x) { return xlogy(x[0], x[1]) + xlogy(2.0, x[1]); }, {{3, 4}, {4}}, {kAnyValue, kPositive}},
      {"xlog1py", [](L x) { return xlog1py(x[0], x[1]); }, {{3}, {3}}, {kAnyValue, kPositive}},
      {"special.entr", [](L x) { return special::entr(x[0]); }, {{6}}, {kPositive}},
      {"mvlgamma", [](L x) { return mvlgamma(x[0] + 1.0, 3); }, {{2, 3}}, {kPositive}},
      {"logit_eps", [](L x) { return logit(x[0] * 0.4 + 0.5, 0.2); }, {{6}}, {kUnitInterval}},
      {"copysign", [](L x) { return copysign(x[0], x[1]) + copysign(x[0], -1.0); }, {{3, 4}, {4}}, {kAwayFromZero}},
      {"sinc", [](L x) { return sinc(x[0]); }, {{5}}, {kAnyValue}},
      {"deg2rad_rad2deg", [](L x) { return deg2rad(x[0]) * rad2deg(x[0]); }, {{4}}, {kAnyValue}},
      {"frac", [](L x) { return frac(x[0]); }, {{4}}, {kAwayFromInts}},
      {"float_power", [](L x) { return float_power(x[0], x[1]) + float_power(x[0], 2.5); }, {{3}, {3}}, {kPositive}},
      {"ldexp",
       [](L x) {
         return ldexp(x[0], tensor({2, -1, 0}));
       },
       {{3}},
       {kAnyValue}},
      {"rsub_scalar", [](L x) { return 2.0 - x[0]; }, {{3}}, {kAnyValue}},
      {"rdiv_scalar", [](L x) { return 2.0 / x[0]; }, {{3}}, {kAwayFromZero}},
      {"rpow_scalar", [](L x) { return pow(2.0, x[0]); }, {{3}}, {kAnyValue}},
      {"leaky_relu", [](L x) { return leaky_relu(x[0], 0.2); }, {{3, 4}}, {kAwayFromZero}},
      {"elu", [](L x) { return elu(x[0], 1.3); }, {{3, 4}}, {kAwayFromZero}},
      {"gelu", [](L x) { return gelu(x[0]); }, {{3, 4}}, {kAnyValue}},
      {"gelu_tanh", [](L x) { return gelu(x[0], "tanh"); }, {{3, 4}}, {kAnyValue}},
      {"silu", [](L x) { return silu(x[0]); }, {{3, 4}}, {kAnyValue}},
      {"softplus", [](L x) { return softplus(x[0], 2.0, 3.0); }, {{3, 4}}, {kAwayFromZero}},
      {"selu", [](L x) { return selu(x[0]); }, {{3, 4}}, {kAwayFromZero}},
      {"celu", [](L x) { return celu(x[0], 0.7); }, {{3, 4}}, {kAwayFromZero}},
      {"hardtanh", [](L x) { return hardtanh(x[0]); }, {{3, 4}}, {kAwayFromInts}},
      {"relu6", [](L x) { return relu6(x[0] * 3); }, {{3, 4}}, {kAwayFromInts}},
      {"hardsigmoid", [](L x) { return hardsigmoid(x[0] * 1.5); }, {{3, 4}}, {kAwayFromInts}},
      {"hardswish", [](L x) { return hardswish(x[0] * 1.5); }, {{3, 4}}, {kAwayFromInts}},
      {"mish", [](L x) { return mish(x[0]); }, {{3, 4}}, {kAnyValue}},
      {"hardswish_",
       [](L x) {
         Tensor y = x[0] * 1.5;
         hardswish_(y);
         return y;
       },
       {{4}},
       {kAwayFromInts}},
      {"logsigmoid", [](L x) { return F::logsigmoid(x[0]); }, {{3, 4}}, {kAnyValue}},
      {"softsign", [](L x) { return F::softsign(x[0]); }, {{3, 4}}, {kAwayFromZero}},
      {"tanhshrink", [](L x) { return F::tanhshrink(x[0]); }, {{3, 4}}, {kAnyValue}},
      {"hardshrink", [](L x) { return F::hardshrink(x[0], 1.0); }, {{3, 4}}, {kAwayFromInts}},
      {"softshrink", [](L x) { return F::softshrink(x[0], 1.0); }, {{3, 4}}, {kAwayFromInts}},
      {"threshold", [](L x) { return F::threshold(x[0], 1.0, -2.0); }, {{3, 4}}, {kAwayFromInts}},
      {"glu", [](L x) { return F::glu(x[0], 0); }, {{4, 3}}, {kAnyValue}},
      {"softmin", [](L x) { return F::softmin(x[0], 1); }, {{3, 4}}, {kAnyValue}},
      {"prelu", [](L x) { return F::prelu(x[0], x[1]); }, {{2, 3, 4}, {3}}, {kAwayFromZero}},
      {"prelu_one_slope", [](L x) { return F::prelu(x[0], x[1]); }, {{2, 3, 4}, {1}}, {kAwayFromZero}},
      {"interpolate_nearest",
       [](L x) {
         return F::interpolate(x[0], {.scale_factor = {2, 1.5}});
       },
       {{1, 2, 3, 2}},
       {kAnyValue}},
      {"interpolate_nearest_whole",
       [](L x) {
         return F::interpolate(x[0], {.size = {4, 6}});
       },
       {{1, 2, 2, 2}},
       {kAnyValue}},
      {"interpolate_bilinear",
       [](L x) {
         return F::interpolate(x[0], {.size = {5, 2}, .mode = "bilinear"});
       },
       {{1, 2, 3, 3}},
       {kAnyValue}},
      {"interpolate_bicubic",
       [](L x) {
         return F::interpolate(x[0], {.size = {4, 5}, .mode = "bicubic", .align_corners = true});
       },
       {{1, 1, 3, 3}},
       {kAnyValue}},
      {"interpolate_trilinear",
       [](L x) { return F::interpolate(x[0], {.scale_factor = {1.5}, .mode = "trilinear"}); },
       {{1, 1, 2, 3, 2}},
       {kAnyValue}},
      {"interpolate_area",
       [](L x) { return F::interpolate(x[0], {.size = {2}, .mode = "area"}); },
       {{2, 1, 5}},
       {kAnyValue}},
      {"addcmul", [](L x) { return addcmul(x[0], x[1], x[2], 0.7); }, {{3, 4}, {4}, {3, 1}}, {kAnyValue}},
      {"addcdiv",
       [](L x) { return addcdiv(x[0], x[1], x[2], -1.5); },
       {{3, 4}, {4}, {3, 1}},
       {kAnyValue, kAnyValue, kAwayFromZero}},
      {"addcmul_",
       [](L x) {
         Tensor y = x[0] * 1.0;
         y.addcmul_(x[1], x[2]);
         return y;
       },
       {{3}, {3}, {3}},
       {kAnyValue}},
      {"frexp", [](L x) { return std::get<0>(frexp(x[0] * 5)); }, {{3, 4}}, {kAnyValue}},
      {"hypot", [](L x) { return hypot(x[0], x[1]); }, {{3, 4}, {4}}, {kAwayFromZero}},
      {"nan_to_num", [](L x) { return nan_to_num(x[0] / x[1]); }, {{3}, {3}}, {kAnyValue, kAwayFromZero}},
      {"tile",
       [](L x) {
         return x[0].tile({2, 1, 2});
       },
       {{2, 3}},
       {kAnyValue}},
      {"repeat_interleave", [](L x) { return x[0].repeat_interleave(3, 1); }, {{2, 3}}, {kAnyValue}},
      {"repeat_interleave_tensor",
       [](L x) {
         return x[0].repeat_interleave(tensor({2, 0, 1}), 1);
       },
       {{2, 3}},
       {kAnyValue}},
      {"meshgrid",
       [](L x) {
         auto g = meshgrid({x[0], x[1]}, "xy");
         return g[0] * g[1];
       },
       {{3}, {2}},
       {kAnyValue}},
      {"diff", [](L x) { return x[0].diff(2, 0, x[1]); }, {{4, 3}, {1, 3}}, {kAnyValue}},
      {"diag_embed", [](L x) { return diag(x[0], -1); }, {{3}}, {kAnyValue}},
      {"diag_extract", [](L x) { return diag(x[0], 1); }, {{3, 4}}, {kAnyValue}},
      {"trace", [](L x) { return trace(x[0]); }, {{3, 4}}, {kAnyValue}},
      {"normalize", [](L x) { return F::normalize(x[0], 3.0, 0); }, {{3, 4}}, {kAwayFromZero}},
      {"cosine_similarity", [](L x) { return F::cosine_similarity(x[0], x[1], -1); }, {{3, 4}, {4}}, {kAwayFromZero}},
      {"pairwise_distance", [](L x) { return F::pairwise_distance(x[0], x[1]); }, {{3, 4}, {3, 4}}, {kAnyValue}},
      {"huber_loss",
       [](L x) { return F::huber_loss(x[0], x[1], F::Reduction::Sum, 0.3); },
       {{3, 4}, {3, 4}},
       {kAnyValue}},
      {"rms_norm", [](L x) { return F::rms_norm(x[0], {4}, x[1], 1e-5); }, {{3, 4}, {4}}, {kAnyValue}},
      {"max_pool1d",
       [](L x) { return F::max_pool1d(x[0], {.kernel_size = 3, .stride = 2, .padding = 1}); },
       {{2, 2, 7}},
       {kAnyValue}},
      {"avg_pool1d",
       [](L x) { return F::avg_pool1d(x[0], {.kernel_size = 3, .stride = 2, .padding = 1}); },
       {{2, 2, 7}},
       {kAnyValue}},
      {"adaptive_avg_pool1d", [](L x) { return F::adaptive_avg_pool1d(x[0], 3); }, {{2, 2, 7}}, {kAnyValue}},
      {"adaptive_max_pool1d", [](L x) { return F::adaptive_max_pool1d(x[0], 3); }, {{2, 2, 7}}, {kAnyValue}},
      {"instance_norm",
       [](L x) { return F::instance_norm(x[0], {.weight = x[1], .bias = x[2]}); },
       {{2, 3, 4}, {3}, {3}},
       {kAnyValue}},
      {"pixel_shuffle", [](L x) { return F::pixel_shuffle(x[0], 2) * x[1]; }, {{1, 8, 2, 3}, {4, 6}}, {kAnyValue}},
      {"pixel_unshuffle", [](L x) { return F::pixel_unshuffle(x[0], 2) * x[1]; }, {{1, 2, 4, 2}, {1, 1}}, {kAnyValue}},
      {"index_add",
       [](L x) {
         return index_add(x[0], 1, tensor({2, 0, 2}), x[1], 0.5);
       },
       {{2, 3}, {2, 3}},
       {kAnyValue}},
      {"index_copy",
       [](L x) {
         return index_copy(x[0], 0, tensor({1, 0}), x[1]);
       },
       {{3, 2}, {2, 2}},
       {kAnyValue}},
      {"index_fill", [](L x) { return index_fill(x[0], 1, tensor({1}), 2.0); }, {{3, 2}}, {kAnyValue}},
      {"masked_select",
       [](L x) {
         return masked_select(x[0], tensor({true, false, true}));
       },
       {{2, 3}},
       {kAnyValue}},
      {"nansum", [](L x) { return nansum(x[0], {1}); }, {{2, 3}}, {kAnyValue}},
      {"nanmean", [](L x) { return nanmean(x[0], {0}, true); }, {{2, 3}}, {kAnyValue}},
      {"var_mean",
       [](L x) {
         auto [v, m] = var_mean(x[0], {1});
         return v * m;
       },
       {{2, 3}},
       {kAnyValue}},
      {"leaky_relu_",
       [](L x) {
         Tensor y = x[0] * 1.0;
         leaky_relu_(y);
         return y;
       },
       {{4}},
       {kAwayFromZero}},
      {"gelu_",
       [](L x) {
         Tensor y = x[0] * 1.0;
         gelu_(y);
         return y;
       },
       {{4}},
       {kAnyValue}},
      {"clamp", [](L x) { return x[0].clamp(-0.5, 0.7); }, {{3, 4}}, {kAnyValue}, false},
      {"clamp_",
       [](L x) {
         Tensor y = x[0] * 1.0;
         y.clamp_(-0.5, 0.7);
         return y;
       },
       {{6}},
       {kAnyValue},
       false},
      {"clamp_tensor",
       [](L x) { return clamp(x[0], std::optional<Tensor>(x[1]), std::optional<Tensor>(x[2])); },
       {{3, 4}, {4}, {3, 1}},
       {kAnyValue},
       false},
      {"where", [](L x) { return where(x[0] > 0, x[0] * 2.0, x[1]); }, {{3, 4}, {4}}, {kAwayFromZero}},
      {"lerp", [](L x) { return lerp(x[0], x[1], 0.3); }, {{3}, {3}}, {kAnyValue}},
      {"lerp_tensor", [](L x) { return lerp(x[0], x[1], x[2]); }, {{2, 3}, {3}, {2, 1}}, {kAnyValue}},
      {"lerp_",
       [](L x) {
         Tensor y = x[0] * 1.0;
         y.lerp_(x[1], x[2]);
         return y;
       },
       {{3}, {3}, {3}},
       {kAnyValue}},
      {"square", [](L x) { return square(x[0]); }, {{3}}, {kAnyValue}},
      {"to_same", [](L x) { return x[0].to(kFloat64); }, {{3}}, {kAnyValue}},
      // reductions
      {"sum", [](L x) { return x[0].sum(); }, {{3, 4}}, {kAnyValue}, true, true},
      {"sum_dims",
       [](L x) {
         return x[0].sum({0, 2});
       },
       {{2, 3, 4}},
       {kAnyValue}},
      {"sum_keepdim", [](L x) { return x[0].sum({1}, true); }, {{3, 4}}, {kAnyValue}},
      {"mean", [](L x) { return x[0].mean({-1}); }, {{3, 4}}, {kAnyValue}, true, true},
      {"prod", [](L x) { return x[0].prod({1}); }, {{3, 4}}, {kAwayFromZero}},
      {"prod_with_zeros",
       [](L x) {
         return (x[0] * tensor({1.0, 0.0, 1.0, 1.0}, kFloat64)).prod({1});
       },
       {{3, 4}},
       {kAwayFromZero},
       false},
      {"prod_two_zeros",
       [](L x) {
         return (x[0] * tensor({0.0, 0.0, 1.0}, kFloat64)).prod();
       },
       {{3}},
       {kAwayFromZero},
       false},
      {"max_all", [](L x) { return x[0].max(); }, {{3, 4}}, {kAnyValue}},
      {"max_dim", [](L x) { return std::get<0>(x[0].max(1)); }, {{3, 4}}, {kAnyValue}, true, true},
      {"min_dim_keepdim", [](L x) { return std::get<0>(x[0].min(0, true)); }, {{3, 4}}, {kAnyValue}},
      {"amax", [](L x) { return x[0].amax({0}); }, {{3, 4}}, {kAnyValue}},
      {"amin", [](L x) { return x[0].amin({1}, true); }, {{3, 4}}, {kAnyValue}},
      {"var", [](L x) { return x[0].var({1}); }, {{3, 4}}, {kAnyValue}, true, true},
      {"var_all_pop", [](L x) { return x[0].var({}, 0); }, {{3, 4}}, {kAnyValue}},
      {"std", [](L x) { return x[0].std({0}, 1, true); }, {{3, 4}}, {kAnyValue}},
      {"norm2", [](L x) { return x[0].norm(); }, {{3, 4}}, {kAnyValue}, true, true},
      {"norm2_dim", [](L x) { return x[0].norm(2, {1}); }, {{3, 4}}, {kAnyValue}},
      {"norm1", [](L x) { return x[0].norm(1, {1}); }, {{3, 4}}, {kAwayFromZero}},
      {"norm3", [](L x) { return x[0].norm(3, {0}); }, {{3, 4}}, {kAwayFromZero}},
      {"norm_inf", [](L x) { return x[0].norm(INFINITY, {1}); }, {{3, 4}}, {kAwayFromZero}},
      {"logsumexp", [](L x) { return x[0].logsumexp({1}); }, {{3, 4}}, {kAnyValue}, true, true},
      {"cumsum", [](L x) { return x[0].cumsum(1); }, {{3, 4}}, {kAnyValue}, true, true},
      {"cumsum_outer", [](L x) { return x[0].cumsum(0); }, {{3, 4}}, {kAnyValue}},
      {"cumprod", [](L x) { return x[0].cumprod(1); }, {{3, 4}}, {kAwayFromZero}, true, true},
      {"cumprod_dim0", [](L x) { return x[0].cumprod(0); }, {{4, 3}}, {kAwayFromZero}},
      // One zero in a row (the at-zero term), and two (everything after the first is cut off).
      {"cumprod_zero",
       [](L x) {
         return (x[0] * tensor({1.0, 0.0, 1.0, 1.0}, kFloat64)).cumprod(1);
       },
       {{3, 4}},
       {kAwayFromZero}},
      {"cumprod_two_zeros",
       [](L x) {
         return (x[0] * tensor({1.0, 0.0, 1.0, 0.0, 1.0}, kFloat64)).cumprod(0);
       },
       {{5}},
       {kAwayFromZero}},
      {"cummax", [](L x) { return std::get<0>(x[0].cummax(1)); }, {{3, 5}}, {kAnyValue}, true, true},
      {"cummin", [](L x) { return std::get<0>(x[0].cummin(0)); }, {{5, 3}}, {kAnyValue}},
      {"logcumsumexp", [](L x) { return x[0].logcumsumexp(1); }, {{3, 4}}, {kAnyValue}, true, true},
      {"logcumsumexp_dim0",
       [](L x) {
         return x[0].logcumsumexp(0) * tensor({1.0, -2.0, 0.5}, kFloat64);
       },
       {{4, 3}},
       {kAnyValue}},
      // views
      {"view",
       [](L x) {
         return x[0].view({4, 3});
       },
       {{3, 4}},
       {kAnyValue}},
      {"reshape_copy", [](L x) { return x[0].reshape({12}); }, {{4, 3}}, {kAnyValue}, true, true},
      {"flatten", [](L x) { return x[0].flatten(1); }, {{2, 3, 2}}, {kAnyValue}},
      {"unflatten",
       [](L x) {
         return x[0].unflatten(1, {2, 2});
       },
       {{3, 4}},
       {kAnyValue}},
      {"transpose", [](L x) { return x[0].transpose(0, 2); }, {{2, 3, 4}}, {kAnyValue}},
      {"permute",
       [](L x) {
         return x[0].permute({1, 2, 0});
       },
       {{2, 3, 4}},
       {kAnyValue}},
      {"movedim", [](L x) { return movedim(x[0], 0, -1); }, {{2, 3, 4}}, {kAnyValue}},
      {"squeeze_unsqueeze", [](L x) { return x[0].unsqueeze(1).squeeze(); }, {{3, 1, 4}}, {kAnyValue}},
      {"expand",
       [](L x) {
         return x[0].expand({2, 3, 4});
       },
       {{3, 1}},
       {kAnyValue}},
      {"narrow", [](L x) { return x[0].narrow(1, 1, 2); }, {{3, 4}}, {kAnyValue}, true, true},
      {"select", [](L x) { return x[0].select(0, -1); }, {{3, 4}}, {kAnyValue}, true, true},
      {"slice_step", [](L x) { return x[0].slice(1, 0, 4, 2); }, {{3, 4}}, {kAnyValue}},
      {"diagonal", [](L x) { return x[0].diagonal(1); }, {{3, 4}}, {kAnyValue}},
      {"as_strided_overlap",
       [](L x) {
         return x[0].as_strided({3, 2}, {1, 1});
       },
       {{4}},
       {kAnyValue}},
      {"contiguous", [](L x) { return x[0].contiguous(); }, {{4, 3}}, {kAnyValue}, true, true},
      {"clone", [](L x) { return x[0].clone(); }, {{3}}, {kAnyValue}},
      {"view_of_view", [](L x) { return x[0].t().narrow(0, 1, 2).select(1, 0); }, {{3, 4}}, {kAnyValue}},
      // shape ops
      {"cat",
       [](L x) {
         return cat({x[0], x[1]}, 1);
       },
       {{2, 3}, {2, 2}},
       {kAnyValue}},
      {"stack",
       [](L x) {
         return stack({x[0], x[1]}, 0);
       },
       {{2, 3}, {2, 3}},
       {kAnyValue}},
      {"split",
       [](L x) {
         auto p = x[0].split(2, 1);
         return p[0] * 2.0 + p[1] * p[1];
       },
       {{3, 4}},
       {kAnyValue}},
      {"chunk",
       [](L x) {
         auto p = x[0].chunk(3, 0);
         return p[2] - p[0];
       },
       {{3, 2}},
       {kAnyValue}},
      {"repeat",
       [](L x) {
         return x[0].repeat({2, 1, 2});
       },
       {{2, 3}},
       {kAnyValue}},
      {"flip",
       [](L x) {
         return x[0].flip({0, 1});
       },
       {{3, 4}},
       {kAnyValue},
       true,
       true},
      {"roll",
       [](L x) {
         return x[0].roll({1, -2}, {0, 1});
       },
       {{3, 4}},
       {kAnyValue}},
      {"pad",
       [](L x) {
         return pad(x[0], {1, 2, -1, 0}, 0.5);
       },
       {{3, 4}},
       {kAnyValue}},
      {"tril", [](L x) { return x[0].tril(); }, {{3, 3}}, {kAnyValue}},
      {"triu", [](L x) { return x[0].triu(1); }, {{2, 3, 3}}, {kAnyValue}},
      // arrangement (arrange.h)
      {"tensor_split",
       [](L x) {
         auto p = tensor_split(x[0], {1, -1}, 1);
         return cat({p[2], p[0] * 3.0}, 1);
       },
       {{3, 4}},
       {kAnyValue}},
      {"hvd_stack",
       [](L x) {
         return dstack({vstack({x[0], hstack({x[1], x[1]})}), x[0].unsqueeze(0).expand({2, 4})});
       },
       {{4}, {2}},
       {kAnyValue}},
      {"column_stack",
       [](L x) {
         return column_stack({x[0], x[1]});
       },
       {{3}, {3, 2}},
       {kAnyValue}},
      {"rot90", [](L x) { return rot90(x[0], 1) * rot90(x[0], -1); }, {{3, 3}}, {kAnyValue}},
      {"diag_embed", [](L x) { return diag_embed(x[0], -1, 0, 2); }, {{2, 3}}, {kAnyValue}},
      {"diagflat", [](L x) { return diagflat(x[0], 1); }, {{2, 2}}, {kAnyValue}},
      {"block_diag",
       [](L x) {
         return block_diag({x[0], x[1], x[0].sum()});
       },
       {{2, 3}, {2}},
       {kAnyValue}},
      {"kron", [](L x) { return kron(x[0], x[1]); }, {{2, 3}, {2, 1, 2}}, {kAnyValue}},
      {"cartesian_prod",
       [](L x) {
         return cartesian_prod({x[0], x[1]});
       },
       {{3}, {2}},
       {kAnyValue}},
      {"combinations", [](L x) { return combinations(x[0], 2, true); }, {{3}}, {kAnyValue}},
      {"take_along_dim",
       [](L x) {
         return take_along_dim(x[0], tensor({{0, 2}}), 0);
       },
       {{3, 2}},
       {kAnyValue}},
      {"vander", [](L x) { return vander(x[0], 4); }, {{3}}, {kAnyValue}},
      // statistics (statistics.h)
      {"cov_weighted",
       [](L x) {
         return cov(x[0], 1, tensor({1, 2, 1, 3}), x[1].abs() + 0.5);
       },
       {{2, 4}, {4}},
       {kAnyValue}},
      {"corrcoef", [](L x) { return corrcoef(x[0]); }, {{3, 5}}, {kAnyValue}},
      {"trapezoid", [](L x) { return trapezoid(x[0], x[1].cumsum(0), 0); }, {{4, 2}, {4}}, {kAnyValue, kPositive}},
      {"cumulative_trapezoid", [](L x) { return cumulative_trapezoid(x[0], 0.5); }, {{2, 5}}, {kAnyValue}},
      {"cdist", [](L x) { return cdist(x[0], x[1], 1.5); }, {{2, 3, 2}, {4, 2}}, {kAnyValue}},
      {"cdist_mm", [](L x) { return cdist(x[0], x[1]); }, {{26, 2}, {3, 2}}, {kAnyValue}},
      {"pdist", [](L x) { return pdist(x[0], 3.0); }, {{4, 3}}, {kAnyValue}},
      {"cdist_p2_kernel", [](L x) { return cdist(x[0], x[1]); }, {{3, 2}, {2, 4, 2}}, {kAnyValue}},
      {"cdist_p1", [](L x) { return cdist(x[0], x[1], 1.0); }, {{3, 2}, {4, 2}}, {kAnyValue}},
      {"cdist_inf", [](L x) { return cdist(x[0], x[1], INFINITY); }, {{3, 2}, {4, 2}}, {kAnyValue}},
      {"cdist_half", [](L x) { return cdist(x[0], x[1], 0.5); }, {{2, 3}, {3, 3}}, {kAnyValue}},
      {"pdist_p2", [](L x) { return pdist(x[0]); }, {{5, 3}}, {kAnyValue}},
      {"pdist_p1", [](L x) { return pdist(x[0], 1.0); }, {{4, 2}}, {kAnyValue}},
      {"pdist_inf", [](L x) { return pdist(x[0], INFINITY); }, {{4, 3}}, {kAnyValue}},
      {"pdist_half", [](L x) { return pdist(x[0], 0.5); }, {{4, 2}}, {kAnyValue}},
      // indexing
      {"index_basic",
       [](L x) {
         return x[0].index({Slice(0, 3, 2), None, -1});
       },
       {{3, 4}},
       {kAnyValue}},
      {"index_advanced_repeats",
       [](L x) {
         return x[0].index({idx({2, 0, 2}), Slice(1)});
       },
       {{3, 4}},
       {kAnyValue}},
      {"index_mask", [](L x) { return x[0].index({x[0] > 0}); }, {{3, 4}}, {kAwayFromZero}},
      {"index_put",
       [](L x) {
         return index_put(x[0], {idx({0, 2, 0})}, x[1], true);
       },
       {{4, 2}, {3, 2}},
       {kAnyValue}},
      {"index_put_overwrite",
       [](L x) {
         return index_put(x[0], {std::nullopt, tensor(1)}, x[1]);
       },
       {{3, 2}, {3}},
       {kAnyValue}},
      {"index_put_",
       [](L x) {
         Tensor y = x[0] * 1.0;
         y.index_put_({idx({1, 0})}, x[1]);
         return y;
       },
       {{3, 2}, {2, 2}},
       {kAnyValue}},
      {"setitem_slice",
       [](L x) {
         Tensor y = x[0] * 1.0;
         y.index_put_({Slice(), 1}, x[1]);
         return y;
       },
       {{3, 2}, {3}},
       {kAnyValue}},
      {"index_select",
       [](L x) {
         return x[0].index_select(1, idx({3, 3, 0}));
       },
       {{3, 4}},
       {kAnyValue},
       true,
       true},
      {"gather",
       [](L x) {
         return x[0].gather(1, tensor({{0, 0}, {3, 1}, {2, 2}}));
       },
       {{3, 4}},
       {kAnyValue}},
      {"scatter",
       [](L x) {
         return x[0].scatter(1, tensor({{0}, {3}, {1}}), x[1]);
       },
       {{3, 4}, {3, 2}},
       {kAnyValue}},
      {"as_strided_scatter",
       [](L x) {
         return as_strided_scatter(x[0], x[1], {2, 2}, {1, 3}, 1);
       },
       {{3, 4}, {2, 2}},
       {kAnyValue}},
      {"scatter_add",
       [](L x) {
         return x[0].scatter_add(0, tensor({{1, 1}, {1, 0}}), x[1]);
       },
       {{3, 2}, {2, 2}},
       {kAnyValue}},
      {"scatter_",
       [](L x) {
         Tensor y = x[0] * 1.0;
         y.scatter_(0, tensor({2, 0}), x[1]);
         return y;
       },
       {{3}, {2}},
       {kAnyValue}},
      {"masked_fill", [](L x) { return x[0].masked_fill(x[0] < 0, 2.0); }, {{3, 4}}, {kAwayFromZero}},
      {"masked_fill_tensor", [](L x) { return x[0].masked_fill(x[0] < 0, x[1]); }, {{3, 4}, {}}, {kAwayFromZero}},
      {"sort", [](L x) { return std::get<0>(x[0].sort(1, true)); }, {{3, 4}}, {kAnyValue}, true, true},
      {"topk", [](L x) { return std::get<0>(x[0].topk(2, 0)); }, {{3, 4}}, {kAnyValue}},
      // linear algebra
      {"mm", [](L x) { return mm(x[0], x[1]); }, {{3, 4}, {4, 2}}, {kAnyValue}, true, true},
      {"matmul_vv", [](L x) { return matmul(x[0], x[1]); }, {{4}, {4}}, {kAnyValue}},
      {"matmul_mv", [](L x) { return matmul(x[0], x[1]); }, {{3, 4}, {4}}, {kAnyValue}},
      {"matmul_vm", [](L x) { return matmul(x[0], x[1]); }, {{3}, {3, 2}}, {kAnyValue}},
      {"matmul_broadcast", [](L x) { return matmul(x[0], x[1]); }, {{2, 1, 2, 3}, {3, 3, 2}}, {kAnyValue}},
      {"bmm", [](L x) { return bmm(x[0], x[1]); }, {{2, 2, 3}, {2, 3, 2}}, {kAnyValue}},
      {"addmm", [](L x) { return addmm(x[0], x[1], x[2], 0.5, 2.0); }, {{2}, {3, 4}, {4, 2}}, {kAnyValue}},
      {"addmm_fused_bias", [](L x) { return addmm(x[0], x[1], x[2]); }, {{2}, {3, 4}, {4, 2}}, {kAnyValue}},
      {"addmm_fused_row", [](L x) { return addmm(x[0], x[1], x[2].t()); }, {{1, 3}, {5, 4}, {3, 4}}, {kAnyValue}},
      {"dot", [](L x) { return dot(x[0], x[1]); }, {{5}, {5}}, {kAnyValue}},
      {"outer", [](L x) { return outer(x[0], x[1]); }, {{3}, {2}}, {kAnyValue}},
      {"einsum_contract",
       [](L x) {
         return einsum("bij,jk->bik", {x[0], x[1]});
       },
       {{2, 2, 3}, {3, 2}},
       {kAnyValue}},
      {"einsum_trace_outer",
       [](L x) {
         return einsum("ii,j->j", {x[0], x[1]});
       },
       {{3, 3}, {2}},
       {kAnyValue}},
      {"einsum_sum", [](L x) { return einsum("ij->i", {x[0]}); }, {{3, 4}}, {kAnyValue}},
      {"einsum_bilinear",
       [](L x) {
         return einsum("bn,anm,bm->ba", {x[0], x[1], x[2]});
       },
       {{2, 3}, {4, 3, 2}, {2, 2}},
       {kAnyValue}},
      // softmax and losses
      {"softmax", [](L x) { return softmax(x[0], 1); }, {{3, 4}}, {kAnyValue}, true, true},
      {"log_softmax", [](L x) { return log_softmax(x[0], 0); }, {{3, 4}}, {kAnyValue}, true, true},
      {"cross_entropy",
       [](L x) {
         return F::cross_entropy(x[0], idx({1, 0, 3}));
       },
       {{3, 4}},
       {kAnyValue}},
      {"cross_entropy_opts",
       [](L x) {
         return F::cross_entropy(x[0], idx({1, -100, 3}), {.weight = x[1], .label_smoothing = 0.2});
       },
       {{3, 4}, {4}},
       {kAnyValue, kPositive}},
      {"cross_entropy_probs",
       [](L x) { return F::cross_entropy(x[0], softmax(x[1], 1)); },
       {{3, 4}, {3, 4}},
       {kAnyValue}},
      {"cross_entropy_spatial",
       [](L x) {
         return F::cross_entropy(x[0], tensor({{0, 2}, {1, 1}}));
       },
       {{2, 3, 2}},
       {kAnyValue}},
      {"nll_loss_sum",
       [](L x) {
         return F::nll_loss(x[0], idx({2, 0}), {.reduction = F::Reduction::Sum});
       },
       {{2, 3}},
       {kAnyValue}},
  };
}

tensor_list make_inputs(const OpCase& c, Generator& gen) {
  tensor_list in;
  for (size_t i = 0; i < c.shapes.size(); ++i) {
    const Domain d = c.domains.size() > i ? c.domains[i] : c.domains[0];
    Shape s = c.shapes[i];
    Tensor t;
    if (i == 0 && c.transpose_first && s.size() == 2) {
      t = tgtest::sample(gen, {s[1], s[0]}, d).t();  // non-contiguous leaf
    } else {
      t = tgtest::sample(gen, s, d);
    }
    in.push_back(t.requires_grad_(true));
  }
  return in;
}

}  // namespace

TEST(Gradcheck, EveryOpFirstAndSecondOrder) {
  std::vector<OpCase> cases = table_cases();
  for (auto& c : other_cases()) cases.push_back(c);
  Generator gen(11);
  int checked = 0;
  for (const OpCase& c : cases) {
    SCOPED_TRACE(c.name);
    tensor_list in = make_inputs(c, gen);
    if (c.transpose_first) {
      ASSERT_FALSE(in[0].is_contiguous());
    }
    try {
      EXPECT_TRUE(autograd::gradcheck(c.fn, in, {.check_forward_ad = true}));
      if (c.second_order) {
        EXPECT_TRUE(autograd::gradgradcheck(c.fn, in));
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << c.name << ": " << e.what();
    }
    ++checked;
  }
  EXPECT_GT(checked, 200);
}

TEST(Gradcheck, ReportsAWrongBackward) {
  struct Wrong : autograd::Function<Wrong> {
    static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x) {
      ctx->save_for_backward({x});
      return x * x;
    }
    static tensor_list backward(autograd::AutogradContext* ctx, tensor_list g) {
      return {g[0] * ctx->get_saved_variables()[0]};  // should be 2x
    }
  };
  Tensor x = tensor({1.0, 2.0}, kFloat64).requires_grad_(true);
  auto fn = [](const tensor_list& in) { return Wrong::apply(in[0]); };
  EXPECT_THROW_WITH(autograd::gradcheck(fn, {x}), Error, "Jacobian mismatch for output 0 with respect to input 0");
  EXPECT_FALSE(autograd::gradcheck(fn, {x}, {.raise_exception = false}));
  Tensor f32 = ones({2}).requires_grad_(true);
  EXPECT_THROW_WITH(autograd::gradcheck([](const tensor_list& in) { return in[0] * 2; }, {f32}), TypeError, "float64");
  EXPECT_THROW_WITH(autograd::gradcheck([](const tensor_list& in) { return in[0] * 2; }, {ones({2}, kFloat64)}), Error,
                    "no input requires grad");
}
