// The Qwen2-VL model metadata stored in a bundle's manifest ("model_metadata"): model dimensions, special token ids,
// compile settings and the names of the graphs. Written by compile_qwen2vl, read by Qwen2VLEngine::open.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgevl/models/qwen2vl_recipe.h"

namespace edgevl::engine {

/// Family string of Qwen2-VL bundles (BundleWriterOptions::family).
inline constexpr const char* kQwen2VLFamily = "qwen2vl";
/// Version of the metadata layout below.
inline constexpr int kMetadataVersion = 1;

struct BundleInfo {
  // vision tower
  int vit_depth = 0, vit_embed_dim = 0, vit_num_heads = 0, vit_mlp_hidden = 0, vit_in_channels = 3, vit_patch_size = 14,
      vit_temporal_patch_size = 2, vit_spatial_merge_size = 2;
  // text model
  int hidden = 0, intermediate = 0, num_layers = 0, num_heads = 0, num_kv_heads = 0, head_dim = 0, vocab_size = 0;
  float rms_eps = 1e-6f, rope_theta = 1e6f;
  std::array<int, 3> mrope_section{16, 24, 24};
  bool tie_word_embeddings = true;
  // special ids
  int32_t image_token_id = 151655, vision_start_token_id = 151652, vision_end_token_id = 151653;
  std::vector<int32_t> eos_token_ids{151645, 151643};
  // compile settings
  models::Qwen2VLRecipe recipe;
  /// The back end the graphs were compiled for (qnn::backend_by_name); "emulator" runs on every CPU. Absent in older
  /// bundles (= "emulator").
  std::string backend = "emulator";  ///< how every tensor is stored (its preset: "fp32", "fp16", "w8a16", "w4a16")
  int64_t context_length = 0, chunk = 0;
  std::vector<int64_t> vit_buckets;  ///< ascending
  int64_t min_pixels = 3136, max_pixels = 12845056;
  nlohmann::json generation_config = nlohmann::json::object();  ///< generation_config.json as read ({} if absent)
  // graphs and tensors
  std::string prefill_graph, decode_graph, embed_graph = "llm.embed";
  std::string embed_tensor = "model.embed_tokens.weight";  ///< constant of embed_graph holding the table [vocab, hidden]

  int64_t patch_dim() const { return int64_t(vit_in_channels) * vit_temporal_patch_size * vit_patch_size * vit_patch_size; }

  nlohmann::json to_json() const;
  /// Throws edgevl::Error kCorruptFile naming the missing/ill-typed key, kUnsupported for another metadata version.
  static BundleInfo from_json(const nlohmann::json& j);
};

}  // namespace edgevl::engine
