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

  /// Best of `passes` (≥ 1) read-only passes over the whole buffer: `threads` (≥ 1) threads, the caller one of them,
  /// are started once; per pass they meet at a barrier, then each sums a contiguous slice of 64-bit words with full
  /// SIMD-vector loads, and the pass's time runs from the first thread's start to the last one's finish (no thread
  /// creation or join inside it). Returns GB/s (1e9 bytes per second). Throws edgevl::Error kInvalidArgument for
  /// threads or passes < 1.
  double measure(int threads, int passes) const;

  size_t bytes() const { return words_.size() * sizeof(uint64_t); }

 private:
  std::vector<uint64_t> words_;
};

}  // namespace edgevl::bench
