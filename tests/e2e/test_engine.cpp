// Qwen2VLEngine behaviour on a tiny random checkpoint (models/tools/make_random_checkpoint.py): clear errors for bad
// requests (checked before any work, sequence left unchanged), multi-turn prefill equal to one-shot prefill (M-RoPE and
// KV cache continued across calls, images included), compile option validation, and a tied head sharing the
// embedding table's bytes. Numerical fidelity against the NumPy reference is fidelity.py's job.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "engine/engine.h"
#include "expect_error.h"

namespace fs = std::filesystem;
using namespace edgevl;
using edgevl::test::error_code_of;

namespace {

const fs::path kWork = fs::path(EDGEVL_ENGINE_TEST_DIR);

class EngineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    fs::remove_all(kWork);
    fs::create_directories(kWork);
    const std::string cmd = std::string(EDGEVL_PYTHON_EXE) + " " + EDGEVL_SOURCE_DIR +
                            "/models/tools/make_random_checkpoint.py " + (kWork / "hf").string() +
                            " --preset tiny --seed 5 > /dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    engine::CompileOptions o;
    o.chunk = 8;
    o.context_length = 64;
    o.vit_buckets = {16, 64};
    engine::compile_qwen2vl((kWork / "hf").string(), (kWork / "m.evl").string(), o);
    eng_ = engine::Qwen2VLEngine::open((kWork / "m.evl").string());
  }
  static void TearDownTestSuite() { eng_.reset(); }

  static engine::ImageInput image(int64_t gh, int64_t gw, uint32_t seed) {
    const auto& info = eng_->info();
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.f, 1.f);
    std::vector<float> pv(size_t(gh * gw * info.vit.patch_dim()));
    for (float& x : pv) x = nd(rng);
    engine::ImageInput in;
    in.grid_thw = {1, gh, gw};
    in.embeds = eng_->encode_image(pv.data(), gh * gw, {in.grid_thw});
    return in;
  }
  static std::vector<int32_t> text(size_t n, int32_t base = 3) {
    std::vector<int32_t> ids(n);
    for (size_t i = 0; i < n; ++i) ids[i] = base + int32_t(i % 50);
    return ids;
  }

  static std::shared_ptr<const engine::Qwen2VLEngine> eng_;
};
std::shared_ptr<const engine::Qwen2VLEngine> EngineTest::eng_;

TEST_F(EngineTest, ContextOverflowIsReportedBeforeAnyWork) {
  auto seq = eng_->new_sequence();
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, text(65), {}); }), ErrorCode::kContextOverflow);
  EXPECT_EQ(seq->length(), 0);
  eng_->prefill(*seq, text(60), {});
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, text(5), {}); }), ErrorCode::kContextOverflow);
  EXPECT_EQ(seq->length(), 60);
  for (int i = 0; i < 4; ++i) eng_->decode(*seq, 5);
  EXPECT_EQ(seq->length(), 64);
  EXPECT_EQ(error_code_of([&] { eng_->decode(*seq, 5); }), ErrorCode::kContextOverflow);
}

TEST_F(EngineTest, ImageCountMismatchAndBadIdsAreRejected) {
  const int32_t pad = eng_->info().image_token_id;
  engine::ImageInput img = image(4, 4, 1);  // 4 merged tokens
  auto seq = eng_->new_sequence();
  std::vector<int32_t> ids = text(3);
  ids.insert(ids.end(), 4, pad);
  ids.push_back(7);
  // pads but no image; then too many images
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, ids, {}); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, ids, {img, img}); }), ErrorCode::kInvalidArgument);
  std::vector<int32_t> short_ids = ids;
  short_ids.erase(short_ids.begin() + 3);  // 3 pads for a 4-token image
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, short_ids, {img}); }), ErrorCode::kInvalidArgument);
  engine::ImageInput bad = img;
  bad.embeds.pop_back();
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, ids, {bad}); }), ErrorCode::kInvalidArgument);
  std::vector<int32_t> oov = text(4);
  oov[2] = eng_->info().llm.vocab_size;
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, oov, {}); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { eng_->prefill(*seq, {}, {}); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { eng_->decode(*seq, -1); }), ErrorCode::kInvalidArgument);
  EXPECT_EQ(seq->length(), 0);
  EXPECT_EQ(seq->next_position(), 0);
  eng_->prefill(*seq, ids, {img});  // the well-formed request still works on the same sequence
  EXPECT_EQ(seq->length(), int64_t(ids.size()));
}

TEST_F(EngineTest, ImageLargerThanEveryBucketIsUnsupported) {
  std::vector<float> pv(size_t(20 * eng_->info().vit.patch_dim()), 0.f);
  // odd gw
  EXPECT_EQ(error_code_of([&] { eng_->encode_image(pv.data(), 20, {{1, 4, 5}}); }), ErrorCode::kInvalidArgument);
  // Compile appended the bucket of the largest image smart_resize can give (max_resized_pixels) to the given {16, 64}.
  const int64_t largest = eng_->info().vit_buckets.back();
  EXPECT_GT(largest, 64);
  const int64_t gw = largest / 2 + 2;  // even, 2 x gw = largest + 4 patches
  std::vector<float> big(size_t(2 * gw * eng_->info().vit.patch_dim()), 0.f);
  EXPECT_EQ(error_code_of([&] { eng_->encode_image(big.data(), 2 * gw, {{1, 2, gw}}); }), ErrorCode::kUnsupported);
}

// Two turns (text+image, then text+image+text) give the same last logits and cache as one prefill of everything:
// M-RoPE positions continue from max+1, the KV cache is appended, chunk boundaries fall elsewhere.
TEST_F(EngineTest, MultiTurnPrefillEqualsOneShot) {
  const int32_t pad = eng_->info().image_token_id;
  engine::ImageInput a = image(4, 8, 2), b = image(8, 4, 3);
  std::vector<int32_t> t1 = text(5);
  t1.insert(t1.end(), size_t(a.num_tokens()), pad);
  t1.push_back(9);
  std::vector<int32_t> t2 = text(3, 20);
  t2.insert(t2.end(), size_t(b.num_tokens()), pad);
  const std::vector<int32_t> tail = text(6, 30);
  t2.insert(t2.end(), tail.begin(), tail.end());

  auto s1 = eng_->new_sequence();
  eng_->prefill(*s1, t1, {a});
  std::vector<float> l1 = eng_->prefill(*s1, t2, {b});
  std::vector<int32_t> all = t1;
  all.insert(all.end(), t2.begin(), t2.end());
  auto s2 = eng_->new_sequence();
  std::vector<float> l2 = eng_->prefill(*s2, all, {a, b});
  ASSERT_EQ(l1.size(), l2.size());
  float maxdiff = 0, maxabs = 0;
  for (size_t i = 0; i < l1.size(); ++i) {
    maxdiff = std::max(maxdiff, std::fabs(l1[i] - l2[i]));
    maxabs = std::max(maxabs, std::fabs(l2[i]));
  }
  EXPECT_LE(maxdiff, 1e-5f * maxabs);
  EXPECT_EQ(s1->length(), s2->length());
  EXPECT_EQ(s1->next_position(), s2->next_position());
  // Image blocks advance positions by max(t, gh/2, gw/2), less than their token count.
  EXPECT_LT(s2->next_position(), s2->length());
  // The caches hold the same values to float rounding (a row's sums may be ordered differently by the GEMM build of
  // the CPU, e.g. AVX-512 Eigen, depending on where the row falls in its chunk), so the next step's logits agree to it.
  const std::vector<float> d1 = eng_->decode(*s1, 11), d2 = eng_->decode(*s2, 11);
  ASSERT_EQ(d1.size(), d2.size());
  float ddiff = 0, dabs = 0;
  for (size_t i = 0; i < d1.size(); ++i) {
    ddiff = std::max(ddiff, std::fabs(d1[i] - d2[i]));
    dabs = std::max(dabs, std::fabs(d2[i]));
  }
  EXPECT_LE(ddiff, 1e-5f * dabs);
}

TEST_F(EngineTest, CompileAndOpenErrors) {
  engine::CompileOptions o;
  o.chunk = 0;
  EXPECT_EQ(error_code_of([&] { engine::compile_qwen2vl((kWork / "hf").string(), (kWork / "x.evl").string(), o); }),
            ErrorCode::kInvalidArgument);
  o.chunk = 16;
  o.context_length = 8;
  EXPECT_EQ(error_code_of([&] { engine::compile_qwen2vl((kWork / "hf").string(), (kWork / "x.evl").string(), o); }),
            ErrorCode::kInvalidArgument);
  o.context_length = 64;
  o.vit_buckets = {30};
  EXPECT_EQ(error_code_of([&] { engine::compile_qwen2vl((kWork / "hf").string(), (kWork / "x.evl").string(), o); }),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error_code_of([&] { engine::compile_qwen2vl((kWork / "nope").string(), (kWork / "x.evl").string(), {}); }),
            ErrorCode::kNotFound);
  EXPECT_FALSE(fs::exists(kWork / "x.evl"));
  EXPECT_EQ(error_code_of([&] { engine::Qwen2VLEngine::open((kWork / "hf").string()); }), ErrorCode::kNotFound);
}

// A tied head reads the embedding table itself: the bundle holds exactly one constant of vocab × hidden elements (no
// transposed copy made by lowering), and the prefill and decode heads point at the embedding graph's table bytes.
TEST_F(EngineTest, TiedHeadStoresEmbeddingTableOnce) {
  const auto& info = eng_->info();
  ASSERT_TRUE(info.llm.tie_word_embeddings);
  const qnn::Bundle& bundle = eng_->bundle();
  const qnn::Graph& eg = bundle.graph(info.embed_graph);
  const uint8_t* table = eg.tensor(eg.find(info.embed_tensor)).data.data;
  ASSERT_NE(table, nullptr);
  std::set<const uint8_t*> table_sized;
  uint64_t distinct_bytes = 0;
  std::set<const uint8_t*> seen;
  for (const std::string& name : bundle.graph_names()) {
    const qnn::Graph& g = bundle.graph(name);
    for (const qnn::Tensor& t : g.tensors()) {
      if (t.kind != qnn::TensorKind::kConstant) continue;
      if (seen.insert(t.data.data).second) distinct_bytes += t.nbytes();
      if (t.num_elements() == info.llm.vocab_size * info.llm.hidden) table_sized.insert(t.data.data);
    }
  }
  EXPECT_EQ(table_sized, std::set<const uint8_t*>{table});
  EXPECT_LE(distinct_bytes, bundle.weights_size());
  for (const std::string& name : {info.prefill_graph, info.decode_graph}) {
    const qnn::Graph& g = bundle.graph(name);
    const auto head =
        std::find_if(g.ops().begin(), g.ops().end(), [](const qnn::Op& op) { return op.name == "lm_head"; });
    ASSERT_NE(head, g.ops().end()) << name;
    EXPECT_EQ(g.tensor(head->inputs[1]).data.data, table) << name;
  }
}

}  // namespace
