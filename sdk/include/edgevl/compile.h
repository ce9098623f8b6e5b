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
  Precision precision = Precision::kFp32;
  int64_t context_length = 1024;       ///< tokens per conversation (prompt + generated); ≥ chunk
  int64_t chunk = 32;                  ///< tokens per prefill graph run
  int64_t max_pixels = 0;              ///< image size cap for smart_resize; 0 = preprocessor_config.json's max_pixels
  std::vector<int64_t> vit_buckets;    ///< ViT patch-count buckets (multiples of 4); empty = defaults from max_pixels
  /// Progress: `stage` (e.g. "build", "write weights"), `done` of `total` units. Called on the compiling thread.
  std::function<void(const std::string& stage, size_t done, size_t total)> progress;
};

struct CompileSummary {
  std::vector<std::string> graphs;     ///< graph names in the bundle, e.g. "vit.p1024", "llm.prefill.c32", "llm.decode"
  std::vector<int64_t> vit_buckets;
  uint64_t weights_bytes = 0;          ///< bytes of the weights file (shared weights stored once)
  uint64_t bundle_bytes = 0;           ///< all files of the bundle
  double seconds = 0;
};

/// Compiles the Qwen2-VL checkpoint in `hf_dir` (config.json, *.safetensors, tokenizer.json, preprocessor_config.json,
/// optional generation_config.json) into the bundle directory `out_bundle` (conventionally NAME.evl). Atomic: the bundle
/// is written under a temporary name and renamed when complete, so an interrupted compile never leaves a bundle that
/// opens; an existing `out_bundle` is replaced. Throws edgevl::Error: kNotFound (hf_dir or a file in it),
/// kCorruptFile (malformed config/checkpoint), kUnsupported (not a Qwen2-VL checkpoint), kInvalidArgument (options),
/// kIo (write failure).
CompileSummary compile_model(const std::string& hf_dir, const std::string& out_bundle, const CompileOptions& options = {});

/// True when `path` is a directory with a bundle manifest (cheap check, no validation).
bool is_bundle(const std::string& path);

}  // namespace edgevl
