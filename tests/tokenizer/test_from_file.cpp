// Tokenizer::from_file: picks the implementation by file, accepts a model directory, names the file in errors.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>

#include "edgevl/error.h"
#include "edgevl/llm/tokenizer.h"
#include "synthetic_bpe.h"

namespace edgevl::test {
namespace {

void expect_code(const std::string& path, ErrorCode code, const std::string& needle) {
  try {
    llm::Tokenizer::from_file(path);
    ADD_FAILURE() << "no error for " << path;
  } catch (const edgevl::Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TokenizerFromFile, DirectoryOrJsonPath) {
  const std::string dir = ::testing::TempDir() + "edgevl_tok_dir";
  ::mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/tokenizer.json") << synthetic_bpe_json({{"h", "i"}}, true).dump();
  const auto a = llm::Tokenizer::from_file(dir);
  const auto b = llm::Tokenizer::from_file(dir + "/");
  const auto c = llm::Tokenizer::from_file(dir + "/tokenizer.json");
  for (const auto* t : {a.get(), b.get(), c.get()}) EXPECT_EQ(t->encode("hi"), (std::vector<int32_t>{256}));
  // No extension: sniffed as JSON.
  std::ofstream(dir + "/vocab_noext") << synthetic_bpe_json({}, false).dump();
  EXPECT_EQ(llm::Tokenizer::from_file(dir + "/vocab_noext")->encode("x"), (std::vector<int32_t>{'x'}));
}

TEST(TokenizerFromFile, MissingAndCorruptFilesNameThePath) {
  const std::string missing = ::testing::TempDir() + "edgevl_no_such_dir/tokenizer.json";
  expect_code(missing, ErrorCode::kNotFound, missing);
  const std::string empty_dir = ::testing::TempDir() + "edgevl_empty_tok_dir";
  ::mkdir(empty_dir.c_str(), 0755);
  expect_code(empty_dir, ErrorCode::kNotFound, "neither tokenizer.json nor tokenizer.model");
  const std::string corrupt = ::testing::TempDir() + "edgevl_corrupt_tokenizer.json";
  std::ofstream(corrupt) << "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [";
  expect_code(corrupt, ErrorCode::kCorruptFile, corrupt);
  const std::string empty = ::testing::TempDir() + "edgevl_empty_tokenizer.json";
  std::ofstream(empty) << "";
  expect_code(empty, ErrorCode::kCorruptFile, empty);
}

}  // namespace
}  // namespace edgevl::test
