// Hostile inputs of a quantized compile (public API, demo model): calibration files, recipe files and options are
// refused with a clear edgevl::Error naming the input, before any long work (the checks run before the first graph is
// built: each case here returns within a fraction of a second).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "edgevl/edgevl.h"

namespace fs = std::filesystem;

namespace {

const fs::path kTmp = fs::path(EDGEVL_TEST_TMP) / "compile";
const std::string kModel = std::string(EDGEVL_SOURCE_DIR) + "/models/demo/qwen2vl-shapes";
const std::string kImage = std::string(EDGEVL_SOURCE_DIR) + "/models/demo/samples/scene0.jpg";

std::string write(const std::string& name, const std::string& text) {
  fs::create_directories(kTmp);
  const fs::path p = kTmp / name;
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

struct Outcome {
  edgevl::ErrorCode code = edgevl::ErrorCode::kInternal;
  std::string message;
  bool threw = false;
  double seconds = 0;
};

Outcome compile(edgevl::CompileOptions o) {
  o.context_length = 128;
  o.chunk = 64;
  Outcome r;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    edgevl::compile_model(kModel, (kTmp / "out.evl").string(), o);
  } catch (const edgevl::Error& e) {
    r.threw = true;
    r.code = e.code();
    r.message = e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return r;
}

edgevl::CompileOptions w8(const std::string& calibration) {
  edgevl::CompileOptions o;
  o.precision = edgevl::Precision::kW8A16;
  o.calibration_file = calibration;
  return o;
}

void expect_error(const Outcome& r, edgevl::ErrorCode code, const std::string& names) {
  ASSERT_TRUE(r.threw) << "accepted";
  EXPECT_EQ(r.code, code) << r.message;
  EXPECT_NE(r.message.find(names), std::string::npos) << "'" << r.message << "' does not name " << names;
  EXPECT_FALSE(fs::exists(kTmp / "out.evl")) << "a bundle was written";
}

TEST(HostileCompile, CalibrationFileErrors) {
  expect_error(compile(w8((kTmp / "absent.jsonl").string())), edgevl::ErrorCode::kNotFound, "absent.jsonl");
  expect_error(compile(w8(write("bad.jsonl", "{\"prompt\": \"a\"}\n{not json\n"))), edgevl::ErrorCode::kCorruptFile,
               "bad.jsonl:2");
  expect_error(compile(w8(write("noprompt.jsonl", "{\"image\": \"x.png\"}\n"))), edgevl::ErrorCode::kCorruptFile,
               "noprompt.jsonl:1");
  expect_error(compile(w8(write("noimage.jsonl", "{\"prompt\": \"a\", \"image\": \"missing.png\"}\n"))),
               edgevl::ErrorCode::kNotFound, "missing.png");
  expect_error(compile(w8(write("images.jsonl", "{\"prompt\": \"a\", \"images\": \"" + kImage + "\"}\n"))),
               edgevl::ErrorCode::kCorruptFile, "images.jsonl:1");
  expect_error(compile(w8(write("empty.jsonl", "\n\n"))), edgevl::ErrorCode::kInvalidArgument, "empty.jsonl");
  expect_error(compile(w8(write("deep.jsonl", std::string(1000, '[') + std::string(1000, ']') + "\n"))),
               edgevl::ErrorCode::kCorruptFile, "deep.jsonl:1");
  expect_error(compile(w8(write("array.jsonl", "[1, 2]\n"))), edgevl::ErrorCode::kCorruptFile, "array.jsonl:1");
  // A calibration file for a float precision is a mistake, not silently ignored.
  edgevl::CompileOptions f;
  f.calibration_file = write("ok.jsonl", "{\"prompt\": \"Describe the image.\", \"image\": \"" + kImage + "\"}\n");
  expect_error(compile(f), edgevl::ErrorCode::kInvalidArgument, "calibration");
}

TEST(HostileCompile, RecipeAndOptionErrors) {
  edgevl::CompileOptions o = w8("");
  o.precision = edgevl::Precision::kW4A16;
  o.block_size = 48;
  expect_error(compile(o), edgevl::ErrorCode::kInvalidArgument, "48");
  o.block_size = 32;
  o.vit_precision = "int2";
  expect_error(compile(o), edgevl::ErrorCode::kInvalidArgument, "int2");
  o.vit_precision = "";
  o.recipe_file = write("unknown_tensor.json", R"({"weights": {"model.layers.99.mlp.up_proj.weight": "w8"}})");
  expect_error(compile(o), edgevl::ErrorCode::kInvalidArgument, "model.layers.99.mlp.up_proj.weight");
  o.recipe_file = write("unknown_key.json", R"({"blok_size": 64})");
  expect_error(compile(o), edgevl::ErrorCode::kInvalidArgument, "blok_size");
  // The demo's down_proj has 344 input channels: forcing LPBQ on it is an error, not a silent w8.
  o.recipe_file = write("force.json", R"({"weights": {"model.layers.0.mlp.down_proj.weight": "w4"}})");
  expect_error(compile(o), edgevl::ErrorCode::kInvalidArgument, "model.layers.0.mlp.down_proj.weight");
  o.recipe_file = write("strict.json", R"({"allow_w8_fallback": false})");
  expect_error(compile(o), edgevl::ErrorCode::kInvalidArgument, "down_proj");
  o.recipe_file = (kTmp / "absent.json").string();
  expect_error(compile(o), edgevl::ErrorCode::kNotFound, "absent.json");
  o.recipe_file = "";
  o.report_file = (kTmp / "report.json").string();
  edgevl::CompileOptions fp = o;
  fp.precision = edgevl::Precision::kFp16;
  expect_error(compile(fp), edgevl::ErrorCode::kInvalidArgument, "report");
}

}  // namespace
