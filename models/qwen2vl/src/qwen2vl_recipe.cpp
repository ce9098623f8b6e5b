#include "edgevl/models/qwen2vl_recipe.h"

#include "edgevl/error.h"
#include "json_fields.h"

#include <algorithm>
#include <filesystem>
#include <set>

namespace edgevl::models {
namespace {

constexpr const char* kSource = "bundle metadata recipe";

WeightBits weight_bits_from_name(const std::string& s) {
  if (s == "float") return WeightBits::kFloat;
  if (s == "w8") return WeightBits::kW8;
  if (s == "w4") return WeightBits::kW4;
  throw Error(ErrorCode::kCorruptFile, std::string(kSource) + ": weight bits '" + s + "' is not float, w8 or w4");
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

}  // namespace

const char* weight_bits_name(WeightBits b) {
  switch (b) {
    case WeightBits::kFloat: return "float";
    case WeightBits::kW8: return "w8";
    case WeightBits::kW4: return "w4";
  }
  return "?";
}

qnn::DType Qwen2VLRecipe::float_weight_dtype() const {
  return float_mode == qnn::FloatMode::kFp32 ? qnn::DType::kFloat32 : qnn::DType::kFloat16;
}

nlohmann::json Qwen2VLRecipe::to_json() const {
  nlohmann::json j;
  j["preset"] = preset;
  j["float_mode"] = qnn::float_mode_name(float_mode);
  j["llm_weights"] = weight_bits_name(llm_weights);
  j["head_weights"] = weight_bits_name(head_weights);
  j["embedding_int8"] = embedding_int8;
  j["block_size"] = block_size;
  j["allow_w8_fallback"] = allow_w8_fallback;
  if (!weights.empty()) {
    nlohmann::json w = nlohmann::json::object();
    for (const auto& [name, bits] : weights) w[name] = weight_bits_name(bits);
    j["weights"] = w;
  }
  j["llm_activation_bits"] = llm_activation_bits;
  j["kv_bits"] = kv_bits;
  j["vit_weights"] = weight_bits_name(vit_weights);
  j["vit_activation_bits"] = vit_activation_bits;
  j["weight_range"] = qnn::range_method_name(weight_range);
  j["activation_range"] = qnn::range_stat_name(activation_range);
  return j;
}

namespace {

// Reads the recipe fields present in `j` into `r`. `require_all`: the keys a bundle's metadata always holds must be
// there. Errors carry `code` and name `source` and the key; an unknown key is an error too.
void read_fields(const nlohmann::json& j, const std::string& source, bool require_all, ErrorCode code,
                 Qwen2VLRecipe& r) {
  auto fail = [&](const std::string& what) { throw Error(code, source + ": " + what); };
  if (!j.is_object()) fail("a recipe must be a JSON object");
  static const std::set<std::string> optional{"allow_w8_fallback", "weights"};
  static const std::vector<std::string> keys{"preset", "float_mode", "llm_weights", "head_weights", "vit_weights",
                                             "embedding_int8", "block_size", "llm_activation_bits", "kv_bits",
                                             "vit_activation_bits", "weight_range", "activation_range",
                                             "allow_w8_fallback", "weights"};
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (std::find(keys.begin(), keys.end(), it.key()) == keys.end()) fail("unknown key '" + it.key() + "'");
    if (it->is_null()) fail("'" + it.key() + "' is null");  // not "absent": a required key needs a value
  }
  if (require_all)
    for (const auto& k : keys)
      if (!optional.count(k) && !j.contains(k)) fail("missing '" + k + "'");
  auto str = [&](const char* key, auto&& set) {
    const nlohmann::json* v = detail::field(j, key);
    if (!v) return;
    if (!v->is_string()) fail(std::string("'") + key + "' must be a string");
    try {
      set(v->get<std::string>());
    } catch (const Error& e) {
      fail(std::string("'") + key + "': " + e.what());
    }
  };
  auto bits = [&](const char* key, std::initializer_list<int> allowed, int& out) {
    const nlohmann::json* v = detail::field(j, key);
    if (!v) return;
    if (v->is_number_integer())
      for (int a : allowed)
        if (v->get<int64_t>() == a) {
          out = a;
          return;
        }
    std::string list;
    for (int a : allowed) list += (list.empty() ? "" : ", ") + std::to_string(a);
    fail(std::string("'") + key + "' is " + v->dump() + " (one of " + list + ")");
  };
  auto flag = [&](const char* key, bool& out) {
    const nlohmann::json* v = detail::field(j, key);
    if (!v) return;
    if (!v->is_boolean()) fail(std::string("'") + key + "' must be true or false");
    out = v->get<bool>();
  };
  str("preset", [&](const std::string& v) { r.preset = v; });
  str("float_mode", [&](const std::string& v) { r.float_mode = qnn::float_mode_from_name(v); });
  str("weight_range", [&](const std::string& v) { r.weight_range = qnn::range_method_from_name(v); });
  str("activation_range", [&](const std::string& v) { r.activation_range = qnn::range_stat_from_name(v); });
  str("llm_weights", [&](const std::string& v) { r.llm_weights = weight_bits_from_name(v); });
  str("head_weights", [&](const std::string& v) { r.head_weights = weight_bits_from_name(v); });
  str("vit_weights", [&](const std::string& v) { r.vit_weights = weight_bits_from_name(v); });
  if (r.vit_weights == WeightBits::kW4) fail("vit_weights w4 (the vision tower takes float or w8)");
  flag("embedding_int8", r.embedding_int8);
  flag("allow_w8_fallback", r.allow_w8_fallback);
  bits("block_size", {16, 32, 64}, r.block_size);
  bits("llm_activation_bits", {0, 16}, r.llm_activation_bits);
  bits("kv_bits", {0, 8}, r.kv_bits);
  bits("vit_activation_bits", {0, 16}, r.vit_activation_bits);
  if (const nlohmann::json* w = detail::field(j, "weights")) {
    if (!w->is_object()) fail("'weights' must be an object {\"tensor name\": \"float\" | \"w8\" | \"w4\"}");
    for (auto it = w->begin(); it != w->end(); ++it) {
      if (!it->is_string()) fail("'weights." + it.key() + "' must be \"float\", \"w8\" or \"w4\"");
      try {
        r.weights[it.key()] = weight_bits_from_name(it->get<std::string>());
      } catch (const Error& e) {
        fail("'weights." + it.key() + "': " + e.what());
      }
    }
  }
}

}  // namespace

Qwen2VLRecipe Qwen2VLRecipe::from_json(const nlohmann::json& j) {
  Qwen2VLRecipe r;
  read_fields(j, kSource, /*require_all=*/true, ErrorCode::kCorruptFile, r);
  return r;
}

Qwen2VLRecipe recipe_with_overrides(Qwen2VLRecipe base, const nlohmann::json& j, const std::string& source) {
  read_fields(j, source, /*require_all=*/false, ErrorCode::kInvalidArgument, base);
  return base;
}

Qwen2VLRecipe recipe_from_file(Qwen2VLRecipe base, const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > (1u << 20))
    throw Error(ErrorCode::kInvalidArgument, "recipe file " + path + " is over 1 MiB");
  return recipe_with_overrides(std::move(base), detail::read_json_file(path), "recipe file " + path);
}

void check_weight_overrides(const Qwen2VLRecipe& recipe,
                            const std::function<std::optional<std::vector<int64_t>>(const std::string&)>& shape_of,
                            const std::string& checkpoint) {
  for (const auto& [name, bits] : recipe.weights) {
    const std::optional<std::vector<int64_t>> shape = shape_of(name);
    if (!shape)
      throw Error(ErrorCode::kInvalidArgument,
                  "recipe names weight '" + name + "', which the checkpoint " + checkpoint + " does not have");
    if (shape->size() < 2 && bits != WeightBits::kFloat)
      throw Error(ErrorCode::kInvalidArgument, "recipe asks for " + std::string(weight_bits_name(bits)) + " on '" +
                                                   name + "', a 1-D tensor (only weight matrices are quantized)");
  }
}

const std::vector<std::string>& recipe_presets() {
  static const std::vector<std::string> names{"fp32", "fp16", "w8a16", "w4a16"};
  return names;
}

Qwen2VLRecipe recipe_preset(const std::string& precision, int block_size, const std::string& vit) {
  qnn::check_lpbq_block_size(block_size, "block size");
  Qwen2VLRecipe r;
  r.preset = precision;
  r.block_size = block_size;
  if (precision == "fp32") {
    r.float_mode = qnn::FloatMode::kFp32;
  } else if (precision == "fp16") {
    r.float_mode = qnn::FloatMode::kFp16;
  } else if (precision == "w8a16" || precision == "w4a16") {
    r.float_mode = qnn::FloatMode::kFp16;
    r.llm_weights = precision == "w4a16" ? WeightBits::kW4 : WeightBits::kW8;
    r.head_weights = WeightBits::kW8;
    r.embedding_int8 = true;
    r.llm_activation_bits = 16;
    r.kv_bits = 8;
  } else {
    throw Error(ErrorCode::kInvalidArgument,
                "precision '" + precision + "' is not one of " + joined(recipe_presets()));
  }
  if (vit == "fp32" || vit == "fp16") {
    // One float mode per bundle: the tower's float precision is the preset's, so only that one can be asked for.
    if (vit == "fp32" && r.float_mode != qnn::FloatMode::kFp32)
      throw Error(ErrorCode::kInvalidArgument, "vit precision fp32 needs precision fp32 (the float parts of a " +
                                                   precision + " bundle are fp16)");
    if (vit == "fp16" && r.float_mode != qnn::FloatMode::kFp16)
      throw Error(ErrorCode::kInvalidArgument, "vit precision fp16 needs precision fp16, w8a16 or w4a16 (the float "
                                               "parts of an " + precision + " bundle are fp32)");
  } else if (vit == "w8a16") {
    r.vit_weights = WeightBits::kW8;
    r.vit_activation_bits = 16;
  } else if (!vit.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "vit precision '" + vit + "' is not one of fp32, fp16, w8a16");
  }
  return r;
}

LinearChoice choose_linear_weight(const Qwen2VLRecipe& recipe, const qnn::LinearWeight& w, bool is_vit, bool is_head,
                                  std::vector<std::string>* notes) {
  const WeightBits bits = is_vit ? recipe.vit_weights : is_head ? recipe.head_weights : recipe.llm_weights;
  LinearChoice c;
  if (bits == WeightBits::kFloat) return c;
  c.quantized = true;
  c.spec.channel_axis = 3;  // HWIO [1, 1, In, Out]: per output channel
  c.spec.method = recipe.weight_range;
  if (bits == WeightBits::kW8) return c;
  if (!qnn::lpbq_block_fits(w.in_channels, recipe.block_size)) {
    if (!recipe.allow_w8_fallback)
      throw Error(ErrorCode::kInvalidArgument,
                  "recipe: " + w.name + " has " + std::to_string(w.in_channels) + " input channels, not a multiple of " +
                      "the LPBQ block size " + std::to_string(recipe.block_size) + " (allow the w8 fallback or pick " +
                      "another block size)");
    if (notes)
      notes->push_back(w.name + ": " + std::to_string(w.in_channels) + " input channels are not a multiple of the LPBQ " +
                       "block size " + std::to_string(recipe.block_size) + "; stored w8 instead");
    return c;
  }
  c.spec.kind = qnn::WeightQuantSpec::Kind::kLpbq;
  c.spec.block_axis = 2;
  c.spec.block_size = recipe.block_size;
  return c;
}

std::optional<qnn::WeightQuantSpec> checkpoint_weight_quant(const Qwen2VLRecipe& recipe, const std::string& name,
                                                            const std::vector<int64_t>& shape, int64_t vocab_size,
                                                            const std::string& embed_tensor,
                                                            std::vector<std::string>* notes) {
  if (shape.size() != 2) return std::nullopt;
  const auto ov = recipe.weights.find(name);
  if (ov != recipe.weights.end()) {  // named in the recipe: exactly these bits, or an error
    if (ov->second == WeightBits::kFloat) return std::nullopt;
    qnn::WeightQuantSpec e;
    e.channel_axis = 0;
    e.method = recipe.weight_range;
    if (ov->second == WeightBits::kW8) return e;
    if (name == embed_tensor)
      throw Error(ErrorCode::kInvalidArgument, "recipe asks for w4 on the embedding table '" + name +
                                                   "' (it takes float or w8: one scale per row)");
    if (!qnn::lpbq_block_fits(shape[1], recipe.block_size))
      throw Error(ErrorCode::kInvalidArgument, "recipe asks for w4 on '" + name + "', whose " +
                                                   std::to_string(shape[1]) + " input channels are not a multiple " +
                                                   "of the LPBQ block size " + std::to_string(recipe.block_size));
    e.kind = qnn::WeightQuantSpec::Kind::kLpbq;
    e.block_axis = 1;
    e.block_size = recipe.block_size;
    return e;
  }
  if (name == embed_tensor) {
    if (!recipe.embedding_int8) return std::nullopt;
    qnn::WeightQuantSpec e;
    e.channel_axis = 0;
    e.method = recipe.weight_range;
    return e;
  }
  const bool is_vit = name.rfind("visual.", 0) == 0;
  const bool is_head = !is_vit && shape[0] == vocab_size;
  LinearChoice c = choose_linear_weight(recipe, {name, shape[1], shape[0]}, is_vit, is_head, notes);
  if (!c.quantized) return std::nullopt;
  c.spec.channel_axis = 0;  // [Out, In]
  if (c.spec.kind == qnn::WeightQuantSpec::Kind::kLpbq) c.spec.block_axis = 1;
  return c.spec;
}

}  // namespace edgevl::models
