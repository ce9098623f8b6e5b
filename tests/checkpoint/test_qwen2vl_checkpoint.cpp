// Opening random Qwen2-VL model directories written by models/tools/make_random_checkpoint.py (numpy): every variant
// (flat/nested config, single/sharded, bf16/f16/f32, old/new names, tied/untied head) loads, the values read back
// equal what numpy wrote, and broken directories give clear errors naming the file and tensor.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "edgevl/models/qwen2vl_checkpoint.h"
#include "expect_error.h"
#include "st_writer.h"

using namespace edgevl;
using namespace edgevl::models;
namespace fs = std::filesystem;
using nlohmann::json;

using edgevl::test::expect_error;

namespace {

std::string variant_dir(const std::string& v) { return std::string(EDGEVL_CKPT_DIR) + "/" + v; }

json read_json(const std::string& path) {
  std::ifstream in(path);
  return json::parse(in);
}

// Copies a generated variant into a scratch directory the test may damage.
std::string scratch_copy(const std::string& variant, const std::string& name) {
  std::string dst = ckpt_test::fresh_dir(name);
  for (const auto& e : fs::directory_iterator(variant_dir(variant)))
    fs::copy_file(e.path(), fs::path(dst) / e.path().filename(), fs::copy_options::overwrite_existing);
  return dst;
}

struct Variant {
  const char* name;
  qnn::SafetensorsDType dtype;
  TensorNaming naming;
  bool sharded;
  bool tied;
};

void PrintTo(const Variant& v, std::ostream* os) { *os << v.name; }

class GeneratedCheckpoint : public ::testing::TestWithParam<Variant> {};

}  // namespace

TEST_P(GeneratedCheckpoint, LoadsAndValuesEqualWhatNumpyWrote) {
  const Variant& v = GetParam();
  const std::string dir = variant_dir(v.name);
  Qwen2VLCheckpoint c = Qwen2VLCheckpoint::open(dir);
  EXPECT_EQ(c.naming(), v.naming);
  EXPECT_EQ(c.lm_head_tied(), v.tied);
  EXPECT_EQ(c.weights().files().size() > 1, v.sharded);

  // The C++ canonical list and the Python tool agree: exactly the expected tensors are stored.
  std::vector<std::string> want;
  for (const ExpectedTensor& e : c.expected()) want.push_back(qwen2vl_tensor_name(e.name, v.naming));
  std::sort(want.begin(), want.end());
  EXPECT_EQ(c.weights().names(), want);

  // Config ids come from the tokenizer the tool wrote.
  json tok = read_json(dir + "/tokenizer.json");
  std::map<std::string, int64_t> added;
  for (const auto& t : tok["added_tokens"]) added[t["content"].get<std::string>()] = t["id"].get<int64_t>();
  EXPECT_EQ(c.config().image_token_id, added.at("<|image_pad|>"));
  EXPECT_EQ(c.config().vision_start_token_id, added.at("<|vision_start|>"));
  EXPECT_EQ(c.config().video_token_id, added.at("<|video_pad|>"));
  EXPECT_EQ(c.config().eos_token_id, added.at("<|im_end|>"));
  EXPECT_GE(c.config().text.vocab_size, static_cast<int64_t>(added.size() + tok["model"]["vocab"].size()));
  ASSERT_FALSE(c.generation_config().eos_token_ids.empty());
  EXPECT_EQ(c.generation_config().eos_token_ids.front(), added.at("<|im_end|>"));

  json ref = read_json(std::string(EDGEVL_CKPT_DIR) + "/" + v.name + ".ref.json")["tensors"];
  ASSERT_EQ(ref.size(), c.expected().size());
  for (const ExpectedTensor& e : c.expected()) {
    SCOPED_TRACE(e.name);
    const qnn::TensorView& t = c.tensor(e.name);
    EXPECT_EQ(t.dtype, v.dtype);
    EXPECT_EQ(t.shape, e.shape);
    std::vector<float> f = qnn::to_f32(t);
    const json& r = ref.at(e.name);
    for (auto it = r["samples"].begin(); it != r["samples"].end(); ++it) {
      size_t idx = std::stoull(it.key());
      ASSERT_LT(idx, f.size());
      ASSERT_EQ(static_cast<double>(f[idx]), it.value().get<double>()) << "index " << idx;  // exact
    }
    double sum = 0, abs_sum = 0;
    for (float x : f) {
      sum += x;
      abs_sum += std::fabs(x);
    }
    EXPECT_NEAR(sum, r["sum"].get<double>(), 1e-9 * abs_sum + 1e-12);
  }
  if (v.tied) EXPECT_EQ(&c.tensor("lm_head.weight"), &c.tensor("model.embed_tokens.weight"));
  else EXPECT_NE(&c.tensor("lm_head.weight"), &c.tensor("model.embed_tokens.weight"));
  expect_error([&] { c.tensor("visual.blocks.99.norm1.weight"); }, ErrorCode::kNotFound, {"visual.blocks.99.norm1.weight"});
}

INSTANTIATE_TEST_SUITE_P(
    Variants, GeneratedCheckpoint,
    ::testing::Values(
        Variant{"flat_bf16_single_old", qnn::SafetensorsDType::kBF16, TensorNaming::kLegacy, false, true},
        Variant{"nested_f16_sharded_new", qnn::SafetensorsDType::kF16, TensorNaming::kNested, true, true},
        Variant{"flat_f32_sharded_old_untied", qnn::SafetensorsDType::kF32, TensorNaming::kLegacy, true, false},
        Variant{"nested_bf16_single_new", qnn::SafetensorsDType::kBF16, TensorNaming::kNested, false, true}),
    [](const ::testing::TestParamInfo<Variant>& i) { return std::string(i.param.name); });

TEST(GeneratedCheckpointConfig, FlatAndNestedSpellingsGiveTheSameConfig) {
  Qwen2VLConfig a = Qwen2VLCheckpoint::open(variant_dir("flat_bf16_single_old")).config();
  Qwen2VLConfig b = Qwen2VLCheckpoint::open(variant_dir("nested_bf16_single_new")).config();
  EXPECT_FALSE(read_json(variant_dir("nested_bf16_single_new") + "/config.json").contains("hidden_size"));
  EXPECT_EQ(a.text.hidden_size, 64);
  EXPECT_EQ(b.text.hidden_size, 64);
  EXPECT_EQ(a.text.num_key_value_heads, b.text.num_key_value_heads);
  EXPECT_EQ(a.text.vocab_size, b.text.vocab_size);
  EXPECT_EQ(a.text.mrope_section, b.text.mrope_section);
  EXPECT_EQ(a.vision.embed_dim, b.vision.embed_dim);
  EXPECT_EQ(a.vision.in_channels, b.vision.in_channels);
  EXPECT_EQ(a.image_token_id, b.image_token_id);
  // Same seed and names: identical values regardless of spelling, naming or sharding.
  Qwen2VLCheckpoint ca = Qwen2VLCheckpoint::open(variant_dir("flat_bf16_single_old"));
  Qwen2VLCheckpoint cb = Qwen2VLCheckpoint::open(variant_dir("nested_bf16_single_new"));
  EXPECT_EQ(qnn::to_f32(ca.tensor("model.layers.1.mlp.up_proj.weight")),
            qnn::to_f32(cb.tensor("model.layers.1.mlp.up_proj.weight")));
  // eos written as a single int in one variant, as a list in the other.
  EXPECT_EQ(Qwen2VLCheckpoint::open(variant_dir("nested_f16_sharded_new")).generation_config().eos_token_ids.size(), 1u);
  EXPECT_EQ(ca.generation_config().eos_token_ids.size(), 2u);
}

// --- broken directories ---

namespace {
// Rewrites dir/model.safetensors without tensor `drop` (or with `reshape` given a different shape).
void rewrite_single(const std::string& dir, const std::string& drop, const std::string& reshape = "") {
  auto f = qnn::SafetensorsFile::open(dir + "/model.safetensors");
  std::vector<ckpt_test::StTensor> out;
  for (const std::string& n : f->names()) {
    if (n == drop) continue;
    const qnn::TensorView& t = f->at(n);
    ckpt_test::StTensor s{n, qnn::safetensors_dtype_name(t.dtype), t.shape,
                          std::vector<uint8_t>(t.data, t.data + t.nbytes)};
    if (n == reshape) s.shape = {t.shape.front() == 0 ? 0 : 1, t.numel()};  // same bytes, wrong shape
    out.push_back(std::move(s));
  }
  f.reset();
  ckpt_test::write_safetensors(dir + "/model.safetensors", out);
}
}  // namespace

TEST(BrokenCheckpoint, MissingTensorIsNamed) {
  std::string dir = scratch_copy("flat_bf16_single_old", "missing_tensor");
  rewrite_single(dir, "model.layers.1.self_attn.k_proj.bias");
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kNotFound,
               {dir, "1 expected tensor(s) missing", "model.layers.1.self_attn.k_proj.bias"});
}

TEST(BrokenCheckpoint, MissingTensorIsNamedInNewConvention) {
  std::string dir = scratch_copy("nested_bf16_single_new", "missing_tensor_new");
  rewrite_single(dir, "model.visual.merger.ln_q.bias");
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kNotFound, {"model.visual.merger.ln_q.bias"});
}

TEST(BrokenCheckpoint, TensorShapeDisagreesWithItsData) {
  std::string dir = scratch_copy("flat_bf16_single_old", "wrong_stored_shape");
  rewrite_single(dir, "", "visual.blocks.0.attn.qkv.weight");
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kShapeMismatch,
               {dir + "/model.safetensors", "visual.blocks.0.attn.qkv.weight", "expected shape [96, 32]", "got [1, 3072]"});
}

TEST(BrokenCheckpoint, ConfigDisagreesWithTensors) {
  std::string dir = scratch_copy("flat_bf16_single_old", "wrong_config");
  json cfg = read_json(dir + "/config.json");
  cfg["intermediate_size"] = 96;
  std::ofstream(dir + "/config.json") << cfg.dump(2);
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kShapeMismatch,
               {"model.layers.0.mlp.gate_proj.weight", "expected shape [96, 64]", "got [128, 64]", "config.json"});
}

TEST(BrokenCheckpoint, MissingConfigJson) {
  std::string dir = scratch_copy("flat_bf16_single_old", "no_config");
  fs::remove(dir + "/config.json");
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kNotFound, {dir + "/config.json"});
}

TEST(BrokenCheckpoint, GarbageConfigJson) {
  std::string dir = scratch_copy("flat_bf16_single_old", "garbage_config");
  ckpt_test::write_bytes(dir + "/config.json", "{\"hidden_size\": 64,,}");
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kCorruptFile, {dir + "/config.json", "JSON"});
}

TEST(BrokenCheckpoint, MissingWeights) {
  std::string dir = scratch_copy("flat_bf16_single_old", "no_weights");
  fs::remove(dir + "/model.safetensors");
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kNotFound, {dir, "model.safetensors"});
}

TEST(BrokenCheckpoint, TruncatedShard) {
  std::string dir = scratch_copy("nested_f16_sharded_new", "truncated_shard");
  json index = read_json(dir + "/model.safetensors.index.json");
  std::string last_shard;
  for (auto it = index["weight_map"].begin(); it != index["weight_map"].end(); ++it)
    last_shard = std::max(last_shard, it.value().get<std::string>());
  std::string path = dir + "/" + last_shard;
  std::string bytes = ckpt_test::read_bytes(path);
  ckpt_test::write_bytes(path, bytes.substr(0, bytes.size() - 100));
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kCorruptFile, {path, "tensor '", "out of range"});
}

TEST(BrokenCheckpoint, ZeroByteWeights) {
  std::string dir = scratch_copy("flat_bf16_single_old", "zero_weights");
  ckpt_test::write_bytes(dir + "/model.safetensors", "");
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kCorruptFile, {dir + "/model.safetensors", "0 bytes"});
}

TEST(BrokenCheckpoint, IntegerWeightDtypeRejected) {
  std::string dir = scratch_copy("flat_bf16_single_old", "int_dtype");
  auto f = qnn::SafetensorsFile::open(dir + "/model.safetensors");
  std::vector<ckpt_test::StTensor> out;
  for (const std::string& n : f->names()) {
    const qnn::TensorView& t = f->at(n);
    out.push_back({n, n == "model.norm.weight" ? "I16" : "BF16", t.shape, std::vector<uint8_t>(t.data, t.data + t.nbytes)});
  }
  f.reset();
  ckpt_test::write_safetensors(dir + "/model.safetensors", out);
  expect_error([&] { Qwen2VLCheckpoint::open(dir); }, ErrorCode::kShapeMismatch, {"model.norm.weight", "I16"});
}
