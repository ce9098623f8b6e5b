#include "edgevl/model.h"

#include <filesystem>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "engine/weight_traffic.h"
#include "model_impl.h"

namespace edgevl {

GenerationConfig generation_defaults_from_json(const nlohmann::json& g) {
  // Numbers within their field's range: BundleInfo::from_json checked them (check_generation_config).
  auto num = [&](const char* key, double fallback) {
    auto it = g.find(key);
    return it != g.end() && it->is_number() ? it->get<double>() : fallback;
  };
  GenerationConfig d;
  const bool do_sample = g.contains("do_sample") && g["do_sample"].is_boolean() && g["do_sample"].get<bool>();
  // HF: do_sample false -> greedy whatever temperature says; HF's own defaults are temperature 1, top_k 50, top_p 1.
  d.temperature = do_sample ? static_cast<float>(num("temperature", 1.0)) : 0.0f;
  d.top_k = do_sample ? static_cast<int>(num("top_k", 50)) : 0;
  d.top_p = do_sample ? static_cast<float>(num("top_p", 1.0)) : 1.0f;
  d.repetition_penalty = static_cast<float>(num("repetition_penalty", 1.0));
  d.max_new_tokens = static_cast<int>(num("max_new_tokens", 256));
  d.min_new_tokens = static_cast<int>(num("min_new_tokens", 0));
  d.seed = 0;
  return d;
}

std::shared_ptr<Model::Impl> open_model_impl(const std::string& bundle_path, const engine::EngineOptions& options,
                                             ChecksumPolicy checksums) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(bundle_path, ec)) throw Error(ErrorCode::kNotFound, "model bundle " + bundle_path + ": no such file or directory");
  if (!fs::is_directory(bundle_path, ec))
    throw Error(ErrorCode::kCorruptFile, "model bundle " + bundle_path + ": not a directory (a bundle is a NAME.evl/ directory)");
  auto impl = std::make_shared<Model::Impl>();
  impl->engine = engine::Qwen2VLEngine::open(bundle_path, options);
  // Before any file of the bundle is parsed (tokenizer, configs) or a weight is read for an answer.
  if (checksums == ChecksumPolicy::kOncePerChange) impl->engine->bundle().verify_checksums_once();
  if (checksums == ChecksumPolicy::kEveryOpen) impl->engine->bundle().verify_checksums();
  const engine::BundleInfo& bi = impl->engine->info();
  impl->tokenizer = llm::Tokenizer::from_file(impl->engine->tokenizer_path());
  const std::string pp = impl->engine->preprocessor_config_path();
  if (!pp.empty()) {
    impl->preprocess = vision::load_preprocessor_config(pp);
    vision::check_matches_vision(impl->preprocess, bi.vit.patch_size, bi.vit.temporal_patch_size,
                                 bi.vit.spatial_merge_size, pp);
  }
  impl->preprocess.min_pixels = bi.min_pixels;
  impl->preprocess.max_pixels = bi.max_pixels;

  ModelInfo& info = impl->info;
  info.path = bundle_path;
  info.family = engine::kQwen2VLFamily;
  info.precision = precision_from_name(bi.recipe.preset);
  info.context_length = bi.context_length;
  info.prefill_chunk = bi.chunk;
  info.vit_buckets = bi.vit_buckets;
  info.vocab_size = bi.llm.vocab_size;
  info.eos_token_ids = bi.eos_token_ids;
  info.decode_weight_bytes = engine::constant_bytes_read_per_run(impl->engine->bundle().graph(bi.decode_graph));

  impl->defaults = generation_defaults_from_json(bi.generation_config);
  impl->eos_ids.insert(bi.eos_token_ids.begin(), bi.eos_token_ids.end());
  impl->image_pad_id = bi.image_token_id;
  // Its vocabulary fits the model's, it has <|im_end|>, and the manifest's image / vision ids are its tokens.
  bi.check_against_tokenizer(*impl->tokenizer, impl->engine->tokenizer_path(),
                             "model bundle " + bundle_path + ": manifest ids.");
  impl->im_end_id = *impl->tokenizer->token_to_id("<|im_end|>");
  return impl;
}

Model Model::open(const std::string& bundle_path) { return open(bundle_path, ModelOptions{}); }

Model Model::open(const std::string& bundle_path, const ModelOptions& options) {
  engine::EngineOptions engine_options;
  engine_options.num_threads = options.num_threads;
  return Model(open_model_impl(bundle_path, engine_options, options.checksums));
}

const ModelInfo& Model::info() const { return impl_->info; }
const GenerationConfig& Model::generation_defaults() const { return impl_->defaults; }

}  // namespace edgevl
