// Corrupt bundles through the public API (issue 11): random bytes written into weights.bin, or an extra file replaced,
// are a kCorruptFile error at Model::open naming the file, never a model that answers garbage. The default checksum
// policy hashes weights.bin once per change of the file (ModelOptions::checksums, the `.verified` stamp).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "edgevl/edgevl.h"

namespace fs = std::filesystem;

namespace {

const fs::path kTmp = fs::path(EDGEVL_TEST_TMP) / "corrupt";
const std::string kModel = std::string(EDGEVL_SOURCE_DIR) + "/models/demo/qwen2vl-shapes";

// A fresh fp32 bundle of the demo model at `name` under kTmp (compiled once, then copied).
fs::path fresh_bundle(const std::string& name) {
  static const fs::path base = [] {
    fs::remove_all(kTmp);
    fs::create_directories(kTmp);
    edgevl::CompileOptions o;
    o.precision = edgevl::Precision::kFp32;
    o.context_length = 128;
    o.chunk = 64;
    const fs::path b = kTmp / "base.evl";
    edgevl::compile_model(kModel, b.string(), o);
    return b;
  }();
  const fs::path p = kTmp / name;
  fs::remove_all(p);
  fs::copy(base, p);
  fs::remove(p / ".verified");
  return p;
}

void expect_corrupt(const fs::path& bundle, const std::string& file) {
  try {
    edgevl::Model::open(bundle.string());
    ADD_FAILURE() << bundle << " opened";
  } catch (const edgevl::Error& e) {
    EXPECT_EQ(e.code(), edgevl::ErrorCode::kCorruptFile) << e.what();
    EXPECT_NE(std::string(e.what()).find(file), std::string::npos) << e.what();
  }
}

// Overwrites `n` bytes in the middle of `path` with random ones, keeping its size.
void scribble(const fs::path& path, size_t n) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
  std::mt19937 rng(7);
  for (size_t i = 0; i < n; ++i) f.put(static_cast<char>(rng()));
}

TEST(CorruptBundle, RandomBytesInWeightsAreAnErrorEvenAfterAVerifiedOpen) {
  const fs::path b = fresh_bundle("weights.evl");
  EXPECT_NO_THROW(edgevl::Model::open(b.string()));
  ASSERT_TRUE(fs::exists(b / ".verified")) << "a passed verification leaves its stamp";
  EXPECT_NO_THROW(edgevl::Model::open(b.string()));  // stamp matches: weights.bin is not hashed again
  scribble(b / "weights.bin", 64);
  expect_corrupt(b, "weights.bin");  // the write changed weights.bin's status-change time: hashed again
  // Trusting the files is the caller's explicit choice.
  edgevl::ModelOptions trust;
  trust.checksums = edgevl::ChecksumPolicy::kNever;
  EXPECT_NO_THROW(edgevl::Model::open(b.string(), trust));
}

TEST(CorruptBundle, ReplacedExtraFilesAreAnErrorAtEveryOpen) {
  const fs::path b = fresh_bundle("extra.evl");
  EXPECT_NO_THROW(edgevl::Model::open(b.string()));  // verified: stamp written
  for (const std::string file : {"tokenizer.json", "preprocessor_config.json", "generation_config.json"}) {
    const fs::path f = b / file;
    const std::string keep = [&] {
      std::ifstream in(f, std::ios::binary);
      return std::string((std::istreambuf_iterator<char>(in)), {});
    }();
    std::ofstream(f, std::ios::binary | std::ios::trunc) << "{\"replaced\": true}";
    expect_corrupt(b, file);
    std::ofstream(f, std::ios::binary | std::ios::trunc) << keep;
    EXPECT_NO_THROW(edgevl::Model::open(b.string())) << file << " restored";
  }
}

TEST(CorruptBundle, EveryOpenPolicyHashesWithoutAStamp) {
  const fs::path b = fresh_bundle("every.evl");
  edgevl::ModelOptions every;
  every.checksums = edgevl::ChecksumPolicy::kEveryOpen;
  EXPECT_NO_THROW(edgevl::Model::open(b.string(), every));
  EXPECT_FALSE(fs::exists(b / ".verified"));
  scribble(b / "weights.bin", 8);
  try {
    edgevl::Model::open(b.string(), every);
    ADD_FAILURE() << "opened";
  } catch (const edgevl::Error& e) {
    EXPECT_EQ(e.code(), edgevl::ErrorCode::kCorruptFile) << e.what();
  }
}

}  // namespace
