#include "edgevl/models/generation_config.h"

#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "edgevl/models/qwen2vl_config.h"
#include "json_fields.h"

namespace edgevl::models {

ModelGenerationConfig ModelGenerationConfig::from_json(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) throw Error(ErrorCode::kCorruptFile, source + ": generation config is not a JSON object");
  ModelGenerationConfig g;
  detail::get_int_or_list(j, "eos_token_id", source, g.eos_token_ids);
  auto opt_int = [&](const char* key, std::optional<int64_t>& out) {
    if (!detail::field(j, key)) return;
    int64_t v = 0;
    detail::get_int(j, key, source, v);
    out = v;
  };
  opt_int("pad_token_id", g.pad_token_id);
  opt_int("bos_token_id", g.bos_token_id);
  opt_int("max_new_tokens", g.max_new_tokens);
  opt_int("max_length", g.max_length);
  detail::get_bool(j, "do_sample", source, g.do_sample);
  detail::get_double(j, "temperature", source, g.temperature);
  detail::get_int(j, "top_k", source, g.top_k);
  detail::get_double(j, "top_p", source, g.top_p);
  detail::get_double(j, "repetition_penalty", source, g.repetition_penalty);
  return g;
}

ModelGenerationConfig ModelGenerationConfig::load(const std::string& dir, const Qwen2VLConfig& model_config) {
  const std::string path = dir + "/generation_config.json";
  struct stat st {};
  ModelGenerationConfig g;
  if (::stat(path.c_str(), &st) == 0) g = from_json(detail::read_json_file(path), path);
  if (g.eos_token_ids.empty()) g.eos_token_ids = {model_config.eos_token_id};
  return g;
}

}  // namespace edgevl::models
