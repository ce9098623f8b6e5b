// A model directory's generation_config.json (Hugging Face GenerationConfig), the defaults a model ships with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace edgevl::models {

struct Qwen2VLConfig;

/// Defaults of absent keys are transformers' GenerationConfig defaults, except eos (from config.json, see load()).
struct ModelGenerationConfig {
  std::vector<int64_t> eos_token_ids;      ///< `eos_token_id`, an int or a list; generation stops on any of them
  std::optional<int64_t> pad_token_id;     ///< `pad_token_id`
  std::optional<int64_t> bos_token_id;     ///< `bos_token_id`
  bool do_sample = false;                  ///< false = greedy (temperature/top_k/top_p are then ignored, as in HF)
  double temperature = 1.0;
  int64_t top_k = 50;
  double top_p = 1.0;
  double repetition_penalty = 1.0;
  std::optional<int64_t> max_new_tokens;   ///< absent in Qwen2-VL's file
  std::optional<int64_t> max_length;       ///< absent = HF's 20, which callers normally override with max_new_tokens

  /// Parses a generation_config.json document; `source` names the file in errors. Absent eos leaves eos_token_ids empty.
  /// Throws kCorruptFile (naming file and key) if it is not an object or a known key has the wrong JSON type.
  static ModelGenerationConfig from_json(const nlohmann::json& j, const std::string& source);
  /// Reads `dir`/generation_config.json. If the file is absent, returns the defaults. If it has no eos, eos_token_ids
  /// falls back to the model config's eos_token_id. Throws kCorruptFile if the file is not valid JSON.
  static ModelGenerationConfig load(const std::string& dir, const Qwen2VLConfig& model_config);
};

}  // namespace edgevl::models
