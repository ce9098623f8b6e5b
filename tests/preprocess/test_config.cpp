// PreprocessorConfig parsing (HF preprocessor_config.json semantics).
#include <string>

#include <gtest/gtest.h>

#include "edgevl/error.h"
#include "edgevl/vision/preprocessor_config.h"
#include "reference_data.h"

namespace edgevl::vision {
namespace {

ErrorCode parse_error(const std::string& text) {
  try {
    parse_preprocessor_config(text, "cfg.json");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("cfg.json"), std::string::npos) << e.what();
    return e.code();
  }
  ADD_FAILURE() << "accepted: " << text;
  return ErrorCode::kInternal;
}

TEST(PreprocessorConfig, ModelFileEqualsDefaults) {
  const PreprocessorConfig c =
      load_preprocessor_config(test::preprocess_reference_dir() + "/configs/default/preprocessor_config.json");
  const PreprocessorConfig d;
  EXPECT_EQ(c.min_pixels, 3136);
  EXPECT_EQ(c.max_pixels, 12845056);
  EXPECT_EQ(c.patch_size, 14);
  EXPECT_EQ(c.temporal_patch_size, 2);
  EXPECT_EQ(c.merge_size, 2);
  EXPECT_EQ(c.image_mean, d.image_mean);
  EXPECT_EQ(c.image_std, d.image_std);
  EXPECT_EQ(c.rescale_factor, 1.0 / 255.0);
  EXPECT_EQ(c.factor(), 28);
  EXPECT_EQ(c.patch_dim(), 1176);
}

TEST(PreprocessorConfig, SpellingsAndClassDefaults) {
  // Absent keys take Qwen2VLImageProcessor's class defaults (56*56, 28*28*1280), as HF does.
  PreprocessorConfig c = parse_preprocessor_config("{}", "cfg.json");
  EXPECT_EQ(c.min_pixels, 3136);
  EXPECT_EQ(c.max_pixels, 1003520);
  c = parse_preprocessor_config(R"({"size": {"shortest_edge": 1000, "longest_edge": 20000}})", "cfg.json");
  EXPECT_EQ(c.min_pixels, 1000);
  EXPECT_EQ(c.max_pixels, 20000);
  c = parse_preprocessor_config(
      R"({"size": {"shortest_edge": 1000, "longest_edge": 20000}, "min_pixels": 500, "max_pixels": 9000.0,
          "rescale_factor": 0.00392156862745098, "resample": 3, "do_normalize": false})",
      "cfg.json");
  EXPECT_EQ(c.min_pixels, 500);  // min_pixels / max_pixels win over size, as in HF
  EXPECT_EQ(c.max_pixels, 9000);
  EXPECT_EQ(c.rescale_factor, 1.0 / 255.0);
  EXPECT_FALSE(c.do_normalize);
}

TEST(PreprocessorConfig, MalformedFilesAreClearErrors) {
  EXPECT_EQ(parse_error("{not json"), ErrorCode::kCorruptFile);
  EXPECT_EQ(parse_error("[1, 2]"), ErrorCode::kCorruptFile);
  EXPECT_EQ(parse_error(R"({"min_pixels": "many"})"), ErrorCode::kCorruptFile);
  EXPECT_EQ(parse_error(R"({"image_mean": [0.5, 0.5]})"), ErrorCode::kCorruptFile);
  EXPECT_EQ(parse_error(R"({"size": {"height": 224, "width": 224}})"), ErrorCode::kCorruptFile);
  EXPECT_EQ(parse_error(R"({"patch_size": 0})"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_error(R"({"min_pixels": 5000, "max_pixels": 4000})"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_error(R"({"image_std": [0.2, 0.0, 0.2]})"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(parse_error(R"({"resample": 2})"), ErrorCode::kUnsupported);
  try {
    load_preprocessor_config("no/such/dir/preprocessor_config.json");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

}  // namespace
}  // namespace edgevl::vision
