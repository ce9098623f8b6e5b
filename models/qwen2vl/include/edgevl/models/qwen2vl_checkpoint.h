// A Qwen2-VL Hugging Face model directory opened for reading: config.json, generation_config.json and the safetensors
// weights (single file or sharded), every expected tensor found and its shape checked against the config.
//
// Canonical tensor names are the older transformers convention: `visual.*` (vision tower), `model.*` (language model),
// `lm_head.weight`. Checkpoints saved by newer transformers spell them `model.visual.*` and `model.language_model.*`;
// both are accepted and looked up through the canonical name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/models/generation_config.h"
#include "edgevl/models/qwen2vl_config.h"
#include "edgevl/qnn/safetensors.h"

namespace edgevl::models {

/// One tensor a Qwen2-VL checkpoint must hold.
struct ExpectedTensor {
  std::string name;            ///< canonical name, e.g. "model.layers.0.self_attn.q_proj.weight"
  std::vector<int64_t> shape;  ///< e.g. [1536, 1536]
};

/// The tensors of a Qwen2-VL checkpoint for `config`, canonical names, in a fixed order: vision (patch_embed, blocks
/// 0..depth-1: norm1.{weight,bias}, attn.qkv.{weight,bias}, attn.proj.{weight,bias}, norm2.{weight,bias},
/// mlp.fc1.{weight,bias}, mlp.fc2.{weight,bias}; merger.ln_q.{weight,bias}, merger.mlp.0.{weight,bias},
/// merger.mlp.2.{weight,bias}), then text (embed_tokens, layers 0..L-1: input_layernorm, q/k/v_proj weight+bias,
/// o_proj weight, post_attention_layernorm, mlp.gate_proj/up_proj/down_proj; norm), then lm_head.weight
/// [vocab, hidden] only if `include_lm_head`. At the 2B config: 729 tensors (without lm_head), 2,208,985,600 elements.
/// Shapes: patch_embed.proj.weight [embed, in_ch, temporal, patch, patch]; qkv [3*embed, embed]; fc1 [mlp, embed];
/// merger.mlp.0 [merged, merged]; merger.mlp.2 [hidden_text, merged]; q_proj [hidden, hidden];
/// k_proj/v_proj [kv_heads*head_dim, hidden]; gate/up [intermediate, hidden]; down [hidden, intermediate].
std::vector<ExpectedTensor> qwen2vl_expected_tensors(const Qwen2VLConfig& config, bool include_lm_head);

/// Tensor-name spelling of a checkpoint.
enum class TensorNaming {
  kLegacy,  ///< visual.*, model.*, lm_head.*  (Qwen2-VL-2B-Instruct as published)
  kNested,  ///< model.visual.*, model.language_model.*, lm_head.*  (saved by newer transformers)
};

/// `canonical` (legacy spelling) in the given convention.
std::string qwen2vl_tensor_name(const std::string& canonical, TensorNaming naming);

class Qwen2VLCheckpoint {
 public:
  /// Opens the model directory `dir`: config.json (Qwen2VLConfig::load), generation_config.json (optional), the
  /// safetensors weights (qnn::SafetensorsCheckpoint::open_dir: memory-mapped, nothing copied). Detects the naming
  /// convention (nested if any tensor starts with "model.visual." or "model.language_model."), then checks every
  /// expected tensor: present, floating-point (BF16, F16 or F32), shape equal to the config's.
  /// The LM head is tied (logits use embed_tokens) when tie_word_embeddings is true or lm_head.weight is absent.
  /// Throws kNotFound if config.json or the weights are absent, or if tensors are missing (all missing names are
  /// listed, in the checkpoint's spelling); kShapeMismatch naming the file, tensor, expected and actual shape (or dtype);
  /// and every error of Qwen2VLConfig::load and SafetensorsCheckpoint::open_dir (kCorruptFile for malformed files).
  static Qwen2VLCheckpoint open(const std::string& dir);

  const std::string& dir() const { return dir_; }
  const Qwen2VLConfig& config() const { return config_; }
  const ModelGenerationConfig& generation_config() const { return generation_; }
  TensorNaming naming() const { return naming_; }
  /// True when lm_head.weight resolves to model.embed_tokens.weight.
  bool lm_head_tied() const { return tied_; }

  /// The tensor with canonical name `canonical` (any expected name, including "lm_head.weight", which resolves to the
  /// embedding when tied). Throws kNotFound naming the directory and tensor for names outside the expected list.
  const qnn::TensorView& tensor(const std::string& canonical) const;
  /// Same, or nullptr.
  const qnn::TensorView* find(const std::string& canonical) const;
  /// The expected tensors of this checkpoint (lm_head included only when not tied).
  const std::vector<ExpectedTensor>& expected() const { return expected_; }
  /// All tensors as stored (file names, actual spellings).
  const qnn::SafetensorsCheckpoint& weights() const { return weights_; }

 private:
  std::string dir_;
  Qwen2VLConfig config_;
  ModelGenerationConfig generation_;
  TensorNaming naming_ = TensorNaming::kLegacy;
  bool tied_ = true;
  std::vector<ExpectedTensor> expected_;
  qnn::SafetensorsCheckpoint weights_;
};

}  // namespace edgevl::models
