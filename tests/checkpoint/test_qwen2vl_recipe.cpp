// The Qwen2-VL quantization recipe (models/qwen2vl_recipe.h): presets as documented, the JSON round trip of the bundle
// metadata, user recipe files over a preset, per-weight overrides and the LPBQ block-size rules.
#include <gtest/gtest.h>

#include <optional>

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

}  // namespace
