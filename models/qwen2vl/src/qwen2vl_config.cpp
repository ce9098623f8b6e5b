#include "edgevl/models/qwen2vl_config.h"

#include <numeric>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "json_fields.h"

namespace edgevl::models {
namespace {

using detail::field;

[[noreturn]] void invalid(const std::string& source, const std::string& key, const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, source + ": " + key + " " + what);
}

// Upper bounds keep every derived size (e.g. patch_dim, merged_dim, tensor element counts) far from int64 overflow.
constexpr int64_t kMaxWidth = int64_t{1} << 24;  // widths, vocabulary, layer counts
constexpr int64_t kMaxSmall = 1024;              // channels, patch size, temporal patch, merge size

void require_positive(const std::string& source, const char* key, int64_t v, int64_t max = kMaxWidth) {
  if (v <= 0) invalid(source, key, "must be positive, got " + std::to_string(v));
  if (v > max) invalid(source, key, std::to_string(v) + " is implausibly large (limit " + std::to_string(max) + ")");
}

// Text keys: text_config first (newer spelling), then the top level (older flat spelling).
struct TextLookup {
  const nlohmann::json& top;
  const nlohmann::json* text;  // text_config or nullptr
  std::string source;

  const nlohmann::json& where(const char* key) const {
    if (text && field(*text, key)) return *text;
    return top;
  }
  void i(const char* key, int64_t& out) const { detail::get_int(where(key), key, source, out); }
  void d(const char* key, double& out) const { detail::get_double(where(key), key, source, out); }
  void b(const char* key, bool& out) const { detail::get_bool(where(key), key, source, out); }
  void s(const char* key, std::string& out) const { detail::get_string(where(key), key, source, out); }
};

void parse_vision(const nlohmann::json& v, const std::string& src, Qwen2VLVisionConfig& c) {
  if (!v.is_object()) throw Error(ErrorCode::kCorruptFile, src + ": \"vision_config\" is not a JSON object");
  detail::get_int(v, "depth", src, c.depth);
  detail::get_int(v, "embed_dim", src, c.embed_dim);
  detail::get_int(v, "num_heads", src, c.num_heads);
  detail::get_double(v, "mlp_ratio", src, c.mlp_ratio);
  detail::get_int(v, "in_chans", src, c.in_channels);
  detail::get_int(v, "in_channels", src, c.in_channels);
  detail::get_int(v, "patch_size", src, c.patch_size);
  detail::get_int(v, "spatial_merge_size", src, c.spatial_merge_size);
  detail::get_int(v, "temporal_patch_size", src, c.temporal_patch_size);
  detail::get_int(v, "hidden_size", src, c.hidden_size);
  detail::get_string(v, "hidden_act", src, c.hidden_act);
}

void parse_rope(const nlohmann::json& r, const std::string& src, Qwen2VLTextConfig& t) {
  if (!r.is_object()) throw Error(ErrorCode::kCorruptFile, src + ": \"rope_scaling\" is not a JSON object");
  detail::get_int_list(r, "mrope_section", src, t.mrope_section);
  detail::get_double(r, "rope_theta", src, t.rope_theta);  // newest transformers: rope_parameters.rope_theta
}

}  // namespace

Qwen2VLConfig Qwen2VLConfig::from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw Error(ErrorCode::kCorruptFile, source + ": config is not a JSON object");
  Qwen2VLConfig c;
  detail::get_string(j, "model_type", source, c.model_type);
  if (c.model_type != "qwen2_vl")
    throw Error(ErrorCode::kUnsupported,
                source + ": model_type \"" + c.model_type + "\" is not supported (expected \"qwen2_vl\")");

  const nlohmann::json* text = field(j, "text_config");
  if (text && !text->is_object()) throw Error(ErrorCode::kCorruptFile, source + ": \"text_config\" is not a JSON object");
  TextLookup t{j, text, source};
  Qwen2VLTextConfig& tc = c.text;
  t.i("vocab_size", tc.vocab_size);
  t.i("hidden_size", tc.hidden_size);
  t.i("intermediate_size", tc.intermediate_size);
  t.i("num_hidden_layers", tc.num_hidden_layers);
  t.i("num_attention_heads", tc.num_attention_heads);
  // HF: num_key_value_heads absent means plain multi-head attention (kv heads = heads).
  if (field(t.where("num_key_value_heads"), "num_key_value_heads"))
    t.i("num_key_value_heads", tc.num_key_value_heads);
  else if (field(t.where("num_attention_heads"), "num_attention_heads"))
    tc.num_key_value_heads = tc.num_attention_heads;
  t.i("max_position_embeddings", tc.max_position_embeddings);
  t.d("rms_norm_eps", tc.rms_norm_eps);
  t.d("rope_theta", tc.rope_theta);
  t.s("hidden_act", tc.hidden_act);
  for (const char* key : {"rope_scaling", "rope_parameters"})
    if (const nlohmann::json* r = field(t.where(key), key)) parse_rope(*r, source, tc);
  // tie_word_embeddings: the top level decides (it is what HF's model class reads); text_config as a fallback.
  if (field(j, "tie_word_embeddings"))
    detail::get_bool(j, "tie_word_embeddings", source, tc.tie_word_embeddings);
  else if (text)
    detail::get_bool(*text, "tie_word_embeddings", source, tc.tie_word_embeddings);

  // Token ids: top level, then text_config.
  auto id = [&](const char* key, int64_t& out) {
    const nlohmann::json& where = field(j, key) ? j : (text ? *text : j);
    if (const nlohmann::json* v = field(where, key); v && v->is_array()) {
      std::vector<int64_t> ids;
      detail::get_int_list(where, key, source, ids);
      if (!ids.empty()) out = ids.front();
      return;
    }
    detail::get_int(where, key, source, out);
  };
  id("bos_token_id", c.bos_token_id);
  id("eos_token_id", c.eos_token_id);
  id("pad_token_id", c.pad_token_id);
  id("vision_start_token_id", c.vision_start_token_id);
  id("vision_end_token_id", c.vision_end_token_id);
  id("vision_token_id", c.vision_token_id);
  id("image_token_id", c.image_token_id);
  id("video_token_id", c.video_token_id);
  detail::get_string(j, "torch_dtype", source, c.torch_dtype);
  detail::get_string(j, "dtype", source, c.torch_dtype);

  if (const nlohmann::json* v = field(j, "vision_config")) parse_vision(*v, source, c.vision);
  c.validate(source);
  return c;
}

Qwen2VLConfig Qwen2VLConfig::load(const std::string& path) {
  struct stat st {};
  std::string file = path;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) file = path + "/config.json";
  return from_json(detail::read_json_file(file), file);
}

void Qwen2VLConfig::validate(const std::string& source) const {
  const Qwen2VLTextConfig& t = text;
  require_positive(source, "vocab_size", t.vocab_size);
  require_positive(source, "hidden_size", t.hidden_size);
  require_positive(source, "intermediate_size", t.intermediate_size);
  require_positive(source, "num_hidden_layers", t.num_hidden_layers);
  require_positive(source, "num_attention_heads", t.num_attention_heads);
  require_positive(source, "num_key_value_heads", t.num_key_value_heads);
  require_positive(source, "max_position_embeddings", t.max_position_embeddings);
  if (t.hidden_size % t.num_attention_heads != 0)
    invalid(source, "hidden_size", std::to_string(t.hidden_size) + " is not divisible by num_attention_heads " +
                                       std::to_string(t.num_attention_heads));
  if (t.num_attention_heads % t.num_key_value_heads != 0)
    invalid(source, "num_attention_heads", std::to_string(t.num_attention_heads) +
                                               " is not divisible by num_key_value_heads " +
                                               std::to_string(t.num_key_value_heads));
  if (t.head_dim() % 2 != 0) invalid(source, "hidden_size", "gives an odd head_dim " + std::to_string(t.head_dim()));
  if (t.mrope_section.size() != 3)
    invalid(source, "rope_scaling.mrope_section", "must have 3 entries (t, h, w), got " +
                                                      std::to_string(t.mrope_section.size()));
  int64_t msum = 0;
  for (int64_t s : t.mrope_section) {
    if (s < 0) invalid(source, "rope_scaling.mrope_section", "has a negative entry");
    msum += s;
  }
  if (msum * 2 != t.head_dim())
    invalid(source, "rope_scaling.mrope_section",
            "sums to " + std::to_string(msum) + " but head_dim / 2 is " + std::to_string(t.head_dim() / 2));
  if (!(t.rms_norm_eps > 0)) invalid(source, "rms_norm_eps", "must be positive");
  if (!(t.rope_theta > 0)) invalid(source, "rope_theta", "must be positive");

  const Qwen2VLVisionConfig& v = vision;
  require_positive(source, "vision_config.depth", v.depth);
  require_positive(source, "vision_config.embed_dim", v.embed_dim);
  require_positive(source, "vision_config.num_heads", v.num_heads);
  require_positive(source, "vision_config.in_channels", v.in_channels, kMaxSmall);
  require_positive(source, "vision_config.patch_size", v.patch_size, kMaxSmall);
  require_positive(source, "vision_config.spatial_merge_size", v.spatial_merge_size, kMaxSmall);
  require_positive(source, "vision_config.temporal_patch_size", v.temporal_patch_size, kMaxSmall);
  require_positive(source, "vision_config.hidden_size", v.hidden_size);
  if (!(v.mlp_ratio > 0) || v.mlp_ratio > 1024 || v.mlp_dim() <= 0)
    invalid(source, "vision_config.mlp_ratio", "must give a positive MLP width");
  if (v.embed_dim % v.num_heads != 0)
    invalid(source, "vision_config.embed_dim",
            std::to_string(v.embed_dim) + " is not divisible by num_heads " + std::to_string(v.num_heads));
  if (v.head_dim() % 4 != 0)
    invalid(source, "vision_config.num_heads",
            "gives head_dim " + std::to_string(v.head_dim()) + ", not a multiple of 4 as VisionRoPE needs");
  if (v.hidden_size != t.hidden_size)
    invalid(source, "vision_config.hidden_size", std::to_string(v.hidden_size) +
                                                     " (merger output) differs from the text hidden_size " +
                                                     std::to_string(t.hidden_size));
  const std::pair<const char*, int64_t> ids[] = {
      {"eos_token_id", eos_token_id},
      {"vision_start_token_id", vision_start_token_id},
      {"vision_end_token_id", vision_end_token_id},
      {"image_token_id", image_token_id},
      {"video_token_id", video_token_id}};
  for (const auto& [key, value] : ids)
    if (value < 0 || value >= t.vocab_size)
      invalid(source, key, std::to_string(value) + " is outside the vocabulary [0, " + std::to_string(t.vocab_size) + ")");
}

}  // namespace edgevl::models
