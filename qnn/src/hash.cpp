#include "hash.h"

#include <cstring>

#include "edgevl/qnn/bundle.h"

namespace edgevl::qnn {

namespace {
constexpr uint64_t P1 = 0x9E3779B185EBCA87ULL;
constexpr uint64_t P2 = 0xC2B2AE3D27D4EB4FULL;
constexpr uint64_t P3 = 0x165667B19E3779F9ULL;
inline uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t load64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t round64(uint64_t acc, uint64_t in) { return rotl(acc + in * P2, 31) * P1; }
inline uint64_t fmix(uint64_t h) {
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}
}  // namespace

Hasher64::Hasher64(uint64_t seed) : seed_(seed) {
  lanes_[0] = seed + P1 + P2;
  lanes_[1] = seed + P2;
  lanes_[2] = seed;
  lanes_[3] = seed - P1;
}

void Hasher64::stripe(const uint8_t* p) {
  lanes_[0] = round64(lanes_[0], load64(p));
  lanes_[1] = round64(lanes_[1], load64(p + 8));
  lanes_[2] = round64(lanes_[2], load64(p + 16));
  lanes_[3] = round64(lanes_[3], load64(p + 24));
}

void Hasher64::update(const void* data, size_t n) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  total_ += n;
  if (buffered_) {
    size_t take = 32 - buffered_ < n ? 32 - buffered_ : n;
    std::memcpy(buf_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < 32) return;
    stripe(buf_);
    buffered_ = 0;
  }
  while (n >= 32) {
    stripe(p);
    p += 32;
    n -= 32;
  }
  if (n) {
    std::memcpy(buf_, p, n);
    buffered_ = n;
  }
}

uint64_t Hasher64::digest() const {
  uint64_t h = rotl(lanes_[0], 1) + rotl(lanes_[1], 7) + rotl(lanes_[2], 12) + rotl(lanes_[3], 18);
  h ^= seed_;
  h += total_;
  for (size_t i = 0; i < buffered_; ++i) h = rotl(h ^ (buf_[i] * P3), 11) * P1;
  return fmix(h);
}

uint64_t bundle_hash64(const void* data, size_t n, uint64_t seed) {
  Hasher64 h(seed);
  h.update(data, n);
  return h.digest();
}

}  // namespace edgevl::qnn
