// The SIMD kernels (qnn/src/kernels/: gemv.h, dequantize.h, quantize.h) against their scalar definitions on every SIMD target
// Highway compiled in and this CPU supports: bit-identical for the kn layout on targets that fuse multiply-add, within
// float rounding of the reordered sums otherwise (dequantization always bit-identical); on shapes with tails (odd
// column counts, K not a multiple of any vector width, one row and four). The reference itself is checked against the
// emulator's own definition of a weight's values (dequantize_weight_range, half_to_float).
#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <memory>

#include "edgevl/qnn/half.h"
#include "edgevl/qnn/quant.h"
#include "kernels/dequantize.h"
#include "kernels/gemv.h"
#include "kernels/quantize.h"
#include "qnn_test_util.h"
#include "thread_pool.h"

namespace {

using namespace edgevl::qnn;
using kernels::PackedWeight;
using kernels::WeightFormat;

struct Case {
  WeightFormat format;
  bool nk;
  int64_t K, N;
  int block = 32;
};

// A constant weight of the case's format: values random, quantized with EdgeVL's own quantizers (their encodings are
// what bundles hold; quant_reference checks those quantizers against NumPy).
struct Built {
  Tensor t;
  std::vector<float> values;  // B(k, n) as the emulator defines it, [K][N]
};

Built build(const Case& c, uint32_t seed) {
  Built b;
  const auto f = qnn_test::random_floats(size_t(c.K * c.N), seed, -0.5f, 0.5f);
  b.t.name = "w";
  b.t.kind = TensorKind::kConstant;
  b.t.shape = c.nk ? std::vector<int64_t>{c.N, c.K} : std::vector<int64_t>{1, 1, c.K, c.N};
  std::vector<float> stored(f.size());  // in stored order
  if (c.format == WeightFormat::kUInt8Codes || c.format == WeightFormat::kUInt16Codes) {
    const bool u8 = c.format == WeightFormat::kUInt8Codes;
    b.t.kind = TensorKind::kActivation;
    b.t.dtype = u8 ? DType::kUInt8 : DType::kUInt16;
    b.t.quant = u8 ? symmetric_uint8_encoding(0.5f) : activation_encoding(-0.3f, 0.5f, 16);
    std::vector<uint8_t> codes(f.size() * (u8 ? 1 : 2));
    quantize_values(f.data(), f.size(), b.t.quant, b.t.dtype, codes.data());
    dequantize_values(codes.data(), f.size(), b.t.quant, b.t.dtype, stored.data());
    b.t.data = ConstData::from_bytes(std::move(codes));  // the test keeps the codes here; kernels get a pointer
  } else if (c.format == WeightFormat::kInt4Lpbq || c.format == WeightFormat::kInt8) {
    QuantizedWeight q = c.format == WeightFormat::kInt8
                            ? quantize_weight_int8(f.data(), b.t.shape, c.nk ? 0 : 3)
                            : quantize_weight_lpbq(f.data(), b.t.shape, 3, 2, c.block);
    b.t.dtype = q.dtype;
    b.t.quant = q.encoding;
    b.t.data = ConstData::from_bytes(std::move(q.bytes));
    dequantize_weight_range(b.t.data.data, b.t.dtype, b.t.quant, b.t.shape, 0, int64_t(f.size()), stored.data());
  } else if (c.format == WeightFormat::kF16) {
    std::vector<uint16_t> h(f.size());
    float_to_half_n(f.data(), h.data(), f.size());
    for (size_t i = 0; i < f.size(); ++i) stored[i] = half_to_float(h[i]);
    b.t.dtype = DType::kFloat16;
    b.t.data = ConstData::copy_of(h.data(), h.size() * 2);
  } else {
    for (size_t i = 0; i < f.size(); ++i)
      stored[i] = c.format == WeightFormat::kF32Round16 ? half_to_float(float_to_half(f[i])) : f[i];
    b.t.dtype = DType::kFloat32;
    b.t.data = ConstData::copy_of(f.data(), f.size() * 4);
  }
  b.values.resize(f.size());
  for (int64_t k = 0; k < c.K; ++k)
    for (int64_t n = 0; n < c.N; ++n)
      b.values[size_t(k * c.N + n)] = stored[size_t(c.nk ? n * c.K + k : k * c.N + n)];
  return b;
}

std::string name_of(const Case& c) {
  const char* f[] = {"f32", "f32round16", "f16", "int8", "int4lpbq", "u8codes", "u16codes"};
  return std::string(f[int(c.format)]) + (c.nk ? "_nk_" : "_kn_") + std::to_string(c.K) + "x" + std::to_string(c.N) +
         (c.format == WeightFormat::kInt4Lpbq ? "_b" + std::to_string(c.block) : "");
}

std::vector<Case> cases() {
  std::vector<Case> v;
  for (WeightFormat f : {WeightFormat::kF32, WeightFormat::kF32Round16, WeightFormat::kF16, WeightFormat::kInt8,
                         WeightFormat::kUInt8Codes, WeightFormat::kUInt16Codes}) {
    for (bool nk : {false, true}) {
      for (auto [K, N] : {std::pair<int64_t, int64_t>{1, 1}, {7, 3}, {37, 19}, {96, 129}, {200, 70}, {64, 256}})
        v.push_back({f, nk, K, N});
    }
  }
  for (int blk : {16, 32, 64})
    for (auto [K, N] : {std::pair<int64_t, int64_t>{64, 2}, {64, 34}, {128, 70}, {192, 130}, {64, 258}, {128, 512}})
      v.push_back({WeightFormat::kInt4Lpbq, false, K, N, blk});
  return v;
}

// The kernels' view of a built weight: pack_weight for constants, codes_view for per-tensor-quantized activations.
std::unique_ptr<PackedWeight> prepare(const Case& c, const Built& b) {
  const int64_t ld = c.nk ? c.K : c.N;
  if (b.t.kind == TensorKind::kActivation) {
    auto v = kernels::codes_view(b.t, b.t.data.data, c.K, c.N, ld, c.nk);
    return v ? std::make_unique<PackedWeight>(*v) : nullptr;
  }
  return kernels::pack_weight(b.t, c.K, c.N, ld, c.nk, c.format == WeightFormat::kF32Round16);
}

class GemvOnTarget : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { hwy::SetSupportedTargetsForTest(GetParam()); }
  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

TEST_P(GemvOnTarget, EqualsScalarReference) {
  const bool exact_kn = kernels::gemv_target_fuses_mul_add();
  uint32_t seed = 1;
  for (const Case& c : cases()) {
    SCOPED_TRACE(name_of(c));
    Built b = build(c, seed++);
    auto w = prepare(c, b);
    ASSERT_NE(w, nullptr);
    ASSERT_EQ(w->format, c.format);
    for (int64_t M : {int64_t{1}, int64_t{4}}) {
      const int64_t ldx = c.K + 3, ldy = c.N + 5;  // strides wider than the rows
      const auto x = qnn_test::random_floats(size_t(M * ldx), seed++);
      const auto bias = qnn_test::random_floats(size_t(c.N), seed++);
      for (const float* bp : {static_cast<const float*>(nullptr), bias.data()}) {
        std::vector<float> got(size_t(M * ldy), -7.0f), want(size_t(M * ldy), -7.0f);
        kernels::gemv_cols(x.data(), M, ldx, *w, 0, c.N, bp, got.data(), ldy);
        kernels::gemv_reference(x.data(), M, ldx, *w, 0, c.N, bp, want.data(), ldy);
        for (int64_t m = 0; m < M; ++m) {
          for (int64_t n = 0; n < ldy; ++n) {
            const size_t i = size_t(m * ldy + n);
            if (n >= c.N) {  // beyond the columns: untouched
              ASSERT_EQ(got[i], -7.0f);
              continue;
            }
            // The reference against the emulator's values of the weight: Σ|x·w| bounds the rounding of any order.
            double exact = bp ? bp[n] : 0.0, mag = bp ? std::fabs(bp[n]) : 0.0;
            for (int64_t k = 0; k < c.K; ++k) {
              const double p = double(x[size_t(m * ldx + k)]) * b.values[size_t(k * c.N + n)];
              exact += p;
              mag += std::fabs(p);
            }
            const double tol = 2e-6 * (mag + 1e-6) * std::sqrt(double(c.K) + 1.0);
            ASSERT_NEAR(want[i], exact, tol) << "reference, row " << m << " column " << n;
            if (exact_kn && !c.nk) {
              ASSERT_EQ(got[i], want[i]) << "row " << m << " column " << n;
            } else {
              ASSERT_NEAR(got[i], want[i], tol) << "row " << m << " column " << n;
            }
          }
        }
      }
    }
  }
}

TEST_P(GemvOnTarget, ColumnRangesAndThreadsGiveTheSameResult) {
  const Case c{WeightFormat::kInt4Lpbq, false, 256, 770, 32};
  Built b = build(c, 99);
  auto w = kernels::pack_weight(b.t, c.K, c.N, c.N, false, false);
  ASSERT_NE(w, nullptr);
  const auto x = qnn_test::random_floats(size_t(2 * c.K), 5);
  std::vector<float> whole(size_t(2 * c.N)), parts(size_t(2 * c.N)), pooled(size_t(2 * c.N));
  kernels::gemv_cols(x.data(), 2, c.K, *w, 0, c.N, nullptr, whole.data(), c.N);
  for (int64_t n0 = 0; n0 < c.N; n0 += 66) kernels::gemv_cols(x.data(), 2, c.K, *w, n0, std::min<int64_t>(66, c.N - n0), nullptr, parts.data(), c.N);
  ThreadPool pool(2);
  kernels::gemv(x.data(), 2, c.K, *w, nullptr, pooled.data(), c.N, &pool);
  EXPECT_EQ(parts, whole);
  EXPECT_EQ(pooled, whole);
}

TEST_P(GemvOnTarget, RoundsFloat32WeightsToFloat16AsHalfDoes) {
  // Ties, float16 subnormals and their boundary, the largest float16, overflow to inf, zeros and signs.
  std::vector<float> v = {1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 1e-7f, -3e-8f, 2.98e-8f, 6.1e-5f, 6.1035156e-05f,
                          -5.9604645e-08f, 65504.0f, 65519.0f, 65520.0f, -70000.0f, 0.0f, -0.0f, 0.33333334f,
                          -1234.5678f, 3.0517578e-05f, 4.5e-6f};
  const int64_t N = int64_t(v.size());
  Tensor t;
  t.name = "w";
  t.kind = TensorKind::kConstant;
  t.shape = {1, 1, 1, N};
  t.dtype = DType::kFloat32;
  t.data = ConstData::copy_of(v.data(), v.size() * 4);
  auto w = kernels::pack_weight(t, 1, N, N, false, true);
  ASSERT_NE(w, nullptr);
  const float one = 1.0f;
  std::vector<float> y(v.size());
  kernels::gemv_cols(&one, 1, 1, *w, 0, N, nullptr, y.data(), N);
  for (size_t i = 0; i < v.size(); ++i) {
    const float want = half_to_float(float_to_half(v[i]));
    EXPECT_EQ(y[i], want) << v[i];
  }
}

TEST_P(GemvOnTarget, DequantizeBlockEqualsTheEmulatorsWeightValues) {
  // dequantize_block (the GEMM path's loader) gives exactly dequantize_weight_range / half_to_float / round_to_half,
  // for sub-blocks with odd offsets and tails.
  uint32_t seed = 500;
  for (const Case& c : cases()) {
    SCOPED_TRACE(name_of(c));
    Built b = build(c, seed++);
    auto w = prepare(c, b);
    ASSERT_NE(w, nullptr);
    const int64_t step = c.format == WeightFormat::kInt4Lpbq ? 2 : 1;  // int4 columns come in byte pairs
    for (auto [k0, n0] : {std::pair<int64_t, int64_t>{0, 0}, {c.K / 3, (c.N / 3) / step * step}}) {
      const int64_t kb = c.K - k0, nb = c.N - n0;
      std::vector<float> got(size_t(kb * nb));
      kernels::dequantize_block(*w, k0, kb, n0, nb, got.data());
      for (int64_t k = 0; k < kb; ++k)
        for (int64_t n = 0; n < nb; ++n) {
          const float v = got[size_t(c.nk ? n * kb + k : k * nb + n)];
          ASSERT_EQ(v, b.values[size_t((k0 + k) * c.N + n0 + n)]) << "k " << k0 + k << " n " << n0 + n;
        }
    }
  }
}

TEST_P(GemvOnTarget, CodesEqualTheScalarDefinition) {
  // Ties (round half to even), NaN (the code of 0), ±inf and values past both ends (clamped), then random values;
  // lengths with tails. The definition's own values are checked by hand for the special ones.
  const float scale = 0.25f;
  for (int bits : {8, 16}) {
    const int32_t offset = bits == 8 ? -128 : -32768;
    std::vector<float> x = {0.625f, 0.375f, -0.625f, 0.0f, -0.0f, NAN, INFINITY, -INFINITY, 1e30f, -1e30f};
    const auto r = qnn_test::random_floats(203, uint32_t(bits), -40.0f, 40.0f);
    x.insert(x.end(), r.begin(), r.end());
    for (size_t n : {x.size(), size_t(7), size_t(1)}) {
      SCOPED_TRACE("bits " + std::to_string(bits) + ", n " + std::to_string(n));
      const size_t bytes = n * size_t(bits / 8);
      std::vector<uint8_t> got(bytes + 4, 0xAB), want(bytes + 4, 0xAB);
      kernels::quantize_codes(x.data(), n, scale, offset, bits, got.data());
      kernels::quantize_codes_reference(x.data(), n, scale, offset, bits, want.data());
      ASSERT_EQ(got, want);  // the bytes past n untouched too
      std::vector<float> back(n + 1, -7.0f), back_ref(n + 1, -7.0f);
      kernels::dequantize_codes(got.data(), n, scale, offset, bits, back.data());
      kernels::dequantize_codes_reference(got.data(), n, scale, offset, bits, back_ref.data());
      ASSERT_EQ(back, back_ref);
    }
    std::vector<uint8_t> codes(x.size() * 2);
    kernels::quantize_codes_reference(x.data(), 10, scale, offset, bits, codes.data());
    auto code = [&](size_t i) { return bits == 8 ? int64_t(codes[i]) : int64_t(reinterpret_cast<uint16_t*>(codes.data())[i]); };
    const int64_t z = -offset, top = (int64_t{1} << bits) - 1;
    EXPECT_EQ(code(0), z + 2);   // 2.5 → 2
    EXPECT_EQ(code(1), z + 2);   // 1.5 → 2
    EXPECT_EQ(code(2), z - 2);   // -2.5 → -2
    EXPECT_EQ(code(3), z);
    EXPECT_EQ(code(4), z);
    EXPECT_EQ(code(5), z);       // NaN
    EXPECT_EQ(code(6), top);
    EXPECT_EQ(code(7), 0);
    EXPECT_EQ(code(8), top);
    EXPECT_EQ(code(9), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Targets, GemvOnTarget, ::testing::ValuesIn(hwy::SupportedAndGeneratedTargets()),
                         [](const ::testing::TestParamInfo<int64_t>& i) { return std::string(hwy::TargetName(i.param)); });

TEST(PackWeight, RefusesWhatTheKernelsHaveNoPathFor) {
  // int4 LPBQ with an odd column count (bytes would split a row), a layout whose shape disagrees, an int4 nk weight.
  Case odd{WeightFormat::kInt4Lpbq, false, 64, 34, 32};
  Built b = build(odd, 3);
  EXPECT_NE(kernels::pack_weight(b.t, 64, 34, 34, false, false), nullptr);
  EXPECT_EQ(kernels::pack_weight(b.t, 34, 64, 64, false, false), nullptr);  // wrong K/N for the shape
  EXPECT_EQ(kernels::pack_weight(b.t, 64, 34, 64, true, false), nullptr);   // int4 read as nk
  Tensor act = b.t;
  act.kind = TensorKind::kActivation;
  EXPECT_EQ(kernels::pack_weight(act, 64, 34, 34, false, false), nullptr);
  Tensor i32 = b.t;
  i32.quant = QuantEncoding{};
  i32.dtype = DType::kInt32;
  EXPECT_EQ(kernels::pack_weight(i32, 64, 34, 34, false, false), nullptr);
}

}  // namespace
