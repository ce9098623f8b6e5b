// Deeply nested JSON in every JSON file EdgeVL reads is refused (kCorruptFile naming the file) instead of overflowing
// the stack; nesting up to 128 (safetensors' limit) still parses; error messages show bounded excerpts of JSON values.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "edgevl/llm/bpe_tokenizer.h"
#include "edgevl/models/generation_config.h"
#include "edgevl/models/qwen2vl_config.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/json_limits.h"
#include "edgevl/qnn/safetensors.h"
#include "edgevl/vision/preprocessor_config.h"
#include "expect_error.h"

namespace fs = std::filesystem;
using edgevl::ErrorCode;
using edgevl::test::expect_error;

namespace {

// 100,000 levels: far past any stack if anything recursed per level.
constexpr int kBomb = 100000;

std::string nested(int depth, const std::string& open = "[", const std::string& close = "]") {
  std::string s;
  s.reserve(static_cast<size_t>(depth) * (open.size() + close.size()));
  for (int i = 0; i < depth; ++i) s += open;
  for (int i = 0; i < depth; ++i) s += close;
  return s;
}


fs::path tmp_dir(const std::string& name) {
  fs::path d = fs::path(EDGEVL_TEST_TMP) / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

}  // namespace

TEST(JsonDepth, LimitIs128LikeSafetensors) {
  EXPECT_EQ(edgevl::qnn::kMaxJsonDepth, 128);
  EXPECT_NO_THROW(edgevl::qnn::parse_json_bounded(nested(128), "ok.json"));
  expect_error([] { edgevl::qnn::parse_json_bounded(nested(129), "deep.json"); }, ErrorCode::kCorruptFile,
               {"deep.json", "deeper than 128", "byte 128"});
  // Brackets inside strings (escaped quotes included) do not count.
  EXPECT_NO_THROW(edgevl::qnn::parse_json_bounded("{\"s\": \"\\\"" + std::string(1000, '[') + "\"}", "str.json"));
  // A string ending in an escaped backslash ends at its quote: what follows counts again.
  EXPECT_NO_THROW(edgevl::qnn::parse_json_bounded(R"(["a\\\\", )" + nested(127) + "]", "ok2.json"));
  expect_error([] { edgevl::qnn::parse_json_bounded(R"(["a\\\\", )" + nested(128) + "]", "deep2.json"); },
               ErrorCode::kCorruptFile, {"deep2.json", "deeper than 128", "byte 137"});
  EXPECT_NO_THROW(edgevl::qnn::parse_json_bounded(R"(["a\\\\\" )" + std::string(200, '[') + R"(", 1])", "str2.json"));
  expect_error([] { edgevl::qnn::parse_json_bounded("{\"a\": [1,", "cut.json"); }, ErrorCode::kCorruptFile,
               {"cut.json", "not valid JSON"});
}

TEST(JsonDepth, ExcerptIsBounded) {
  nlohmann::json big = nlohmann::json::array();
  for (int i = 0; i < 100000; ++i) big.push_back(i);
  const std::string e = edgevl::qnn::json_excerpt(big, 40);
  EXPECT_LE(e.size(), 43u);
  EXPECT_EQ(e.substr(0, 5), "[0,1,");
  EXPECT_EQ(e.substr(e.size() - 3), "...");
  EXPECT_EQ(edgevl::qnn::json_excerpt(nlohmann::json::parse("[[[[[[1]]]]]]")), "[[[[[...]]]]]");
  EXPECT_EQ(edgevl::qnn::json_excerpt(nlohmann::json::parse(R"({"a": [1, "x"]})")), R"({"a":[1,"x"]})");
}

TEST(JsonDepth, SafetensorsHeader) {
  const fs::path d = tmp_dir("st_deep");
  const std::string header = "{\"t\": " + nested(kBomb) + "}";
  std::string file(8, '\0');
  uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) file[static_cast<size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xFF);
  write(d / "model.safetensors", file + header);
  const std::string p = (d / "model.safetensors").string();
  expect_error([&] { edgevl::qnn::SafetensorsFile::open(p); }, ErrorCode::kCorruptFile, {p, "deeper than 128"});
}

TEST(JsonDepth, SafetensorsIndex) {
  const fs::path d = tmp_dir("st_index_deep");
  write(d / "model.safetensors.index.json", "{\"weight_map\": " + nested(kBomb, "{\"k\":", "}") + "}");
  expect_error([&] { edgevl::qnn::SafetensorsCheckpoint::open_dir(d.string()); }, ErrorCode::kCorruptFile,
               {"model.safetensors.index.json", "deeper than 128"});
}

TEST(JsonDepth, ConfigJson) {
  const fs::path d = tmp_dir("config_deep");
  write(d / "config.json", "{\"vision_config\": " + nested(kBomb) + "}");
  const std::string p = (d / "config.json").string();
  expect_error([&] { edgevl::models::Qwen2VLConfig::load(p); }, ErrorCode::kCorruptFile, {p, "deeper than 128"});
}

TEST(JsonDepth, GenerationConfigJson) {
  const fs::path d = tmp_dir("genconfig_deep");
  write(d / "generation_config.json", "{\"eos_token_id\": " + nested(kBomb) + "}");
  const edgevl::models::Qwen2VLConfig cfg = edgevl::models::Qwen2VLConfig::from_json(nlohmann::json::object(), "c");
  expect_error([&] { edgevl::models::ModelGenerationConfig::load(d.string(), cfg); }, ErrorCode::kCorruptFile,
               {"generation_config.json", "deeper than 128"});
}

TEST(JsonDepth, GenerationConfigWrongTypeMessageIsShort) {
  // A wrong-typed value is quoted in the error, but only as a bounded excerpt.
  nlohmann::json j = {{"top_p", nlohmann::json::array()}};
  for (int i = 0; i < 100000; ++i) j["top_p"].push_back(i);
  std::string msg;
  EXPECT_EQ(edgevl::test::error_code_of([&] { edgevl::models::ModelGenerationConfig::from_json(j, "g.json"); }, &msg),
            ErrorCode::kCorruptFile);
  EXPECT_NE(msg.find("g.json"), std::string::npos) << msg;
  EXPECT_LT(msg.size(), 300u) << msg.substr(0, 300);
}

TEST(JsonDepth, PreprocessorConfigJson) {
  const fs::path d = tmp_dir("pp_deep");
  write(d / "preprocessor_config.json", "{\"image_mean\": " + nested(kBomb) + "}");
  const std::string p = (d / "preprocessor_config.json").string();
  expect_error([&] { edgevl::vision::load_preprocessor_config(p); }, ErrorCode::kCorruptFile, {p, "deeper than 128"});
}

TEST(JsonDepth, PreprocessorConfigHugeFloatIsAnErrorNotUB) {
  expect_error([] { edgevl::vision::parse_preprocessor_config(R"({"patch_size": 1e300})", "pp.json"); },
               ErrorCode::kCorruptFile, {"pp.json", "patch_size"});
}

TEST(JsonDepth, TokenizerJson) {
  const std::string text = "{\"pre_tokenizer\": " + nested(kBomb, "{\"type\": \"Sequence\", \"pretokenizers\": [", "]}") + "}";
  expect_error([&] { edgevl::llm::load_bpe_tokenizer_json(text, "tok/tokenizer.json"); }, ErrorCode::kCorruptFile,
               {"tok/tokenizer.json", "deeper than 128"});
}

TEST(JsonDepth, BundleManifest) {
  const fs::path d = tmp_dir("bundle_deep.evl");
  write(d / "manifest.json", "{\"manifest_checksum\": \"0000000000000000\", \"graphs\": " + nested(kBomb) + "}");
  expect_error([&] { edgevl::qnn::Bundle::open(d.string()); }, ErrorCode::kCorruptFile,
               {"bundle_deep.evl", "manifest.json", "deeper than 128"});
}
