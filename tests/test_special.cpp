// tg::special: values against mpmath (50 digits) in every regime of each algorithm, identities,
// edge values, dtypes and layouts, errors. Gradients are checked in test_gradcheck_ops.cpp.
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <utility>

#include "test_util.h"

using namespace tg;
using tgtest::close;
using tgtest::vals;

namespace {

using Points = std::vector<std::pair<double, double>>;

// (x, f(x)) from mpmath at 50 digits, across the series, recurrence and asymptotic ranges.
const std::map<std::string, Points>& reference() {
  static const std::map<std::string, Points> r = {
      {"bessel_j0",
       {{-30.5, -1.9389754517762152066e-2},
        {-3.7, -3.9923020337119111533e-1},
        {0.001, 9.99999750000015625e-1},
        {0.8, 8.4628735275048024971e-1},
        {1.9, 2.8181855937438552233e-1},
        {2.404825557695773, -6.1087652597367303971e-17},
        {7.5, 2.6633965788037839687e-1},
        {24.5, 2.3697433734067902112e-2},
        {26.0, 1.559993155224211296e-1},
        {150.25, 1.5353716217067799023e-2},
        {10000.0, -7.0961603533888014773e-3}}},
      {"bessel_j1",
       {{-30.5, 1.4349430015097094111e-1},
        {-3.7, -5.3833987745461790513e-2},
        {0.001, 4.9999993750000261457e-4},
        {0.8, 3.6884204609417001131e-1},
        {1.9, 5.8115707271343407482e-1},
        {3.8317059702075125, -6.1498073569949060914e-17},
        {7.5, 1.3524842757970550518e-1},
        {24.5, -1.5897841181932807879e-1},
        {26.0, 1.504573058691581115e-2},
        {150.25, -6.3205165486539862827e-2},
        {10000.0, 3.6474507555295803441e-3}}},
      {"bessel_y0",
       {{1e-06, -8.8690314816594437317},
        {0.3, -8.0727357780451949121e-1},
        {0.8935769662791675, -2.3389279284062103119e-17},
        {1.9, 4.9681997128382019129e-1},
        {2.1, 5.182937375137607332e-1},
        {7.5, 1.1731328614820863084e-1},
        {24.5, -1.5942871774975042922e-1},
        {26.0, 1.2044625860755602756e-2},
        {150.25, -6.3255908589365740328e-2},
        {10000.0, 3.6478055589866058867e-3}}},
      {"bessel_y1",
       {{1e-06, -6.3661977237217504257e+5},
        {0.3, -2.2931051383885291231},
        {1.9, -1.6440577233159531443e-1},
        {2.1, -5.1678612130423533848e-2},
        {2.197141326031017, 2.5133066789221220687e-17},
        {7.5, -2.591285104861162518e-1},
        {24.5, -2.6954655331885411393e-2},
        {26.0, -1.5579655322960264947e-1},
        {150.25, -1.5564301086833930581e-2},
        {10000.0, 7.096342752536495135e-3}}},
      {"modified_bessel_k0",
       {{1e-06, 1.3931442073626419459e+1},
        {0.3, 1.3724600605442974106},
        {1.9, 1.2884597927604749404e-1},
        {2.1, 1.0078374088996693491e-1},
        {7.5, 2.4917761635611438901e-4},
        {24.5, 5.7688561825292188742e-12},
        {26.0, 1.2498773979850723773e-12},
        {150.25, 5.7088242930704925246e-67},
        {700.0, 4.669776431685376881e-306}}},
      {"modified_bessel_k1",
       {{1e-06, 9.9999999999278432422e+5},
        {0.3, 3.0559920334573251072},
        {1.9, 1.5966015303266762929e-1},
        {2.1, 1.2274641153350789646e-1},
        {7.5, 2.6529739012528952599e-4},
        {24.5, 5.8854327447569322918e-12},
        {26.0, 1.2736907792389236217e-12},
        {150.25, 5.7277906424526653354e-67},
        {700.0, 4.6731107967079661091e-306}}},
      {"scaled_modified_bessel_k0",
       {{1e-06, 1.3931456005075458808e+1},
        {0.3, 1.8526273007720143077},
        {1.9, 8.6145061675175578899e-1},
        {2.1, 8.2301715253166205755e-1},
        {7.5, 4.5052369910491568638e-1},
        {24.5, 2.5194428924816337079e-1},
        {26.0, 2.4463801494155148309e-1},
        {150.25, 1.0216275181715920114e-1},
        {1000000.0, 1.2533139806513212103e-3}}},
      {"scaled_modified_bessel_k1",
       {{1e-06, 1.0000009999932843172e+6},
        {0.3, 4.1251577622444698058},
        {1.9, 1.06747092981457005},
        {2.1, 1.0023680527405790625},
        {7.5, 4.7966893379102061554e-1},
        {24.5, 2.5703555832892222096e-1},
        {26.0, 2.4929899875354781789e-1},
        {150.25, 1.0250216573941994105e-1},
        {1000000.0, 1.2533146073081548719e-3}}},
      {"spherical_bessel_j0",
       {{-40.0, 1.8627829011983719675e-2},
        {-0.3, 9.8506735553779858478e-1},
        {1e-05, 9.9999999998333333333e-1},
        {0.49, 9.6046099626766946301e-1},
        {0.51, 9.5721028800570096814e-1},
        {3.0, 4.7040002686622407367e-2},
        {100000.0, 3.5748797972016509316e-7}}},
      {"erfcx",
       {{-26.0, 7.6577249314905683515e+293},
        {-3.0, 1.6205988853999586625e+4},
        {-0.5, 1.9523604891825570933},
        {0.0, 1.0},
        {0.5, 6.1569034419292587487e-1},
        {3.0, 1.7900115118138995042e-1},
        {24.9, 2.2639987776049506286e-2},
        {25.1, 2.2459875817581388236e-2},
        {1000.0, 5.641893014533876542e-4},
        {1e10, 5.6418958354775628695e-11}}},
      {"ndtr",
       {{-37.0, 5.7255712225239332937e-300},
        {-10.0, 7.619853024160526066e-24},
        {-1.0, 1.5865525393145705141e-1},
        {0.0, 5.0e-1},
        {0.5, 6.9146246127401310364e-1},
        {3.0, 9.9865010196836990547e-1},
        {9.0, 9.9999999999999999989e-1}}},
      {"log_ndtr",
       {{-100000.0, -5.0000000124318639983e+9},
        {-38.0, -7.265572160188201301e+2},
        {-10.0, -5.3231285150512470578e+1},
        {-1.0, -1.8410216450092635058},
        {-0.1, -7.7615459273027332557e-1},
        {0.0, -6.9314718055994530942e-1},
        {3.0, -1.3508099647481937988e-3},
        {9.0, -1.1285884059538406478e-19},
        {20.0, 0.0}}},
      {"airy_ai",
       {{-1000.5, -4.6895461515614125919e-2},
        {-30.5, -4.3336372887428654469e-3},
        {-10.5, -3.1192603505105060085e-1},
        {-9.9, 1.3623502644797942888e-1},
        {-5.3, 1.8256793106833963344e-1},
        {-2.2, 9.61453780076688799e-2},
        {-0.7, 5.1100039757501014297e-1},
        {0.0, 3.5502805388781723926e-1},
        {0.3, 2.7880648195500492466e-1},
        {1.0, 1.3529241631288141552e-1},
        {1.001, 1.3513333651380933685e-1},
        {2.5, 1.5725923380470489995e-2},
        {7.0, 7.4921288639971670808e-7},
        {11.3, 1.5418177365564034763e-12},
        {40.0, 6.3657426585529149096e-75},
        {100.0, 2.6344821520881844896e-291}}},
      {"airy_ai_prime",
       {{-1000.5, -2.8050205709318076578},
        {-30.5, -1.3256903303662555097},
        {-10.5, 9.0957487390681672879e-2},
        {-9.9, 9.0781333153715091824e-1},
        {-5.3, 7.5457541994701086913e-1},
        {-2.2, 6.862448249090017474e-1},
        {-0.7, -1.4464128564332104329e-1},
        {0.0, -2.5881940379280679841e-1},
        {0.3, -2.4514636421905480437e-1},
        {1.0, -1.5914744129679321279e-1},
        {1.001, -1.59012160838477334e-1},
        {2.5, -2.6250881035903230365e-2},
        {7.0, -2.0081508947387919912e-6},
        {11.3, -5.2164638717962280316e-12},
        {40.0, -4.0300179776006780423e-74},
        {100.0, -2.6351403616044099336e-290}}},
      {"ndtri",
       {{1e-300, -3.7047096299361199237e+1},
        {1e-20, -9.2623400897984075796},
        {0.01, -2.3263478740408410931},
        {0.2, -8.4162123357291416552e-1},
        {0.25, -6.744897501960817432e-1},
        {0.5, 0.0},
        {0.6, 2.5334710313579974132e-1},
        {0.75, 6.744897501960817432e-1},
        {0.9, 1.2815515655446005935},
        {0.999999999999, 7.0344869100478352057}}},
  };
  return r;
}

using UnaryFn = std::function<Tensor(const Tensor&)>;
const std::map<std::string, UnaryFn>& unary_functions() {
  static const std::map<std::string, UnaryFn> f = {
#define TG_UNARY_OP(name, ...) {#name, [](const Tensor& x) { return special::name(x); }},
#include "tapegrad/tensor/special_ops.def"
#undef TG_UNARY_OP
  };
  return f;
}

Tensor column(const Points& p, bool second) {
  std::vector<double> v;
  for (const auto& [x, y] : p) v.push_back(second ? y : x);
  return tensor(v, kFloat64);
}

}  // namespace

TEST(Special, EveryKernelMatchesMpmathInEveryRange) {
  ASSERT_EQ(unary_functions().size(), reference().size());
  for (const auto& [name, fn] : unary_functions()) {
    SCOPED_TRACE(name);
    const Points& p = reference().at(name);
    // Relative to the value, absolute near the zeros (the functions are accurate to ~2e-16 absolute there).
    EXPECT_TRUE(close(fn(column(p, false)), column(p, true), 1e-13, 3e-16));
  }
}

TEST(Special, BesselFunctionsMatchLibmOnRandomPoints) {
  Generator gen(7);
  const Tensor x = rand({2000}, gen, TensorOptions(kFloat64)) * 60.0 + 1e-3;
  const std::vector<double> xs = vals(x);
  const std::pair<UnaryFn, double (*)(double)> cases[] = {
      {[](const Tensor& t) { return special::bessel_j0(t); }, ::j0},
      {[](const Tensor& t) { return special::bessel_j1(t); }, ::j1},
      {[](const Tensor& t) { return special::bessel_y0(t); }, ::y0},
      {[](const Tensor& t) { return special::bessel_y1(t); }, ::y1},
  };
  for (const auto& [fn, libm] : cases) {
    std::vector<double> expected;
    for (double v : xs) expected.push_back(libm(v));
    EXPECT_TRUE(close(fn(x), tensor(expected, kFloat64), 1e-11, 1e-14));
  }
}

// The Bessel functions' vector forms (contiguous runs: series on lanes, then a select, some lanes
// by the scalar formula) against the scalar ones (strided), across every range's borders, and in
// float (float series on 8 lanes) against double.
TEST(Special, BesselVectorFormsMatchScalarOnes) {
  Generator gen(11);
  const Tensor wide = rand({3000}, gen, TensorOptions(kFloat64)) * 60.0;
  const Tensor edges =
      tensor({1e-300, 1e-8, 0.5, 1.999999, 2.0, 2.000001, 7.999999, 8.0, 8.000001, 1e4, 1e15}, kFloat64);
  const Tensor x = cat({wide, edges, -wide.slice(0, 0, 100)});
  const Tensor strided = stack({x, x}, 1).select(1, 0);  // not contiguous: the scalar formula
  ASSERT_FALSE(strided.is_contiguous());
  for (const char* name :
       {"bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_k0", "modified_bessel_k1",
        "scaled_modified_bessel_k0", "scaled_modified_bessel_k1", "spherical_bessel_j0"}) {
    SCOPED_TRACE(name);
    const UnaryFn& fn = unary_functions().at(name);
    const Tensor vector = fn(x), scalar = fn(strided);
    EXPECT_TRUE(close(vector, scalar, 1e-14, 4e-16));
    // float: within a few float ulps of the function's size (1 below 8, sqrt(2 / (pi x)) above).
    const Tensor in_float = fn(x.to(kFloat32)).to(kFloat64);
    const Tensor at_float_x = fn(x.to(kFloat32).to(kFloat64));
    const Tensor size = where(abs(x) < 8.0, ones_like(x), sqrt(2.0 / (M_PI * abs(x))));
    const Tensor finite = isfinite(at_float_x) & (at_float_x.abs() < 1e30);
    const Tensor err = where(finite, (in_float - at_float_x).abs() / maximum(size, at_float_x.abs()), zeros_like(x));
    EXPECT_LT(err.max().item<double>(), 1e-6);
  }
}

TEST(Special, Identities) {
  const Tensor x = tensor({0.05, 0.7, 1.99, 2.01, 5.5, 13.0, 24.99, 25.01, 80.0}, kFloat64);
  // Wronskians: J_1 Y_0 - J_0 Y_1 = 2 / (pi x), I_0 K_1 + I_1 K_0 = 1 / x.
  const Tensor w = special::bessel_j1(x) * special::bessel_y0(x) - special::bessel_j0(x) * special::bessel_y1(x);
  EXPECT_TRUE(close(w * x, full_like(x, 2 / M_PI), 1e-13, 1e-15));
  const Tensor wk =
      special::i0e(x) * special::scaled_modified_bessel_k1(x) + special::i1e(x) * special::scaled_modified_bessel_k0(x);
  EXPECT_TRUE(close(wk * x, ones_like(x), 1e-13, 0));
  EXPECT_TRUE(close(special::modified_bessel_k0(x) * exp(x), special::scaled_modified_bessel_k0(x), 1e-13, 0));
  // ndtri inverts ndtr; log_ndtr is log(ndtr) where ndtr is well away from 0 and 1.
  const Tensor z = tensor({-30.0, -8.0, -1.5, -0.2, 0.0, 0.3, 2.0, 6.0}, kFloat64);
  // (Up to 2: above, ndtr rounds to 1 - k eps and the round trip loses what the rounding took.)
  const Tensor lower = z.slice(0, 0, 7);
  EXPECT_TRUE(close(special::ndtri(special::ndtr(lower)), lower, 1e-12, 1e-12));
  EXPECT_TRUE(close(special::log_ndtr(lower), log(special::ndtr(lower)), 1e-13, 0));
  // (erfc's argument rounds differently: relative x^2 eps apart at -30.)
  EXPECT_TRUE(close(special::ndtr(z), 0.5 * erfc(-z / std::sqrt(2.0)), 1e-12, 0));
  EXPECT_TRUE(
      close(special::erfcx(z.slice(0, 2, 8)), exp(z.slice(0, 2, 8).square()) * erfc(z.slice(0, 2, 8)), 1e-14, 0));
  EXPECT_TRUE(close(special::spherical_bessel_j0(x), sin(x) / x, 1e-15, 0));
}

TEST(Special, EdgeValuesFollowPyTorch) {
  const double inf = INFINITY, nan = NAN;
  const Tensor edges = tensor({0.0, -1.0, inf, -inf, nan}, kFloat64);
  auto expect = [&](const Tensor& got, std::vector<double> want) {
    EXPECT_TRUE(close(got, tensor(want, kFloat64), 0, 0));
  };
  expect(special::bessel_j0(edges), {1, special::bessel_j0(tensor({1.0}, kFloat64)).item<double>(), 0, 0, nan});
  expect(special::bessel_j1(edges), {0, -special::bessel_j1(tensor({1.0}, kFloat64)).item<double>(), 0, 0, nan});
  expect(special::bessel_y0(edges), {-inf, nan, 0, nan, nan});
  expect(special::bessel_y1(edges), {-inf, nan, 0, nan, nan});
  expect(special::modified_bessel_k0(edges), {inf, nan, 0, nan, nan});
  expect(special::scaled_modified_bessel_k1(edges), {inf, nan, 0, nan, nan});
  expect(special::spherical_bessel_j0(edges), {1, std::sin(1.0), 0, 0, nan});
  expect(special::erfcx(tensor({-30.0, inf, -inf, nan}, kFloat64)), {inf, 0, inf, nan});
  expect(special::ndtr(tensor({inf, -inf}, kFloat64)), {1, 0});
  expect(special::log_ndtr(tensor({inf, -inf}, kFloat64)), {0, -inf});
  expect(special::ndtri(tensor({0.0, 1.0, -0.1, 1.1, nan}, kFloat64)), {-inf, inf, nan, nan, nan});
  // Ai: 0 at both infinities (and past -1e205, where no phase is left), underflowing above 104.
  expect(special::airy_ai(tensor({inf, -inf, nan, 200.0, -1e300}, kFloat64)), {0, 0, nan, 0, 0});
  expect(special::airy_ai_prime(tensor({inf, -inf, nan}, kFloat64)), {0, 0, nan});
}

TEST(Special, AiryAcrossItsRegimes) {
  // Ai'' = x Ai by central differences, across the algorithms' seams (1 and -10), and
  // Ai' as the derivative of Ai.
  const Tensor x = tensor({-10.2, -10.0, -9.8, -3.0, 0.0, 0.9, 1.0, 1.1, 5.0, 11.2, 11.3}, kFloat64);
  const double h = 1e-4;
  const Tensor second = (special::airy_ai(x + h) - 2 * special::airy_ai(x) + special::airy_ai(x - h)) / (h * h);
  EXPECT_TRUE(close(second, x * special::airy_ai(x), 1e-6, 1e-7));
  const Tensor first = (special::airy_ai(x + h) - special::airy_ai(x - h)) / (2 * h);
  EXPECT_TRUE(close(first, special::airy_ai_prime(x), 1e-6, 1e-7));
  // float32: the double result, rounded.
  const Tensor xf = x.to(kFloat32);
  EXPECT_TRUE(close(special::airy_ai(xf), special::airy_ai(xf.to(kFloat64)).to(kFloat32), 0, 0));
}

TEST(Special, NdtriAcrossItsForms) {
  // mpmath at 400 digits: the far tail (Halley), the tail series, 2p - 1 with and without its
  // rounding error, both sides. 18 values: 4-lane vectors with a far-tail lane and without, a tail.
  const std::vector<std::pair<double, double>> cases = {
      {1e-300, -37.0470962993612}, {1e-17, -8.493793224109599}, {2e-16, -8.138562060199721},
      {1e-10, -6.361340902404057}, {0.01, -2.326347874040841}, {0.1, -1.2815515655446004},
      {0.124, -1.1552208466119516}, {0.13, -1.1263911290388007}, {0.2, -0.8416212335729142},
      {0.3, -0.5244005127080408}, {0.499999999, -2.5066283428845328e-09}, {0.7, 0.5244005127080407},
      {0.8, 0.8416212335729144}, {0.87, 1.1263911290388007}, {0.9, 1.2815515655446006},
      {0.99, 2.3263478740408408}, {0.9999999999, 6.361340889697422}, {0.9999999999999999, 8.209536151601387}};
  std::vector<double> p, want;
  for (const auto& [pi, x] : cases) p.push_back(pi), want.push_back(x);
  const Tensor got = special::ndtri(tensor(p, kFloat64));
  EXPECT_TRUE(close(got, tensor(want, kFloat64), 1e-15, 0));
  // One lane at a time (the scalar form) gives the same.
  for (size_t i = 0; i < p.size(); ++i)
    EXPECT_NEAR(special::ndtri(tensor({p[i]}, kFloat64)).item<double>(), want[i], 1e-15 * std::fabs(want[i])) << p[i];
  // float32: the double result, rounded (up to an ulp where vector and scalar exp differ).
  const Tensor pf = tensor(p, kFloat64).to(kFloat32);
  EXPECT_TRUE(close(special::ndtri(pf), special::ndtri(pf.to(kFloat64)).to(kFloat32), 2e-7, 0));
}

TEST(Special, ErfinvIsAccurateUpToOne) {
  // Chebyshev series in y^2 to 3/4, in sqrt(-log((1 - y) / 2)) beyond; Newton on erf(x) - y was
  // 5e-5 off at 1 - 1e-15, where erf(x) and y are the same double.
  const Tensor y = tensor({0.999999999999999, 0.9999999999999999, 0.99, 0.8, -0.75, 0.3, 1e-10}, kFloat64);
  const Tensor want = tensor({5.6759157397447131788, 5.8635847487551679272, 1.8213863677184494559,
                              0.90619380243682330954, -0.81341984759761854169, 0.27246271472675434502,
                              8.8622692545275804594e-11},
                             kFloat64);
  EXPECT_TRUE(close(erfinv(y), want, 5e-16, 0));
  EXPECT_TRUE(close(special::erfinv(y), want, 5e-16, 0));
  EXPECT_TRUE(close(erf(erfinv(y.slice(0, 2, 7))), y.slice(0, 2, 7), 1e-15, 0));
}

TEST(Special, Float32ErfinvIsWithinTwoUlps) {
  // float tensors take float polynomials (scalar_math.h's erfinv_float): in 8 lanes for contiguous
  // runs, one by one for strided ones. Against the double result, on 3,000 floats spread over
  // (6e-8, 1) by their bit patterns, both signs, and the largest float below 1.
  std::vector<float> ys;
  for (uint32_t bits = 0x33800000u; bits < 0x3f800000u; bits += 64007) {
    float y;
    std::memcpy(&y, &bits, sizeof y);
    ys.push_back(ys.size() % 2 ? -y : y);
  }
  ys.push_back(std::nextafter(1.0f, 0.0f));
  ys.push_back(-std::nextafter(1.0f, 0.0f));
  const Tensor y = tensor(ys);
  const std::vector<double> want = vals(erfinv(y.to(kFloat64)));
  for (const Tensor& got : {erfinv(y), erfinv(stack({y, y}, 1).select(1, 0))}) {
    const std::vector<double> g = vals(got);
    double worst = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      const float w = static_cast<float>(want[i]);
      const double ulp = std::nextafter(std::fabs(w), INFINITY) - std::fabs(w);
      worst = std::max(worst, std::fabs(g[i] - want[i]) / ulp);
    }
    EXPECT_LE(worst, 2.0);
  }
  const float inf = INFINITY, nan = NAN;
  EXPECT_TRUE(close(erfinv(tensor({1.0f, -1.0f, 0.0f, 1.5f, nan, 1.0f, 1.0f, 1.0f, 1.0f})),
                    tensor({inf, -inf, 0.0f, nan, nan, inf, inf, inf, inf}), 0, 0));
}

TEST(Special, ZetaAndIncompleteGammaMatchMpmath) {
  const double zeta_ref[][3] = {{2, 1, 1.6449340668482264365},           {3, 0.5, 8.4143983221171599978},
                                {1.5, 10, 0.64866163194157042215},       {4.5, 0.001, 31622776601684.840464},
                                {30, 2, 9.3132743241966818287e-10},      {2, -0.5, 8.9348022005446793094},
                                {7.25, 123.0, 1.4230324117098381192e-14}};
  for (const auto& r : zeta_ref) {
    SCOPED_TRACE(r[0]);
    EXPECT_TRUE(
        close(special::zeta(tensor({r[0]}, kFloat64), tensor({r[1]}, kFloat64)), tensor({r[2]}, kFloat64), 1e-13, 0));
  }
  const double gamma_ref[][4] = {{0.5, 0.2, 0.47291074313446192633, 0.52708925686553807367},
                                 {1.0, 2.0, 0.86466471676338730811, 0.13533528323661269189},
                                 {3.5, 1.0, 0.040159631269898442883, 0.95984036873010155712},
                                 {3.5, 10.0, 0.99443031692705442866, 0.0055696830729455713361},
                                 {0.01, 0.5, 0.99437324380603281585, 0.005626756193967184147},
                                 {50.0, 45.0, 0.24680203440017027271, 0.75319796559982972729},
                                 {50.0, 60.0, 0.91559331890630817038, 0.084406681093691829623},
                                 {1000.0, 1010.0, 0.62767894473699472753, 0.37232105526300527247},
                                 {20000.0, 19000.0, 3.2368746436185901831e-13, 0.99999999999967631254}};
  for (const auto& r : gamma_ref) {
    SCOPED_TRACE(r[0]);
    const Tensor a = tensor({r[0]}, kFloat64), x = tensor({r[1]}, kFloat64);
    EXPECT_TRUE(close(special::gammainc(a, x), tensor({r[2]}, kFloat64), 1e-12, 0));
    EXPECT_TRUE(close(special::gammaincc(a, x), tensor({r[3]}, kFloat64), 1e-11, 0));
    EXPECT_TRUE(close(igamma(a, x), special::gammainc(a, x), 0, 0));
    EXPECT_TRUE(close(igammac(a, x), special::gammaincc(a, x), 0, 0));
  }
  // Closed forms: P(1, x) = 1 - e^-x, P(1/2, x) = erf(sqrt x); polygamma is a zeta.
  const Tensor x = tensor({0.01, 0.3, 1.0, 2.5, 7.0, 30.0}, kFloat64);
  EXPECT_TRUE(close(special::gammainc(1.0, x), -expm1(-x), 1e-14, 0));
  EXPECT_TRUE(close(special::gammainc(0.5, x), erf(sqrt(x)), 1e-14, 0));
  EXPECT_TRUE(close(special::gammainc(x, 2.0) + special::gammaincc(x, 2.0), ones_like(x), 1e-15, 0));
  EXPECT_TRUE(close(special::zeta(4.0, x) * 6.0, polygamma(3, x), 1e-12, 0));
  // Edge values as PyTorch's (Cephes') definitions.
  const double inf = INFINITY, nan = NAN;
  EXPECT_TRUE(close(special::zeta(tensor({1.0, 0.5, 2.0, 2.5}, kFloat64), tensor({1.0, 1.0, -2.0, -1.5}, kFloat64)),
                    tensor({inf, nan, inf, nan}, kFloat64), 0, 0));
  EXPECT_TRUE(close(special::gammainc(tensor({0.0, 0.0, 2.0, -1.0, inf, 1.0}, kFloat64),
                                      tensor({0.0, 1.0, 0.0, 1.0, 3.0, inf}, kFloat64)),
                    tensor({nan, 1.0, 0.0, nan, 0.0, 1.0}, kFloat64), 0, 0));
}

TEST(Special, DTypesLayoutsAndBroadcasting) {
  Generator gen(3);
  const Tensor base = rand({6, 8}, gen, TensorOptions(kFloat64)) * 0.8 + 0.1;  // in every function's domain
  for (const auto& [name, fn] : unary_functions()) {
    SCOPED_TRACE(name);
    const Tensor expected = fn(base);
    const Tensor layouts[] = {base.t(), base.slice(1, 0, 8, 2), base.select(1, 3).unsqueeze(1).expand({6, 5})};
    const Tensor wanted[] = {expected.t(), expected.slice(1, 0, 8, 2),
                             expected.select(1, 3).unsqueeze(1).expand({6, 5})};
    // (Contiguous runs may take a vector form, an ulp from the scalar one: of a term, near a zero
    // such as Y_0's at 0.89, which is 1e-16 absolute.)
    for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(close(fn(layouts[i]), wanted[i], 1e-15, 2e-16));
    for (DType dt : {kFloat32, kFloat16, kBFloat16}) {
      const Tensor y = fn(base.to(dt));
      EXPECT_EQ(y.dtype(), dt);
      // Computed in double, then rounded: within the dtype's rounding of the exact value.
      const double tol = dt == kFloat32 ? 1e-6 : dt == kFloat16 ? 1e-3 : 8e-3;
      EXPECT_TRUE(close(y, fn(base.to(dt).to(kFloat64)), tol, 1e-6));
    }
  }
  // Integer and bool inputs compute in the default dtype.
  EXPECT_EQ(special::bessel_j0(tensor(std::vector<int64_t>{1, 2})).dtype(), kFloat32);
  EXPECT_EQ(special::zeta(tensor(std::vector<int64_t>{2, 3}), 1).dtype(), kFloat32);
  // Broadcasting and number operands.
  const Tensor s = tensor({2.0, 3.0, 4.0}, kFloat64).view({3, 1}), q = tensor({0.5, 1.0}, kFloat64);
  const Tensor z = special::zeta(s, q);
  EXPECT_EQ(z.sizes(), Shape({3, 2}));
  EXPECT_TRUE(close(special::zeta(s, 1.0), z.select(1, 1).unsqueeze(1), 0, 0));
  EXPECT_TRUE(close(special::zeta(2.0, q), z.select(0, 0), 0, 0));
}

TEST(Special, AliasesEntrMvlgammaAndRound) {
  const Tensor x = tensor({0.2, 0.9, 1.7, 3.0}, kFloat64);
  EXPECT_TRUE(close(special::expit(x), sigmoid(x), 0, 0));
  EXPECT_TRUE(close(special::gammaln(x), lgamma(x), 0, 0));
  EXPECT_TRUE(close(special::psi(x), digamma(x), 0, 0));
  EXPECT_TRUE(close(special::modified_bessel_i1(x), i1(x), 0, 0));
  EXPECT_TRUE(close(special::softmax(x, 0), softmax(x, 0), 0, 0));
  EXPECT_TRUE(close(special::logsumexp(x, {0}), logsumexp(x, {0}), 0, 0));
  EXPECT_TRUE(close(special::xlog1py(x, x), xlog1py(x, x), 0, 0));
  // entr: -x log x, 0 at 0, -inf below, NaN kept; its gradient -(log x + 1).
  const double inf = INFINITY, nan = NAN;
  EXPECT_TRUE(close(special::entr(tensor({0.5, 0.0, -1.0, nan, 1.0}, kFloat64)),
                    tensor({-0.5 * std::log(0.5), 0.0, -inf, nan, 0.0}, kFloat64), 1e-15, 0));
  Tensor e = tgtest::leaf({0.5, 2.0});
  special::entr(e).sum().backward();
  EXPECT_TRUE(close(e.grad(), tensor({-(std::log(0.5) + 1), -(std::log(2.0) + 1)}, kFloat64), 1e-15, 0));
  // mvlgamma(x, p) = log(pi) p (p - 1) / 4 + sum_i lgamma(x - i / 2).
  const Tensor y = tensor({1.6, 2.5, 7.0}, kFloat64);
  const Tensor expected = lgamma(y) + lgamma(y - 0.5) + lgamma(y - 1.0) + std::log(M_PI) * 1.5;
  EXPECT_TRUE(close(mvlgamma(y, 3), expected, 1e-14, 0));
  EXPECT_TRUE(close(special::multigammaln(y, 1), lgamma(y), 1e-15, 0));
  // round to decimals, half to even as round itself.
  EXPECT_TRUE(
      close(round(tensor({1.2345, -2.5, 1234.5}, kFloat64), 2), tensor({1.23, -2.5, 1234.5}, kFloat64), 1e-15, 0));
  EXPECT_TRUE(
      close(round(tensor({1234.5, 1250.0, -1351.0}, kFloat64), -2), tensor({1200.0, 1200.0, -1400.0}, kFloat64), 0, 0));
  EXPECT_TRUE(close(special::round(x), round(x), 0, 0));
}

TEST(Special, Errors) {
  EXPECT_THROW_WITH(special::bessel_j0(Tensor()), Error, "special.bessel_j0");
  EXPECT_THROW_WITH(special::zeta(tensor({2.0}), Tensor()), Error, "special.zeta");
  EXPECT_THROW_WITH(special::zeta(ones({2}), ones({3})), Error, "special.zeta");
  EXPECT_THROW_WITH(special::gammainc(ones({2, 3}), ones({4})), Error, "[2, 3]");
  EXPECT_THROW_WITH(mvlgamma(tensor({0.9, 2.0}), 3), ValueError, "greater than (p-1)/2 = 1");
  EXPECT_THROW_WITH(mvlgamma(tensor({2.0}), 0), ValueError, "p must be at least 1");
  EXPECT_THROW_WITH(round(tensor(std::vector<int64_t>{1, 2}), 1), TypeError, "decimals needs a floating-point tensor");
  // Like PyTorch, no derivative with respect to zeta's x or gammainc's a.
  Tensor s = tgtest::leaf({2.0, 3.0}), q = tgtest::leaf({1.0, 2.0});
  EXPECT_THROW_WITH(special::zeta(s, q).sum().backward(), Error, "zeta: the derivative with respect to 'self'");
  Tensor a = tgtest::leaf({2.0}), x = tgtest::leaf({1.0});
  special::gammaincc(a.detach(), x).sum().backward();
  EXPECT_TRUE(close(x.grad(), tensor({-std::exp(-1.0)}, kFloat64), 1e-15, 0));
  EXPECT_THROW_WITH(special::gammainc(a, x).sum().backward(), Error, "gammainc: the derivative with respect to 'self'");
}
