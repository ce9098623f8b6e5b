#include "kernels/packed_weight.h"

#include <algorithm>

namespace edgevl::qnn::kernels {

namespace {
using Kind = QuantEncoding::Kind;

// Axis of a [.., K, N] (kn) or [.., N, K] (nk) weight whose trailing two dims are the matrix and leading dims are 1.
bool matrix_shape(const Tensor& t, int64_t K, int64_t N, int64_t ld, bool trans) {
  const auto& s = t.shape;
  if (s.size() < 2) return false;
  for (size_t i = 0; i + 2 < s.size(); ++i)
    if (s[i] != 1) return false;
  const int64_t rows = s[s.size() - 2], cols = s[s.size() - 1];
  return trans ? (rows == N && cols == K && ld == K) : (rows == K && cols == N && ld == N);
}
}  // namespace

std::unique_ptr<PackedWeight> pack_weight(const Tensor& t, int64_t K, int64_t N, int64_t ld, bool trans, bool round16) {
  if (t.kind != TensorKind::kConstant || K <= 0 || N <= 0 || !matrix_shape(t, K, N, ld, trans)) return nullptr;
  auto w = std::make_unique<PackedWeight>();
  w->nk = trans;
  w->data = t.data.data;
  w->K = K;
  w->N = N;
  w->ld = ld;
  const int rank = static_cast<int>(t.shape.size());
  const int n_axis = trans ? rank - 2 : rank - 1, k_axis = trans ? rank - 1 : rank - 2;
  const QuantEncoding& q = t.quant;
  if (q.kind == Kind::kNone) {
    if (t.dtype == DType::kFloat16) w->format = WeightFormat::kF16;
    else if (t.dtype == DType::kFloat32) w->format = round16 ? WeightFormat::kF32Round16 : WeightFormat::kF32;
    else return nullptr;
    return w;
  }
  if (q.axis != n_axis || static_cast<int64_t>(q.scales.size()) != N) return nullptr;
  if (q.kind == Kind::kAxisScaleOffset && t.dtype == DType::kInt8) {
    w->format = WeightFormat::kInt8;
    w->scale = q.scales;
    return w;
  }
  if (q.kind == Kind::kBlockwiseExpansion && t.dtype == DType::kInt4 && !trans && ld % 2 == 0 && N % 2 == 0 &&
      q.block_axis == k_axis && q.block_size > 0 && K % q.block_size == 0) {
    const int64_t B = K / q.block_size, half = N / 2;
    if (static_cast<int64_t>(q.block_scales.size()) != N * B) return nullptr;
    w->format = WeightFormat::kInt4Lpbq;
    w->block_size = q.block_size;
    w->scale_even.resize(static_cast<size_t>(half));
    w->scale_odd.resize(static_cast<size_t>(half));
    w->mult_even.resize(static_cast<size_t>(B * half));
    w->mult_odd.resize(static_cast<size_t>(B * half));
    for (int64_t j = 0; j < half; ++j) {
      w->scale_even[size_t(j)] = q.scales[size_t(2 * j)];
      w->scale_odd[size_t(j)] = q.scales[size_t(2 * j + 1)];
    }
    // Multipliers stored [N][B] (channel-major, QNN blocksScale8 order) → [B][N/2] per parity: a transpose, done in
    // tiles of 64 pairs of channels so that both the rows read and the rows written stay in cache.
    const uint8_t* src = q.block_scales.data();
    constexpr int64_t kTile = 64;
    for (int64_t j0 = 0; j0 < half; j0 += kTile) {
      const int64_t j1 = std::min(half, j0 + kTile);
      for (int64_t b = 0; b < B; ++b) {
        uint8_t* even = w->mult_even.data() + b * half;
        uint8_t* odd = w->mult_odd.data() + b * half;
        for (int64_t j = j0; j < j1; ++j) {
          even[j] = src[2 * j * B + b];
          odd[j] = src[(2 * j + 1) * B + b];
        }
      }
    }
    return w;
  }
  return nullptr;
}

std::optional<PackedWeight> codes_view(const Tensor& t, const uint8_t* data, int64_t K, int64_t N, int64_t ld,
                                         bool trans) {
  const QuantEncoding& q = t.quant;
  if (q.kind != Kind::kScaleOffset || q.scales.size() != 1 || q.offsets.size() != 1) return std::nullopt;
  if (t.dtype != DType::kUInt8 && t.dtype != DType::kUInt16) return std::nullopt;
  std::optional<PackedWeight> w(std::in_place);
  w->format = t.dtype == DType::kUInt8 ? WeightFormat::kUInt8Codes : WeightFormat::kUInt16Codes;
  w->nk = trans;
  w->data = data;
  w->K = K;
  w->N = N;
  w->ld = ld;
  w->code_scale = q.scales[0];
  w->code_offset = q.offsets[0];
  return w;
}

}  // namespace edgevl::qnn::kernels
