// Model-agnostic graph building blocks (layers.h).
#include "edgevl/qnn/layers.h"

#include <cmath>
#include <utility>

#include "edgevl/error.h"

namespace edgevl::qnn {

TensorId require_weight(GraphBuilder& b, const WeightProvider& weights, const std::string& name,
                        const std::vector<int64_t>& shape) {
  if (!weights) throw Error(ErrorCode::kInvalidArgument, "weight provider is empty (asked for '" + name + "')");
  const TensorId id = weights(b, name, shape);
  const Tensor& t = b.tensor(id);
  if (t.kind != TensorKind::kConstant)
    throw Error(ErrorCode::kInvalidArgument, "weight provider returned a non-constant tensor for '" + name + "'");
  if (t.name != name)
    throw Error(ErrorCode::kInvalidArgument, "weight provider returned tensor '" + t.name + "' for '" + name + "'");
  if (t.shape != shape)
    throw Error(ErrorCode::kShapeMismatch, "weight '" + name + "' has shape " + shape_to_string(t.shape) + ", expected " +
                                               shape_to_string(shape));
  const bool quantized_weight = (t.dtype == DType::kInt8 || t.dtype == DType::kInt4) &&
                                (t.quant.kind == QuantEncoding::Kind::kAxisScaleOffset ||
                                 t.quant.kind == QuantEncoding::Kind::kBlockwiseExpansion);
  if (t.dtype != DType::kFloat32 && t.dtype != DType::kFloat16 && !quantized_weight)
    throw Error(ErrorCode::kShapeMismatch, "weight '" + name + "' has dtype " + dtype_name(t.dtype) +
                                               ", expected float32, float16 or a per-channel int8/int4 weight");
  return id;
}

TensorId linear(GraphBuilder& b, const WeightProvider& weights, TensorId x, const std::string& prefix,
                int64_t out_features, bool bias) {
  const int64_t in_features = b.shape(x).back();
  const TensorId w = require_weight(b, weights, prefix + ".weight", {out_features, in_features});
  std::optional<TensorId> bias_id;
  if (bias) bias_id = require_weight(b, weights, prefix + ".bias", {out_features});
  return b.fully_connected(x, w, bias_id, prefix);
}

TensorId scalar_constant(GraphBuilder& b, const std::string& name, float value) {
  return b.constant(name, {1}, DType::kFloat32, ConstData::from_floats({value}));
}

TensorId apply_rotary_half(GraphBuilder& b, TensorId x, TensorId cos, TensorId sin, const std::string& name) {
  const std::vector<int64_t>& shape = b.shape(x);
  const int64_t rank = static_cast<int64_t>(shape.size());
  const int64_t d = shape.back();
  if (d % 2 != 0)
    throw Error(ErrorCode::kShapeMismatch, "rotary '" + name + "': last dim " + std::to_string(d) + " is odd");
  std::vector<int64_t> begin(rank, 0), mid(shape), end(shape);
  mid[rank - 1] = d / 2;
  std::vector<int64_t> begin2(rank, 0);
  begin2[rank - 1] = d / 2;
  const TensorId x1 = b.strided_slice(x, begin, mid, {}, name + ".x1");
  const TensorId x2 = b.strided_slice(x, begin2, end, {}, name + ".x2");
  const TensorId rotated = b.concat({b.neg(x2, name + ".neg_x2"), x1}, -1, name + ".rotated");
  return b.add(b.mul(x, cos, name + ".xcos"), b.mul(rotated, sin, name + ".rsin"), name);
}

void additive_mask_to_keep(std::vector<float>& mask) {
  for (float& m : mask) m = m == 0.0f ? 1.0f : 0.0f;
}

TensorId masked_attention(GraphBuilder& b, TensorId q, TensorId k, TensorId v, TensorId mask, TensorId scale,
                          const std::string& name, MaskMode mode) {
  const TensorId scores = b.matmul(q, k, false, true, name + ".qk");
  const TensorId scaled = b.mul(scores, scale, name + ".scaled");
  TensorId masked;
  if (mode == MaskMode::kAdditive) {
    masked = b.add(scaled, mask, name + ".masked");
  } else {
    const TensorId neg = b.neg(scaled, name + ".neg_scores");
    const TensorId row_min = b.neg(b.reduce_max(neg, {-1}, true, name + ".neg_row_max"), name + ".row_min");
    const TensorId margin = scalar_constant(b, name + ".margin", kKeepMaskMargin);
    const TensorId fill = b.sub(row_min, margin, name + ".fill");
    const TensorId kept = b.mul(b.sub(scaled, fill, name + ".above_fill"), mask, name + ".kept");
    masked = b.add(kept, fill, name + ".masked");
  }
  const TensorId probs = b.softmax(masked, -1, name + ".probs");
  return b.matmul(probs, v, false, false, name);
}

namespace {

uint64_t fnv1a(const std::string& s, uint64_t h) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

WeightProvider random_weight_provider(uint64_t seed, float amplitude) {
  return [seed, amplitude](GraphBuilder& b, const std::string& name, const std::vector<int64_t>& shape) -> TensorId {
    const int64_t n = num_elements(shape);
    uint64_t state = fnv1a(name, 1469598103934665603ull ^ seed);
    const bool gain = shape.size() == 1 && ends_with(name, ".weight");
    const double fan_in = shape.size() >= 2 ? static_cast<double>(shape.back()) : 1.0;
    const double a = amplitude / std::sqrt(fan_in);
    std::vector<float> values(static_cast<size_t>(n));
    for (auto& v : values) {
      const double u = static_cast<double>(splitmix64(state) >> 11) * (2.0 / 9007199254740992.0) - 1.0;  // [-1, 1)
      v = static_cast<float>(gain ? 1.0 + amplitude * u : a * u);
    }
    return b.constant(name, shape, DType::kFloat32, ConstData::from_floats(std::move(values)));
  };
}

}  // namespace edgevl::qnn
