// Held-out accuracy of the demo model through the PUBLIC API only (edgevl/edgevl.h): the evaluation set is regenerated
// at test time by models/demo/eval_set.py (numpy + Pillow; seed never used in training, odd image sizes never seen in
// training), every question is asked with greedy decoding through Session::generate on the image FILE, and answers are
// scored exactly as models/demo/eval_torch.py scores the PyTorch model (exact match of the decoded text). Asserts an
// overall accuracy of at least 95% and within 2 points of the PyTorch accuracy recorded in
// models/demo/eval_accuracy.json (same set: its SHA-256 must match). $EDGEVL_DEMO_ACCURACY_JSON overrides that file.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "demo_support.h"
#include "edgevl/edgevl.h"
#include "image_header.h"

namespace fs = std::filesystem;
using namespace edgevl::demo_test;

namespace {

constexpr double kMinAccuracy = 0.95;
constexpr double kMaxGapToPyTorch = 0.02;
constexpr int kMaxNewTokens = 24;  // eval_torch.py's greedy_ids(max_new=24)
constexpr size_t kMinImages = 200;

using Question = EvalQuestion;

class DemoAccuracy : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    EvalSet set = generate_eval_set("eval");
    eval_dir_ = set.dir;
    sha256_ = set.sha256;
    questions_ = set.questions;
    if (!set.error.empty()) {
      setup_error_ = set.error;
      return;
    }

    edgevl::CompileOptions o;
    o.precision = edgevl::Precision::kFp32;
    o.context_length = 128;  // prompt <= ~65 tokens (at most 40 image tokens) + 24 new tokens
    o.chunk = 64;            // nearly every prompt in one prefill run
    o.vit_buckets = {96, 128, 160};  // 20..40 visual tokens = 80..160 patches (min/max_pixels of the model)
    const std::string bundle = work_dir("accuracy") + "/shapes-fp32.evl";
    const auto t0 = std::chrono::steady_clock::now();
    edgevl::compile_model(model_dir(), bundle, o);
    std::printf("[accuracy] compiled %s in %.1f s\n", bundle.c_str(),
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    model_ = std::make_unique<edgevl::Model>(edgevl::Model::open(bundle));
  }
  static void TearDownTestSuite() { model_.reset(); }
  void SetUp() override {
    if (!setup_error_.empty()) FAIL() << setup_error_;
    ASSERT_TRUE(model_) << "compiling or opening " << model_dir() << " failed (see above)";
  }

  static std::string eval_dir_, sha256_, setup_error_;
  static std::vector<Question> questions_;
  static std::unique_ptr<edgevl::Model> model_;
};
std::string DemoAccuracy::eval_dir_, DemoAccuracy::sha256_, DemoAccuracy::setup_error_;
std::vector<Question> DemoAccuracy::questions_;
std::unique_ptr<edgevl::Model> DemoAccuracy::model_;

// The regenerated set is the held-out one: enough scenes, none of a training size (training draws even widths and
// heights only), and byte-identical to the set the PyTorch accuracy was measured on.
TEST_F(DemoAccuracy, HeldOutSetIsRegeneratedWithUnseenSizes) {
  std::set<std::string> images;
  for (const Question& q : questions_) images.insert(q.image);
  EXPECT_GE(images.size(), kMinImages);
  for (const std::string& im : images) {
    const ImageSize s = image_size_from_header(eval_dir_ + "/" + im);
    EXPECT_TRUE(s.width % 2 == 1 && s.height % 2 == 1) << im << " is " << s.width << "x" << s.height
                                                       << " (training uses even sides only)";
  }
  ASSERT_EQ(sha256_.size(), 64u) << "eval_set.py did not print the set's sha256";
  const std::string acc_path = accuracy_json_path();
  ASSERT_TRUE(fs::exists(acc_path)) << acc_path << " not found (written by models/demo/eval_torch.py)";
  const nlohmann::json acc = read_json(acc_path);
  EXPECT_EQ(acc["eval_set"]["sha256"].get<std::string>(), sha256_)
      << "the regenerated set differs from the one the PyTorch accuracy was measured on";
  EXPECT_EQ(acc["eval_set"]["images"].get<size_t>(), images.size());
}

TEST_F(DemoAccuracy, GreedyAccuracyThroughSessionMatchesPyTorch) {
  ASSERT_FALSE(questions_.empty());
  edgevl::GenerationConfig greedy;
  greedy.temperature = 0.f;
  greedy.max_new_tokens = kMaxNewTokens;
  greedy.repetition_penalty = 1.f;
  greedy.top_k = 0;
  greedy.top_p = 1.f;

  std::map<std::string, int> right, total;
  std::map<int64_t, std::string> predicted;  // question id -> EdgeVL's answer
  std::vector<std::string> wrong;
  edgevl::Session session(*model_);
  const auto t0 = std::chrono::steady_clock::now();
  for (const Question& q : questions_) {
    session.reset();  // every question is a fresh conversation, as in eval_torch.py
    const edgevl::Result r = session.generate(edgevl::Request::user(q.question, {eval_dir_ + "/" + q.image}), greedy);
    const bool ok = answer_is_correct(r.text, q.answer);
    right[q.type] += ok;
    total[q.type] += 1;
    predicted[q.id] = r.text;
    if (!ok && wrong.size() < 10) wrong.push_back(q.image + " \"" + q.question + "\" -> \"" + r.text + "\" (want \"" + q.answer + "\")");
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const std::string acc_path = accuracy_json_path();
  nlohmann::json torch = fs::exists(acc_path) ? read_json(acc_path) : nlohmann::json::object();
  const nlohmann::json torch_acc = torch.value("accuracy", nlohmann::json::object());
  auto pct = [](const nlohmann::json& acc, const std::string& key) {
    char buf[32] = "-";
    if (acc.contains(key)) std::snprintf(buf, sizeof buf, "%.2f%%", 100 * acc[key].get<double>());
    return std::string(buf);
  };
  int all_right = 0, all_total = 0;
  std::printf("[accuracy] %zu questions in %.1f s (%.1f ms each)\n", questions_.size(), secs,
              1e3 * secs / double(questions_.size()));
  std::printf("[accuracy] %-9s %9s %8s %8s\n", "type", "right", "EdgeVL", "PyTorch");
  for (const auto& [type, n] : total) {
    all_right += right[type];
    all_total += n;
    std::printf("[accuracy] %-9s %4d/%-4d %7.2f%% %8s\n", type.c_str(), right[type], n, 100.0 * right[type] / n,
                pct(torch_acc, type).c_str());
  }
  const double all = double(all_right) / all_total;
  std::printf("[accuracy] %-9s %4d/%-4d %7.2f%% %8s\n", "all", all_right, all_total, 100 * all,
              pct(torch_acc, "all").c_str());
  for (const std::string& w : wrong) std::printf("[accuracy] wrong: %s\n", w.c_str());

  // eval_torch.py lists (some of) the PyTorch model's wrong answers: EdgeVL should give the very same text for them
  // (greedy on logits equal to ~1e-6; allow a rare argmax flip on a near-tie).
  size_t listed = 0, same = 0;
  for (const auto& e : torch.value("errors", nlohmann::json::array())) {
    const auto it = predicted.find(e["id"].get<int64_t>());
    if (it == predicted.end()) continue;
    ++listed;
    same += it->second == e["predicted"].get<std::string>();
  }
  std::printf("[accuracy] EdgeVL gives the same answer as PyTorch on %zu of its %zu listed errors\n", same, listed);
  EXPECT_GE(same + std::max<size_t>(1, listed / 10), listed) << "EdgeVL's answers differ from PyTorch's wrong answers";

  EXPECT_GE(all, kMinAccuracy) << "overall held-out accuracy";
  ASSERT_TRUE(torch_acc.contains("all")) << acc_path << " not found or without accuracy.all (models/demo/eval_torch.py)";
  EXPECT_LE(std::abs(all - torch_acc["all"].get<double>()), kMaxGapToPyTorch)
      << "EdgeVL " << all << " vs PyTorch " << torch_acc["all"].get<double>();
}

}  // namespace
