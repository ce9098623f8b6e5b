// The Qwen2-VL model metadata stored in a bundle's manifest ("model_metadata"): model dimensions, special token ids,
// compile settings and the names of the graphs. Written by compile_qwen2vl, read by Qwen2VLEngine::open.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgevl/llm/llm_config.h"
#include "edgevl/models/qwen2vl_recipe.h"
#include "edgevl/vision/vit_config.h"

namespace edgevl::engine {

/// Family string of Qwen2-VL bundles (BundleWriterOptions::family).
inline constexpr const char* kQwen2VLFamily = "qwen2vl";
/// Version of the metadata layout below.
inline constexpr int kMetadataVersion = 1;

struct BundleInfo {
  // The model's dimensions, one copy each: the graphs are built from them at compile and the engine runs them at open.
  vision::VitConfig vit;  ///< the vision tower; vit.out_hidden == llm.hidden
  llm::LlmConfig llm;     ///< the text model
  // Special ids: from the checkpoint at compile (models::Qwen2VLConfig holds Qwen2-VL's defaults, the one copy of
  // them), from the manifest at open (required keys); -1 / empty until then.
  int32_t image_token_id = -1, vision_start_token_id = -1, vision_end_token_id = -1;
  std::vector<int32_t> eos_token_ids;
  // compile settings
  models::Qwen2VLRecipe recipe;
  /// The back end the graphs were compiled for (qnn::backend_by_name); "emulator" runs on every CPU. Absent in older
  /// bundles (= "emulator").
  std::string backend = "emulator";  ///< how every tensor is stored (its preset: "fp32", "fp16", "w8a16", "w4a16")
  int64_t context_length = 0, chunk = 0;
  std::vector<int64_t> vit_buckets;  ///< ascending
  int64_t min_pixels = 0, max_pixels = 0;  ///< smart_resize bounds, from preprocessor_config.json (its defaults) at compile
  nlohmann::json generation_config = nlohmann::json::object();  ///< generation_config.json as read ({} if absent)
  // graphs and tensors
  std::string prefill_graph, decode_graph, embed_graph = "llm.embed";
  std::string embed_tensor = "model.embed_tokens.weight";  ///< constant of embed_graph holding the table [vocab, hidden]


  nlohmann::json to_json() const;
  /// Throws edgevl::Error kCorruptFile naming the missing/ill-typed key, kUnsupported for another metadata version.
  static BundleInfo from_json(const nlohmann::json& j);
};

}  // namespace edgevl::engine
