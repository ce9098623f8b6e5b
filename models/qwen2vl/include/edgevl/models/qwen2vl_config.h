// Qwen2-VL model configuration, parsed from a Hugging Face model directory's config.json.
//
// Both spellings of transformers are read: the older flat one (text parameters at the top level, as in
// Qwen2-VL-2B-Instruct's own config.json) and the newer nested one (text parameters under "text_config"). For each text
// key, "text_config" wins when it holds the key, then the top level, then the default below. Vision parameters are
// always under "vision_config" (older key `in_chans` = newer `in_channels`). Defaults are Qwen2-VL-2B-Instruct's values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgevl::models {

/// The vision tower (ViT + PatchMerger).
struct Qwen2VLVisionConfig {
  int64_t depth = 32;                ///< transformer blocks
  int64_t embed_dim = 1280;          ///< ViT width
  int64_t num_heads = 16;            ///< head_dim = embed_dim / num_heads (80); must be a multiple of 4 (VisionRoPE)
  double mlp_ratio = 4.0;            ///< MLP width = embed_dim * mlp_ratio (5120)
  int64_t in_channels = 3;           ///< `in_channels`, older `in_chans`
  int64_t patch_size = 14;           ///< pixels per patch side
  int64_t spatial_merge_size = 2;    ///< PatchMerger merges merge x merge patches into one token
  int64_t temporal_patch_size = 2;   ///< frames per patch (a still image is repeated)
  int64_t hidden_size = 1536;        ///< PatchMerger OUTPUT width (= the text hidden size)
  std::string hidden_act = "quick_gelu";  ///< block MLP activation (absent in the 2B config -> quick_gelu)

  int64_t head_dim() const { return embed_dim / num_heads; }
  int64_t mlp_dim() const { return static_cast<int64_t>(static_cast<double>(embed_dim) * mlp_ratio); }
  /// Columns of one patch row of pixel_values: in_channels * temporal_patch_size * patch_size^2 (1176).
  int64_t patch_dim() const { return in_channels * temporal_patch_size * patch_size * patch_size; }
  /// Width of a merged row entering the merger MLP: embed_dim * spatial_merge_size^2 (5120).
  int64_t merged_dim() const { return embed_dim * spatial_merge_size * spatial_merge_size; }
};

/// The language model (Qwen2 decoder with M-RoPE).
struct Qwen2VLTextConfig {
  int64_t vocab_size = 151936;
  int64_t hidden_size = 1536;
  int64_t intermediate_size = 8960;
  int64_t num_hidden_layers = 28;
  int64_t num_attention_heads = 12;   ///< head_dim = hidden_size / num_attention_heads (128)
  int64_t num_key_value_heads = 2;    ///< GQA: query head h uses KV head h / (heads / kv_heads)
  int64_t max_position_embeddings = 32768;
  double rms_norm_eps = 1e-6;
  double rope_theta = 1000000.0;
  /// M-RoPE split of the head_dim/2 frequencies over (t, h, w); sums to head_dim / 2. From rope_scaling.mrope_section.
  std::vector<int64_t> mrope_section = {16, 24, 24};
  std::string hidden_act = "silu";
  bool tie_word_embeddings = true;   ///< logits = h * embed_tokens^T when true

  int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

/// The whole config.json of a Qwen2-VL model.
struct Qwen2VLConfig {
  std::string model_type = "qwen2_vl";
  Qwen2VLTextConfig text;
  Qwen2VLVisionConfig vision;
  int64_t bos_token_id = 151643;
  int64_t eos_token_id = 151645;            ///< first id if config.json lists several
  int64_t pad_token_id = 151643;
  int64_t vision_start_token_id = 151652;
  int64_t vision_end_token_id = 151653;
  int64_t vision_token_id = 151654;         ///< <|vision_pad|>
  int64_t image_token_id = 151655;          ///< <|image_pad|>
  int64_t video_token_id = 151656;          ///< <|video_pad|>
  std::string torch_dtype;                  ///< "bfloat16" etc. as written (`torch_dtype` or newer `dtype`), may be empty

  /// Parses a config.json document. `source` names the file in error messages.
  /// Throws kCorruptFile if the document is not an object, or a known key has the wrong JSON type
  /// (message names the file and key); kUnsupported if model_type is present and is not "qwen2_vl";
  /// kInvalidArgument (naming the key) if the values are inconsistent — see validate().
  static Qwen2VLConfig from_json(const nlohmann::json& j, const std::string& source);
  /// Reads `path`: a config.json file, or a directory holding one. Throws kNotFound if it is absent,
  /// kCorruptFile if it is not valid JSON, plus the errors of from_json().
  static Qwen2VLConfig load(const std::string& path);

  /// Checks the values are positive and consistent: hidden_size divisible by heads, heads by kv heads, vision
  /// head_dim a multiple of 4, sum(mrope_section) * 2 == text head_dim, token ids inside [0, vocab_size).
  /// Throws kInvalidArgument naming `source` and the offending key.
  void validate(const std::string& source) const;
};

}  // namespace edgevl::models
