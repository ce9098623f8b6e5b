// Qwen2VLConfig / ModelGenerationConfig parsing: both config.json spellings, defaults, wrong types, inconsistent values,
// and the canonical tensor list against the published 2B checkpoint's counts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "edgevl/models/generation_config.h"
#include "edgevl/models/qwen2vl_checkpoint.h"
#include "edgevl/models/qwen2vl_config.h"
#include "expect_error.h"

using namespace edgevl;
using namespace edgevl::models;
using nlohmann::json;

using edgevl::test::expect_error;

namespace {

// config.json of Qwen2-VL-2B-Instruct as published (older flat spelling).
const char* kQwen2VL2BConfig = R"({
  "architectures": ["Qwen2VLForConditionalGeneration"], "attention_dropout": 0.0,
  "bos_token_id": 151643, "eos_token_id": 151645, "vision_start_token_id": 151652, "vision_end_token_id": 151653,
  "vision_token_id": 151654, "image_token_id": 151655, "video_token_id": 151656, "hidden_act": "silu",
  "hidden_size": 1536, "initializer_range": 0.02, "intermediate_size": 8960, "max_position_embeddings": 32768,
  "max_window_layers": 28, "model_type": "qwen2_vl", "num_attention_heads": 12, "num_hidden_layers": 28,
  "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768,
  "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.41.2", "use_cache": true,
  "use_sliding_window": false,
  "vision_config": {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3,
                    "hidden_size": 1536, "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14,
                    "temporal_patch_size": 2},
  "rope_scaling": {"type": "mrope", "mrope_section": [16, 24, 24]}, "vocab_size": 151936
})";

// Newer nested spelling with non-default values everywhere, so each one must really be read from text_config.
const char* kNestedConfig = R"({
  "model_type": "qwen2_vl", "image_token_id": 90, "video_token_id": 91, "vision_start_token_id": 92,
  "vision_end_token_id": 93, "tie_word_embeddings": false, "dtype": "float16",
  "text_config": {"vocab_size": 100, "hidden_size": 96, "intermediate_size": 200, "num_hidden_layers": 3,
                  "num_attention_heads": 6, "num_key_value_heads": 3, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                  "max_position_embeddings": 512, "eos_token_id": 95, "hidden_act": "silu",
                  "rope_scaling": {"type": "mrope", "rope_type": "default", "mrope_section": [2, 3, 3]}},
  "vision_config": {"depth": 3, "embed_dim": 48, "num_heads": 4, "mlp_ratio": 2.5, "in_channels": 3,
                    "hidden_size": 96, "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2,
                    "hidden_act": "quick_gelu"}
})";

}  // namespace

TEST(Qwen2VLConfig, Published2BFlatConfig) {
  Qwen2VLConfig c = Qwen2VLConfig::from_json(json::parse(kQwen2VL2BConfig), "config.json");
  EXPECT_EQ(c.text.hidden_size, 1536);
  EXPECT_EQ(c.text.intermediate_size, 8960);
  EXPECT_EQ(c.text.num_hidden_layers, 28);
  EXPECT_EQ(c.text.num_attention_heads, 12);
  EXPECT_EQ(c.text.num_key_value_heads, 2);
  EXPECT_EQ(c.text.head_dim(), 128);
  EXPECT_EQ(c.text.vocab_size, 151936);
  EXPECT_EQ(c.text.mrope_section, (std::vector<int64_t>{16, 24, 24}));
  EXPECT_DOUBLE_EQ(c.text.rope_theta, 1e6);
  EXPECT_DOUBLE_EQ(c.text.rms_norm_eps, 1e-6);
  EXPECT_TRUE(c.text.tie_word_embeddings);
  EXPECT_EQ(c.vision.depth, 32);
  EXPECT_EQ(c.vision.embed_dim, 1280);
  EXPECT_EQ(c.vision.head_dim(), 80);
  EXPECT_EQ(c.vision.mlp_dim(), 5120);
  EXPECT_EQ(c.vision.in_channels, 3);
  EXPECT_EQ(c.vision.patch_dim(), 1176);
  EXPECT_EQ(c.vision.merged_dim(), 5120);
  EXPECT_EQ(c.vision.hidden_size, 1536);
  EXPECT_EQ(c.vision.hidden_act, "quick_gelu");  // absent -> quick_gelu
  EXPECT_EQ(c.image_token_id, 151655);
  EXPECT_EQ(c.vision_start_token_id, 151652);
  EXPECT_EQ(c.eos_token_id, 151645);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
}

TEST(Qwen2VLConfig, NestedSpellingReadsTextConfig) {
  Qwen2VLConfig c = Qwen2VLConfig::from_json(json::parse(kNestedConfig), "nested.json");
  EXPECT_EQ(c.text.vocab_size, 100);
  EXPECT_EQ(c.text.hidden_size, 96);
  EXPECT_EQ(c.text.intermediate_size, 200);
  EXPECT_EQ(c.text.num_hidden_layers, 3);
  EXPECT_EQ(c.text.num_attention_heads, 6);
  EXPECT_EQ(c.text.num_key_value_heads, 3);
  EXPECT_EQ(c.text.max_position_embeddings, 512);
  EXPECT_DOUBLE_EQ(c.text.rms_norm_eps, 1e-5);
  EXPECT_DOUBLE_EQ(c.text.rope_theta, 1e4);
  EXPECT_EQ(c.text.mrope_section, (std::vector<int64_t>{2, 3, 3}));
  EXPECT_FALSE(c.text.tie_word_embeddings);
  EXPECT_EQ(c.eos_token_id, 95);
  EXPECT_EQ(c.image_token_id, 90);
  EXPECT_EQ(c.vision_end_token_id, 93);
  EXPECT_EQ(c.vision.embed_dim, 48);
  EXPECT_EQ(c.vision.mlp_dim(), 120);
  EXPECT_EQ(c.torch_dtype, "float16");
}

TEST(Qwen2VLConfig, DefaultsWhenKeysAbsent) {
  Qwen2VLConfig c = Qwen2VLConfig::from_json(json::parse(R"({"model_type":"qwen2_vl"})"), "min.json");
  EXPECT_EQ(c.text.hidden_size, 1536);
  EXPECT_EQ(c.text.num_key_value_heads, 2);
  EXPECT_EQ(c.vision.depth, 32);
  EXPECT_EQ(c.image_token_id, 151655);
  // num_key_value_heads absent with heads given: plain multi-head attention, as in transformers.
  Qwen2VLConfig m = Qwen2VLConfig::from_json(
      json::parse(R"({"hidden_size": 64, "num_attention_heads": 4, "rope_scaling": {"mrope_section": [2,3,3]},
                      "vision_config": {"hidden_size": 64}})"),
      "mha.json");
  EXPECT_EQ(m.text.num_key_value_heads, 4);
}

TEST(Qwen2VLConfig, WrongTypesAndInconsistentValues) {
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"hidden_size": "big"})"), "c.json"); },
               ErrorCode::kCorruptFile, {"c.json", "hidden_size"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"text_config": {"num_hidden_layers": 2.5}})"), "c.json"); },
               ErrorCode::kCorruptFile, {"c.json", "num_hidden_layers"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"vision_config": [1]})"), "c.json"); },
               ErrorCode::kCorruptFile, {"c.json", "vision_config"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"([1, 2])"), "c.json"); }, ErrorCode::kCorruptFile,
               {"c.json"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"model_type": "llava"})"), "c.json"); },
               ErrorCode::kUnsupported, {"c.json", "llava"});
  expect_error(
      [] { Qwen2VLConfig::from_json(json::parse(R"({"rope_scaling": {"mrope_section": [16, 24, 23]}})"), "c.json"); },
      ErrorCode::kInvalidArgument, {"c.json", "mrope_section"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"num_key_value_heads": 5})"), "c.json"); },
               ErrorCode::kInvalidArgument, {"c.json", "num_key_value_heads"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"hidden_size": 0})"), "c.json"); },
               ErrorCode::kInvalidArgument, {"c.json", "hidden_size"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"image_token_id": 999999})"), "c.json"); },
               ErrorCode::kInvalidArgument, {"c.json", "image_token_id"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"vision_config": {"num_heads": 128}})"), "c.json"); },
               ErrorCode::kInvalidArgument, {"c.json", "vision_config"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"vision_config": {"hidden_size": 1000}})"), "c.json"); },
               ErrorCode::kInvalidArgument, {"c.json", "vision_config.hidden_size"});
  expect_error([] { Qwen2VLConfig::from_json(json::parse(R"({"hidden_size": 1e300})"), "c.json"); },
               ErrorCode::kCorruptFile, {"c.json", "hidden_size"});
  expect_error([] { Qwen2VLConfig::load("/nonexistent-dir-for-edgevl-test/config.json"); }, ErrorCode::kNotFound,
               {"config.json"});
}

TEST(Qwen2VLConfig, CanonicalTensorListMatchesPublished2B) {
  // The published 2B checkpoint: 729 tensors, 2,208,985,600 parameters, tied head (no lm_head.weight).
  Qwen2VLConfig c = Qwen2VLConfig::from_json(json::parse(kQwen2VL2BConfig), "config.json");
  std::vector<ExpectedTensor> t = qwen2vl_expected_tensors(c, false);
  EXPECT_EQ(t.size(), 729u);
  int64_t params = 0;
  for (const ExpectedTensor& e : t) {
    int64_t n = 1;
    for (int64_t d : e.shape) n *= d;
    params += n;
  }
  EXPECT_EQ(params, 2208985600);
  auto shape_of = [&](const std::string& name) {
    for (const ExpectedTensor& e : t)
      if (e.name == name) return e.shape;
    return std::vector<int64_t>{};
  };
  EXPECT_EQ(shape_of("visual.patch_embed.proj.weight"), (std::vector<int64_t>{1280, 3, 2, 14, 14}));
  EXPECT_EQ(shape_of("visual.blocks.31.attn.qkv.weight"), (std::vector<int64_t>{3840, 1280}));
  EXPECT_EQ(shape_of("visual.merger.mlp.0.weight"), (std::vector<int64_t>{5120, 5120}));
  EXPECT_EQ(shape_of("visual.merger.mlp.2.weight"), (std::vector<int64_t>{1536, 5120}));
  EXPECT_EQ(shape_of("model.layers.27.self_attn.k_proj.weight"), (std::vector<int64_t>{256, 1536}));
  EXPECT_EQ(shape_of("model.layers.0.mlp.down_proj.weight"), (std::vector<int64_t>{1536, 8960}));
  EXPECT_EQ(shape_of("model.embed_tokens.weight"), (std::vector<int64_t>{151936, 1536}));
  EXPECT_TRUE(shape_of("lm_head.weight").empty());
  EXPECT_EQ(qwen2vl_expected_tensors(c, true).back().name, "lm_head.weight");
  EXPECT_EQ(qwen2vl_tensor_name("visual.blocks.0.norm1.weight", TensorNaming::kNested), "model.visual.blocks.0.norm1.weight");
  EXPECT_EQ(qwen2vl_tensor_name("model.norm.weight", TensorNaming::kNested), "model.language_model.norm.weight");
  EXPECT_EQ(qwen2vl_tensor_name("lm_head.weight", TensorNaming::kNested), "lm_head.weight");
}

TEST(GenerationConfig, EosIntOrListAndDefaults) {
  ModelGenerationConfig g = ModelGenerationConfig::from_json(
      json::parse(R"({"bos_token_id": 151643, "pad_token_id": 151643, "do_sample": true,
                      "eos_token_id": [151645, 151643], "repetition_penalty": 1.05, "temperature": 0.1,
                      "top_k": 1, "top_p": 0.001, "max_new_tokens": 64})"),
      "generation_config.json");
  EXPECT_EQ(g.eos_token_ids, (std::vector<int64_t>{151645, 151643}));
  EXPECT_TRUE(g.do_sample);
  EXPECT_DOUBLE_EQ(g.temperature, 0.1);
  EXPECT_EQ(g.top_k, 1);
  EXPECT_DOUBLE_EQ(g.top_p, 0.001);
  EXPECT_DOUBLE_EQ(g.repetition_penalty, 1.05);
  EXPECT_EQ(g.max_new_tokens.value_or(-1), 64);
  EXPECT_EQ(g.pad_token_id.value_or(-1), 151643);

  ModelGenerationConfig one = ModelGenerationConfig::from_json(json::parse(R"({"eos_token_id": 7})"), "g.json");
  EXPECT_EQ(one.eos_token_ids, (std::vector<int64_t>{7}));
  // transformers' GenerationConfig defaults for absent keys.
  EXPECT_FALSE(one.do_sample);
  EXPECT_DOUBLE_EQ(one.temperature, 1.0);
  EXPECT_EQ(one.top_k, 50);
  EXPECT_DOUBLE_EQ(one.top_p, 1.0);
  EXPECT_DOUBLE_EQ(one.repetition_penalty, 1.0);
  EXPECT_FALSE(one.max_new_tokens.has_value());

  expect_error([] { ModelGenerationConfig::from_json(json::parse(R"({"eos_token_id": "x"})"), "g.json"); },
               ErrorCode::kCorruptFile, {"g.json", "eos_token_id"});
  expect_error([] { ModelGenerationConfig::from_json(json::parse(R"({"top_p": [1]})"), "g.json"); },
               ErrorCode::kCorruptFile, {"g.json", "top_p"});
}
