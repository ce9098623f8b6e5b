// Calibration (model-agnostic): record the ranges of float tensors while float graphs run (Executable::set_observer),
// then turn them into per-tensor encodings. Streaming: only a few numbers per tensor name are kept, never activations.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "edgevl/qnn/executable.h"

namespace edgevl::qnn {

/// How a tensor's range is taken from its observations.
///  - kMinMax: the smallest and largest value ever seen.
///  - kMeanMinMax: the mean over runs of each run's minimum and maximum (robust to a rare outlier run, as
///    TensorFlow's moving-average min/max and PyTorch's MovingAverageMinMaxObserver with averaging constant 1/n).
enum class RangeStat { kMinMax, kMeanMinMax };
const char* range_stat_name(RangeStat s);                  ///< "minmax" / "mean_minmax"
RangeStat range_stat_from_name(const std::string& name);   ///< throws kInvalidArgument for another name

struct ObservedRange {
  float min = 0, max = 0;          ///< over all observations
  double sum_min = 0, sum_max = 0;  ///< sums of per-observation extrema
  size_t count = 0;                 ///< observations (runs in which the tensor was computed)
  float lo(RangeStat s) const { return s == RangeStat::kMinMax || count == 0 ? min : float(sum_min / double(count)); }
  float hi(RangeStat s) const { return s == RangeStat::kMinMax || count == 0 ? max : float(sum_max / double(count)); }
};

/// Accumulates ranges per tensor NAME (so tensors of the same name in several graphs, e.g. the prefill and decode
/// graphs, share one range). Non-finite values are ignored (counted in nonfinite()).
class RangeObserver {
 public:
  /// The hook to install with Executable::set_observer(); the observer must outlive its use.
  TensorObserver hook();
  void observe(const std::string& name, const float* values, size_t count);
  const std::map<std::string, ObservedRange>& ranges() const { return ranges_; }
  size_t nonfinite() const { return nonfinite_; }

 private:
  std::map<std::string, ObservedRange> ranges_;
  size_t nonfinite_ = 0;
};

/// Groups of tensor names that must share one encoding because data-movement ops (Reshape, Transpose, StridedSlice,
/// Concat) link them: every such op's output with all of its inputs, transitively, over all `graphs`.
/// Returns name → representative name of its group.
std::map<std::string, std::string> encoding_groups(const std::vector<const Graph*>& graphs);

/// Per-tensor encodings from observed ranges: uint16 asymmetric (activation_encoding) for every observed name, or
/// uint8 symmetric with zero point 128 for names in `uint8_symmetric` (the KV cache); names in one encoding group get
/// the union of their members' ranges (and uint8 if any member is). Throws kInvalidArgument when `ranges` is empty.
std::map<std::string, QuantEncoding> encodings_from_ranges(const std::map<std::string, ObservedRange>& ranges,
                                                           const std::map<std::string, std::string>& groups,
                                                           const std::set<std::string>& uint8_symmetric,
                                                           RangeStat stat);

}  // namespace edgevl::qnn
