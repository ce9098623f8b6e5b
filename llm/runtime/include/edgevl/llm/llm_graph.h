// The Qwen2-VL decoder (Qwen2 architecture with M-RoPE) as static graphs: prefill over a fixed chunk of C tokens and
// decode over 1 token, both for a fixed context length, sharing one set of weights (identical constant names).
//
// KV-cache scheme (host-owned cache, graph attends over concat(past, new)):
//  - the host's KvCache (kv_cache.h) holds, per layer, K and V as [num_kv_heads, Lctx, head_dim]; rows >= the cache
//    length are don't-care (masked);
//  - the graph reads them as inputs "past_key_{l}" / "past_value_{l}", computes the chunk's own K (after RoPE) and V,
//    attends over the Lctx + C keys concat(past, new) under the additive mask "attn_mask" [C, Lctx + C]
//    (llm_attention_mask(), attention_mask.h), and outputs the chunk's K/V as "new_key_{l}" / "new_value_{l}";
//  - after the run the host copies the valid rows of new K/V into the cache at its current length (KvCache::write).
#pragma once

#include <cstdint>
#include <string>

#include "edgevl/llm/llm_config.h"
#include "edgevl/qnn/layers.h"

namespace edgevl::llm {

/// Supplies each checkpoint tensor as a graph constant (see qnn::WeightProvider). Names are the canonical ones of spec
/// section 2 with the old `model.` / `lm_head.` prefixes, e.g. "model.layers.0.self_attn.q_proj.weight", shapes as in
/// the spec. With tie_word_embeddings the head asks for "model.embed_tokens.weight" [vocab, hidden], else
/// "lm_head.weight" [vocab, hidden].
using WeightProvider = qnn::WeightProvider;

/// Graph names used by the engine: "llm.prefill.c{chunk}" and "llm.decode".
std::string llm_prefill_graph_name(int64_t chunk);
std::string llm_decode_graph_name();

/// Builds a decoder graph over `num_tokens` rows C (the prefill chunk, or 1 for decode) for context length Lctx.
/// Inputs (float32):
///   "embeds"   [C, hidden]           token embeddings (embed_tokens rows, image rows fused; padding rows any finite value)
///   "rope_cos" / "rope_sin" [C, head_dim]  M-RoPE tables of the rows' positions (mrope_cos_sin(), mrope.h)
///   "attn_mask" [C, Lctx + C]        additive; columns 0..Lctx-1 = cache slots, Lctx.. = the chunk itself
///   "past_key_{l}" / "past_value_{l}" [num_kv_heads, Lctx, head_dim] for l < num_layers
/// Outputs (float32):
///   "logits"   [C, vocab]            every row (the dump tool needs every prompt position; the engine reads the rows it
///                                    needs)
///   "new_key_{l}" / "new_value_{l}" [num_kv_heads, C, head_dim]  the chunk's K (RoPE applied) and V
/// Per layer (spec section 5): h = x + o_proj(Attn(RMSNorm(x))), y = h + down(silu(gate(z))·up(z)), z = RMSNorm(h);
/// q/k/v linear with bias, o_proj without; rotate-half RoPE on q and k with the host's cos/sin; GQA, query head h uses KV
/// head h / group; softmax(q·kᵀ/√head_dim + mask)·v. Then the final RMSNorm and the head: untied, a FullyConnected over
/// lm_head.weight; tied, a MatMul(x, model.embed_tokens.weight, transpose_in1) named "lm_head" over the embedding
/// table itself, so lowering (which transposes FullyConnected weights into new constants) leaves the tied head on the
/// same constant and a bundle stores the table once.
/// Linear layers are FullyConnected ops (run lower_linear_to_conv2d before compiling for the HTP). Weights are requested
/// once each from `weights` and never copied by the builder.
/// Throws edgevl::Error kInvalidArgument for a bad config, num_tokens < 1 or context_length < 1; whatever the provider
/// throws for a missing tensor.
/// `mask_mode` kKeep (quantized graphs): the mask input is "attn_keep" [C, Lctx + C] (1 attend / 0 hidden) instead of
/// the additive "attn_mask"; see qnn::masked_attention.
qnn::Graph build_llm_graph(const LlmConfig& config, int64_t num_tokens, int64_t context_length,
                           const WeightProvider& weights, const std::string& graph_name,
                           qnn::MaskMode mask_mode = qnn::MaskMode::kAdditive);

}  // namespace edgevl::llm
