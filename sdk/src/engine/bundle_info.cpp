#include "engine/bundle_info.h"

#include <array>
#include <cmath>
#include <limits>
#include <type_traits>

#include "edgevl/error.h"
#include "edgevl/qnn/json_limits.h"

namespace edgevl::engine {
namespace {

[[noreturn]] void bad_value(const std::string& key, const nlohmann::json& v, const std::string& want) {
  throw Error(ErrorCode::kCorruptFile,
              "bundle model metadata: key '" + key + "' = " + qnn::json_excerpt(v, 60) + " is not " + want);
}

template <typename T>
struct is_std_vector : std::false_type {};
template <typename E>
struct is_std_vector<std::vector<E>> : std::true_type {};
template <typename T>
struct is_std_array : std::false_type {};
template <typename E, size_t N>
struct is_std_array<std::array<E, N>> : std::true_type {};

// A metadata value as T, exactly: integers only from JSON integers within T's range, floats only finite and within
// T's range (a hostile 1e300 must not reach a float-to-integer or double-to-float conversion: undefined behaviour).
template <typename T>
T convert(const nlohmann::json& v, const std::string& key) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) bad_value(key, v, "a boolean");
    return v.get<bool>();
  } else if constexpr (std::is_integral_v<T>) {
    const std::string want = "an integer in [" + std::to_string(std::numeric_limits<T>::min()) + ", " +
                             std::to_string(std::numeric_limits<T>::max()) + "]";
    if (!v.is_number_integer()) bad_value(key, v, want);
    if (v.is_number_unsigned()) {
      const uint64_t u = v.get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<T>::max())) bad_value(key, v, want);
      return static_cast<T>(u);
    }
    const int64_t i = v.get<int64_t>();
    if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) || i > static_cast<int64_t>(std::numeric_limits<T>::max()))
      bad_value(key, v, want);
    return static_cast<T>(i);
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) bad_value(key, v, "a number");
    const double d = v.get<double>();
    if (!std::isfinite(d) || std::fabs(d) > static_cast<double>(std::numeric_limits<T>::max()))
      bad_value(key, v, "a finite number in range");
    return static_cast<T>(d);
  } else if constexpr (is_std_vector<T>::value) {
    if (!v.is_array()) bad_value(key, v, "an array");
    T out;
    out.reserve(v.size());
    for (const nlohmann::json& e : v) out.push_back(convert<typename T::value_type>(e, key));
    return out;
  } else if constexpr (is_std_array<T>::value) {
    T out{};
    if (!v.is_array() || v.size() != out.size()) bad_value(key, v, "an array of " + std::to_string(out.size()));
    for (size_t i = 0; i < out.size(); ++i) out[i] = convert<typename T::value_type>(v[i], key);
    return out;
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!v.is_string()) bad_value(key, v, "a string");
    return v.get<std::string>();
  } else {
    static_assert(std::is_same_v<T, nlohmann::json>);
    return v;
  }
}

template <typename T>
void get(const nlohmann::json& j, const char* key, T& out, const std::string& prefix = "") {
  auto it = j.find(key);
  if (it == j.end()) throw Error(ErrorCode::kCorruptFile, "bundle model metadata: missing key '" + prefix + key + "'");
  out = convert<T>(*it, prefix + key);
}

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorCode::kCorruptFile, "bundle model metadata: " + what);
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
  vit_fields(b.vit, [&](const char* key, auto& value) { get(v, key, value, "vision."); });
  llm_fields(b.llm, [&](const char* key, auto& value) { get(t, key, value, "text."); });
  b.vit.out_hidden = b.llm.hidden;
  try {
    b.vit.validate();
    b.llm.validate();
  } catch (const Error& e) {
    throw Error(ErrorCode::kCorruptFile, std::string("bundle model metadata: ") + e.what());
  }
  get(ids, "image_token_id", b.image_token_id, "ids.");
  get(ids, "vision_start_token_id", b.vision_start_token_id, "ids.");
  get(ids, "vision_end_token_id", b.vision_end_token_id, "ids.");
  get(ids, "eos_token_ids", b.eos_token_ids, "ids.");
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
  get(g, "prefill", b.prefill_graph, "graphs.");
  get(g, "decode", b.decode_graph, "graphs.");
  get(g, "embed", b.embed_graph, "graphs.");
  get(j, "embed_tensor", b.embed_tensor);
  if (b.chunk <= 0 || b.context_length < b.chunk)
    invalid("chunk " + std::to_string(b.chunk) + " and context_length " + std::to_string(b.context_length) +
            " must satisfy 1 <= chunk <= context_length");
  if (b.vit_buckets.empty()) invalid("no ViT bucket (vit_buckets is empty)");
  const int64_t merge = int64_t{b.vit.spatial_merge_size} * b.vit.spatial_merge_size;
  for (size_t i = 0; i < b.vit_buckets.size(); ++i)
    if (b.vit_buckets[i] < merge || b.vit_buckets[i] % merge != 0 || (i > 0 && b.vit_buckets[i] <= b.vit_buckets[i - 1]))
      invalid("vit_buckets entry " + std::to_string(b.vit_buckets[i]) + " is not a positive multiple of " +
              std::to_string(merge) + " above the one before");
  if (b.min_pixels < 1 || b.max_pixels < b.min_pixels)
    invalid("min_pixels " + std::to_string(b.min_pixels) + " and max_pixels " + std::to_string(b.max_pixels) +
            " must satisfy 1 <= min_pixels <= max_pixels");
  b.check_token_ids("bundle model metadata: ids.");
  check_generation_config(b.generation_config, "bundle model metadata: generation_config");
  return b;
}

void check_generation_config(const nlohmann::json& g, const std::string& where) {
  if (!g.is_object()) throw Error(ErrorCode::kCorruptFile, where + ": not a JSON object");
  constexpr double kIntMax = std::numeric_limits<int>::max(), kFloatMax = std::numeric_limits<float>::max();
  struct Field {
    const char* key;
    double lo, hi;
  };
  for (const Field& f : {Field{"temperature", 0, kFloatMax}, Field{"top_k", 0, kIntMax}, Field{"top_p", 0, 1},
                         Field{"repetition_penalty", 0, kFloatMax}, Field{"max_new_tokens", 0, kIntMax},
                         Field{"min_new_tokens", 0, kIntMax}}) {
    const auto it = g.find(f.key);
    if (it == g.end() || !it->is_number()) continue;  // absent or not a number: the default applies
    const double v = it->get<double>();
    if (!(v >= f.lo && v <= f.hi))
      throw Error(ErrorCode::kCorruptFile, where + ": " + f.key + " " + it->dump() + " is outside [" +
                                               qnn::json_excerpt(f.lo) + ", " + qnn::json_excerpt(f.hi) + "]");
  }
}

void BundleInfo::check_token_ids(const std::string& where) const {
  const int64_t vocab = llm.vocab_size;
  auto check = [&](const char* key, int64_t id) {
    if (id < 0 || id >= vocab)
      throw Error(ErrorCode::kCorruptFile, where + key + " " + std::to_string(id) + " is outside the vocabulary [0, " +
                                               std::to_string(vocab) + ")");
  };
  check("image_token_id", image_token_id);
  check("vision_start_token_id", vision_start_token_id);
  check("vision_end_token_id", vision_end_token_id);
  if (eos_token_ids.empty()) throw Error(ErrorCode::kCorruptFile, where + "eos_token_ids is empty");
  for (int32_t id : eos_token_ids) check("eos_token_ids entry", id);
}

void BundleInfo::check_against_tokenizer(const llm::Tokenizer& tokenizer, const std::string& tokenizer_file,
                                         const std::string& ids_source) const {
  if (static_cast<int64_t>(tokenizer.vocab_size()) > llm.vocab_size)
    throw Error(ErrorCode::kCorruptFile, tokenizer_file + ": the tokenizer has " +
                                             std::to_string(tokenizer.vocab_size()) + " ids but the model's vocab_size is " +
                                             std::to_string(llm.vocab_size));
  if (!tokenizer.token_to_id("<|im_end|>"))
    throw Error(ErrorCode::kCorruptFile, tokenizer_file + ": the tokenizer has no <|im_end|> token (the chat template "
                                                          "needs it)");
  // The ids the runtime places and recognizes must be the tokens the chat template writes.
  auto same = [&](const char* key, int32_t id, const char* token) {
    const auto t = tokenizer.token_to_id(token);
    if (!t || *t != id)
      throw Error(ErrorCode::kCorruptFile, ids_source + key + " " + std::to_string(id) + " is not the id of " + token +
                                               (t ? " (" + std::to_string(*t) + ")" : std::string(" (absent)")) +
                                               " in " + tokenizer_file);
  };
  same("image_token_id", image_token_id, "<|image_pad|>");
  same("vision_start_token_id", vision_start_token_id, "<|vision_start|>");
  same("vision_end_token_id", vision_end_token_id, "<|vision_end|>");
}

}  // namespace edgevl::engine
