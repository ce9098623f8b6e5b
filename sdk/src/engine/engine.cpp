// Qwen2VLEngine: runs a compiled Qwen2-VL bundle on the HTP emulator.
#include "engine/engine.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>

#include "edgevl/error.h"
#include "edgevl/llm/decoder_step.h"
#include "edgevl/llm/embedding.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/layers.h"
#include "edgevl/vision/vit_graph.h"
#include "edgevl/vision/vit_inputs.h"

namespace edgevl::engine {

namespace {

/// An executable and the lock that serializes its runs (Executable::run is one-at-a-time).
struct GuardedExecutable {
  std::unique_ptr<qnn::Executable> exe;
  std::mutex mu;
};

// The graphs' interfaces must be what the metadata says: the KV cache, the prefill chunk and the ViT inputs are sized
// from the metadata, so a hostile manifest (valid checksum) could otherwise allocate what it likes (context_length
// 2^40) or feed a graph rows of another width. Checked once at open; the graphs' internal consistency is verify()'s.
void check_graphs_match_info(const qnn::Bundle& bundle, const BundleInfo& info, const std::string& dir) {
  auto fail = [&](const std::string& what) { throw Error(ErrorCode::kCorruptFile, "bundle " + dir + ": " + what); };
  auto input = [&](const std::string& graph, const std::string& name, const std::vector<int64_t>& shape,
                   const std::string& because) {
    const qnn::Graph& g = bundle.graph(graph);
    const qnn::TensorId id = g.find(name);
    if (id == qnn::kNoTensor || g.tensor(id).kind != qnn::TensorKind::kInput)
      fail("graph " + graph + " has no input " + name);
    if (g.tensor(id).shape != shape)
      fail("graph " + graph + " input " + name + " is " + qnn::shape_to_string(g.tensor(id).shape) + " but the model "
           "metadata (" + because + ") gives " + qnn::shape_to_string(shape));
  };
  const int64_t hidden = info.llm.hidden;
  for (const std::string& name : {info.prefill_graph, info.decode_graph})
    if (!bundle.has_graph(name)) fail("graphs." + std::string(name == info.decode_graph ? "decode" : "prefill") +
                                      " names graph '" + name + "', which the bundle does not hold");
  input(info.prefill_graph, "embeds", {info.chunk, hidden}, "chunk " + std::to_string(info.chunk));
  input(info.decode_graph, "embeds", {1, hidden}, "hidden_size");
  for (const std::string& graph : {info.prefill_graph, info.decode_graph})
    for (int l = 0; l < info.llm.num_layers; ++l)  // stops at the first missing layer
      for (const char* kv : {"past_key_", "past_value_"})
        input(graph, kv + std::to_string(l), {info.llm.num_kv_heads, info.context_length, info.llm.head_dim},
              "context_length " + std::to_string(info.context_length) + ", num_key_value_heads, head_dim");
  for (int64_t bucket : info.vit_buckets) {
    const std::string name = vision::vit_graph_name(bucket);
    if (!bundle.has_graph(name)) fail("vit_buckets entry " + std::to_string(bucket) + " has no graph " + name);
    input(name, "pixel_values", {bucket, info.vit.patch_dim()},
          "in_channels * temporal_patch_size * patch_size^2 = " + std::to_string(info.vit.patch_dim()));
  }
}

}  // namespace

struct Qwen2VLEngine::Impl {
  qnn::PrepareOptions prepare;
  qnn::TensorObserver vit_observer;
  const qnn::Backend* backend = nullptr;
  qnn::DType kv_dtype = qnn::DType::kFloat32;
  vision::VitConfig vit;
  llm::LlmConfig llm;
  llm::EmbeddingTable table;
  GuardedExecutable prefill, decode;
  std::mutex vit_mu;  // guards the map below (lazy preparation of ViT buckets)
  std::map<int64_t, std::unique_ptr<GuardedExecutable>> vit_exes;
};

Qwen2VLEngine::~Qwen2VLEngine() = default;

std::shared_ptr<const Qwen2VLEngine> Qwen2VLEngine::open(const std::string& bundle_dir, const EngineOptions& options) {
  std::shared_ptr<Qwen2VLEngine> e(new Qwen2VLEngine());
  e->dir_ = bundle_dir;
  e->bundle_ = qnn::Bundle::open(bundle_dir);
  if (e->bundle_->family() != kQwen2VLFamily)
    throw Error(ErrorCode::kUnsupported, "bundle " + bundle_dir + " holds model family '" + e->bundle_->family() +
                                             "', not '" + kQwen2VLFamily + "'");
  try {
    e->info_ = BundleInfo::from_json(e->bundle_->model_metadata());
  } catch (const Error& err) {
    throw Error(err.code(), "bundle " + bundle_dir + ": " + err.what());
  }
  check_graphs_match_info(*e->bundle_, e->info_, bundle_dir);
  e->impl_ = std::make_unique<Impl>();
  Impl& im = *e->impl_;
  im.backend = &qnn::backend_by_name(options.backend.empty() ? e->info_.backend : options.backend);
  im.prepare.float_mode = options.float_mode.value_or(e->info_.recipe.float_mode);
  im.prepare.num_threads = options.num_threads;
  im.vit_observer = options.vit_observer;
  im.vit = e->info_.vit;
  im.llm = e->info_.llm;

  const qnn::Graph& eg = e->bundle_->graph(e->info_.embed_graph);
  qnn::TensorId tid = eg.find(e->info_.embed_tensor);
  if (tid == qnn::kNoTensor)
    throw Error(ErrorCode::kCorruptFile, "bundle " + bundle_dir + ": graph " + e->info_.embed_graph +
                                             " has no tensor " + e->info_.embed_tensor);
  const qnn::Tensor& t = eg.tensor(tid);
  if (t.kind != qnn::TensorKind::kConstant || t.shape.size() != 2 || t.shape[0] != e->info_.llm.vocab_size ||
      t.shape[1] != e->info_.llm.hidden ||
      (t.dtype != qnn::DType::kFloat32 && t.dtype != qnn::DType::kFloat16 && t.dtype != qnn::DType::kInt8) ||
      (t.dtype == qnn::DType::kInt8 &&
       (t.quant.kind != qnn::QuantEncoding::Kind::kAxisScaleOffset || t.quant.axis != 0)))
    throw Error(ErrorCode::kCorruptFile, "bundle " + bundle_dir + ": embedding table " + e->info_.embed_tensor +
                                             " is not a float or per-row int8 constant [vocab, hidden]");
  im.table.data = t.data.data;  // a view into the bundle's mapped weights: no copy
  im.table.dtype = t.dtype == qnn::DType::kFloat32   ? llm::EmbeddingDType::kFloat32
                   : t.dtype == qnn::DType::kFloat16 ? llm::EmbeddingDType::kFloat16
                                                     : llm::EmbeddingDType::kInt8;
  im.table.row_scales = t.dtype == qnn::DType::kInt8 ? t.quant.scales.data() : nullptr;
  im.table.vocab = t.shape[0];
  im.table.hidden = t.shape[1];

  im.prefill.exe = e->prepare_graph(e->info_.prefill_graph);
  im.decode.exe = e->prepare_graph(e->info_.decode_graph);
  if (options.llm_observer) {
    im.prefill.exe->set_observer(options.llm_observer);
    im.decode.exe->set_observer(options.llm_observer);
  }
  // The KV cache holds what the decoder graphs read: float32, or the codes of a quantized cache.
  const qnn::Graph& dg = im.decode.exe->graph();
  const qnn::TensorId pk = dg.find("past_key_0");
  if (pk == qnn::kNoTensor)
    throw Error(ErrorCode::kCorruptFile, "bundle " + bundle_dir + ": graph " + dg.name() + " has no input past_key_0");
  im.kv_dtype = dg.tensor(pk).dtype;
  return e;
}

std::string Qwen2VLEngine::tokenizer_path() const { return bundle_->file_path("tokenizer.json"); }

std::string Qwen2VLEngine::preprocessor_config_path() const {
  for (const auto& f : bundle_->extra_files())
    if (f == "preprocessor_config.json") return bundle_->file_path(f);
  return "";
}

std::vector<float> Qwen2VLEngine::embed(const std::vector<int32_t>& ids) const {
  std::vector<float> out(ids.size() * size_t(info_.llm.hidden));
  llm::embed_tokens(impl_->table, ids.data(), int64_t(ids.size()), out.data());
  return out;
}

std::unique_ptr<qnn::Executable> Qwen2VLEngine::prepare_graph(const std::string& name) const {
  const Impl& im = *impl_;
  return im.backend->prepare(bundle_->graph(name), im.prepare, bundle_->artifact(im.backend->name(), name));
}

std::vector<float> Qwen2VLEngine::encode_image(const float* pixel_values, int64_t num_patches,
                                               const std::vector<std::array<int64_t, 3>>& grids) const {
  Impl& im = *impl_;
  if (grids.empty()) throw Error(ErrorCode::kInvalidArgument, "encode_image: no image grid given");
  const int64_t bucket = vision::choose_vit_bucket(num_patches, info_.vit_buckets);
  std::vector<vision::GridTHW> g(grids.begin(), grids.end());
  vision::VitInputs in = vision::make_vit_inputs(pixel_values, num_patches, g, bucket, im.vit);

  GuardedExecutable* ge = nullptr;
  {
    std::lock_guard<std::mutex> lock(im.vit_mu);
    auto& slot = im.vit_exes[bucket];
    if (!slot) {
      auto fresh = std::make_unique<GuardedExecutable>();
      fresh->exe = prepare_graph(vision::vit_graph_name(bucket));
      if (im.vit_observer) fresh->exe->set_observer(im.vit_observer);
      slot = std::move(fresh);
    }
    ge = slot.get();
  }
  const int64_t hd = im.vit.head_dim();
  std::vector<float> out(size_t(bucket / 4) * size_t(info_.llm.hidden));
  {
    std::lock_guard<std::mutex> lock(ge->mu);
    // A graph built for quantized attention takes a keep mask (1 attend / 0 masked) instead of the additive one.
    const bool keep = ge->exe->graph().find(qnn::kKeepMaskInput) != qnn::kNoTensor;
    if (keep) qnn::additive_mask_to_keep(in.attn_mask);
    ge->exe->run({{"pixel_values", {in.pixel_values.data(), {bucket, im.vit.patch_dim()}, qnn::DType::kFloat32}},
                  {"rope_cos", {in.rope_cos.data(), {bucket, hd}, qnn::DType::kFloat32}},
                  {"rope_sin", {in.rope_sin.data(), {bucket, hd}, qnn::DType::kFloat32}},
                  {keep ? qnn::kKeepMaskInput : "attn_mask",
                   {in.attn_mask.data(), {bucket, bucket}, qnn::DType::kFloat32}}},
                 {{"image_embeds", {out.data(), {bucket / 4, info_.llm.hidden}, qnn::DType::kFloat32}}});
  }
  out.resize(size_t(num_patches / 4) * size_t(info_.llm.hidden));  // keep the valid rows, drop the bucket padding
  return out;
}

std::unique_ptr<Sequence> Qwen2VLEngine::new_sequence() const {
  llm::KvCache cache(info_.llm.num_layers, info_.llm.num_kv_heads, info_.context_length, info_.llm.head_dim, impl_->kv_dtype);
  return std::unique_ptr<Sequence>(
      new Sequence(std::move(cache), llm::MropeState(info_.image_token_id, info_.vit.spatial_merge_size)));
}

std::vector<float> Qwen2VLEngine::prefill(Sequence& seq, const std::vector<int32_t>& ids,
                                          const std::vector<ImageInput>& images, bool all_logits) const {
  Impl& im = *impl_;
  const int64_t L = int64_t(ids.size());
  const int64_t H = info_.llm.hidden, V = info_.llm.vocab_size, C = info_.chunk;
  if (L == 0) throw Error(ErrorCode::kInvalidArgument, "prefill: no token ids given");
  if (seq.length() + L > info_.context_length)
    throw Error(ErrorCode::kContextOverflow,
                "prefill: " + std::to_string(L) + " new tokens after " + std::to_string(seq.length()) +
                    " cached ones exceed the context length " + std::to_string(info_.context_length) +
                    " of bundle " + dir_);
  // Image rows: the pads must match the images' token counts exactly, and each image's embeddings its grid.
  int64_t pads = 0;
  for (int32_t id : ids) pads += id == info_.image_token_id;
  int64_t image_rows = 0;
  std::vector<std::array<int64_t, 3>> grids;
  for (size_t i = 0; i < images.size(); ++i) {
    const ImageInput& img = images[i];
    for (int64_t d : img.grid_thw)
      if (d < 1) throw Error(ErrorCode::kInvalidArgument, "prefill: image " + std::to_string(i) + " has a grid dimension < 1");
    if (int64_t(img.embeds.size()) != img.num_tokens() * H)
      throw Error(ErrorCode::kInvalidArgument,
                  "prefill: image " + std::to_string(i) + " has " + std::to_string(img.embeds.size()) +
                      " embedding values, its grid needs " + std::to_string(img.num_tokens()) + " x " +
                      std::to_string(H));
    image_rows += img.num_tokens();
    grids.push_back(img.grid_thw);
  }
  if (pads != image_rows)
    throw Error(ErrorCode::kInvalidArgument, "prefill: the token ids hold " + std::to_string(pads) +
                                                 " image pads but the " + std::to_string(images.size()) +
                                                 " images give " + std::to_string(image_rows) + " embeddings");
  llm::MropeState mrope = seq.mrope_;  // committed only when everything succeeded
  std::vector<llm::MropePosition> positions = mrope.append(ids.data(), L, grids);

  std::vector<float> x = embed(ids);
  if (image_rows > 0) {
    std::vector<float> all;
    all.reserve(size_t(image_rows * H));
    for (const ImageInput& img : images) all.insert(all.end(), img.embeds.begin(), img.embeds.end());
    llm::fuse_image_embeddings(ids.data(), L, info_.image_token_id, all.data(), image_rows, H, x.data());
  }

  std::vector<float> result(size_t(all_logits ? L * V : V));
  std::vector<float> logits(size_t(C * V));
  const int64_t start_len = seq.cache_.length();
  try {
    std::lock_guard<std::mutex> lock(im.prefill.mu);
    for (int64_t off = 0; off < L; off += C) {
      const int64_t n = std::min(C, L - off);
      std::vector<llm::MropePosition> pos(positions.begin() + off, positions.begin() + off + n);
      llm::run_decoder_step(*im.prefill.exe, im.llm, x.data() + off * H, pos, seq.cache_, logits.data());
      if (all_logits) std::memcpy(result.data() + off * V, logits.data(), sizeof(float) * size_t(n * V));
      else if (off + n == L) std::memcpy(result.data(), logits.data() + (n - 1) * V, sizeof(float) * size_t(V));
    }
  } catch (...) {
    seq.cache_.truncate(start_len);
    throw;
  }
  seq.mrope_ = mrope;
  return result;
}

std::vector<float> Qwen2VLEngine::decode(Sequence& seq, int32_t token) const {
  Impl& im = *impl_;
  if (seq.length() + 1 > info_.context_length)
    throw Error(ErrorCode::kContextOverflow, "decode: the KV cache is full (context length " +
                                                 std::to_string(info_.context_length) + ")");
  std::vector<float> x = embed({token});  // throws kInvalidArgument for an id outside the vocabulary
  llm::MropeState mrope = seq.mrope_;
  std::vector<llm::MropePosition> pos{mrope.append_text_token()};
  std::vector<float> logits(size_t(info_.llm.vocab_size));
  {
    std::lock_guard<std::mutex> lock(im.decode.mu);
    llm::run_decoder_step(*im.decode.exe, im.llm, x.data(), pos, seq.cache_, logits.data());
  }
  seq.mrope_ = mrope;
  return logits;
}

}  // namespace edgevl::engine
