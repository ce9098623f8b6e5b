// The Qwen2-VL quantization recipe (models/qwen2vl_recipe.h): presets as documented, the JSON round trip of the bundle
// metadata, user recipe files over a preset, per-weight overrides and the LPBQ block-size rules.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "edgevl/error.h"
#include "edgevl/models/qwen2vl_recipe.h"

using namespace edgevl;
using namespace edgevl::models;

namespace {

std::optional<ErrorCode> code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  return std::nullopt;
}

TEST(Recipe, PresetsAsDocumented) {
  const Qwen2VLRecipe f32 = recipe_preset("fp32");
  EXPECT_EQ(f32.float_mode, qnn::FloatMode::kFp32);
  EXPECT_FALSE(f32.llm_quantized() || f32.vit_quantized() || f32.needs_calibration() || f32.embedding_int8);
  EXPECT_EQ(recipe_preset("fp16").float_mode, qnn::FloatMode::kFp16);
  EXPECT_EQ(recipe_preset("fp16").float_weight_dtype(), qnn::DType::kFloat16);
  for (const char* p : {"w8a16", "w4a16"}) {
    SCOPED_TRACE(p);
    const Qwen2VLRecipe r = recipe_preset(p);
    EXPECT_EQ(r.llm_weights, std::string(p) == "w4a16" ? WeightBits::kW4 : WeightBits::kW8);
    EXPECT_EQ(r.head_weights, WeightBits::kW8);
    EXPECT_TRUE(r.embedding_int8);
    EXPECT_EQ(r.llm_activation_bits, 16);
    EXPECT_EQ(r.kv_bits, 8);
    EXPECT_EQ(r.vit_weights, WeightBits::kFloat);  // ViT fp16 by default
    EXPECT_EQ(r.vit_activation_bits, 0);
    EXPECT_EQ(r.block_size, 32);
    EXPECT_TRUE(r.needs_calibration());
  }
  const Qwen2VLRecipe v = recipe_preset("w4a16", 64, "w8a16");
  EXPECT_EQ(v.vit_weights, WeightBits::kW8);
  EXPECT_EQ(v.vit_activation_bits, 16);
  EXPECT_EQ(v.block_size, 64);
}

TEST(Recipe, BadPresetOptionsAreInvalidArgument) {
  EXPECT_EQ(code_of([] { recipe_preset("int3"); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { recipe_preset("w4a16", 48); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { recipe_preset("w4a16", 32, "w4a16"); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { recipe_preset("w4a16", 32, "fp32"); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { recipe_preset("fp32", 32, "fp32"); }), std::nullopt);
}

TEST(Recipe, JsonRoundTripOfEveryPreset) {
  for (const std::string& p : recipe_presets()) {
    Qwen2VLRecipe r = recipe_preset(p);
    r.weights["model.layers.0.mlp.down_proj.weight"] = WeightBits::kW8;
    const Qwen2VLRecipe back = Qwen2VLRecipe::from_json(r.to_json());
    EXPECT_EQ(back.to_json(), r.to_json()) << p;
    EXPECT_EQ(back.weights, r.weights);
  }
}

TEST(Recipe, MalformedMetadataIsCorruptFile) {
  const nlohmann::json good = recipe_preset("w4a16").to_json();
  for (const char* key : {"preset", "float_mode", "llm_weights", "block_size", "kv_bits"}) {
    nlohmann::json j = good;
    j.erase(key);
    EXPECT_EQ(code_of([&] { Qwen2VLRecipe::from_json(j); }), ErrorCode::kCorruptFile) << "missing " << key;
  }
  nlohmann::json j = good;
  j["block_size"] = 48;
  EXPECT_EQ(code_of([&] { Qwen2VLRecipe::from_json(j); }), ErrorCode::kCorruptFile);
  j = good;
  j["kv_bits"] = "8";
  EXPECT_EQ(code_of([&] { Qwen2VLRecipe::from_json(j); }), ErrorCode::kCorruptFile);
  j = good;
  j["vit_weights"] = "w4";
  EXPECT_EQ(code_of([&] { Qwen2VLRecipe::from_json(j); }), ErrorCode::kCorruptFile);
  j = good;
  j["surprise"] = 1;
  EXPECT_EQ(code_of([&] { Qwen2VLRecipe::from_json(j); }), ErrorCode::kCorruptFile);
  EXPECT_EQ(code_of([&] { Qwen2VLRecipe::from_json(nlohmann::json::array()); }), ErrorCode::kCorruptFile);
}

TEST(Recipe, UserFileOverridesThePreset) {
  const Qwen2VLRecipe r = recipe_with_overrides(
      recipe_preset("w4a16"), nlohmann::json::parse(R"({"block_size": 64, "weights": {"lm_head.weight": "w4"}})"), "r.json");
  EXPECT_EQ(r.block_size, 64);
  EXPECT_EQ(r.llm_weights, WeightBits::kW4);  // kept from the preset
  EXPECT_EQ(r.weights.at("lm_head.weight"), WeightBits::kW4);
  for (const char* bad : {R"({"blocksize": 64})", R"({"block_size": 20})", R"({"weights": {"a": "w2"}})",
                          R"({"weights": ["a"]})", R"({"kv_bits": true})", R"([1])"}) {
    try {
      recipe_with_overrides(recipe_preset("w4a16"), nlohmann::json::parse(bad), "r.json");
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << bad;
      EXPECT_NE(std::string(e.what()).find("r.json"), std::string::npos) << e.what();
    }
  }
}

TEST(Recipe, WeightOverridesMustNameCheckpointMatrices) {
  Qwen2VLRecipe r = recipe_preset("w4a16");
  r.weights["model.layers.0.mlp.up_proj.weight"] = WeightBits::kW8;
  auto shape_of = [](const std::string& n) -> std::optional<std::vector<int64_t>> {
    if (n == "model.layers.0.mlp.up_proj.weight") return std::vector<int64_t>{344, 64};
    if (n == "model.norm.weight") return std::vector<int64_t>{64};
    return std::nullopt;
  };
  EXPECT_EQ(code_of([&] { check_weight_overrides(r, shape_of, "ckpt"); }), std::nullopt);
  r.weights["model.layers.9.mlp.up_proj.weight"] = WeightBits::kW8;
  try {
    check_weight_overrides(r, shape_of, "ckpt");
    ADD_FAILURE() << "an unknown tensor was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("model.layers.9.mlp.up_proj.weight"), std::string::npos) << e.what();
  }
  r.weights.erase("model.layers.9.mlp.up_proj.weight");
  r.weights["model.norm.weight"] = WeightBits::kW8;
  EXPECT_EQ(code_of([&] { check_weight_overrides(r, shape_of, "ckpt"); }), ErrorCode::kInvalidArgument);
}

TEST(Recipe, LinearWeightChoices) {
  const Qwen2VLRecipe r = recipe_preset("w4a16");
  std::vector<std::string> notes;
  // LPBQ on [Out, In]: blocks of 32 along axis 1, per output channel (axis 0).
  auto q = checkpoint_weight_quant(r, "model.layers.0.self_attn.q_proj.weight", {64, 64}, 1000, "model.embed_tokens.weight", &notes);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->kind, qnn::WeightQuantSpec::Kind::kLpbq);
  EXPECT_EQ(q->channel_axis, 0);
  EXPECT_EQ(q->block_axis, 1);
  EXPECT_EQ(q->block_size, 32);
  EXPECT_TRUE(notes.empty());
  // In = 344 is not a multiple of 32: w8 and a note naming the weight.
  q = checkpoint_weight_quant(r, "model.layers.0.mlp.down_proj.weight", {64, 344}, 1000, "model.embed_tokens.weight", &notes);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("model.layers.0.mlp.down_proj.weight"), std::string::npos);
  // ... an error when the recipe forbids the fallback, or names the weight w4.
  Qwen2VLRecipe strict = r;
  strict.allow_w8_fallback = false;
  EXPECT_EQ(code_of([&] {
              checkpoint_weight_quant(strict, "model.layers.0.mlp.down_proj.weight", {64, 344}, 1000, "e", nullptr);
            }),
            ErrorCode::kInvalidArgument);
  Qwen2VLRecipe forced = r;
  forced.weights["model.layers.0.mlp.down_proj.weight"] = WeightBits::kW4;
  EXPECT_EQ(code_of([&] {
              checkpoint_weight_quant(forced, "model.layers.0.mlp.down_proj.weight", {64, 344}, 1000, "e", nullptr);
            }),
            ErrorCode::kInvalidArgument);
  // Head (Out = vocab) w8; embedding int8 per row; ViT float in the preset; norms and biases float.
  q = checkpoint_weight_quant(r, "lm_head.weight", {1000, 64}, 1000, "model.embed_tokens.weight", nullptr);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  q = checkpoint_weight_quant(r, "model.embed_tokens.weight", {1000, 64}, 1000, "model.embed_tokens.weight", nullptr);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->channel_axis, 0);
  EXPECT_FALSE(checkpoint_weight_quant(r, "visual.blocks.0.mlp.fc1.weight", {256, 64}, 1000, "e", nullptr));
  EXPECT_FALSE(checkpoint_weight_quant(r, "model.norm.weight", {64}, 1000, "e", nullptr));
  const Qwen2VLRecipe v = recipe_preset("w4a16", 32, "w8a16");
  q = checkpoint_weight_quant(v, "visual.blocks.0.mlp.fc1.weight", {256, 64}, 1000, "e", nullptr);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  // An override to float keeps a weight float.
  Qwen2VLRecipe keep = r;
  keep.weights["model.layers.0.self_attn.q_proj.weight"] = WeightBits::kFloat;
  EXPECT_FALSE(checkpoint_weight_quant(keep, "model.layers.0.self_attn.q_proj.weight", {64, 64}, 1000, "e", nullptr));
}

// ---- Every field of every preset, the option errors' messages, field-wise round trips, every metadata key. ----

std::string message_of(const std::function<void()>& f, ErrorCode expected) {
  try {
    f();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), expected) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no edgevl::Error thrown";
  return "";
}

void expect_same(const Qwen2VLRecipe& a, const Qwen2VLRecipe& b) {
  EXPECT_EQ(a.preset, b.preset);
  EXPECT_EQ(a.float_mode, b.float_mode);
  EXPECT_EQ(a.llm_weights, b.llm_weights);
  EXPECT_EQ(a.head_weights, b.head_weights);
  EXPECT_EQ(a.embedding_int8, b.embedding_int8);
  EXPECT_EQ(a.block_size, b.block_size);
  EXPECT_EQ(a.allow_w8_fallback, b.allow_w8_fallback);
  EXPECT_EQ(a.llm_activation_bits, b.llm_activation_bits);
  EXPECT_EQ(a.kv_bits, b.kv_bits);
  EXPECT_EQ(a.vit_weights, b.vit_weights);
  EXPECT_EQ(a.vit_activation_bits, b.vit_activation_bits);
  EXPECT_EQ(a.weight_range, b.weight_range);
  EXPECT_EQ(a.activation_range, b.activation_range);
  EXPECT_EQ(a.weights, b.weights);
}

// The table of docs/quantization.md and the header's list, field by field.
TEST(Recipe, EveryFieldOfEveryPreset) {
  EXPECT_EQ(recipe_presets(), (std::vector<std::string>{"fp32", "fp16", "w8a16", "w4a16"}));
  for (const std::string& p : recipe_presets()) {
    SCOPED_TRACE(p);
    const Qwen2VLRecipe r = recipe_preset(p);
    const bool quant = p == "w8a16" || p == "w4a16";
    EXPECT_EQ(r.preset, p);
    EXPECT_EQ(r.float_mode, p == "fp32" ? qnn::FloatMode::kFp32 : qnn::FloatMode::kFp16);
    EXPECT_EQ(r.float_weight_dtype(), p == "fp32" ? qnn::DType::kFloat32 : qnn::DType::kFloat16);
    EXPECT_EQ(r.llm_weights, p == "w4a16" ? WeightBits::kW4 : p == "w8a16" ? WeightBits::kW8 : WeightBits::kFloat);
    EXPECT_EQ(r.head_weights, quant ? WeightBits::kW8 : WeightBits::kFloat);
    EXPECT_EQ(r.embedding_int8, quant);
    EXPECT_EQ(r.llm_activation_bits, quant ? 16 : 0);
    EXPECT_EQ(r.kv_bits, quant ? 8 : 0);
    EXPECT_EQ(r.vit_weights, WeightBits::kFloat);
    EXPECT_EQ(r.vit_activation_bits, 0);
    EXPECT_EQ(r.block_size, 32);
    EXPECT_TRUE(r.allow_w8_fallback);
    EXPECT_EQ(r.weight_range, qnn::RangeMethod::kMinMax);
    EXPECT_EQ(r.activation_range, qnn::RangeStat::kMinMax);
    EXPECT_TRUE(r.weights.empty());
    EXPECT_EQ(r.llm_quantized(), quant);
    EXPECT_FALSE(r.vit_quantized());
    EXPECT_EQ(r.needs_calibration(), quant);
  }
  for (int bs : {16, 32, 64}) EXPECT_EQ(recipe_preset("w4a16", bs).block_size, bs);
}

TEST(Recipe, OptionErrorsNameTheOption) {
  std::string m = message_of([] { recipe_preset("int3"); }, ErrorCode::kInvalidArgument);
  for (const char* part : {"int3", "fp32", "fp16", "w8a16", "w4a16"})
    EXPECT_NE(m.find(part), std::string::npos) << "'" << part << "' not in: " << m;
  EXPECT_EQ(code_of([] { recipe_preset(""); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(code_of([] { recipe_preset("W8A16"); }), ErrorCode::kInvalidArgument);  // names are exact
  for (int bs : {48, 0, -32, 8, 128}) {
    m = message_of([bs] { recipe_preset("w4a16", bs); }, ErrorCode::kInvalidArgument);
    EXPECT_NE(m.find(std::to_string(bs)), std::string::npos) << m;
  }
  m = message_of([] { recipe_preset("w4a16", 32, "int2"); }, ErrorCode::kInvalidArgument);
  for (const char* part : {"int2", "fp32", "fp16", "w8a16"})
    EXPECT_NE(m.find(part), std::string::npos) << "'" << part << "' not in: " << m;
}

// The ViT override: fp32 needs fp32 float parts (a quantized or fp16 bundle's float parts are fp16); fp16 on an fp32
// bundle cannot be honoured either (one float mode per bundle) and is an error, not a silent fp32 ViT; w8a16
// quantizes the tower of any preset.
TEST(Recipe, VitOverride) {
  for (const char* p : {"fp16", "w8a16", "w4a16"}) {
    const std::string m = message_of([p] { recipe_preset(p, 32, "fp32"); }, ErrorCode::kInvalidArgument);
    EXPECT_NE(m.find("fp32"), std::string::npos) << m;
    EXPECT_EQ(code_of([p] { recipe_preset(p, 32, "fp16"); }), std::nullopt) << p;
    expect_same(recipe_preset(p, 32, "fp16"), recipe_preset(p));  // the preset's ViT already
  }
  expect_same(recipe_preset("fp32", 32, "fp32"), recipe_preset("fp32"));
  const std::string m = message_of([] { recipe_preset("fp32", 32, "fp16"); }, ErrorCode::kInvalidArgument);
  EXPECT_NE(m.find("fp16"), std::string::npos) << m;
  for (const std::string& p : recipe_presets()) {
    SCOPED_TRACE(p);
    const Qwen2VLRecipe r = recipe_preset(p, 32, "w8a16");
    EXPECT_EQ(r.vit_weights, WeightBits::kW8);
    EXPECT_EQ(r.vit_activation_bits, 16);
    EXPECT_TRUE(r.vit_quantized());
    EXPECT_TRUE(r.needs_calibration());
    EXPECT_EQ(r.llm_weights, recipe_preset(p).llm_weights);  // the LLM part is the preset's
  }
}

TEST(Recipe, JsonRoundTripFieldByField) {
  std::vector<Qwen2VLRecipe> all;
  for (const std::string& p : recipe_presets()) {
    all.push_back(recipe_preset(p));
    all.push_back(recipe_preset(p, 64, "w8a16"));
  }
  Qwen2VLRecipe c = recipe_preset("w4a16", 16);
  c.preset = "custom";
  c.allow_w8_fallback = false;
  c.weight_range = qnn::RangeMethod::kMse;
  c.activation_range = qnn::RangeStat::kMeanMinMax;
  c.weights = {{"lm_head.weight", WeightBits::kFloat}, {"model.layers.1.mlp.up_proj.weight", WeightBits::kW4}};
  all.push_back(c);
  for (const Qwen2VLRecipe& r : all) {
    SCOPED_TRACE(r.to_json().dump());
    expect_same(Qwen2VLRecipe::from_json(r.to_json()), r);
    // Through text too (what the bundle stores).
    expect_same(Qwen2VLRecipe::from_json(nlohmann::json::parse(r.to_json().dump())), r);
  }
}

TEST(Recipe, EveryMetadataKeyIsCheckedAndNamed) {
  const nlohmann::json good = recipe_preset("w4a16").to_json();
  const std::vector<std::string> required{"preset", "float_mode", "llm_weights", "head_weights", "vit_weights",
                                          "embedding_int8", "block_size", "llm_activation_bits", "kv_bits",
                                          "vit_activation_bits", "weight_range", "activation_range"};
  for (const std::string& k : required) {
    SCOPED_TRACE(k);
    ASSERT_TRUE(good.contains(k));
    nlohmann::json j = good;
    j.erase(k);
    std::string m = message_of([&] { Qwen2VLRecipe::from_json(j); }, ErrorCode::kCorruptFile);
    EXPECT_NE(m.find(k), std::string::npos) << m;
    // A null value is no value.
    j = good;
    j[k] = nullptr;
    m = message_of([&] { Qwen2VLRecipe::from_json(j); }, ErrorCode::kCorruptFile);
    EXPECT_NE(m.find(k), std::string::npos) << m;
    // The wrong JSON type: a list for every key.
    j = good;
    j[k] = nlohmann::json::array({1});
    m = message_of([&] { Qwen2VLRecipe::from_json(j); }, ErrorCode::kCorruptFile);
    EXPECT_NE(m.find(k), std::string::npos) << m;
  }
  // Optional keys: absent = the defaults.
  nlohmann::json j = good;
  j.erase("allow_w8_fallback");
  j.erase("weights");
  const Qwen2VLRecipe r = Qwen2VLRecipe::from_json(j);
  EXPECT_TRUE(r.allow_w8_fallback);
  EXPECT_TRUE(r.weights.empty());
  // Values of the right type that are not allowed.
  const std::vector<std::pair<std::string, nlohmann::json>> bad{
      {"float_mode", "fp8"},       {"llm_weights", "w2"},      {"head_weights", "int8"},  {"vit_weights", "w4"},
      {"block_size", 48},          {"block_size", 0},          {"block_size", 32.0},      {"llm_activation_bits", 8},
      {"kv_bits", 16},             {"kv_bits", "8"},           {"kv_bits", true},         {"vit_activation_bits", 4},
      {"embedding_int8", 1},       {"allow_w8_fallback", "no"}, {"weight_range", "max"},  {"activation_range", "mean"},
      {"weights", nlohmann::json::array({"a"})},               {"weights", {{"a", "w3"}}}, {"weights", {{"a", 8}}}};
  for (const auto& [k, v] : bad) {
    nlohmann::json b = good;
    b[k] = v;
    SCOPED_TRACE(b.dump());
    const std::string m = message_of([&] { Qwen2VLRecipe::from_json(b); }, ErrorCode::kCorruptFile);
    EXPECT_NE(m.find(k), std::string::npos) << m;
  }
}

// choose_linear_weight on HWIO [1, 1, In, Out] (lower_linear_to_conv2d's layout): channel axis 3, blocks along 2.
TEST(Recipe, ChooseLinearWeight) {
  const Qwen2VLRecipe w4 = recipe_preset("w4a16");
  std::vector<std::string> notes;
  LinearChoice c = choose_linear_weight(w4, {"q.hwio", 64, 128}, false, false, &notes);
  EXPECT_TRUE(c.quantized);
  EXPECT_EQ(c.spec.kind, qnn::WeightQuantSpec::Kind::kLpbq);
  EXPECT_EQ(c.spec.block_size, 32);
  EXPECT_EQ(c.spec.block_axis, 2);
  EXPECT_EQ(c.spec.channel_axis, 3);
  EXPECT_EQ(c.spec.method, qnn::RangeMethod::kMinMax);
  EXPECT_TRUE(notes.empty());
  // In = 344 (not a multiple of 32): w8 per output channel, and one note naming the weight.
  c = choose_linear_weight(w4, {"down.hwio", 344, 64}, false, false, &notes);
  EXPECT_TRUE(c.quantized);
  EXPECT_EQ(c.spec.kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  EXPECT_EQ(c.spec.channel_axis, 3);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_NE(notes[0].find("down.hwio"), std::string::npos) << notes[0];
  EXPECT_NO_THROW(choose_linear_weight(w4, {"down.hwio", 344, 64}, false, false, nullptr));  // no notes wanted
  Qwen2VLRecipe strict = w4;
  strict.allow_w8_fallback = false;
  const std::string m = message_of([&] { choose_linear_weight(strict, {"down.hwio", 344, 64}, false, false, nullptr); },
                                   ErrorCode::kInvalidArgument);
  EXPECT_NE(m.find("down.hwio"), std::string::npos) << m;
  // Block 64: 96 input channels do not fit (though 32 would).
  notes.clear();
  c = choose_linear_weight(recipe_preset("w4a16", 64), {"x.hwio", 96, 64}, false, false, &notes);
  EXPECT_EQ(c.spec.kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  EXPECT_EQ(notes.size(), 1u);
  c = choose_linear_weight(recipe_preset("w4a16", 64), {"x.hwio", 128, 64}, false, false, &notes);
  EXPECT_EQ(c.spec.kind, qnn::WeightQuantSpec::Kind::kLpbq);
  EXPECT_EQ(c.spec.block_size, 64);
  // The head: the head's bits (w8), even where LPBQ would fit.
  c = choose_linear_weight(w4, {"lm_head.hwio", 64, 1000}, false, true, nullptr);
  EXPECT_TRUE(c.quantized);
  EXPECT_EQ(c.spec.kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  EXPECT_EQ(c.spec.channel_axis, 3);
  // The vision tower: its own bits — float in the preset, w8 with the w8a16 override (never LPBQ).
  EXPECT_FALSE(choose_linear_weight(w4, {"vit.hwio", 64, 64}, true, false, nullptr).quantized);
  c = choose_linear_weight(recipe_preset("w4a16", 32, "w8a16"), {"vit.hwio", 64, 64}, true, false, nullptr);
  EXPECT_TRUE(c.quantized);
  EXPECT_EQ(c.spec.kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  c = choose_linear_weight(recipe_preset("fp32", 32, "w8a16"), {"vit.hwio", 64, 64}, true, false, nullptr);
  EXPECT_TRUE(c.quantized);
  EXPECT_FALSE(choose_linear_weight(recipe_preset("fp32", 32, "w8a16"), {"q.hwio", 64, 64}, false, false, nullptr).quantized);
  // w8a16: every LLM linear w8; fp32/fp16: nothing quantized.
  c = choose_linear_weight(recipe_preset("w8a16"), {"q.hwio", 64, 64}, false, false, nullptr);
  EXPECT_TRUE(c.quantized);
  EXPECT_EQ(c.spec.kind, qnn::WeightQuantSpec::Kind::kInt8PerChannel);
  for (const char* p : {"fp32", "fp16"})
    for (bool vit : {false, true})
      for (bool head : {false, true})
        EXPECT_FALSE(choose_linear_weight(recipe_preset(p), {"w", 64, 64}, vit, head, nullptr).quantized) << p;
  // The recipe's range method is the spec's.
  Qwen2VLRecipe mse = w4;
  mse.weight_range = qnn::RangeMethod::kMse;
  EXPECT_EQ(choose_linear_weight(mse, {"q.hwio", 64, 64}, false, false, nullptr).spec.method, qnn::RangeMethod::kMse);
  EXPECT_EQ(choose_linear_weight(mse, {"lm_head.hwio", 64, 1000}, false, true, nullptr).spec.method,
            qnn::RangeMethod::kMse);
}

}  // namespace
