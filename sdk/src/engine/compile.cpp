// compile_qwen2vl: Hugging Face Qwen2-VL directory -> bundle of verified, lowered static graphs.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>

#include "edgevl/error.h"
#include "edgevl/llm/llm_graph.h"
#include "edgevl/models/qwen2vl_checkpoint.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/graph_builder.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/qnn/verify.h"
#include "edgevl/vision/preprocessor_config.h"
#include "edgevl/vision/vit_graph.h"
#include "edgevl/vision/vit_inputs.h"
#include "engine/config_mapping.h"
#include "engine/engine.h"
#include "engine/weight_provider.h"

namespace fs = std::filesystem;

namespace edgevl::engine {
namespace {

/// Default cap on image size when neither the options nor a smaller preprocessor_config.json max_pixels set one:
/// 1024 merged tokens (4096 patches). The published max_pixels (12845056, i.e. 65536 patches) would need a ViT graph
/// whose attention alone is tens of GB; images above the cap are resized to it by the session (documented deviation).
constexpr int64_t kDefaultMaxPixels = 1024 * 28 * 28;

nlohmann::json generation_json(const models::ModelGenerationConfig& g) {
  nlohmann::json j;
  j["eos_token_id"] = g.eos_token_ids;
  if (g.pad_token_id) j["pad_token_id"] = *g.pad_token_id;
  if (g.bos_token_id) j["bos_token_id"] = *g.bos_token_id;
  j["do_sample"] = g.do_sample;
  j["temperature"] = g.temperature;
  j["top_k"] = g.top_k;
  j["top_p"] = g.top_p;
  j["repetition_penalty"] = g.repetition_penalty;
  if (g.max_new_tokens) j["max_new_tokens"] = *g.max_new_tokens;
  if (g.max_length) j["max_length"] = *g.max_length;
  return j;
}

BundleInfo info_from_checkpoint(const models::Qwen2VLCheckpoint& ck) {
  const models::Qwen2VLConfig& c = ck.config();
  if (c.vision.hidden_act != "quick_gelu")
    throw Error(ErrorCode::kUnsupported, ck.dir() + "/config.json: vision hidden_act '" + c.vision.hidden_act +
                                             "' (EdgeVL's ViT graph implements quick_gelu)");
  if (c.text.hidden_act != "silu")
    throw Error(ErrorCode::kUnsupported, ck.dir() + "/config.json: hidden_act '" + c.text.hidden_act +
                                             "' (EdgeVL's decoder graph implements silu)");
  if (c.text.mrope_section.size() != 3)
    throw Error(ErrorCode::kUnsupported, ck.dir() + "/config.json: mrope_section must have 3 entries");
  BundleInfo b;
  b.vit_depth = int(c.vision.depth);
  b.vit_embed_dim = int(c.vision.embed_dim);
  b.vit_num_heads = int(c.vision.num_heads);
  b.vit_mlp_hidden = int(c.vision.mlp_dim());
  b.vit_in_channels = int(c.vision.in_channels);
  b.vit_patch_size = int(c.vision.patch_size);
  b.vit_temporal_patch_size = int(c.vision.temporal_patch_size);
  b.vit_spatial_merge_size = int(c.vision.spatial_merge_size);
  if (c.vision.hidden_size != c.text.hidden_size)
    throw Error(ErrorCode::kUnsupported, ck.dir() + "/config.json: vision_config.hidden_size " +
                                             std::to_string(c.vision.hidden_size) + " differs from the text hidden_size " +
                                             std::to_string(c.text.hidden_size));
  b.hidden = int(c.text.hidden_size);
  b.intermediate = int(c.text.intermediate_size);
  b.num_layers = int(c.text.num_hidden_layers);
  b.num_heads = int(c.text.num_attention_heads);
  b.num_kv_heads = int(c.text.num_key_value_heads);
  b.head_dim = int(c.text.head_dim());
  b.vocab_size = int(c.text.vocab_size);
  b.rms_eps = float(c.text.rms_norm_eps);
  b.rope_theta = float(c.text.rope_theta);
  for (int i = 0; i < 3; ++i) b.mrope_section[size_t(i)] = int(c.text.mrope_section[size_t(i)]);
  b.tie_word_embeddings = ck.lm_head_tied();
  b.image_token_id = int32_t(c.image_token_id);
  b.vision_start_token_id = int32_t(c.vision_start_token_id);
  b.vision_end_token_id = int32_t(c.vision_end_token_id);
  const models::ModelGenerationConfig& g = ck.generation_config();
  b.eos_token_ids.clear();
  for (int64_t e : g.eos_token_ids) b.eos_token_ids.push_back(int32_t(e));
  if (b.eos_token_ids.empty()) b.eos_token_ids.push_back(int32_t(c.eos_token_id));
  b.generation_config = generation_json(g);
  return b;
}

/// The "llm.embed" graph: ids [1] int32 -> Gather(embed_tokens) -> embeds [1, hidden]. Its only purpose is to carry the
/// embedding table in the bundle (shared with a tied head) for the host's lookups.
qnn::Graph build_embed_graph(const BundleInfo& info, const qnn::WeightProvider& weights) {
  qnn::GraphBuilder b(info.embed_graph);
  qnn::TensorId ids = b.input("ids", {1}, qnn::DType::kInt32);
  qnn::TensorId table = qnn::require_weight(b, weights, info.embed_tensor, {info.vocab_size, info.hidden});
  b.output(b.gather(table, ids, 0, "embed_lookup"), "embeds");
  return b.finish();
}

void check_options(const CompileOptions& o) {
  if (o.chunk < 1) throw Error(ErrorCode::kInvalidArgument, "compile: chunk must be >= 1, got " + std::to_string(o.chunk));
  if (o.context_length < o.chunk)
    throw Error(ErrorCode::kInvalidArgument, "compile: context_length " + std::to_string(o.context_length) +
                                                 " is smaller than the chunk " + std::to_string(o.chunk));
  if (o.max_pixels < 0) throw Error(ErrorCode::kInvalidArgument, "compile: max_pixels must be >= 0");
  for (int64_t b : o.vit_buckets)
    if (b < 4 || b % 4 != 0)
      throw Error(ErrorCode::kInvalidArgument,
                  "compile: ViT bucket " + std::to_string(b) + " is not a positive multiple of 4");
}

}  // namespace

CompileSummary compile_qwen2vl(const std::string& hf_dir, const std::string& bundle_dir, const CompileOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  check_options(options);
  auto progress = [&](const std::string& stage, size_t done, size_t total) {
    if (options.progress) options.progress(stage, done, total);
  };
  if (!fs::exists(fs::path(hf_dir) / "tokenizer.json"))
    throw Error(ErrorCode::kNotFound, "compile: " + hf_dir + " has no tokenizer.json");
  auto ck = std::make_shared<models::Qwen2VLCheckpoint>(models::Qwen2VLCheckpoint::open(hf_dir));
  BundleInfo info = info_from_checkpoint(*ck);
  info.precision = qnn::float_mode_name(options.precision);
  info.context_length = options.context_length;
  info.chunk = options.chunk;

  const std::string pre_path = (fs::path(hf_dir) / "preprocessor_config.json").string();
  vision::PreprocessorConfig pre;
  if (fs::exists(pre_path)) pre = vision::load_preprocessor_config(pre_path);
  info.min_pixels = pre.min_pixels;
  info.max_pixels = options.max_pixels > 0 ? options.max_pixels : std::min(pre.max_pixels, kDefaultMaxPixels);
  if (info.max_pixels < info.min_pixels) info.min_pixels = info.max_pixels;
  std::vector<int64_t> buckets = options.vit_buckets;
  if (buckets.empty())
    buckets = vision::default_vit_buckets(info.max_pixels, info.vit_patch_size, info.vit_spatial_merge_size);
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  info.vit_buckets = buckets;
  info.prefill_graph = llm::llm_prefill_graph_name(options.chunk);
  info.decode_graph = llm::llm_decode_graph_name();

  const vision::VitConfig vit = vit_config_from_info(info);
  const llm::LlmConfig llm_cfg = llm_config_from_info(info);
  const qnn::DType wtype =
      options.precision == qnn::Precision::kFp16 ? qnn::DType::kFloat16 : qnn::DType::kFloat32;
  CheckpointWeights weights([ck](const std::string& n) { return ck->find(n); }, ck, wtype);
  const qnn::WeightProvider provider = weights.provider();

  // Lowering transposes each linear weight once per model half: a TransposeCache (keyed by the source bytes' address)
  // per half, while the provider's cache keeps those sources alive, makes prefill and decode (and the ViT buckets)
  // share one transposed copy. The caches must not outlive the sources (a freed address could be reused).
  std::vector<qnn::Graph> graphs;
  const size_t total = buckets.size() + 3;
  auto finish_graph = [&](qnn::Graph g, qnn::TransposeCache& tcache) {
    qnn::lower_linear_to_conv2d(g, &tcache);
    qnn::eliminate_dead_code(g);
    qnn::verify(g);
    graphs.push_back(std::move(g));
    progress("build", graphs.size(), total);
  };
  progress("build", 0, total);
  {
    qnn::TransposeCache vit_cache;
    for (int64_t p : buckets) finish_graph(vision::build_vit_graph(vit, p, provider), vit_cache);
  }
  weights.clear_cache();  // the graphs hold what they use
  {
    qnn::TransposeCache llm_cache;
    finish_graph(llm::build_llm_graph(llm_cfg, options.chunk, options.context_length, provider, info.prefill_graph),
                 llm_cache);
    finish_graph(llm::build_llm_graph(llm_cfg, 1, options.context_length, provider, info.decode_graph), llm_cache);
    finish_graph(build_embed_graph(info, provider), llm_cache);
  }
  weights.clear_cache();

  qnn::BundleWriterOptions wo;
  wo.family = kQwen2VLFamily;
  wo.model_metadata = info.to_json();
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "preprocessor_config.json",
                        "generation_config.json", "chat_template.json"}) {
    const fs::path p = fs::path(hf_dir) / f;
    if (fs::exists(p)) wo.extra_files.push_back(p.string());
  }
  qnn::write_bundle(bundle_dir, graphs, wo, options.progress);

  CompileSummary s;
  for (const auto& g : graphs) s.graphs.push_back(g.name());
  s.buckets = buckets;
  std::error_code ec;
  s.weights_bytes = uint64_t(fs::file_size(fs::path(bundle_dir) / "weights.bin", ec));
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace edgevl::engine
