// Small model-agnostic building blocks shared by model graph builders (vision/, llm/): the weight-provider contract,
// linear layers fed by it, rotate-half RoPE with host-computed tables, and masked scaled-dot-product attention.
// Each helper only composes GraphBuilder ops; nothing here knows a model family.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "edgevl/qnn/graph_builder.h"

namespace edgevl::qnn {

/// Supplies a named weight as a graph constant: must return the id of a kConstant tensor added to the builder, named
/// `name`, of exactly `shape` (its bytes row-major; a checkpoint tensor of another shape but the same element count is
/// reinterpreted), dtype float32 or float16, or int8 / int4 with a per-channel (w8) or LPBQ encoding (a quantizing
/// provider; the linear layers' weights then reach lower_linear_to_conv2d quantized). Providers backed by a checkpoint or bundle should return views
/// (ConstData::view) so that building a graph copies no weight. Throws edgevl::Error kNotFound for a missing name,
/// kShapeMismatch for a wrong element count.
using WeightProvider =
    std::function<TensorId(GraphBuilder& builder, const std::string& name, const std::vector<int64_t>& shape)>;

/// Calls `weights` and checks its answer: a constant named `name`, shape `shape`, float32/float16.
/// Throws edgevl::Error kShapeMismatch (or kInvalidArgument for a non-constant) naming the tensor otherwise.
TensorId require_weight(GraphBuilder& b, const WeightProvider& weights, const std::string& name,
                        const std::vector<int64_t>& shape);

/// Linear layer `prefix`: x [..., In] · W[Out, In]ᵀ (+ b[Out]) as one "FullyConnected" op named `prefix`, with the
/// weights "<prefix>.weight" [Out, In] and, if `bias`, "<prefix>.bias" [Out] from `weights`.
TensorId linear(GraphBuilder& b, const WeightProvider& weights, TensorId x, const std::string& prefix, int64_t out_features,
                bool bias);

/// A float32 constant of shape [1] holding `value` (for scales; broadcasts against anything).
TensorId scalar_constant(GraphBuilder& b, const std::string& name, float value);

/// Rotate-half ("NeoX") rotary embedding: x·cos + rotate_half(x)·sin with rotate_half(x) = concat(−x[..., D/2:],
/// x[..., :D/2]). x [..., S, D]; cos, sin [S, D] (broadcast over the leading dims). D must be even.
TensorId apply_rotary_half(GraphBuilder& b, TensorId x, TensorId cos, TensorId sin, const std::string& name);

/// How attention hides positions.
///  - kAdditive: `mask` [S, T] is added to the scores (0 attend, a large negative value hide); exact in float.
///  - kKeep: `mask` [S, T] is a keep mask (1 attend, 0 hide) and hidden scores are replaced by the row minimum minus
///    kKeepMaskMargin: masked = fill + keep·(scores − fill), fill = min_row(scores) − margin. This is the HTP practice for
///    quantized graphs (as mllm's QNN path does): a −inf/−1e9 additive mask has no usable uint16 encoding, while every
///    tensor here keeps the range of real scores (plus the margin). exp(−16) ≈ 1.1e−7, so hidden entries quantize to
///    probability code 0 and change valid probabilities by less than one uint16 step.
enum class MaskMode { kAdditive, kKeep };
constexpr float kKeepMaskMargin = 16.0f;
/// Graph input name of a keep mask (kKeep); additive masks are called "attn_mask".
constexpr const char* kKeepMaskInput = "attn_keep";
/// Turns an additive mask (0 = attend, anything else = hidden) into a keep mask (1 / 0) in place.
void additive_mask_to_keep(std::vector<float>& mask);

/// softmax(q·kᵀ·scale (+ mask))·v over the last two axes: q [..., S, D], k [..., T, D], v [..., T, Dv] (batch dims
/// broadcast, e.g. q [kv, group, S, D] with k [kv, 1, T, D] for grouped-query attention), mask [S, T] (see MaskMode),
/// scale a [1] constant (scalar_constant). Returns [..., S, Dv].
TensorId masked_attention(GraphBuilder& b, TensorId q, TensorId k, TensorId v, TensorId mask, TensorId scale,
                          const std::string& name, MaskMode mode = MaskMode::kAdditive);

/// For tests and benchmarks: a provider that synthesises deterministic float32 weights from (seed, name): rank-1
/// tensors named "*.weight" (norm gains) get 1 + amplitude·u, every other tensor amplitude·u / sqrt(fan_in) with
/// fan_in = last dimension (1 for rank 1), u uniform in [−1, 1). Same seed and name → same values, in any graph.
WeightProvider random_weight_provider(uint64_t seed, float amplitude = 1.0f);

}  // namespace edgevl::qnn
