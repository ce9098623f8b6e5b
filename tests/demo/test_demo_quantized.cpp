// Quantized bundles of the demo model answer as the float one (issue: quantized static graphs). Through the PUBLIC API
// only: the demo model is compiled fp32 (the reference), w8a16 and w4a16 (ViT fp16, the presets' default) and w4a16
// with a w8a16 ViT, each calibrated on models/demo/calibration_set.py's scenes (a seed used neither in training nor in
// the evaluation set); the first 500 held-out single questions (models/demo/eval_set.py; every type and wording in
// rotation; 500 keep the sanitizer build's four bundles in time) are asked greedily on each bundle. Asserts, per
// quantized bundle: at least 98% of the answers equal the fp32 bundle's answers, and the accuracy is within 1 point of
// fp32's. The logit SQNR is checked in test_demo_reference (QuantizedLogitsSqnr).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "demo_support.h"
#include "edgevl/edgevl.h"

using namespace edgevl::demo_test;

namespace {

constexpr double kMinAgreement = 0.98;
constexpr double kMaxAccuracyGap = 0.01;
constexpr int kMaxNewTokens = 24;
constexpr size_t kQuestions = 500;

struct Variant {
  const char* name;
  edgevl::Precision precision;
  const char* vit;
};

struct Answers {
  std::vector<std::string> text;
  std::map<std::string, int> right, total;
  int all_right = 0;
  double seconds = 0;
  uint64_t bundle_bytes = 0;
};

Answers ask_all(const std::string& bundle, const EvalSet& set) {
  edgevl::Model model = edgevl::Model::open(bundle);
  edgevl::Session session(model);
  edgevl::GenerationConfig greedy;
  greedy.temperature = 0.f;
  greedy.max_new_tokens = kMaxNewTokens;
  greedy.repetition_penalty = 1.f;
  Answers a;
  const auto t0 = std::chrono::steady_clock::now();
  for (const EvalQuestion& q : set.questions) {
    session.reset();
    const edgevl::Result r = session.generate(edgevl::Request::user(q.question, {set.dir + "/" + q.image}), greedy);
    const bool ok = answer_is_correct(r.text, q.answer);
    a.text.push_back(r.text);
    a.right[q.type] += ok;
    a.total[q.type] += 1;
    a.all_right += ok;
  }
  a.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return a;
}

TEST(DemoQuantized, QuantizedAnswersEqualFloatAnswers) {
  EvalSet set = generate_eval_set("eval-quantized");
  ASSERT_TRUE(set.error.empty()) << set.error;
  ASSERT_GE(set.questions.size(), kQuestions);
  set.questions.resize(kQuestions);
  std::string err;
  const std::string calibration = generate_calibration_set("calibration", &err);
  ASSERT_FALSE(calibration.empty()) << err;

  const std::vector<Variant> variants{{"fp32", edgevl::Precision::kFp32, ""},
                                      {"w8a16", edgevl::Precision::kW8A16, ""},
                                      {"w4a16", edgevl::Precision::kW4A16, ""},
                                      {"w4a16-vit-w8a16", edgevl::Precision::kW4A16, "w8a16"}};
  std::vector<Answers> answers;
  for (const Variant& v : variants) {
    edgevl::CompileOptions o;
    o.precision = v.precision;
    o.vit_precision = v.vit;
    if (v.precision != edgevl::Precision::kFp32) o.calibration_file = calibration;
    o.context_length = 128;
    o.chunk = 64;
    o.vit_buckets = {96, 128, 160};
    const std::string bundle = work_dir("quantized") + "/shapes-" + v.name + ".evl";
    const edgevl::CompileSummary s = edgevl::compile_model(model_dir(), bundle, o);
    std::printf("[quantized] %-16s compiled in %.1f s (calibration %.1f s), bundle %llu bytes, %zu notes\n", v.name,
                s.seconds, s.calibration_seconds, static_cast<unsigned long long>(s.bundle_bytes), s.notes.size());
    answers.push_back(ask_all(bundle, set));
    answers.back().bundle_bytes = s.bundle_bytes;
  }

  const Answers& ref = answers[0];
  const double n = double(set.questions.size());
  std::printf("[quantized] %-16s %9s %9s %9s %10s\n", "bundle", "accuracy", "same-fp32", "seconds", "bytes");
  for (size_t i = 0; i < variants.size(); ++i) {
    const Answers& a = answers[i];
    int same = 0;
    std::vector<std::string> diffs;
    for (size_t k = 0; k < a.text.size(); ++k) {
      if (a.text[k] == ref.text[k]) {
        ++same;
      } else if (diffs.size() < 5) {
        diffs.push_back(set.questions[k].image + " \"" + set.questions[k].question + "\": fp32 \"" + ref.text[k] +
                        "\", " + variants[i].name + " \"" + a.text[k] + "\"");
      }
    }
    std::printf("[quantized] %-16s %8.2f%% %8.2f%% %9.1f %10llu\n", variants[i].name, 100.0 * a.all_right / n,
                100.0 * same / n, a.seconds, static_cast<unsigned long long>(a.bundle_bytes));
    for (const auto& [type, t] : a.total)
      std::printf("[quantized]   %-14s %4d/%-4d\n", type.c_str(), a.right.at(type), t);
    for (const std::string& d : diffs) std::printf("[quantized]   differs: %s\n", d.c_str());
    if (i == 0) continue;
    EXPECT_GE(same / n, kMinAgreement) << variants[i].name << ": answers equal to fp32's";
    EXPECT_LE(std::abs(a.all_right - ref.all_right) / n, kMaxAccuracyGap) << variants[i].name << ": accuracy gap";
  }
}

// The accuracy report of a w4a16 compile (CompileOptions::report_file) on held-out scenes (calibration_set.py's
// REPORT_SEED, never the calibration scenes): a JSON document whose numbers agree with what the answers test measures.
TEST(DemoQuantized, CompileWritesAnAccuracyReport) {
  std::string err;
  const std::string calibration = generate_calibration_set("calibration-report", &err);
  ASSERT_FALSE(calibration.empty()) << err;
  const std::string held_out = generate_calibration_set("report-samples", &err, 20261204);
  ASSERT_FALSE(held_out.empty()) << err;
  edgevl::CompileOptions o;
  o.precision = edgevl::Precision::kW4A16;
  o.calibration_file = calibration;
  o.report_file = work_dir("quantized") + "/w4a16.report.json";
  o.report_samples_file = held_out;
  o.context_length = 128;
  o.chunk = 64;
  o.vit_buckets = {96, 128, 160};
  const edgevl::CompileSummary s = edgevl::compile_model(model_dir(), work_dir("quantized") + "/shapes-w4a16-report.evl", o);
  std::printf("%s", s.report.c_str());
  ASSERT_FALSE(s.report.empty());
  const nlohmann::json r = read_json(o.report_file);
  const size_t n = r["samples"].get<size_t>();
  EXPECT_EQ(n, 48u);  // calibration_set.py: 24 scenes, two questions each
  ASSERT_EQ(r["outputs"].size(), 2u);  // image_embeds, logits
  for (const auto& out : r["outputs"]) EXPECT_GE(out["sqnr_db"].get<double>(), 15.0) << out["name"];
  EXPECT_EQ(r["layers"].size(), 6u);    // 3 ViT blocks + 3 decoder layers
  EXPECT_GE(r["top1_agreement"].get<double>(), 0.9);
  EXPECT_GE(r["greedy_same"].get<double>(), 0.98 * double(n));
  EXPECT_TRUE(r["weak_layers"].empty());
  for (const auto& e : std::filesystem::directory_iterator(work_dir("quantized")))  // the float bundle's work dir
    EXPECT_EQ(e.path().filename().string().find("shapes-w4a16-report.evl."), std::string::npos) << e.path();
}

}  // namespace
