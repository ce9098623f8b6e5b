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

// The manifest keys of each config's fields, walked by to_json and from_json alike (one mapping per struct).
template <typename Vit, typename F>
void vit_fields(Vit& v, F&& f) {
  f("depth", v.depth);
  f("embed_dim", v.embed_dim);
  f("num_heads", v.num_heads);
  f("mlp_hidden", v.mlp_hidden);
  f("in_channels", v.in_channels);
  f("patch_size", v.patch_size);
  f("temporal_patch_size", v.temporal_patch_size);
  f("spatial_merge_size", v.spatial_merge_size);
}

template <typename Llm, typename F>
void llm_fields(Llm& c, F&& f) {
  f("hidden_size", c.hidden);
  f("intermediate_size", c.intermediate);
  f("num_hidden_layers", c.num_layers);
  f("num_attention_heads", c.num_heads);
  f("num_key_value_heads", c.num_kv_heads);
  f("head_dim", c.head_dim);
  f("vocab_size", c.vocab_size);
  f("rms_norm_eps", c.rms_eps);
  f("rope_theta", c.rope_theta);
  f("mrope_section", c.mrope_section);
  f("tie_word_embeddings", c.tie_word_embeddings);
}

}  // namespace

nlohmann::json BundleInfo::to_json() const {
  nlohmann::json j;
  j["metadata_version"] = kMetadataVersion;
  nlohmann::json v = nlohmann::json::object(), t = nlohmann::json::object();
  vit_fields(vit, [&](const char* key, const auto& value) { v[key] = value; });
  llm_fields(llm, [&](const char* key, const auto& value) { t[key] = value; });
  j["vision"] = v;
  j["text"] = t;
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
  vit_fields(b.vit, [&](const char* key, auto& value) { get(v, key, value); });
  llm_fields(b.llm, [&](const char* key, auto& value) { get(t, key, value); });
  b.vit.out_hidden = b.llm.hidden;
  try {
    b.vit.validate();
    b.llm.validate();
  } catch (const Error& e) {
    throw Error(ErrorCode::kCorruptFile, std::string("bundle model metadata: ") + e.what());
  }
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
  if (b.chunk <= 0 || b.context_length < b.chunk || b.vit_buckets.empty())
    throw Error(ErrorCode::kCorruptFile, "bundle model metadata: non-positive context length or chunk, or no ViT bucket");
  return b;
}

}  // namespace edgevl::engine
