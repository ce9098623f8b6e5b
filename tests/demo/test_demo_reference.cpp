// EdgeVL against PyTorch on the demo model: models/demo/reference/ holds, for a few fixed (sample image, question)
// inputs, the tensors the PyTorch model computed (models/demo/reference.py; manifest.json lists them). The demo model
// is compiled to an fp32 bundle once per process; for each reference input this checks
//  - EdgeVL's own preprocessing of the image FILE (OpenCV decode, smart_resize, bicubic, normalize, patchify) gives the
//    reference grid_thw and pixel_values to 1e-6, and its chat template + tokenizer give the reference input_ids;
//  - the vision tower on the reference pixel_values gives the reference merger output to 1e-3 relative;
//  - the prefill logits of every prompt position match to 1e-3 relative (max|a-b| / max|b|, per reference row set);
//  - the greedy chain of 8 tokens (not stopped at eos) equals the reference, with each step's logits within 1e-3.
// Set EDGEVL_DEMO_REFERENCE_DIR to check reference files that are not in the tree yet.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "demo_support.h"
#include "edgevl/llm/chat_template.h"
#include "edgevl/llm/tokenizer.h"
#include "edgevl/qnn/half.h"
#include "edgevl/vision/image.h"
#include "edgevl/vision/preprocess.h"
#include "edgevl/vision/preprocessor_config.h"
#include "edgevl/compile.h"
#include "edgevl/qnn/quant.h"
#include "engine/engine.h"
#include "npy.h"

namespace fs = std::filesystem;
using namespace edgevl;
using edgevl::demo_test::read_json;

namespace {

constexpr double kLogitTol = 1e-3;   // relative, max|a-b| / max|b|
constexpr double kPixelTol = 1e-6;   // absolute (pixel values are O(1))

double rel_err(const std::vector<float>& a, const std::vector<float>& b) {
  double num = 0, den = 0;
  for (size_t i = 0; i < b.size(); ++i) {
    num = std::max(num, std::abs(double(a[i]) - double(b[i])));
    den = std::max(den, std::abs(double(b[i])));
  }
  return num / std::max(den, 1e-30);
}

int32_t first_argmax(const float* v, size_t n) {
  return int32_t(std::max_element(v, v + n) - v);  // first maximum, as torch.argmax
}

// One reference array converted to float (float32 or float16 on disk) with its shape.
struct Tensor {
  std::vector<int64_t> shape;
  std::vector<float> data;
};

Tensor load_float(const std::string& path) {
  const npy::Array a = npy::read_npy(path);
  Tensor t{a.shape, {}};
  if (a.descr == "<f2") {
    t.data.resize(size_t(a.size()));
    qnn::half_to_float_n(reinterpret_cast<const uint16_t*>(a.bytes.data()), t.data.data(), t.data.size());
  } else {
    t.data = a.as<float>(path);
  }
  return t;
}

std::vector<int64_t> load_int64(const std::string& path) { return npy::read_npy(path).as<int64_t>(path); }

class DemoReference : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string manifest_path = (fs::path(demo_test::reference_dir()) / "manifest.json").string();
    if (!fs::exists(manifest_path)) {
      missing_ = manifest_path + " not found (written by models/demo/reference.py)";
      return;
    }
    manifest_ = read_json(manifest_path);
    const std::string bundle = (fs::path(demo_test::work_dir("reference")) / "shapes-fp32.evl").string();
    engine::CompileOptions o;
    o.chunk = 16;  // the prompts (about 50 tokens) span several chunks, chunk ends falling inside the image
    o.context_length = 128;
    o.vit_buckets = {80, 128};  // 80 patches (grids 8x10, 10x8) fill a bucket exactly, 100 (10x10) is padded to 128
    engine::compile_qwen2vl(demo_test::model_dir(), bundle, o);
    eng_ = engine::Qwen2VLEngine::open(bundle);
    tok_ = llm::Tokenizer::from_file(eng_->tokenizer_path());
  }
  static void TearDownTestSuite() {
    tok_.reset();
    eng_.reset();
  }
  void SetUp() override {
    if (!missing_.empty()) FAIL() << missing_;
    ASSERT_TRUE(eng_ && tok_) << "compiling or opening " << demo_test::model_dir() << " failed (see above)";
    ASSERT_GE(manifest_["references"].size(), 3u) << "manifest lists fewer than 3 reference inputs";
  }
  static std::string ref_file(const nlohmann::json& r, const std::string& what) {
    return (fs::path(demo_test::reference_dir()) / (r["prefix"].get<std::string>() + "." + what + ".npy")).string();
  }

  static std::string missing_;
  static nlohmann::json manifest_;
  static std::shared_ptr<const engine::Qwen2VLEngine> eng_;
  static std::unique_ptr<llm::Tokenizer> tok_;
};
std::string DemoReference::missing_;
nlohmann::json DemoReference::manifest_;
std::shared_ptr<const engine::Qwen2VLEngine> DemoReference::eng_;
std::unique_ptr<llm::Tokenizer> DemoReference::tok_;

TEST_F(DemoReference, PreprocessingAndPromptIdsMatch) {
  vision::PreprocessorConfig pre = vision::load_preprocessor_config(eng_->preprocessor_config_path());
  pre.max_pixels = std::min(pre.max_pixels, eng_->info().max_pixels);
  pre.min_pixels = std::min(pre.min_pixels, pre.max_pixels);
  for (const auto& r : manifest_["references"]) {
    const std::string image = r["image"];
    SCOPED_TRACE(image + " / " + r["question"].get<std::string>());
    const vision::PixelValues pv =
        vision::preprocess(vision::load_image((fs::path(demo_test::source_dir()) / "models/demo" / image).string()), pre);
    const std::vector<int64_t> grid = load_int64(ref_file(r, "grid_thw"));
    ASSERT_EQ(grid.size(), 3u);
    EXPECT_EQ(pv.grid_thw[0], grid[0]);
    EXPECT_EQ(pv.grid_thw[1], grid[1]);
    EXPECT_EQ(pv.grid_thw[2], grid[2]);
    const Tensor ref_pv = load_float(ref_file(r, "pixel_values.0"));
    ASSERT_EQ(ref_pv.data.size(), pv.data.size());
    double max_abs = 0;
    for (size_t i = 0; i < pv.data.size(); ++i) max_abs = std::max(max_abs, std::abs(double(pv.data[i]) - ref_pv.data[i]));
    EXPECT_LE(max_abs, kPixelTol) << "pixel_values differ from Pillow's by " << max_abs;
    std::printf("[ref] %-22s grid %lldx%lld  pixel_values max|diff| %.3g\n", image.c_str(),
                static_cast<long long>(grid[1]), static_cast<long long>(grid[2]), max_abs);

    llm::ChatMessage user{"user", {llm::ContentPart::Image(), llm::ContentPart::Text(r["question"])}};
    const std::string text = llm::expand_image_pads(llm::render_chat({user}, true), {grid[0] * grid[1] * grid[2] / 4});
    const std::vector<int32_t> ids = tok_->encode(text);
    const std::vector<int64_t> ref_ids = load_int64(ref_file(r, "input_ids"));
    EXPECT_EQ(std::vector<int64_t>(ids.begin(), ids.end()), ref_ids);
  }
}

TEST_F(DemoReference, VisionEmbeddingsLogitsAndGreedyTokensMatch) {
  const int64_t V = eng_->info().llm.vocab_size;
  for (const auto& r : manifest_["references"]) {
    SCOPED_TRACE(r["image"].get<std::string>() + " / " + r["question"].get<std::string>());
    // Vision tower on the reference pixel values (isolates the model from preprocessing).
    const std::vector<int64_t> grid = load_int64(ref_file(r, "grid_thw"));
    const Tensor pv = load_float(ref_file(r, "pixel_values.0"));
    engine::ImageInput img;
    img.grid_thw = {grid[0], grid[1], grid[2]};
    img.embeds = eng_->encode_image(pv.data.data(), pv.shape[0], {img.grid_thw});
    const Tensor ref_emb = load_float(ref_file(r, "vision_embeds"));
    ASSERT_EQ(img.embeds.size(), ref_emb.data.size());
    const double e_vit = rel_err(img.embeds, ref_emb.data);
    EXPECT_LE(e_vit, kLogitTol) << "vision embeddings";

    // Prefill of the reference prompt: logits of every position.
    const std::vector<int64_t> ref_ids = load_int64(ref_file(r, "input_ids"));
    const std::vector<int32_t> ids(ref_ids.begin(), ref_ids.end());
    auto seq = eng_->new_sequence();
    const std::vector<float> logits = eng_->prefill(*seq, ids, {img}, /*all_logits=*/true);
    const Tensor ref_prefill = load_float(ref_file(r, "prefill_logits"));  // float16 on disk
    ASSERT_EQ(ref_prefill.shape, (std::vector<int64_t>{int64_t(ids.size()), V}));
    const double e_prefill = rel_err(logits, ref_prefill.data);
    EXPECT_LE(e_prefill, kLogitTol) << "prefill logits (all prompt positions)";
    const std::vector<float> last(logits.end() - V, logits.end());
    const double e_last = rel_err(last, load_float(ref_file(r, "last_logits")).data);
    EXPECT_LE(e_last, kLogitTol) << "last prompt position logits";

    // Greedy chain: step 0 from the last prompt row, then one decode per token.
    const std::vector<int64_t> ref_tokens = load_int64(ref_file(r, "decode_tokens"));
    const Tensor ref_dec = load_float(ref_file(r, "decode_logits"));
    ASSERT_EQ(ref_dec.shape, (std::vector<int64_t>{int64_t(ref_tokens.size()), V}));
    std::vector<float> step = last;
    double e_decode = 0;
    std::vector<int64_t> tokens;
    for (size_t k = 0; k < ref_tokens.size(); ++k) {
      const std::vector<float> ref_row(ref_dec.data.begin() + long(k * V), ref_dec.data.begin() + long((k + 1) * V));
      e_decode = std::max(e_decode, rel_err(step, ref_row));
      const int32_t t = first_argmax(step.data(), step.size());
      tokens.push_back(t);
      if (k + 1 < ref_tokens.size()) step = eng_->decode(*seq, t);
    }
    EXPECT_LE(e_decode, kLogitTol) << "decode step logits";
    EXPECT_EQ(tokens, ref_tokens) << "greedy tokens";
    std::printf("[ref] %-22s rel err: vision %.2e, prefill %.2e (f16 ref), last %.2e, decode %.2e; tokens %s\n",
                r["image"].get<std::string>().c_str(), e_vit, e_prefill, e_last, e_decode,
                tokens == ref_tokens ? "equal" : "DIFFER");
  }
}

// Quantized bundles (calibrated on calibration_set.py's scenes): logits SQNR against the PyTorch reference logits of
// every prompt position and of the reference greedy chain (decode fed the reference tokens) at least 15 dB.
TEST_F(DemoReference, QuantizedLogitsSqnr) {
  constexpr double kMinSqnrDb = 15.0;
  std::string err;
  const std::string calibration = demo_test::generate_calibration_set("calibration-ref", &err);
  ASSERT_FALSE(calibration.empty()) << err;
  const int64_t V = eng_->info().llm.vocab_size;
  struct Variant {
    const char* name;
    Precision precision;
    const char* vit;
  };
  for (const Variant& v : {Variant{"w8a16", Precision::kW8A16, ""}, Variant{"w4a16", Precision::kW4A16, ""},
                           Variant{"w4a16-vit-w8a16", Precision::kW4A16, "w8a16"}}) {
    SCOPED_TRACE(v.name);
    CompileOptions o;
    o.precision = v.precision;
    o.vit_precision = v.vit;
    o.calibration_file = calibration;
    o.chunk = 16;
    o.context_length = 128;
    o.vit_buckets = {80, 128, 160};  // the calibration scenes need up to 160 patches
    const std::string bundle = (fs::path(demo_test::work_dir("reference")) / (std::string("shapes-") + v.name + ".evl")).string();
    compile_model(demo_test::model_dir(), bundle, o);
    auto q = engine::Qwen2VLEngine::open(bundle);
    for (const auto& r : manifest_["references"]) {
      SCOPED_TRACE(r["image"].get<std::string>());
      const std::vector<int64_t> grid = load_int64(ref_file(r, "grid_thw"));
      const Tensor pv = load_float(ref_file(r, "pixel_values.0"));
      engine::ImageInput img;
      img.grid_thw = {grid[0], grid[1], grid[2]};
      img.embeds = q->encode_image(pv.data.data(), pv.shape[0], {img.grid_thw});
      const Tensor ref_emb = load_float(ref_file(r, "vision_embeds"));
      ASSERT_EQ(img.embeds.size(), ref_emb.data.size());
      const double s_vit = qnn::sqnr_db(ref_emb.data.data(), img.embeds.data(), img.embeds.size());

      const std::vector<int64_t> ref_ids = load_int64(ref_file(r, "input_ids"));
      const std::vector<int32_t> ids(ref_ids.begin(), ref_ids.end());
      auto seq = q->new_sequence();
      const std::vector<float> logits = q->prefill(*seq, ids, {img}, /*all_logits=*/true);
      const Tensor ref_prefill = load_float(ref_file(r, "prefill_logits"));
      ASSERT_EQ(logits.size(), ref_prefill.data.size());
      const double s_prefill = qnn::sqnr_db(ref_prefill.data.data(), logits.data(), logits.size());

      const std::vector<int64_t> ref_tokens = load_int64(ref_file(r, "decode_tokens"));
      const Tensor ref_dec = load_float(ref_file(r, "decode_logits"));
      std::vector<float> steps(logits.end() - V, logits.end());
      std::vector<int64_t> tokens{first_argmax(steps.data(), size_t(V))};
      for (size_t k = 0; k + 1 < ref_tokens.size(); ++k) {
        const std::vector<float> step = q->decode(*seq, int32_t(ref_tokens[k]));
        tokens.push_back(first_argmax(step.data(), step.size()));
        steps.insert(steps.end(), step.begin(), step.end());
      }
      ASSERT_EQ(steps.size(), ref_dec.data.size());
      const double s_decode = qnn::sqnr_db(ref_dec.data.data(), steps.data(), steps.size());
      EXPECT_GE(s_prefill, kMinSqnrDb) << "prefill logits SQNR";
      EXPECT_GE(s_decode, kMinSqnrDb) << "decode logits SQNR";
      std::printf("[ref] %-16s %-22s SQNR dB: vision %.1f, prefill logits %.1f, decode logits %.1f; greedy tokens %s\n",
                  v.name, r["image"].get<std::string>().c_str(), s_vit, s_prefill, s_decode,
                  tokens == ref_tokens ? "equal" : "DIFFER");
    }
  }
}

}  // namespace
