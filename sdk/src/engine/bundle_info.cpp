#include "engine/bundle_info.h"

#include "edgevl/error.h"

namespace edgevl::engine {
namespace {

template <typename T>
void get(const nlohmann::json& j, const char* key, T& out) {
  auto it = j.find(key);
  if (it == j.end()) throw Error(ErrorCode::kCorruptFile, std::string("bundle model metadata: missing key '") + key + "'");
  try {
    out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kCorruptFile, std::string("bundle model metadata: key '") + key + "' has the wrong type: " +
                                             e.what());
  }
}

}  // namespace

nlohmann::json BundleInfo::to_json() const {
  nlohmann::json j;
  j["metadata_version"] = kMetadataVersion;
  j["vision"] = {{"depth", vit_depth},
                 {"embed_dim", vit_embed_dim},
                 {"num_heads", vit_num_heads},
                 {"mlp_hidden", vit_mlp_hidden},
                 {"in_channels", vit_in_channels},
                 {"patch_size", vit_patch_size},
                 {"temporal_patch_size", vit_temporal_patch_size},
                 {"spatial_merge_size", vit_spatial_merge_size}};
  j["text"] = {{"hidden_size", hidden},
               {"intermediate_size", intermediate},
               {"num_hidden_layers", num_layers},
               {"num_attention_heads", num_heads},
               {"num_key_value_heads", num_kv_heads},
               {"head_dim", head_dim},
               {"vocab_size", vocab_size},
               {"rms_norm_eps", rms_eps},
               {"rope_theta", rope_theta},
               {"mrope_section", mrope_section},
               {"tie_word_embeddings", tie_word_embeddings}};
  j["ids"] = {{"image_token_id", image_token_id},
              {"vision_start_token_id", vision_start_token_id},
              {"vision_end_token_id", vision_end_token_id},
              {"eos_token_ids", eos_token_ids}};
  j["recipe"] = recipe.to_json();
  j["backend"] = backend;
  j["context_length"] = context_length;
  j["chunk"] = chunk;
  j["vit_buckets"] = vit_buckets;
  j["min_pixels"] = min_pixels;
  j["max_pixels"] = max_pixels;
  j["generation_config"] = generation_config;
  j["graphs"] = {{"prefill", prefill_graph}, {"decode", decode_graph}, {"embed", embed_graph}};
  j["embed_tensor"] = embed_tensor;
  return j;
}

BundleInfo BundleInfo::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error(ErrorCode::kCorruptFile, "bundle model metadata: not a JSON object");
  int version = 0;
  get(j, "metadata_version", version);
  if (version != kMetadataVersion)
    throw Error(ErrorCode::kUnsupported, "bundle model metadata: version " + std::to_string(version) +
                                             " (this EdgeVL reads version " + std::to_string(kMetadataVersion) + ")");
  BundleInfo b;
  nlohmann::json v, t, ids, g;
  get(j, "vision", v);
  get(j, "text", t);
  get(j, "ids", ids);
  get(j, "graphs", g);
  get(v, "depth", b.vit_depth);
  get(v, "embed_dim", b.vit_embed_dim);
  get(v, "num_heads", b.vit_num_heads);
  get(v, "mlp_hidden", b.vit_mlp_hidden);
  get(v, "in_channels", b.vit_in_channels);
  get(v, "patch_size", b.vit_patch_size);
  get(v, "temporal_patch_size", b.vit_temporal_patch_size);
  get(v, "spatial_merge_size", b.vit_spatial_merge_size);
  get(t, "hidden_size", b.hidden);
  get(t, "intermediate_size", b.intermediate);
  get(t, "num_hidden_layers", b.num_layers);
  get(t, "num_attention_heads", b.num_heads);
  get(t, "num_key_value_heads", b.num_kv_heads);
  get(t, "head_dim", b.head_dim);
  get(t, "vocab_size", b.vocab_size);
  get(t, "rms_norm_eps", b.rms_eps);
  get(t, "rope_theta", b.rope_theta);
  get(t, "mrope_section", b.mrope_section);
  get(t, "tie_word_embeddings", b.tie_word_embeddings);
  get(ids, "image_token_id", b.image_token_id);
  get(ids, "vision_start_token_id", b.vision_start_token_id);
  get(ids, "vision_end_token_id", b.vision_end_token_id);
  get(ids, "eos_token_ids", b.eos_token_ids);
  if (j.contains("backend")) get(j, "backend", b.backend);
  if (j.contains("recipe")) {
    b.recipe = models::Qwen2VLRecipe::from_json(j["recipe"]);
  } else {  // bundles written before recipes existed: a float precision name
    std::string precision = "fp32";
    get(j, "precision", precision);
    if (precision != "fp32" && precision != "fp16")
      throw Error(ErrorCode::kCorruptFile, "bundle model metadata: precision '" + precision + "' is not fp32 or fp16");
    b.recipe = models::recipe_preset(precision);
  }
  get(j, "context_length", b.context_length);
  get(j, "chunk", b.chunk);
  get(j, "vit_buckets", b.vit_buckets);
  get(j, "min_pixels", b.min_pixels);
  get(j, "max_pixels", b.max_pixels);
  get(j, "generation_config", b.generation_config);
  get(g, "prefill", b.prefill_graph);
  get(g, "decode", b.decode_graph);
  get(g, "embed", b.embed_graph);
  get(j, "embed_tensor", b.embed_tensor);
  if (b.hidden <= 0 || b.vocab_size <= 0 || b.num_layers <= 0 || b.num_kv_heads <= 0 || b.head_dim <= 0 ||
      b.chunk <= 0 || b.context_length < b.chunk || b.vit_buckets.empty())
    throw Error(ErrorCode::kCorruptFile, "bundle model metadata: non-positive dimension, context length or chunk");
  return b;
}

}  // namespace edgevl::engine
