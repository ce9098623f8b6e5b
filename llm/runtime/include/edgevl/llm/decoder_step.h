// One run of a decoder graph (prefill chunk or decode) against the host KV cache: the glue between the host-side
// pieces (M-RoPE tables, attention mask, KvCache) and an executable built from build_llm_graph().
#pragma once

#include <vector>

#include "edgevl/llm/kv_cache.h"
#include "edgevl/llm/llm_config.h"
#include "edgevl/llm/mrope.h"
#include "edgevl/qnn/emulator.h"

namespace edgevl::llm {

/// Runs `exe` (a graph of build_llm_graph(config, C, cache.context_length(), …)) over n_valid = positions.size() tokens:
/// embeds [n_valid, hidden] are zero-padded to the graph's C rows, the M-RoPE tables and the mask
/// (llm_attention_mask(cache.length(), n_valid, C, Lctx)) are built, the run reads the cache as past K/V, then the new
/// K/V rows [0, n_valid) are written into the cache and committed. logits receives [C, vocab] (rows ≥ n_valid are
/// finite but meaningless).
/// Throws edgevl::Error kInvalidArgument (n_valid outside [1, C], null pointers), kShapeMismatch (graph and
/// config/cache disagree), kContextOverflow (cache full); on error the cache is unchanged.
void run_decoder_step(qnn::Executable& exe, const LlmConfig& config, const float* embeds,
                      const std::vector<MropePosition>& positions, KvCache& cache, float* logits);

}  // namespace edgevl::llm
