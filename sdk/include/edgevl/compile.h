// Compile API: a Hugging Face Qwen2-VL directory → a compiled bundle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "edgevl/model.h"

namespace edgevl {

struct CompileOptions {
  Precision precision = Precision::kFp32;  ///< the recipe preset (model.h); w8a16/w4a16 are calibrated
  int block_size = 32;                     ///< LPBQ block of input channels for w4a16: 16, 32 or 64
  /// Vision tower: "" = the preset's (fp32 for fp32, else fp16), "fp32", "fp16" or "w8a16" (calibrated).
  std::string vit_precision;
  /// A recipe file (JSON) applied over the preset: any key of the bundle's recipe (docs/quantization.md, "Recipes"),
  /// e.g. {"block_size": 64, "weights": {"model.layers.0.mlp.down_proj.weight": "w8"}}. Unknown keys and weights the
  /// checkpoint lacks are kInvalidArgument errors before any long work.
  std::string recipe_file;
  /// Calibration samples for quantized presets: a JSONL file, one object per line,
  /// {"prompt": "...", "image": "a.jpg"} or {"prompt": "...", "images": ["a.jpg", "b.png"]} (paths relative to the
  /// file; no image = a text-only sample). Empty = the built-in samples (synthetic images and generic prompts; a model
  /// with its own domain should pass samples of it). Each sample is answered greedily for calibration_new_tokens tokens
  /// so the decode graph is observed too.
  std::string calibration_file;
  int calibration_new_tokens = 16;
  /// When set (calibrated presets only): after writing the bundle, compare it with the float model (compare_bundles in
  /// accuracy_report.h) on `report_samples_file` (same JSONL format; empty = built-in held-out samples, never the
  /// calibration ones) and write the report as JSON to this path; CompileSummary::report holds the readable table.
  std::string report_file;
  std::string report_samples_file;
  int64_t context_length = 1024;       ///< tokens per conversation (prompt + generated); ≥ chunk
  int64_t chunk = 32;                  ///< tokens per prefill graph run
  int64_t max_pixels = 0;              ///< image size cap for smart_resize; 0 = preprocessor_config.json's max_pixels
  /// ViT patch-count buckets (multiples of 4); empty = defaults from max_pixels. Compile appends one bucket of
  /// vision::max_resized_pixels / patch_size^2 patches when the largest given one is smaller, so that every image
  /// smart_resize accepts (aspect ratio up to 200:1, which can resize to more than max_pixels) can run.
  std::vector<int64_t> vit_buckets;
  /// The back end the bundle is compiled for, by name (qnn/backend.h: "emulator" = the CPU back end, built in; others
  /// are registered with qnn::register_backend). Each graph's Backend::build_artifact is stored in the bundle, and
  /// Model::open prepares the graphs on this back end. Unknown: kUnsupported (listing the available ones) before any
  /// long work.
  std::string backend = "emulator";
  /// Progress: `stage` (e.g. "build", "write weights"), `done` of `total` units. Called on the compiling thread.
  std::function<void(const std::string& stage, size_t done, size_t total)> progress;
};

struct CompileSummary {
  std::vector<std::string> graphs;     ///< graph names in the bundle, e.g. "vit.p1024", "llm.prefill.c32", "llm.decode"
  std::vector<int64_t> vit_buckets;
  uint64_t weights_bytes = 0;          ///< bytes of the weights file (shared weights stored once)
  uint64_t bundle_bytes = 0;           ///< all files of the bundle
  double seconds = 0;
  double calibration_seconds = 0;      ///< part of `seconds` spent on calibration (building and writing the float graphs, running the samples)
  size_t calibration_samples = 0;
  std::string recipe;                  ///< the bundle's recipe as JSON text (docs/quantization.md)
  std::vector<std::string> notes;      ///< recipe fallbacks, e.g. a weight stored w8 because LPBQ blocks do not fit
  std::string report;                  ///< the accuracy report as a table (empty without report_file)
};

/// Compiles the Qwen2-VL checkpoint in `hf_dir` (config.json, *.safetensors, tokenizer.json, preprocessor_config.json,
/// optional generation_config.json) into the bundle directory `out_bundle` (conventionally NAME.evl). Atomic: the bundle
/// is written under a temporary name and renamed when complete, so an interrupted compile never leaves a bundle that
/// opens; an existing `out_bundle` is replaced. Throws edgevl::Error: kNotFound (hf_dir or a file in it),
/// kCorruptFile (malformed config/checkpoint, or a calibration file line), kUnsupported (not a Qwen2-VL checkpoint),
/// kInvalidArgument (options), kIo (write failure). Options and the calibration file are checked before any long work.
CompileSummary compile_model(const std::string& hf_dir, const std::string& out_bundle, const CompileOptions& options = {});

/// True when `path` is a directory with a bundle manifest (cheap check, no validation).
bool is_bundle(const std::string& path);

}  // namespace edgevl
