// A STREAM-style memory read-bandwidth probe: the roofline that bounds decode speed, whose every step reads all the
// decode weights once (ModelInfo::decode_weight_bytes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace edgevl::bench {

class ReadBandwidthProbe {
 public:
  /// Allocates `bytes` (rounded down to whole 8-byte words) and writes every word once, so the pages are resident
  /// before measuring. Pick a size far above the last-level cache (the default 1 GiB is). Throws edgevl::Error
  /// kInvalidArgument when bytes < 1 MiB; std::bad_alloc when the memory is not there.
  explicit ReadBandwidthProbe(size_t bytes);

  /// Best of `passes` (≥ 1) read-only passes over the whole buffer: each of `threads` (≥ 1) threads sums a contiguous
  /// slice of 64-bit words; a pass's time runs from starting the threads to joining the last. Returns GB/s (1e9 bytes
  /// per second). Throws edgevl::Error kInvalidArgument for threads or passes < 1.
  double measure(int threads, int passes) const;

  size_t bytes() const { return words_.size() * sizeof(uint64_t); }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace edgevl::bench
