// The decoder graphs on the emulator at tiny dimensions with random weights: chunked prefill equals one-chunk prefill,
// decode after prefill equals prefill of the extended prompt (so the KV-cache scheme, the mask, padding rows and the
// M-RoPE tables are consistent), the graph interface, and the real Qwen2-VL-2B-size build with weight views.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "edgevl/error.h"
#include "edgevl/llm/decoder_step.h"
#include "edgevl/llm/embedding.h"
#include "edgevl/llm/llm_graph.h"
#include "edgevl/qnn/passes.h"
#include "view_weights.h"

using namespace edgevl;
using namespace edgevl::llm;

namespace {

constexpr int32_t kImg = 49, kVs = 48, kVe = 47;
constexpr int64_t kCtx = 24;

LlmConfig tiny_config() {
  LlmConfig c;
  c.hidden = 32;
  c.intermediate = 48;
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 8;
  c.vocab_size = 50;
  c.rope_theta = 10000.0f;
  c.mrope_section = {1, 1, 2};
  return c;
}

std::unique_ptr<qnn::Executable> prepare(const LlmConfig& c, int64_t rows,
                                         qnn::FloatMode precision = qnn::FloatMode::kFp32,
                                         qnn::MaskMode mask = qnn::MaskMode::kAdditive) {
  qnn::Graph g = build_llm_graph(c, rows, kCtx, qnn::random_weight_provider(11), "g", mask);
  qnn::lower_linear_to_conv2d(g);
  return qnn::prepare_emulator(g, precision, 1);
}

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

// Embeds (with one 1×4×4 image fused in) and M-RoPE positions of `ids`, as the engine prepares a prompt.
struct Prompt {
  std::vector<float> embeds;
  std::vector<MropePosition> positions;
};
Prompt make_prompt(const LlmConfig& c, const std::vector<int32_t>& ids) {
  static const std::vector<float> table = random_vector(size_t(c.vocab_size * c.hidden), 5);
  static const std::vector<float> image = random_vector(size_t(4 * c.hidden), 6);
  Prompt p;
  p.embeds.resize(ids.size() * size_t(c.hidden));
  embed_tokens({table.data(), EmbeddingDType::kFloat32, c.vocab_size, c.hidden}, ids.data(), int64_t(ids.size()),
               p.embeds.data());
  fuse_image_embeddings(ids.data(), int64_t(ids.size()), kImg, image.data(), 4, c.hidden, p.embeds.data());
  MropeState st(kImg);
  p.positions = st.append(ids.data(), int64_t(ids.size()), {{1, 4, 4}});
  return p;
}

// Prefill of the whole prompt through a graph of `rows` rows, chunk by chunk; returns logits [L, vocab].
std::vector<float> prefill(qnn::Executable& exe, const LlmConfig& c, int64_t rows, const Prompt& p, KvCache& cache) {
  const int64_t L = int64_t(p.positions.size()), V = c.vocab_size;
  std::vector<float> all(size_t(L * V)), logits(size_t(rows * V));
  for (int64_t off = 0; off < L; off += rows) {
    const int64_t n = std::min(rows, L - off);
    std::vector<MropePosition> pos(p.positions.begin() + off, p.positions.begin() + off + n);
    run_decoder_step(exe, c, p.embeds.data() + off * c.hidden, pos, cache, logits.data());
    for (float v : logits) EXPECT_TRUE(std::isfinite(v));  // padding rows included
    std::copy(logits.begin(), logits.begin() + n * V, all.begin() + off * V);
  }
  return all;
}

const std::vector<int32_t> kPrompt{1, 2, kVs, kImg, kImg, kImg, kImg, kVe, 5, 6};  // 10 tokens

}  // namespace

TEST(LlmGraph, ChunkedPrefillEqualsOneChunk) {
  const LlmConfig c = tiny_config();
  const Prompt p = make_prompt(c, kPrompt);
  auto exe4 = prepare(c, 4);
  auto exe16 = prepare(c, 16);
  KvCache cache4(c.num_layers, c.num_kv_heads, kCtx, c.head_dim), cache16(c.num_layers, c.num_kv_heads, kCtx, c.head_dim);
  const std::vector<float> chunked = prefill(*exe4, c, 4, p, cache4);  // 4 + 4 + 2 (partial chunk)
  const std::vector<float> whole = prefill(*exe16, c, 16, p, cache16);
  ASSERT_EQ(chunked.size(), whole.size());
  for (size_t i = 0; i < whole.size(); ++i) ASSERT_NEAR(chunked[i], whole[i], 1e-5) << "logit " << i;
  ASSERT_EQ(cache4.length(), 10);
  ASSERT_EQ(cache16.length(), 10);
  for (int l = 0; l < c.num_layers; ++l)
    for (int h = 0; h < c.num_kv_heads; ++h)
      for (int64_t i = 0; i < 10 * c.head_dim; ++i) {
        const size_t at = size_t(h * kCtx * c.head_dim + i);
        auto fk = [&](const llm::KvCache& kc) { return static_cast<const float*>(kc.key(l))[at]; };
        auto fv = [&](const llm::KvCache& kc) { return static_cast<const float*>(kc.value(l))[at]; };
        ASSERT_NEAR(fk(cache4), fk(cache16), 1e-5);
        ASSERT_NEAR(fv(cache4), fv(cache16), 1e-5);
      }
  // Logits vary with the position (the comparison is not vacuous).
  double diff = 0;
  for (int64_t v = 0; v < c.vocab_size; ++v) diff += std::fabs(whole[v] - whole[size_t(c.vocab_size) + v]);
  EXPECT_GT(diff, 1e-3);
}

TEST(LlmGraph, DecodeEqualsPrefillOfExtendedPrompt) {
  const LlmConfig c = tiny_config();
  auto exe4 = prepare(c, 4);
  auto exe1 = prepare(c, 1);
  auto exe16 = prepare(c, 16);
  KvCache cache(c.num_layers, c.num_kv_heads, kCtx, c.head_dim);
  MropeState st(kImg);
  const Prompt p = make_prompt(c, kPrompt);
  prefill(*exe4, c, 4, p, cache);
  st.append(kPrompt.data(), int64_t(kPrompt.size()), {{1, 4, 4}});
  // Two decode steps: tokens 9 then 3.
  std::vector<int32_t> extended = kPrompt;
  std::vector<float> decoded;
  for (int32_t tok : {9, 3}) {
    extended.push_back(tok);
    const Prompt e = make_prompt(c, extended);
    std::vector<float> logits(size_t(c.vocab_size));
    run_decoder_step(*exe1, c, e.embeds.data() + (extended.size() - 1) * size_t(c.hidden), {st.append_text_token()},
                     cache, logits.data());
    decoded.insert(decoded.end(), logits.begin(), logits.end());
  }
  KvCache fresh(c.num_layers, c.num_kv_heads, kCtx, c.head_dim);
  const std::vector<float> ref = prefill(*exe16, c, 16, make_prompt(c, extended), fresh);
  const size_t V = size_t(c.vocab_size);
  for (size_t v = 0; v < V; ++v) {
    ASSERT_NEAR(decoded[v], ref[10 * V + v], 1e-5) << "first decode, logit " << v;
    ASSERT_NEAR(decoded[V + v], ref[11 * V + v], 1e-5) << "second decode, logit " << v;
  }
}

TEST(LlmGraph, Fp16PrefillStaysFiniteAndClose) {
  // fp16 turns the mask's large negative into -inf: padding rows (partial chunk) and empty cache slots must not give NaN.
  const LlmConfig c = tiny_config();
  const Prompt p = make_prompt(c, kPrompt);
  auto exe32 = prepare(c, 4);
  auto exe16 = prepare(c, 4, qnn::FloatMode::kFp16);
  KvCache a(c.num_layers, c.num_kv_heads, kCtx, c.head_dim), b(c.num_layers, c.num_kv_heads, kCtx, c.head_dim);
  const std::vector<float> f32 = prefill(*exe32, c, 4, p, a);
  const std::vector<float> f16 = prefill(*exe16, c, 4, p, b);
  for (size_t i = 0; i < f32.size(); ++i) ASSERT_NEAR(f16[i], f32[i], 5e-2) << "logit " << i;
}

TEST(LlmGraph, InterfaceAndHeadWeights) {
  LlmConfig c = tiny_config();
  std::vector<std::string> asked;
  auto recording = [&asked](qnn::GraphBuilder& b, const std::string& name, const std::vector<int64_t>& shape) {
    asked.push_back(name);
    return qnn::random_weight_provider(1)(b, name, shape);
  };
  const qnn::Graph g = build_llm_graph(c, 4, kCtx, recording, llm_prefill_graph_name(4));
  EXPECT_EQ(g.name(), "llm.prefill.c4");
  const auto shape_of = [&g](const char* name) { return g.tensor(g.find(name)).shape; };
  EXPECT_EQ(shape_of("embeds"), (std::vector<int64_t>{4, 32}));
  EXPECT_EQ(shape_of("rope_cos"), (std::vector<int64_t>{4, 8}));
  EXPECT_EQ(shape_of("attn_mask"), (std::vector<int64_t>{4, kCtx + 4}));
  EXPECT_EQ(shape_of("past_key_1"), (std::vector<int64_t>{2, kCtx, 8}));
  EXPECT_EQ(shape_of("new_value_1"), (std::vector<int64_t>{2, 4, 8}));
  EXPECT_EQ(shape_of("logits"), (std::vector<int64_t>{4, 50}));
  EXPECT_EQ(g.inputs().size(), 4u + 2u * 2u);
  EXPECT_EQ(g.outputs().size(), 1u + 2u * 2u);
  EXPECT_EQ(asked.size(), 2u * 12u + 2u);
  EXPECT_EQ(asked.back(), "model.embed_tokens.weight");
  // The tied head stays on the table itself after lowering (no transposed copy); an untied head is lowered.
  const auto head_weight = [](const qnn::Graph& graph) {
    for (const qnn::Op& op : graph.ops())
      if (op.name == "lm_head") return graph.tensor(op.inputs[1]).name;
    return std::string("(no lm_head op)");
  };
  qnn::Graph lowered = g;
  qnn::lower_linear_to_conv2d(lowered);
  EXPECT_EQ(head_weight(lowered), "model.embed_tokens.weight");
  EXPECT_EQ(lowered.find("model.embed_tokens.weight.hwio"), qnn::kNoTensor);
  asked.clear();
  c.tie_word_embeddings = false;
  qnn::Graph untied = build_llm_graph(c, 1, kCtx, recording, llm_decode_graph_name());
  EXPECT_EQ(asked.back(), "lm_head.weight");
  EXPECT_EQ(head_weight(untied), "lm_head.weight");
  qnn::lower_linear_to_conv2d(untied);
  EXPECT_NE(untied.find("lm_head.weight.hwio"), qnn::kNoTensor);

  c.mrope_section = {1, 1, 1};
  EXPECT_THROW(build_llm_graph(c, 1, kCtx, recording, "x"), Error);
  EXPECT_THROW(build_llm_graph(tiny_config(), 0, kCtx, recording, "x"), Error);
}

TEST(LlmGraph, DecoderStepRejectsBadCalls) {
  const LlmConfig c = tiny_config();
  auto exe4 = prepare(c, 4);
  KvCache cache(c.num_layers, c.num_kv_heads, kCtx, c.head_dim);
  std::vector<float> embeds(5 * 32), logits(4 * 50);
  const std::vector<MropePosition> five(5, MropePosition{0, 0, 0});
  EXPECT_THROW(run_decoder_step(*exe4, c, embeds.data(), five, cache, logits.data()), Error);
  EXPECT_THROW(run_decoder_step(*exe4, c, embeds.data(), {}, cache, logits.data()), Error);
  KvCache other(c.num_layers, 1, kCtx, c.head_dim);
  EXPECT_THROW(run_decoder_step(*exe4, c, embeds.data(), {{0, 0, 0}}, other, logits.data()), Error);
  EXPECT_EQ(cache.length(), 0);
}

TEST(LlmGraph, RealSizeBuildKeepsWeightViews) {
  const LlmConfig c = LlmConfig::qwen2vl_2b();
  graphs_test::ViewWeights w(size_t(151936) * 1536 * 2);
  const qnn::Graph g = build_llm_graph(c, 32, 1024, w.provider(), llm_prefill_graph_name(32));
  EXPECT_EQ(w.names().size(), 28u * 12u + 2u);
  EXPECT_TRUE(w.names().count("model.layers.27.self_attn.k_proj.bias"));
  w.expect_all_views(g);
  EXPECT_EQ(g.tensor(g.find("logits")).shape, (std::vector<int64_t>{32, 151936}));
  EXPECT_EQ(g.tensor(g.find("past_key_27")).shape, (std::vector<int64_t>{2, 1024, 128}));
}

// The keep-mask attention of quantized graphs (row minimum - margin instead of an additive -1e9) gives the additive
// mask's results in float: padded chunk rows and empty cache slots stay hidden.
TEST(LlmGraph, KeepMaskMatchesAdditiveMask) {
  const LlmConfig c = tiny_config();
  auto add = prepare(c, 4);
  auto keep = prepare(c, 4, qnn::FloatMode::kFp32, qnn::MaskMode::kKeep);
  ASSERT_NE(keep->graph().find(qnn::kKeepMaskInput), qnn::kNoTensor);
  ASSERT_EQ(keep->graph().find("attn_mask"), qnn::kNoTensor);
  const Prompt p = make_prompt(c, kPrompt);
  KvCache ca(c.num_layers, c.num_kv_heads, kCtx, c.head_dim), ck(c.num_layers, c.num_kv_heads, kCtx, c.head_dim);
  const std::vector<float> la = prefill(*add, c, 4, p, ca), lk = prefill(*keep, c, 4, p, ck);
  ASSERT_EQ(la.size(), lk.size());
  double max_abs = 0, max_diff = 0;
  for (size_t i = 0; i < la.size(); ++i) {
    max_abs = std::max(max_abs, double(std::fabs(la[i])));
    max_diff = std::max(max_diff, double(std::fabs(la[i] - lk[i])));
  }
  EXPECT_GT(max_abs, 0.1);
  EXPECT_LT(max_diff, 1e-4 * max_abs);
}

