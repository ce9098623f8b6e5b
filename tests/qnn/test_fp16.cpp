// FP16 mode: float16 conversions, closeness to fp32, and exact agreement with a reference that rounds at tensor
// boundaries.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "edgevl/qnn/half.h"
#include "edgevl/qnn/passes.h"
#include "qnn_test_util.h"

using namespace edgevl::qnn;
using namespace qnn_test;

TEST(QnnHalf, KnownBitPatterns) {
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(-2.0f), 0xc000);
  EXPECT_EQ(float_to_half(1.0f / 3.0f), 0x3555);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_half(65520.0f), 0x7c00);  // ties to even → inf
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -25)), 0x0000);   // tie → even (0)
  EXPECT_EQ(float_to_half(std::ldexp(3.0f, -25)), 0x0002);   // tie → even (2)
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie → even
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(3.0f, -11)), 0x3c02);
  EXPECT_EQ(float_to_half(INFINITY), 0x7c00);
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(NAN))));
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(half_to_float(0x3555), 0.333251953125f);
}

TEST(QnnHalf, BulkPathMatchesScalar) {
  auto v = random_floats(4099, 7, -70000.0f, 70000.0f);
  auto small = random_floats(1000, 8, -1e-4f, 1e-4f);  // subnormal halves
  v.insert(v.end(), small.begin(), small.end());
  std::vector<uint16_t> h(v.size());
  std::vector<float> back(v.size()), r(v.size());
  float_to_half_n(v.data(), h.data(), v.size());
  half_to_float_n(h.data(), back.data(), v.size());
  round_to_half_n(v.data(), r.data(), v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    ASSERT_EQ(h[i], float_to_half(v[i])) << v[i];
    ASSERT_EQ(back[i], half_to_float(h[i]));
    ASSERT_EQ(r[i], back[i]);
  }
}

namespace {
Graph small_mlp(const std::vector<float>& w1, const std::vector<float>& b1, const std::vector<float>& w2) {
  GraphBuilder b("mlp");
  auto x = b.input("x", {4, 32});
  auto h = b.gelu(b.fully_connected(x, b.constant("w1", {64, 32}, DType::kFloat32, ConstData::from_floats(w1)),
                                    b.constant("b1", {64}, DType::kFloat32, ConstData::from_floats(b1))));
  auto g = b.constant("g", {64}, DType::kFloat32, ConstData::from_floats(random_floats(64, 5, 0.5f, 1.5f)));
  h = b.rms_norm(h, g, 1e-6f);
  b.output(b.fully_connected(h, b.constant("w2", {16, 64}, DType::kFloat32, ConstData::from_floats(w2)), std::nullopt),
           "y");
  return b.finish();
}

float q(double v) { return round_to_half(static_cast<float>(v)); }
std::vector<float> dyadic(size_t n, uint32_t seed, int denom_log2, int range) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> d(-range, range);
  std::vector<float> v(n);
  for (auto& x : v) x = std::ldexp(static_cast<float>(d(rng)), -denom_log2);
  return v;
}
}  // namespace

TEST(QnnFp16, SmallMlpWithinOnePercentOfFp32) {
  Graph g = small_mlp(random_floats(64 * 32, 1, -0.3f, 0.3f), random_floats(64, 2), random_floats(16 * 64, 3, -0.3f, 0.3f));
  auto xv = random_floats(4 * 32, 4, -2, 2);
  auto f32 = run(g, {{"x", xv}}, FloatMode::kFp32)["y"];
  auto f16 = run(g, {{"x", xv}}, FloatMode::kFp16)["y"];
  double num = 0, den = 0;
  bool differs = false;
  for (size_t i = 0; i < f32.size(); ++i) {
    num += (f16[i] - f32[i]) * (f16[i] - f32[i]);
    den += f32[i] * f32[i];
    differs = differs || f16[i] != f32[i];
    EXPECT_EQ(f16[i], round_to_half(f16[i]));  // outputs are float16 values
  }
  EXPECT_TRUE(differs);  // fp16 mode really rounds
  EXPECT_LT(std::sqrt(num / den), 1e-2);
}

// Dyadic weights and inputs make every fp32 sum exact regardless of summation order, so the emulator must equal, bit for
// bit, a loop reference that rounds weights, inputs and each op's output to float16.
TEST(QnnFp16, ExactlyEqualsBoundaryRoundingReference) {
  const int M = 5, IN = 16, H = 16, OUT = 8;
  auto xv = dyadic(M * IN, 11, 4, 16);       // multiples of 1/16 in [-1, 1]
  auto w1 = dyadic(H * IN, 12, 4, 16);
  auto b1 = dyadic(H, 13, 12, 4096);         // multiples of 2^-12 in [-1, 1]: sums ≥ 0.5 need rounding to float16
  auto w2 = dyadic(OUT * H, 14, 2, 4);       // multiples of 1/4 in [-1, 1]: second-layer sums stay within 24 bits
  std::vector<uint16_t> w1h(w1.size());
  float_to_half_n(w1.data(), w1h.data(), w1.size());  // exact: stored as a float16 constant
  const float third = 1.0f / 3.0f;
  GraphBuilder b("exact");
  auto x = b.input("x", {M, IN});
  auto h = b.relu(b.fully_connected(
      x, b.constant("w1", {H, IN}, DType::kFloat16, ConstData::copy_of(w1h.data(), w1h.size() * 2)),
      b.constant("b1", {H}, DType::kFloat32, ConstData::from_floats(b1))));
  auto y = b.fully_connected(h, b.constant("w2", {OUT, H}, DType::kFloat32, ConstData::from_floats(w2)), std::nullopt);
  b.output(y, "y");
  b.output(b.mul(y, b.constant("third", {}, DType::kFloat32, ConstData::from_floats({third}))), "y3");
  Graph g = b.finish();

  std::vector<float> ref_h(M * H), ref_y(M * OUT), ref_y3(M * OUT);
  for (int m = 0; m < M; ++m)
    for (int j = 0; j < H; ++j) {
      double s = q(b1[j]);
      for (int k = 0; k < IN; ++k) s += double(q(xv[m * IN + k])) * q(w1[j * IN + k]);
      ref_h[m * H + j] = std::max(0.0f, q(s));  // FC output rounded, then Relu (rounding a no-op)
    }
  for (int m = 0; m < M; ++m)
    for (int o = 0; o < OUT; ++o) {
      double s = 0;
      for (int j = 0; j < H; ++j) s += double(ref_h[m * H + j]) * q(w2[o * H + j]);
      ref_y[m * OUT + o] = q(s);
      ref_y3[m * OUT + o] = q(ref_y[m * OUT + o] * q(third));
    }
  bool rounding_mattered = false;
  for (int m = 0; m < M; ++m)
    for (int j = 0; j < H; ++j) {
      double s = b1[j];
      for (int k = 0; k < IN; ++k) s += double(xv[m * IN + k]) * w1[j * IN + k];
      rounding_mattered = rounding_mattered || float(s) != q(s);
    }
  EXPECT_TRUE(rounding_mattered);  // the test data exercises the boundary rounding

  for (bool lowered : {false, true}) {
    Graph gg = g;
    if (lowered) lower_linear_to_conv2d(gg);
    for (int threads : {1, 2}) {
      auto out = run(gg, {{"x", xv}}, FloatMode::kFp16, threads);
      for (size_t i = 0; i < ref_y.size(); ++i) {
        ASSERT_EQ(out["y"][i], ref_y[i]) << "lowered=" << lowered << " i=" << i;
        ASSERT_EQ(out["y3"][i], ref_y3[i]) << "lowered=" << lowered << " i=" << i;
      }
    }
  }
}
