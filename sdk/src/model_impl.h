// What an opened Model holds (internal): the engine (mapped bundle + prepared graphs), the tokenizer, the image
// preprocessor settings and the generation defaults. Members are destroyed in reverse order of declaration: the
// tokenizer first, then the engine (executables, then the bundle mapping).
#pragma once

#include <memory>
#include <set>

#include "edgevl/model.h"
#include "edgevl/llm/tokenizer.h"
#include "edgevl/vision/preprocessor_config.h"
#include "engine/engine.h"

namespace edgevl {

struct Model::Impl {
  std::shared_ptr<const engine::Qwen2VLEngine> engine;
  std::unique_ptr<llm::Tokenizer> tokenizer;
  vision::PreprocessorConfig preprocess;  ///< the bundle's preprocessor_config.json with the compiled pixel bounds
  ModelInfo info;
  GenerationConfig defaults;               ///< every field set
  std::set<int32_t> eos_ids;
  int32_t im_end_id = -1;                  ///< "<|im_end|>"
  int32_t image_pad_id = -1;               ///< image_token_id
};

/// Opens a bundle as Model::open does, with engine options (calibration: fp32 float mode and observers), hashing its
/// files per `checksums` before any of them is parsed (kNever: bundles this process has just written).
std::shared_ptr<Model::Impl> open_model_impl(const std::string& bundle_path, const engine::EngineOptions& options,
                                             ChecksumPolicy checksums = ChecksumPolicy::kNever);

/// Generation defaults from a generation_config.json object (HF semantics, see Model::generation_defaults()).
GenerationConfig generation_defaults_from_json(const nlohmann::json& generation_config);

}  // namespace edgevl
