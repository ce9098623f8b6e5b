// Model: an opened compiled bundle.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgevl/generation.h"

namespace edgevl {

/// Numerics a bundle was compiled for: a preset of the quantization recipe (docs/quantization.md, "Recipes").
///  - kFp32: the reference, everything float32;
///  - kFp16: weights and every op output rounded to float16 (compute in float32), as the HTP runs FP16;
///  - kW8A16: LLM weights int8 per output channel (QNN AXIS_SCALE_OFFSET), activations uint16, KV cache uint8
///    (zero point 128), embedding int8 per row, ViT fp16;
///  - kW4A16: as kW8A16 but the LLM's linear weights LPBQ int4 (QNN BLOCKWISE_EXPANSION, blocks of 32 input channels by
///    default); the head int8.
enum class Precision { kFp32, kFp16, kW8A16, kW4A16 };
const char* precision_name(Precision precision);  ///< "fp32" / "fp16" / "w8a16" / "w4a16"
/// The precision called `name`; throws edgevl::Error kInvalidArgument naming it and listing the valid names.
Precision precision_from_name(const std::string& name);

/// Facts about an opened bundle.
struct ModelInfo {
  std::string path;                   ///< bundle directory as given to open()
  std::string family;                 ///< e.g. "qwen2vl"
  Precision precision = Precision::kFp32;
  int64_t context_length = 0;         ///< tokens of one conversation (prompt + generated), fixed at compile time
  int64_t prefill_chunk = 0;          ///< tokens per prefill graph run
  std::vector<int64_t> vit_buckets;   ///< patch counts the ViT graph was compiled for (largest = most patches per image)
  int64_t vocab_size = 0;
  std::vector<int32_t> eos_token_ids;
  /// Bytes of the constant tensors (weights, biases, tables) the decode graph reads per step, i.e. weight bytes read
  /// per generated token, as stored in the bundle (int4/int8/float16/float32 data; quantization scales not counted).
  /// Each constant counts once, however many ops read it. Constants read only through a Gather (an embedding table of
  /// which a step reads a single row) are excluded; a tied head that multiplies by the embedding table counts in full.
  /// The host-side embedding lookup (graph "llm.embed") is not part of the decode graph. KV cache reads are not
  /// weights and are not included.
  int64_t decode_weight_bytes = 0;
};

/// How a bundle is opened for execution.
/// When Model::open hashes a bundle's files and compares them with the checksums its manifest records, so corrupt or
/// tampered weights are an error (kCorruptFile naming the file) instead of silent garbage.
enum class ChecksumPolicy {
  /// Default. weights.bin once per change of the file: after a pass Model::open writes a `.verified` stamp into the
  /// bundle (weights.bin's size, inode, modification and status-change times); while it matches, only the extra files
  /// (tokenizer, configs; small) are hashed. Any write to weights.bin changes its status-change time, so it is hashed
  /// again. A bundle in a read-only directory is hashed at every open. About 0.3 s per GB, once.
  kOncePerChange,
  kEveryOpen,  ///< weights.bin and the extra files at every open
  kNever,      ///< trust the files (e.g. verified at install time); structure checks still run
};

struct ModelOptions {
  /// CPU threads each graph run of the HTP emulator uses (the calling thread included); ≤ 0: all cores
  /// (std::thread::hardware_concurrency()). Device back ends ignore it.
  int num_threads = 0;
  /// Hashing of the bundle's files at open (see ChecksumPolicy).
  ChecksumPolicy checksums = ChecksumPolicy::kOncePerChange;
};

/// An opened bundle (a `NAME.evl/` directory written by compile_model() / qwen2vl-compile): weights memory-mapped, graphs
/// prepared for the HTP emulator, tokenizer and preprocessor settings loaded. Immutable; a Model is a cheap handle
/// (copies share the same bundle) that several Sessions on several threads may use at once. The bundle stays mapped
/// until the last Model copy and the last Session using it are gone.
class Model {
 public:
  /// Opens `bundle_path`, hashing its files as ModelOptions::checksums says (default: weights.bin once per change).
  /// Throws edgevl::Error naming the path: kNotFound (no such directory or a file missing from it), kCorruptFile
  /// (malformed manifest, truncated weights, a file whose checksum differs from the manifest's), kUnsupported (format
  /// version or family).
  static Model open(const std::string& bundle_path);
  /// Opens `bundle_path` with `options` (e.g. a thread count); same errors as open(bundle_path).
  static Model open(const std::string& bundle_path, const ModelOptions& options);

  const ModelInfo& info() const;
  /// Generation defaults from the model's generation_config.json: when do_sample is false or absent, temperature 0
  /// (greedy); max_new_tokens from the file or 256; min_new_tokens from the file or 0; seed 0; no stop strings. Every
  /// field is set.
  const GenerationConfig& generation_defaults() const;

  struct Impl;  ///< internal
  const std::shared_ptr<const Impl>& impl() const { return impl_; }
  static Model from_impl(std::shared_ptr<const Impl> impl) { return Model(std::move(impl)); }  ///< internal

 private:
  explicit Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

}  // namespace edgevl
