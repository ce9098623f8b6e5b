// The Qwen2-VL engine behind the public Model/Session API (internal to sdk/): compiling a Hugging Face checkpoint into a
// bundle of static graphs, and running those graphs on the HTP emulator — ViT per bucket, chunked prefill, decode.
//
// Reference behaviour matched (Hugging Face transformers Qwen2-VL): vision tower per image
// (one attention segment per image and temporal frame), embedding fusion (rows whose id is image_token_id replaced in
// order by the images' embeddings), get_rope_index M-RoPE positions (continued across turns: st = max previous position
// + 1), causal decoder with a KV cache, tied or untied head. tests/reference/qwen2vl_ref.py is the independent NumPy
// implementation the e2e tests compare against.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgevl/llm/kv_cache.h"
#include "edgevl/llm/mrope.h"
#include "edgevl/qnn/calibration.h"
#include "edgevl/qnn/emulator.h"
#include "engine/bundle_info.h"

namespace edgevl::qnn {
class Bundle;
}

namespace edgevl::engine {

/// Observed ranges of one calibration run over a float bundle, per half of the model (tensor names of the ViT and the
/// LLM graphs overlap, e.g. "rope_cos", so they are kept apart).
struct CalibrationRanges {
  std::map<std::string, qnn::ObservedRange> vit, llm;
};

struct CompileOptions {
  models::Qwen2VLRecipe recipe;   ///< how every tensor is stored (recipe_preset("fp32") = the float reference)
  int64_t context_length = 1024;  ///< KV cache length of the LLM graphs (tokens), >= chunk
  int64_t chunk = 32;             ///< tokens per prefill graph run, >= 1
  int64_t max_pixels = 0;         ///< 0 = preprocessor_config.json's max_pixels (or the spec default); sets default buckets
  std::vector<int64_t> vit_buckets;  ///< ViT patch-count buckets (multiples of 4); empty = default ladder for max_pixels
  std::string backend = "emulator";  ///< qnn::backend_by_name: its artifacts are stored, its name is the bundle's
  /// Progress of the stages "build" (graphs), "verify", "lower", and the bundle writer's own stages.
  std::function<void(const std::string& stage, size_t done, size_t total)> progress;
  /// Needed when recipe.needs_calibration(): runs the calibration samples on the float bundle written to the given
  /// directory (opened with Qwen2VLEngine::open and the observers of EngineOptions) and returns the ranges.
  std::function<CalibrationRanges(const std::string& float_bundle_dir)> calibrate;
  /// Optional, calibrated recipes only: called after the bundle is written with (float bundle, bundle) to compare them.
  std::function<void(const std::string& float_bundle_dir, const std::string& bundle_dir)> report;
};

struct CompileSummary {
  std::vector<std::string> graphs;  ///< graph names in the bundle
  std::vector<int64_t> buckets;     ///< ViT buckets, ascending
  uint64_t weights_bytes = 0;       ///< size of the bundle's weights file (shared weights stored once)
  double seconds = 0;               ///< wall time of the whole compile
  double calibration_seconds = 0;   ///< of which calibration (0 without)
  int quantized_weights = 0;        ///< constants stored as int8/int4
  int quantized_activations = 0;    ///< tensors stored as uint8/uint16 codes (summed over graphs)
  std::vector<std::string> notes;   ///< recipe fallbacks (e.g. a w4 weight stored w8) and uncalibrated tensors
};

/// Compiles the Qwen2-VL checkpoint in `hf_dir` into the bundle directory `bundle_dir` (written atomically: a crash
/// leaves no half bundle; an existing bundle is replaced). Graphs: "vit.p{P}" per bucket, "llm.prefill.c{chunk}",
/// "llm.decode", "llm.embed" (the embedding table, read by the host for lookups); all verified and with linear layers
/// lowered to 1x1 Conv2d. Weights are converted from the checkpoint's bf16/f16/f32 to float32 (fp32) or float16 (fp16)
/// once each and shared by every graph using them. Copies tokenizer.json, tokenizer_config.json,
/// preprocessor_config.json and generation_config.json (those present) into the bundle.
/// Throws edgevl::Error: kNotFound / kCorruptFile / kUnsupported from the checkpoint, kInvalidArgument for bad options
/// (chunk < 1, context_length < chunk, bucket not a positive multiple of 4), kIo when writing fails.
CompileSummary compile_qwen2vl(const std::string& hf_dir, const std::string& bundle_dir, const CompileOptions& options);

/// Embeddings of one image (or several images run together) and their grids, ready for Qwen2VLEngine::prefill.
struct ImageInput {
  std::vector<float> embeds;            ///< [num_tokens, hidden] float32, tokens in the merger's raster order
  std::array<int64_t, 3> grid_thw{};    ///< the image's patch grid (t, gh, gw); num_tokens = t*gh*gw/4
  int64_t num_tokens() const { return grid_thw[0] * grid_thw[1] * grid_thw[2] / 4; }
};

/// How a bundle is opened for execution.
struct EngineOptions {
  int num_threads = 0;                       ///< CPU threads per graph (≤ 0: all cores)
  std::string backend;                       ///< back end by name (""= the bundle's; unknown: kUnsupported listing them)
  std::optional<qnn::FloatMode> float_mode;  ///< overrides the recipe's float mode (calibration runs fp32)
  qnn::TensorObserver vit_observer;          ///< installed on every ViT executable (calibration)
  qnn::TensorObserver llm_observer;          ///< installed on the prefill and decode executables (calibration)
};

class Qwen2VLEngine;

/// The state of one conversation: its KV cache and M-RoPE position state. Created by Qwen2VLEngine::new_sequence();
/// used by one thread at a time.
class Sequence {
 public:
  int64_t length() const { return cache_.length(); }              ///< tokens in the KV cache
  int64_t capacity() const { return cache_.context_length(); }    ///< the context length
  int64_t next_position() const { return mrope_.next_position(); }  ///< M-RoPE position of the next text token
  /// Forgets everything (empty conversation); the cache buffers are kept.
  void reset() {
    cache_.reset();
    mrope_.reset();
  }

 private:
  friend class Qwen2VLEngine;
  Sequence(llm::KvCache cache, llm::MropeState mrope) : cache_(std::move(cache)), mrope_(mrope) {}
  llm::KvCache cache_;
  llm::MropeState mrope_;
};

/// A compiled Qwen2-VL bundle opened for execution. Immutable after open and shareable across threads; each graph's
/// executable runs one call at a time (guarded internally), so concurrent sequences serialize per graph.
class Qwen2VLEngine {
 public:
  /// Opens `bundle_dir` (mmap; no weight is copied) and prepares the emulator executables. Throws edgevl::Error from
  /// the bundle reader (kNotFound, kCorruptFile, kUnsupported) and kUnsupported when the bundle is not a Qwen2-VL one.
  static std::shared_ptr<const Qwen2VLEngine> open(const std::string& bundle_dir, const EngineOptions& options = {});
  ~Qwen2VLEngine();

  const BundleInfo& info() const { return info_; }
  const std::string& bundle_dir() const { return dir_; }
  std::string tokenizer_path() const;            ///< the bundle's tokenizer.json
  std::string preprocessor_config_path() const;  ///< the bundle's preprocessor_config.json ("" if absent)
  const qnn::Bundle& bundle() const { return *bundle_; }

  /// Runs the vision tower on the images `grids` (t, gh, gw) whose patch rows are concatenated in pixel_values
  /// [num_patches, patch_dim] (one attention segment per image and frame), in the ViT graph of the smallest bucket
  /// >= num_patches. Returns [num_patches/4, hidden] float32. Throws kInvalidArgument (bad grids, count mismatch) and
  /// kUnsupported when the images exceed the largest bucket.
  std::vector<float> encode_image(const float* pixel_values, int64_t num_patches,
                                  const std::vector<std::array<int64_t, 3>>& grids) const;

  std::unique_ptr<Sequence> new_sequence() const;

  /// Appends `ids` (image pads already expanded: image i contributes images[i].num_tokens() consecutive image_token_id
  /// ids) to the sequence: embeds them, replaces image rows in order, computes M-RoPE positions and runs the prefill
  /// graph chunk by chunk, writing K/V into the cache. Returns the logits [vocab] of the last token, or with
  /// `all_logits` [ids.size(), vocab] row-major. On error the sequence is unchanged.
  /// Throws kInvalidArgument (empty ids, id outside the vocabulary, image count/size vs pads mismatch),
  /// kContextOverflow (sequence length + ids.size() > context length; checked before any work).
  std::vector<float> prefill(Sequence& seq, const std::vector<int32_t>& ids, const std::vector<ImageInput>& images,
                             bool all_logits = false) const;

  /// Appends one token and returns its logits [vocab]. Throws kInvalidArgument (id outside the vocabulary),
  /// kContextOverflow (cache full).
  std::vector<float> decode(Sequence& seq, int32_t token) const;

  /// Embedding rows of `ids` [n, hidden] float32, read from the bundle's mapped embedding table.
  std::vector<float> embed(const std::vector<int32_t>& ids) const;

 private:
  Qwen2VLEngine() = default;
  /// The bundle's graph `name` prepared on the engine's back end, with that back end's artifact for it if stored.
  std::unique_ptr<qnn::Executable> prepare_graph(const std::string& name) const;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::shared_ptr<const qnn::Bundle> bundle_;
  BundleInfo info_;
  std::string dir_;
};

}  // namespace edgevl::engine
