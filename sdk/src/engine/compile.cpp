// compile_qwen2vl: Hugging Face Qwen2-VL directory -> bundle of verified, lowered static graphs.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <set>

#include "edgevl/error.h"
#include "edgevl/llm/llm_graph.h"
#include "edgevl/models/qwen2vl_checkpoint.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/emulator.h"
#include "edgevl/qnn/graph_builder.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/qnn/quantize_pass.h"
#include "edgevl/qnn/verify.h"
#include "edgevl/vision/preprocessor_config.h"
#include "edgevl/vision/smart_resize.h"
#include "edgevl/vision/vit_graph.h"
#include "edgevl/vision/vit_inputs.h"
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
  b.vit.depth = int(c.vision.depth);
  b.vit.embed_dim = int(c.vision.embed_dim);
  b.vit.num_heads = int(c.vision.num_heads);
  b.vit.mlp_hidden = int(c.vision.mlp_dim());
  b.vit.in_channels = int(c.vision.in_channels);
  b.vit.patch_size = int(c.vision.patch_size);
  b.vit.temporal_patch_size = int(c.vision.temporal_patch_size);
  b.vit.spatial_merge_size = int(c.vision.spatial_merge_size);
  if (c.vision.hidden_size != c.text.hidden_size)
    throw Error(ErrorCode::kUnsupported, ck.dir() + "/config.json: vision_config.hidden_size " +
                                             std::to_string(c.vision.hidden_size) + " differs from the text hidden_size " +
                                             std::to_string(c.text.hidden_size));
  b.llm.hidden = int(c.text.hidden_size);
  b.vit.out_hidden = b.llm.hidden;
  b.llm.intermediate = int(c.text.intermediate_size);
  b.llm.num_layers = int(c.text.num_hidden_layers);
  b.llm.num_heads = int(c.text.num_attention_heads);
  b.llm.num_kv_heads = int(c.text.num_key_value_heads);
  b.llm.head_dim = int(c.text.head_dim());
  b.llm.vocab_size = int(c.text.vocab_size);
  b.llm.rms_eps = float(c.text.rms_norm_eps);
  b.llm.rope_theta = float(c.text.rope_theta);
  for (int i = 0; i < 3; ++i) b.llm.mrope_section[size_t(i)] = int(c.text.mrope_section[size_t(i)]);
  b.llm.tie_word_embeddings = ck.lm_head_tied();
  // Every id the runtime places or stops on lies in the vocabulary (checked before the int32 narrowing).
  auto id_in_vocab = [&](const std::string& file, const char* key, int64_t id) {
    if (id < 0 || id >= c.text.vocab_size)
      throw Error(ErrorCode::kCorruptFile, ck.dir() + "/" + file + ": " + key + " " + std::to_string(id) +
                                               " is outside the vocabulary [0, " + std::to_string(c.text.vocab_size) + ")");
    return int32_t(id);
  };
  b.image_token_id = id_in_vocab("config.json", "image_token_id", c.image_token_id);
  b.vision_start_token_id = id_in_vocab("config.json", "vision_start_token_id", c.vision_start_token_id);
  b.vision_end_token_id = id_in_vocab("config.json", "vision_end_token_id", c.vision_end_token_id);
  const models::ModelGenerationConfig& g = ck.generation_config();
  const bool has_generation_config = fs::exists(fs::path(ck.dir()) / "generation_config.json");
  b.eos_token_ids.clear();
  for (int64_t e : g.eos_token_ids)
    b.eos_token_ids.push_back(id_in_vocab(has_generation_config ? "generation_config.json" : "config.json",
                                          "eos_token_id", e));
  if (b.eos_token_ids.empty()) b.eos_token_ids.push_back(id_in_vocab("config.json", "eos_token_id", c.eos_token_id));
  b.generation_config = generation_json(g);
  check_generation_config(b.generation_config, ck.dir() + "/generation_config.json");
  return b;
}

/// The "llm.embed" graph: ids [1] int32 -> Gather(embed_tokens) -> embeds [1, hidden]. Its only purpose is to carry the
/// embedding table in the bundle (shared with a tied head) for the host's lookups.
qnn::Graph build_embed_graph(const BundleInfo& info, const qnn::WeightProvider& weights) {
  qnn::GraphBuilder b(info.embed_graph);
  qnn::TensorId ids = b.input("ids", {1}, qnn::DType::kInt32);
  qnn::TensorId table = qnn::require_weight(b, weights, info.embed_tensor, {info.llm.vocab_size, info.llm.hidden});
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

/// Returns freed heap memory to the system. glibc keeps freed blocks below its (adaptive, up to 32 MiB) mmap threshold
/// in the heap, so after the float graphs of a 2B model are freed the process would otherwise still hold gigabytes.
void release_free_heap() {
#if defined(__GLIBC__)
  ::malloc_trim(0);
#endif
}

bool is_kv_name(const std::string& n) {
  for (const char* p : {"past_key_", "past_value_", "new_key_", "new_value_"})
    if (n.rfind(p, 0) == 0) return true;
  return false;
}

/// The activation part of the plan for one half of the model (the ViT graphs, or the LLM decoder graphs): every float
/// value tensor gets its calibrated encoding (a16), or only the KV cache (kv_bits without a16).
void plan_activations(const std::vector<qnn::Graph*>& half, const std::map<std::string, qnn::ObservedRange>& ranges,
                      bool a16, bool kv8, qnn::RangeStat stat, qnn::QuantPlan& plan, std::vector<std::string>& notes,
                      const std::string& what) {
  if (!a16 && !kv8) return;
  std::vector<const qnn::Graph*> cg(half.begin(), half.end());
  std::set<std::string> uint8_names;
  if (kv8)
    for (const qnn::Graph* g : cg)
      for (const std::string& n : qnn::float_value_tensors(*g))
        if (is_kv_name(n)) uint8_names.insert(n);
  if (ranges.empty())
    throw Error(ErrorCode::kInternal, "compile: calibration observed no " + what + " tensor");
  const std::map<std::string, std::string> groups = qnn::encoding_groups(cg);
  const std::map<std::string, qnn::QuantEncoding> enc = qnn::encodings_from_ranges(ranges, groups, uint8_names, stat);
  // A tensor takes its group's encoding (data-movement ops need one encoding in and out): with KV only, exactly the
  // groups that hold a KV tensor are quantized.
  auto rep = [&](const std::string& n) {
    auto gi = groups.find(n);
    return gi == groups.end() ? n : gi->second;
  };
  std::set<std::string> kv_groups;
  for (const std::string& u : uint8_names) kv_groups.insert(rep(u));
  std::set<std::string> wanted;
  for (const qnn::Graph* g : cg)
    for (const std::string& n : qnn::float_value_tensors(*g))
      if (a16 || kv_groups.count(rep(n))) wanted.insert(n);
  size_t missing = 0;
  for (const std::string& n : wanted) {
    auto e = enc.find(n);
    if (e == enc.end()) e = enc.find(rep(n));
    if (e == enc.end()) {
      ++missing;
      continue;
    }
    plan.activations[n] = e->second;
    if (is_kv_name(n)) plan.quantized_io.insert(n);
  }
  if (missing)
    notes.push_back(std::to_string(missing) + " " + what + " tensors were never observed by calibration and stay float");
}

}  // namespace

CompileSummary compile_qwen2vl(const std::string& hf_dir, const std::string& bundle_dir, const CompileOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  check_options(options);
  const qnn::Backend& backend = qnn::backend_by_name(options.backend);  // kUnsupported before any long work
  const models::Qwen2VLRecipe& recipe = options.recipe;
  if (recipe.needs_calibration() && !options.calibrate)
    throw Error(ErrorCode::kInvalidArgument, "compile: recipe " + recipe.preset + " needs calibration but no "
                                             "calibration runner was given");
  auto progress = [&](const std::string& stage, size_t done, size_t total) {
    if (options.progress) options.progress(stage, done, total);
  };
  if (!fs::exists(fs::path(hf_dir) / "tokenizer.json"))
    throw Error(ErrorCode::kNotFound, "compile: " + hf_dir + " has no tokenizer.json");
  auto ck = std::make_shared<models::Qwen2VLCheckpoint>(models::Qwen2VLCheckpoint::open(hf_dir));
  BundleInfo info = info_from_checkpoint(*ck);
  {
    // The tokenizer is loaded and cross-checked now, as Model::open will: a truncated, invalid or mismatched
    // tokenizer.json is refused before any long work instead of compiling into a bundle that can never be opened.
    const std::string tokenizer_path = (fs::path(hf_dir) / "tokenizer.json").string();
    const std::unique_ptr<llm::Tokenizer> tokenizer = llm::Tokenizer::from_file(tokenizer_path);
    info.check_against_tokenizer(*tokenizer, tokenizer_path, ck->dir() + "/config.json: ");
  }
  info.recipe = recipe;
  models::check_weight_overrides(
      recipe,
      [&](const std::string& n) -> std::optional<std::vector<int64_t>> {
        const qnn::TensorView* t = ck->find(n);
        if (!t) return std::nullopt;
        return std::vector<int64_t>(t->shape.begin(), t->shape.end());
      },
      hf_dir);
  // Every weight's recipe choice is made now, so a recipe that cannot be applied (e.g. LPBQ forced on a layer whose
  // input channels are not a multiple of the block size) fails before any long work.
  for (const models::ExpectedTensor& t : ck->expected())
    models::checkpoint_weight_quant(recipe, t.name, t.shape, info.llm.vocab_size, info.embed_tensor, nullptr);
  info.context_length = options.context_length;
  info.chunk = options.chunk;

  const std::string pre_path = (fs::path(hf_dir) / "preprocessor_config.json").string();
  vision::PreprocessorConfig pre;
  if (fs::exists(pre_path)) {
    pre = vision::load_preprocessor_config(pre_path);
    vision::check_matches_vision(pre, info.vit.patch_size, info.vit.temporal_patch_size, info.vit.spatial_merge_size,
                                 pre_path);
  }
  info.min_pixels = pre.min_pixels;
  info.max_pixels = options.max_pixels > 0 ? options.max_pixels : std::min(pre.max_pixels, kDefaultMaxPixels);
  if (info.max_pixels < info.min_pixels) info.min_pixels = info.max_pixels;
  std::vector<int64_t> buckets = options.vit_buckets;
  if (buckets.empty())
    buckets = vision::default_vit_buckets(info.max_pixels, info.vit.patch_size, info.vit.spatial_merge_size);
  std::sort(buckets.begin(), buckets.end());
  buckets.erase(std::unique(buckets.begin(), buckets.end()), buckets.end());
  // Every image smart_resize accepts must have a bucket: extreme aspect ratios (up to 200:1) resize to more pixels than
  // max_pixels (the short side is clamped to one factor step), so the ladder ends at the largest patch count possible.
  const int64_t patch_pixels = int64_t{info.vit.patch_size} * info.vit.patch_size;
  const int64_t max_patches =
      vision::max_resized_pixels(info.vit.patch_size * info.vit.spatial_merge_size, info.min_pixels, info.max_pixels) /
      patch_pixels;
  if (buckets.back() < max_patches) buckets.push_back(max_patches);
  info.vit_buckets = buckets;
  info.prefill_graph = llm::llm_prefill_graph_name(options.chunk);
  info.decode_graph = llm::llm_decode_graph_name();

  info.vit.validate();
  info.llm.validate();
  const vision::VitConfig& vit = info.vit;
  const llm::LlmConfig& llm_cfg = info.llm;
  CompileSummary s;
  qnn::BundleWriterOptions wo;
  wo.family = kQwen2VLFamily;
  for (const char* f : {"tokenizer.json", "tokenizer_config.json", "preprocessor_config.json",
                        "generation_config.json", "chat_template.json"}) {
    const fs::path p = fs::path(hf_dir) / f;
    if (fs::exists(p)) wo.extra_files.push_back(p.string());
  }
  std::set<std::string> notes, quantized_weights;

  // Builds every graph for recipe `r`. With `quantize_weights`, the provider serves the weights the recipe quantizes
  // as int8/int4 straight from the checkpoint (no float copy of them is ever held) and lowering moves their codes to
  // HWIO. Lowering transposes each linear weight once per model half: a TransposeCache (keyed by the source bytes'
  // address) per half, while the provider's cache keeps those sources alive, makes prefill and decode (and the ViT
  // buckets) share one transposed copy. The caches must not outlive the sources (a freed address could be reused).
  // Without `quantize_weights` (the float graphs calibration runs) linear layers are not lowered: FullyConnected
  // computes the same values without a transposed copy of every weight, and lowering keeps every tensor name it does
  // not add (the ones it adds join their neighbours' encoding groups through Reshape).
  auto build_graphs = [&](const models::Qwen2VLRecipe& r, bool quantize_weights, const std::string& stage) {
    CheckpointWeights weights([ck](const std::string& n) { return ck->find(n); }, ck, r.float_weight_dtype());
    if (quantize_weights)
      weights.set_quantize_as([&](const std::string& name, const std::vector<int64_t>& shape) {
        std::vector<std::string> n;
        auto spec = models::checkpoint_weight_quant(r, name, shape, info.llm.vocab_size, info.embed_tensor, &n);
        notes.insert(n.begin(), n.end());
        if (spec) quantized_weights.insert(name);
        return spec;
      });
    const qnn::WeightProvider provider = weights.provider();
    // Quantized attention cannot take a -inf additive mask: a16 graphs take the keep mask.
    const qnn::MaskMode vit_mask = r.vit_activation_bits ? qnn::MaskMode::kKeep : qnn::MaskMode::kAdditive;
    const qnn::MaskMode llm_mask = r.llm_activation_bits ? qnn::MaskMode::kKeep : qnn::MaskMode::kAdditive;
    std::vector<qnn::Graph> graphs;
    const size_t total = buckets.size() + 3;
    auto finish_graph = [&](qnn::Graph g, qnn::TransposeCache& tcache) {
      if (quantize_weights) qnn::lower_linear_to_conv2d(g, &tcache);
      qnn::eliminate_dead_code(g);
      qnn::attach_encoding_arrays(g);
      qnn::verify(g);
      graphs.push_back(std::move(g));
      progress(stage, graphs.size(), total);
    };
    progress(stage, 0, total);
    {
      qnn::TransposeCache vit_cache;
      for (int64_t p : buckets) finish_graph(vision::build_vit_graph(vit, p, provider, vit_mask), vit_cache);
    }
    weights.clear_cache();  // the graphs hold what they use
    {
      qnn::TransposeCache llm_cache;
      finish_graph(
          llm::build_llm_graph(llm_cfg, options.chunk, options.context_length, provider, info.prefill_graph, llm_mask),
          llm_cache);
      finish_graph(llm::build_llm_graph(llm_cfg, 1, options.context_length, provider, info.decode_graph, llm_mask),
                   llm_cache);
      finish_graph(build_embed_graph(info, provider), llm_cache);
    }
    return graphs;
  };
  // The bundle for `backend` carries its artifacts (build_artifact of every graph); the float bundle calibration runs
  // is the emulator's (its observers record the ranges).
  auto write = [&](const std::string& dir, const std::vector<qnn::Graph>& graphs, const models::Qwen2VLRecipe& r,
                   const qnn::Backend& backend) {
    BundleInfo bi = info;
    bi.recipe = r;
    bi.backend = backend.name();
    wo.model_metadata = bi.to_json();
    wo.artifacts.clear();
    qnn::PrepareOptions po;
    po.float_mode = r.float_mode;
    for (const qnn::Graph& g : graphs) {
      std::vector<uint8_t> bytes = backend.build_artifact(g, po);
      if (!bytes.empty()) wo.artifacts.push_back({backend.name(), g.name(), std::move(bytes)});
    }
    qnn::write_bundle(dir, graphs, wo, options.progress);
  };
  // The float bundle calibration runs on (and the accuracy report compares with) lives in a locked work directory
  // beside the output (qnn::BundleWorkDir): never an openable sibling, private to this compile, removed when the
  // compile ends however it ends (a killed compile's by the next write beside the same path).
  std::optional<qnn::BundleWorkDir> work;
  std::string float_bundle;

  std::vector<qnn::Graph> graphs;
  if (recipe.needs_calibration()) {
    // Calibration runs the float graphs (the recipe's float weight dtype, its attention masks), written as a temporary
    // bundle and dropped from memory while it runs; the quantized graphs are built afterwards, each weight quantized
    // straight from the checkpoint. The temporary bundle is also the float model of the accuracy report.
    const auto tc = std::chrono::steady_clock::now();
    const models::Qwen2VLRecipe float_recipe =
        models::recipe_preset(recipe.float_mode == qnn::FloatMode::kFp32 ? "fp32" : "fp16");
    work.emplace(bundle_dir);
    float_bundle = work->path() + "/calibration.evl";
    write(float_bundle, build_graphs(recipe, false, "build float"), float_recipe, qnn::emulator_backend());
    release_free_heap();  // the float graphs are gone: give their pages back before the calibration maps the bundle
    const CalibrationRanges ranges = options.calibrate(float_bundle);
    s.calibration_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - tc).count();
    graphs = build_graphs(recipe, true, "build");
    // Activation encodings: per half (ViT / LLM decoder graphs), from the calibrated ranges.
    qnn::QuantPlan vit_plan, llm_plan;
    std::vector<qnn::Graph*> vit_graphs, llm_graphs;
    for (qnn::Graph& g : graphs)
      if (g.name() != info.embed_graph) (g.name().rfind("vit.", 0) == 0 ? vit_graphs : llm_graphs).push_back(&g);
    std::vector<std::string> plan_notes;
    plan_activations(vit_graphs, ranges.vit, recipe.vit_activation_bits != 0, false, recipe.activation_range, vit_plan,
                     plan_notes, "ViT");
    plan_activations(llm_graphs, ranges.llm, recipe.llm_activation_bits != 0, recipe.kv_bits != 0,
                     recipe.activation_range, llm_plan, plan_notes, "LLM");
    notes.insert(plan_notes.begin(), plan_notes.end());
    size_t done = 0;
    progress("quantize", 0, graphs.size());
    for (qnn::Graph& g : graphs) {
      if (g.name() != info.embed_graph) {  // the embedding graph is the host's lookup table only
        const qnn::QuantizeStats st = qnn::quantize_graph(g, g.name().rfind("vit.", 0) == 0 ? vit_plan : llm_plan);
        s.quantized_activations += st.activations;
        qnn::verify(g);
      }
      progress("quantize", ++done, graphs.size());
    }
  } else {
    if (options.report)
      throw Error(ErrorCode::kInvalidArgument, "compile: an accuracy report needs a calibrated (quantized) recipe");
    graphs = build_graphs(recipe, true, "build");
  }
  s.quantized_weights = int(quantized_weights.size());
  s.notes.assign(notes.begin(), notes.end());
  write(bundle_dir, graphs, recipe, backend);
  if (options.report) options.report(float_bundle, bundle_dir);

  for (const auto& g : graphs) s.graphs.push_back(g.name());
  s.buckets = buckets;
  std::error_code ec;
  s.weights_bytes = uint64_t(fs::file_size(fs::path(bundle_dir) / "weights.bin", ec));
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace edgevl::engine
