// The Qwen2-VL model metadata stored in a bundle's manifest ("model_metadata"): model dimensions, special token ids,
// compile settings and the names of the graphs. Written by compile_qwen2vl, read by Qwen2VLEngine::open.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgevl/llm/llm_config.h"
#include "edgevl/llm/tokenizer.h"
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
  /// Throws edgevl::Error kCorruptFile naming the missing/ill-typed key (integers must be JSON integers within their
  /// C++ type, floats finite) or a value out of its range (chunk/context, ViT buckets, pixel limits, token ids within the
  /// vocabulary), kUnsupported for another metadata version.
  static BundleInfo from_json(const nlohmann::json& j);

  /// Throws kCorruptFile ("<where><key> <id> is outside the vocabulary ...") unless the image, vision start/end and
  /// eos ids lie in [0, llm.vocab_size) and there is at least one eos id.
  void check_token_ids(const std::string& where) const;
  /// Cross-file checks with the tokenizer (tokenizer.json): it has no more ids than the model's vocab_size, it has
  /// <|im_end|>, and image_token_id / vision_start_token_id / vision_end_token_id are the ids of <|image_pad|> /
  /// <|vision_start|> / <|vision_end|>. kCorruptFile naming `tokenizer_file`, or `ids_source` (e.g. "config.json: ")
  /// for an id.
  void check_against_tokenizer(const llm::Tokenizer& tokenizer, const std::string& tokenizer_file,
                               const std::string& ids_source) const;
};

/// Throws kCorruptFile ("<where>: <key> <value> is outside [lo, hi]") for a generation setting the session would convert
/// to its C++ type out of range (temperature, top_k, top_p, repetition_penalty, max_new_tokens, min_new_tokens); other
/// keys and non-numbers are ignored (the defaults apply).
void check_generation_config(const nlohmann::json& generation_config, const std::string& where);

}  // namespace edgevl::engine
