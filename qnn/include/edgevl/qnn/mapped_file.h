// A read-only memory mapping of a whole file. Weights are read through it without copying (safetensors checkpoints,
// bundle weights). Movable, not copyable; the mapping is released when the last owner goes away.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace edgevl::qnn {

class MappedFile {
 public:
  /// Maps `path` read-only (PROT_READ, MAP_PRIVATE). An empty file maps to size() == 0 and data() == nullptr.
  /// Throws edgevl::Error kNotFound if the file does not exist, kIo if it cannot be opened or mapped.
  static std::shared_ptr<const MappedFile> open(const std::string& path);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }  ///< bytes
  const std::string& path() const { return path_; }

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  std::string path_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

/// Drops the resident pages wholly inside [p, p + n) of a read-only MAP_PRIVATE file mapping (madvise MADV_DONTNEED):
/// the process's resident memory shrinks, and a later read of the range faults the same file bytes back in. For
/// compile-time streaming (a checkpoint tensor converted into an owned copy is not read again). Never fails.
void release_mapped_pages(const void* p, size_t n);

}  // namespace edgevl::qnn
