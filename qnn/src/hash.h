// Streaming 64-bit hash used for bundle checksums (internal). Four independent multiply-rotate lanes over 32-byte
// stripes (xxHash64-like structure), so hashing runs at several GB/s; chunk boundaries do not change the result.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevl::qnn {

class Hasher64 {
 public:
  explicit Hasher64(uint64_t seed = 0);
  void update(const void* data, size_t n);
  uint64_t digest() const;

 private:
  void stripe(const uint8_t* p);
  uint64_t lanes_[4];
  uint8_t buf_[32];
  size_t buffered_ = 0;
  uint64_t total_ = 0;
  uint64_t seed_;
};

}  // namespace edgevl::qnn
