// Bitwise ops, gcd and lcm: every op and integer dtype against a reference in 64-bit arithmetic wrapped to the
// type's width, PyTorch's shift rules at out-of-range counts, bool tensors, promotion, number and
// reversed forms, in-place forms and operators, layouts, and the errors.
#include <cstdint>
#include <limits>
#include <numeric>

#include "test_util.h"

using namespace tg;
using tgtest::vals;

namespace {

// The value of a 64-bit result as the `bits`-wide integer it is stored in.
int64_t wrap(uint64_t v, int bits, bool is_signed) {
  if (bits == 64) return static_cast<int64_t>(v);
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  v &= mask;
  if (is_signed && (v >> (bits - 1))) return static_cast<int64_t>(v | ~mask);
  return static_cast<int64_t>(v);
}

int64_t reference(const std::string& op, int64_t a, int64_t b, int bits, bool is_signed) {
  const auto ua = static_cast<uint64_t>(a), ub = static_cast<uint64_t>(b);
  if (op == "and") return wrap(ua & ub, bits, is_signed);
  if (op == "or") return wrap(ua | ub, bits, is_signed);
  if (op == "xor") return wrap(ua ^ ub, bits, is_signed);
  if (op == "gcd" || op == "lcm") {
    // On the magnitudes (|min| exists in uint64); lcm is |a / gcd * b| of the product wrapped to the width.
    const auto magnitude = [](int64_t v) {
      return v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    };
    const uint64_t g = std::gcd(magnitude(a), magnitude(b));
    if (op == "gcd") return wrap(g, bits, is_signed);
    if (g == 0) return 0;
    const int64_t w = wrap(magnitude(a) / g * magnitude(b), bits, is_signed);
    return wrap(magnitude(w), bits, is_signed);
  }
  // Shift counts are read as the signed integer of the same width (PyTorch's rule).
  const int64_t count = wrap(ub, bits, true);
  if (op == "lshift") return count < 0 || count >= bits ? 0 : wrap(ua << count, bits, is_signed);
  // Arithmetic right shift: an unsigned value is non-negative, a signed one fills with its sign.
  const int max_shift = bits - (is_signed ? 1 : 0);
  const int64_t n = count < 0 || count >= max_shift ? max_shift : count;
  if (n >= 64) return 0;
  return a < 0 ? ~(~a >> n) : a >> n;
}

Tensor apply(const std::string& op, const Tensor& a, const Tensor& b) {
  if (op == "and") return a & b;
  if (op == "or") return a | b;
  if (op == "xor") return a ^ b;
  if (op == "gcd") return gcd(a, b);
  if (op == "lcm") return lcm(a, b);
  if (op == "lshift") return bitwise_left_shift(a, b);
  return bitwise_right_shift(a, b);
}

}  // namespace

TEST(Bitwise, EveryOpAndIntegerDtypeMatchesTheReference) {
  struct Type {
    DType dtype;
    int bits;
    bool is_signed;
  };
  const Type types[] = {
      {kUInt8, 8, false}, {kInt8, 8, true}, {kInt16, 16, true}, {kInt32, 32, true}, {kInt64, 64, true}};
  Generator gen(7);
  for (const Type& t : types) {
    // Values over the type's range, and shift counts in and just past [0, bits) with negatives.
    const int64_t lo = t.is_signed ? -(int64_t{1} << std::min(t.bits - 1, 40)) : 0;
    const int64_t hi = t.is_signed ? (int64_t{1} << std::min(t.bits - 1, 40)) : 256;
    const Tensor a = randint(lo, hi, {5, 12}, gen, t.dtype);
    const Tensor b = randint(lo, hi, {5, 12}, gen, t.dtype);
    const Tensor counts = randint(t.is_signed ? -3 : 0, t.bits + 3, {5, 12}, gen, t.dtype);
    for (const std::string op : {"and", "or", "xor", "gcd", "lcm", "lshift", "rshift"}) {
      const bool shift = op == "lshift" || op == "rshift";
      const Tensor& rhs = shift ? counts : b;
      // Contiguous, transposed and broadcast (one row against every row) operands.
      const std::pair<Tensor, Tensor> layouts[] = {
          {a, rhs}, {a.t(), rhs.t()}, {a, rhs.slice(0, 0, 1)}, {a.slice(1, 0, 12, 2), rhs.slice(1, 1, 12, 2)}};
      for (const auto& [x, y] : layouts) {
        const Tensor out = apply(op, x, y);
        ASSERT_EQ(out.dtype(), t.dtype);
        const auto xv = x.expand(out.sizes()).contiguous().to_vector<int64_t>();
        const auto yv = y.expand(out.sizes()).contiguous().to_vector<int64_t>();
        const auto ov = out.to_vector<int64_t>();
        for (size_t i = 0; i < ov.size(); ++i)
          ASSERT_EQ(ov[i], reference(op, xv[i], yv[i], t.bits, t.is_signed))
              << op << " " << name(t.dtype) << ": " << xv[i] << ", " << yv[i];
      }
    }
  }
}

TEST(Bitwise, ShiftsAtTheEdgesOfTheWidth) {
  const Tensor x = tensor({-5, 5, -1, 1}, kInt64);
  EXPECT_EQ(bitwise_left_shift(x, 63).to_vector<int64_t>(),
            (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min(),
                                  std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::min()}));
  EXPECT_EQ(vals(bitwise_left_shift(x, 64)), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(vals(bitwise_left_shift(x, -1)), (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(vals(bitwise_right_shift(x, 64)), (std::vector<double>{-1, 0, -1, 0}));
  EXPECT_EQ(vals(bitwise_right_shift(x, -2)), (std::vector<double>{-1, 0, -1, 0}));
  EXPECT_EQ(vals(bitwise_right_shift(x, 1)), (std::vector<double>{-3, 2, -1, 0}));
  const Tensor u = tensor({200, 1}, kUInt8);
  EXPECT_EQ(vals(bitwise_left_shift(u, 1)), (std::vector<double>{144, 2}));
  EXPECT_EQ(vals(bitwise_right_shift(u, 8)), (std::vector<double>{0, 0}));
  EXPECT_EQ(vals(bitwise_right_shift(u, 7)), (std::vector<double>{1, 0}));
}

TEST(Bitwise, BoolTensorsAreLogical) {
  const Tensor p = tensor({true, true, false, false}), q = tensor({true, false, true, false});
  EXPECT_EQ((p & q).dtype(), kBool);
  EXPECT_EQ(vals(p & q), (std::vector<double>{1, 0, 0, 0}));
  EXPECT_EQ(vals(p | q), (std::vector<double>{1, 1, 1, 0}));
  EXPECT_EQ(vals(p ^ q), (std::vector<double>{0, 1, 1, 0}));
  EXPECT_EQ(vals(~p), (std::vector<double>{0, 0, 1, 1}));
  EXPECT_EQ(vals(p & true), (std::vector<double>{1, 1, 0, 0}));
  Tensor r = p.clone();
  r.bitwise_not_();
  EXPECT_EQ(vals(r), (std::vector<double>{0, 0, 1, 1}));
  r ^= q;
  EXPECT_EQ(vals(r), (std::vector<double>{1, 0, 0, 1}));
}

TEST(Bitwise, NotFlipsEveryBit) {
  EXPECT_EQ(vals(~tensor({0, 5, -6}, kInt64)), (std::vector<double>{-1, -6, 5}));
  EXPECT_EQ(vals(bitwise_not(tensor({0, 5, 255}, kUInt8))), (std::vector<double>{255, 250, 0}));
  EXPECT_EQ(vals(tensor({127, -128}, kInt8).bitwise_not()), (std::vector<double>{-128, 127}));
  Tensor x = tensor({1, 2, 3}, kInt32).t();
  x.bitwise_not_();
  EXPECT_EQ(vals(x), (std::vector<double>{-2, -3, -4}));
  EXPECT_EQ(x.dtype(), kInt32);
}

TEST(Bitwise, PromotionNumbersAndReversedForms) {
  const Tensor i8 = tensor({-1, 6}, kInt8), i32 = tensor({3, 3}, kInt32), u8 = tensor({255, 6}, kUInt8);
  EXPECT_EQ((i8 & i32).dtype(), kInt32);
  EXPECT_EQ(vals(i8 & i32), (std::vector<double>{3, 2}));
  EXPECT_EQ((u8 | i8).dtype(), kInt16);  // uint8 with int8, as in PyTorch
  EXPECT_EQ(vals(u8 | i8), (std::vector<double>{-1, 6}));
  EXPECT_EQ((i8 ^ 1).dtype(), kInt8);  // a number does not widen a tensor of its kind
  EXPECT_EQ(vals(i8 ^ 1), (std::vector<double>{-2, 7}));
  const Tensor flags = tensor({true, false});
  EXPECT_EQ((flags | 2).dtype(), kInt64);  // bool with an integer number: int64, as in PyTorch
  EXPECT_EQ(vals(flags | 2), (std::vector<double>{3, 2}));
  EXPECT_EQ(vals(bitwise_left_shift(1, tensor({0, 3, 10}, kInt32))), (std::vector<double>{1, 8, 1024}));
  EXPECT_EQ(bitwise_left_shift(1, tensor({0}, kInt32)).dtype(), kInt32);
  EXPECT_EQ(vals(bitwise_and(12, tensor({10, 6}, kInt64))), (std::vector<double>{8, 4}));
  // A 0-dim tensor promotes as a number does.
  EXPECT_EQ((i8 & tensor(3, kInt64)).dtype(), kInt8);
}

TEST(Bitwise, InPlaceFormsAndOperators) {
  Tensor x = tensor({12, 10}, kInt64);
  x &= tensor({10, 12}, kInt64);
  EXPECT_EQ(vals(x), (std::vector<double>{8, 8}));
  x |= 3;
  EXPECT_EQ(vals(x), (std::vector<double>{11, 11}));
  x ^= tensor({1}, kInt64);
  EXPECT_EQ(vals(x), (std::vector<double>{10, 10}));
  x.bitwise_left_shift_(2);
  EXPECT_EQ(vals(x), (std::vector<double>{40, 40}));
  bitwise_right_shift_(x, tensor({1, 3}, kInt32));
  EXPECT_EQ(vals(x), (std::vector<double>{20, 5}));
  EXPECT_EQ(x.dtype(), kInt64);
  // int8 takes an int64 result, as PyTorch's in-place ops do; the view writes through.
  Tensor m = tensor({1, 2, 3, 4}, kInt8).view({2, 2});
  m.t().bitwise_or_(tensor({16, 32}, kInt64));
  EXPECT_EQ(vals(m), (std::vector<double>{17, 18, 35, 36}));
  // Reading from the tensor being written.
  Tensor y = tensor({1, 2, 4, 8}, kInt64);
  y ^= y.flip({0});
  EXPECT_EQ(vals(y), (std::vector<double>{9, 6, 6, 9}));
  const auto version = y.version();
  y &= 1;
  EXPECT_GT(y.version(), version);
}

TEST(Bitwise, GcdAndLcm) {
  const Tensor a = tensor({12, -18, 0, 0, 7, -4}, kInt64), b = tensor({18, 12, 5, 0, -13, -6}, kInt64);
  EXPECT_EQ(vals(gcd(a, b)), (std::vector<double>{6, 6, 5, 0, 1, 2}));
  EXPECT_EQ(vals(lcm(a, b)), (std::vector<double>{36, 36, 0, 0, 91, 12}));
  EXPECT_EQ(vals(a.gcd(4)), (std::vector<double>{4, 2, 4, 4, 1, 4}));
  EXPECT_EQ(vals(gcd(30, tensor({12, 7}, kInt32))), (std::vector<double>{6, 1}));
  EXPECT_EQ(gcd(tensor({12}, kInt32), tensor({18}, kInt64)).dtype(), kInt64);
  Tensor c = a.clone();
  c.lcm_(tensor({5}, kInt64));
  EXPECT_EQ(vals(c), (std::vector<double>{60, 90, 0, 0, 35, 20}));
  // |min| wraps to min, as in PyTorch.
  EXPECT_EQ(gcd(tensor({std::numeric_limits<int64_t>::min()}, kInt64), 0).item<int64_t>(),
            std::numeric_limits<int64_t>::min());
  EXPECT_THROW_WITH(gcd(tensor({1.0f}), tensor({2.0f})), TypeError,
                    "gcd: needs integer operands, got float32 and float32");
  EXPECT_THROW_WITH(lcm(tensor({true}), tensor({false})), TypeError, "lcm: needs integer operands, got bool and bool");
  EXPECT_THROW_WITH(gcd(tensor({4}, kInt64), 1.5), TypeError,
                    "gcd: needs integer operands, got int64 and a floating-point number");
}

TEST(Bitwise, ErrorsNameTheOpAndTheDtypes) {
  const Tensor f = tensor({1.0f, 2.0f}), i = tensor({1, 2}, kInt64), b = tensor({true, false});
  EXPECT_THROW_WITH(f & i, TypeError, "bitwise_and: needs bool or integer operands, got float32 and int64");
  EXPECT_THROW_WITH(i | 1.5, TypeError, "bitwise_or: needs bool or integer operands, got int64 and a floating-point number");
  EXPECT_THROW_WITH(bitwise_left_shift(b, b), TypeError,
                    "bitwise_left_shift: needs integer operands, got bool and bool");
  EXPECT_THROW_WITH(bitwise_right_shift(f, 1), TypeError, "bitwise_right_shift: needs integer operands");
  EXPECT_THROW_WITH(~f, TypeError, "bitwise_not: needs a bool or integer tensor, got float32");
  EXPECT_THROW_WITH(f.bitwise_not_(), TypeError, "bitwise_not_: needs a bool or integer tensor");
  EXPECT_THROW_WITH(i & tensor({1, 2, 3}, kInt64), Error, "bitwise_and");
  Tensor flags = b.clone();
  EXPECT_THROW_WITH(flags &= i, TypeError, "bitwise_and_: the result type int64 can't be cast to the tensor's dtype bool");
  Tensor row = tensor({1, 2}, kInt64);
  EXPECT_THROW_WITH(row |= tensor({{1, 2}, {3, 4}}, kInt64), Error,
                    "bitwise_or_: the result of broadcasting shapes [2] and [2, 2] does not fit the tensor's shape [2]");
  EXPECT_THROW_WITH(bitwise_xor(Tensor(), i), Error, "bitwise_xor");
}
