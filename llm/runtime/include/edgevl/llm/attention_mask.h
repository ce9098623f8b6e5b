// The additive attention mask of the decoder graphs (llm_graph.h).
#pragma once

#include <cstdint>
#include <vector>

namespace edgevl::llm {

/// Additive mask value for "may not attend": finite, exp() of it underflows to exactly 0 in float32 (float16 rounding
/// turns it into -inf, still without NaN because every row keeps its own diagonal entry unmasked).
inline constexpr float kLlmMaskedOut = -1e9f;

/// Mask [chunk, context_length + chunk] (row-major) for a run over `chunk` rows of which the first n_valid are real
/// tokens, with past_length tokens already in the cache. Row i may attend to cache columns j < past_length and to chunk
/// columns context_length + j for j ≤ i (causal); everything else is kLlmMaskedOut. Padding rows (i ≥ n_valid) follow
/// the same rule: they see their own entry, so their softmax is finite, and no valid row sees them.
/// Throws edgevl::Error kInvalidArgument if chunk < 1, n_valid outside [1, chunk], past_length < 0;
/// kContextOverflow if past_length + n_valid > context_length.
std::vector<float> llm_attention_mask(int64_t past_length, int64_t n_valid, int64_t chunk, int64_t context_length);

}  // namespace edgevl::llm
