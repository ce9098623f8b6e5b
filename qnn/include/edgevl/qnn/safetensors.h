// Zero-copy reader for the safetensors format (Hugging Face checkpoints): one file, or a model directory holding a single
// `model.safetensors` or shards listed by `model.safetensors.index.json`. Model-agnostic: knows files and tensors, not models.
//
// File layout (https://github.com/huggingface/safetensors): u64 little-endian N, then N bytes of JSON header
// {"name": {"dtype": "BF16", "shape": [..], "data_offsets": [begin, end]}, ..., "__metadata__": {str: str}}, then the data
// region; offsets are bytes relative to the data region's start. Data is read through an mmap (MappedFile): a TensorView
// points into the mapping, nothing is copied at open. Tensor data is little-endian and may be unaligned.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "edgevl/qnn/mapped_file.h"

namespace edgevl::qnn {

/// Element types of the safetensors format ("BF16", "F16", "F32", ...). Independent of the graph IR's dtype.
enum class SafetensorsDType { kBool, kU8, kI8, kI16, kU16, kI32, kU32, kI64, kU64, kF16, kBF16, kF32, kF64 };

/// The format's spelling of a dtype, e.g. "BF16".
const char* safetensors_dtype_name(SafetensorsDType dtype);
/// Bytes per element (1, 2, 4 or 8).
size_t safetensors_dtype_size(SafetensorsDType dtype);

/// One tensor inside a mapped file. `data` points into the mapping and stays valid while the owning SafetensorsFile
/// (or a SafetensorsCheckpoint holding it) is alive. `nbytes` == numel() * dtype size (checked at open).
struct TensorView {
  std::string name;
  SafetensorsDType dtype = SafetensorsDType::kF32;
  std::vector<int64_t> shape;  ///< row-major (C order); empty = scalar
  const uint8_t* data = nullptr;
  size_t nbytes = 0;
  std::string file;  ///< path of the file it lives in (for error messages)

  int64_t numel() const;
  /// "[1536, 1280]"-style rendering of a shape, for messages.
  static std::string shape_str(const std::vector<int64_t>& shape);
};

/// Converts a floating-point tensor (BF16, F16, F32, F64) to float32 into `out`, which must hold exactly
/// t.numel() floats. bf16 -> f32 and f16 -> f32 are exact (subnormals, inf and NaN included).
/// Throws kUnsupported for integer/bool dtypes, kShapeMismatch if out_count != t.numel().
void convert_to_f32(const TensorView& t, float* out, size_t out_count);
/// Same, returning a new vector of t.numel() floats.
std::vector<float> to_f32(const TensorView& t);

/// Element conversions used by convert_to_f32 (exact).
float bf16_to_f32(uint16_t bits);
float f16_to_f32(uint16_t bits);

/// One opened .safetensors file. Immutable after open; safe to share across threads.
class SafetensorsFile {
 public:
  /// Maps `path` and validates its header. Throws kNotFound / kIo (from the mapping) and kCorruptFile, naming the file
  /// and, where it applies, the tensor, for: a file shorter than 8 bytes, a header length past the end of the file or
  /// larger than 100 MB, a header that is not valid JSON or not an object, a tensor entry without dtype/shape/
  /// data_offsets or with wrongly typed fields, an unknown dtype, negative dimensions, data_offsets out of the data region
  /// or with end < begin, a byte count that does not match dtype x shape, or two tensors whose bytes overlap.
  static std::shared_ptr<const SafetensorsFile> open(const std::string& path);

  const std::string& path() const { return file_->path(); }
  /// Tensor names in the file, sorted.
  std::vector<std::string> names() const;
  size_t size() const { return tensors_.size(); }
  /// The tensor called `name`, or nullptr.
  const TensorView* find(const std::string& name) const;
  /// The tensor called `name`; throws kNotFound naming the file and tensor if absent.
  const TensorView& at(const std::string& name) const;
  /// The header's "__metadata__" map (string values only; empty if absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  explicit SafetensorsFile(std::shared_ptr<const MappedFile> file) : file_(std::move(file)) {}
  void parse();

  std::shared_ptr<const MappedFile> file_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// All tensors of a model directory, across shards. Cheap to copy (shares the opened files).
class SafetensorsCheckpoint {
 public:
  /// Opens `dir`: if `model.safetensors.index.json` exists, every shard named in its "weight_map" (each opened once);
  /// otherwise `model.safetensors`. Throws kNotFound if neither exists; kCorruptFile if the index is not valid JSON,
  /// lacks an object "weight_map", names a shard outside the directory, maps a tensor to a shard that does not hold it,
  /// or if two shards hold the same tensor; plus every error of SafetensorsFile::open.
  static SafetensorsCheckpoint open_dir(const std::string& dir);
  /// A checkpoint made of the given single file.
  static SafetensorsCheckpoint open_file(const std::string& path);

  /// Tensor names across all files, sorted.
  std::vector<std::string> names() const;
  size_t size() const { return index_.size(); }
  /// The tensor called `name`, or nullptr. The pointer is valid while this object (or a copy) is alive.
  const TensorView* find(const std::string& name) const;
  /// The tensor called `name`; throws kNotFound naming the directory and tensor if absent.
  const TensorView& at(const std::string& name) const;
  /// The opened files (one per shard).
  const std::vector<std::shared_ptr<const SafetensorsFile>>& files() const { return files_; }
  /// The directory (or single file) this was opened from.
  const std::string& source() const { return source_; }

 private:
  void add_file(std::shared_ptr<const SafetensorsFile> f);

  std::string source_;
  std::vector<std::shared_ptr<const SafetensorsFile>> files_;
  std::unordered_map<std::string, const TensorView*> index_;
};

}  // namespace edgevl::qnn
