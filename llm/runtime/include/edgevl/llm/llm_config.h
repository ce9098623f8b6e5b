// Hyper-parameters of a Qwen2-style decoder (Qwen2-VL's text model) as plain numbers, so that llm/ does not depend on
// the config parsing in models/.
#pragma once

#include <array>

namespace edgevl::llm {

struct LlmConfig {
  int hidden = 1536;                          ///< hidden_size
  int intermediate = 8960;                    ///< MLP width (gate/up output)
  int num_layers = 28;
  int num_heads = 12;                         ///< query heads
  int num_kv_heads = 2;                       ///< key/value heads (GQA: query head h uses KV head h / (heads/kv_heads))
  int head_dim = 128;                         ///< hidden / num_heads for Qwen2-VL
  int vocab_size = 151936;
  float rms_eps = 1e-6f;                      ///< RMSNorm epsilon
  float rope_theta = 1e6f;                    ///< RoPE base
  std::array<int, 3> mrope_section{16, 24, 24};  ///< M-RoPE frequencies per axis (t, h, w); sums to head_dim/2
  bool tie_word_embeddings = true;            ///< lm_head = embed_tokens

  int group_size() const { return num_heads / num_kv_heads; }

  /// Throws edgevl::Error kInvalidArgument naming the field when a value is non-positive or inconsistent (num_heads not
  /// a multiple of num_kv_heads, odd head_dim, mrope_section not summing to head_dim/2 or with a negative entry).
  void validate() const;

  /// Qwen2-VL-2B-Instruct's text model (spec section 1).
  static LlmConfig qwen2vl_2b() { return LlmConfig{}; }
};

}  // namespace edgevl::llm
