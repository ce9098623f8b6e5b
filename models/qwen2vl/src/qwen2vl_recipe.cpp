#include "edgevl/models/qwen2vl_recipe.h"

#include "edgevl/error.h"
#include "json_fields.h"

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
  j["llm_activation_bits"] = llm_activation_bits;
  j["kv_bits"] = kv_bits;
  j["vit_weights"] = weight_bits_name(vit_weights);
  j["vit_activation_bits"] = vit_activation_bits;
  j["weight_range"] = qnn::range_method_name(weight_range);
  j["activation_range"] = qnn::range_stat_name(activation_range);
  return j;
}

Qwen2VLRecipe Qwen2VLRecipe::from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw Error(ErrorCode::kCorruptFile, std::string(kSource) + " is not an object");
  Qwen2VLRecipe r;
  std::string s;
  auto str = [&](const char* key) {
    s.clear();
    detail::get_string(j, key, kSource, s);
    if (s.empty()) throw Error(ErrorCode::kCorruptFile, std::string(kSource) + ": missing '" + key + "'");
    return s;
  };
  auto bits = [&](const char* key, std::initializer_list<int> allowed) {
    int64_t v = -1;
    detail::get_int(j, key, kSource, v);
    for (int a : allowed)
      if (v == a) return a;
    throw Error(ErrorCode::kCorruptFile, std::string(kSource) + ": '" + key + "' is " + std::to_string(v));
  };
  r.preset = str("preset");
  try {
    r.float_mode = qnn::float_mode_from_name(str("float_mode"));
    r.weight_range = qnn::range_method_from_name(str("weight_range"));
    r.activation_range = qnn::range_stat_from_name(str("activation_range"));
  } catch (const Error& e) {
    throw Error(ErrorCode::kCorruptFile, std::string(kSource) + ": " + e.what());
  }
  r.llm_weights = weight_bits_from_name(str("llm_weights"));
  r.head_weights = weight_bits_from_name(str("head_weights"));
  r.vit_weights = weight_bits_from_name(str("vit_weights"));
  if (r.vit_weights == WeightBits::kW4)
    throw Error(ErrorCode::kCorruptFile, std::string(kSource) + ": vit_weights w4 (the vision tower takes float or w8)");
  detail::get_bool(j, "embedding_int8", kSource, r.embedding_int8);
  r.block_size = bits("block_size", {16, 32, 64});
  r.llm_activation_bits = bits("llm_activation_bits", {0, 16});
  r.kv_bits = bits("kv_bits", {0, 8});
  r.vit_activation_bits = bits("vit_activation_bits", {0, 16});
  return r;
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
    if (vit == "fp32" && r.float_mode != qnn::FloatMode::kFp32)
      throw Error(ErrorCode::kInvalidArgument, "vit precision fp32 needs precision fp32 (the float parts of a " +
                                                   precision + " bundle are fp16)");
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

}  // namespace edgevl::models
