// Calibration: streaming range observation and range → encoding (calibration.h).
#include "edgevl/qnn/calibration.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "edgevl/error.h"
#include "edgevl/qnn/quant.h"
#include "shape_util.h"

namespace edgevl::qnn {

const char* range_stat_name(RangeStat s) { return s == RangeStat::kMeanMinMax ? "mean_minmax" : "minmax"; }

RangeStat range_stat_from_name(const std::string& name) {
  if (name == "minmax") return RangeStat::kMinMax;
  if (name == "mean_minmax") return RangeStat::kMeanMinMax;
  throw Error(ErrorCode::kInvalidArgument, "activation range statistic '" + name + "' is not minmax or mean_minmax");
}

TensorObserver RangeObserver::hook() {
  return [this](const Tensor& t, const float* v, size_t n) {
    if (!t.quant.quantized()) observe(t.name, v, n);  // ranges of float tensors only
  };
}

void RangeObserver::observe(const std::string& name, const float* v, size_t n) {
  float lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(v[i])) {
      ++nonfinite_;
      continue;
    }
    lo = std::min(lo, v[i]);
    hi = std::max(hi, v[i]);
  }
  if (lo > hi) return;  // nothing finite
  ObservedRange& r = ranges_[name];
  r.min = r.count == 0 ? lo : std::min(r.min, lo);
  r.max = r.count == 0 ? hi : std::max(r.max, hi);
  r.sum_min += lo;
  r.sum_max += hi;
  ++r.count;
}

std::map<std::string, std::string> encoding_groups(const std::vector<const Graph*>& graphs) {
  std::map<std::string, std::string> parent;
  std::function<std::string(const std::string&)> find = [&](const std::string& x) -> std::string {
    auto it = parent.find(x);
    if (it == parent.end()) {
      parent[x] = x;
      return x;
    }
    if (it->second == x) return x;
    const std::string root = find(it->second);
    parent[x] = root;
    return root;
  };
  for (const Graph* g : graphs) {
    for (const Op& op : g->ops()) {
      if (!is_data_movement_op(op.type)) continue;
      const std::string out = find(g->tensor(op.outputs[0]).name);
      for (TensorId i : op.inputs) {
        const Tensor& t = g->tensor(i);
        if (t.kind == TensorKind::kConstant) continue;
        const std::string r = find(t.name);
        if (r != out) parent[r] = out;
      }
    }
  }
  std::map<std::string, std::string> rep;
  for (const auto& kv : parent) rep[kv.first] = find(kv.first);
  return rep;
}

std::map<std::string, QuantEncoding> encodings_from_ranges(const std::map<std::string, ObservedRange>& ranges,
                                                           const std::map<std::string, std::string>& groups,
                                                           const std::set<std::string>& uint8_symmetric,
                                                           RangeStat stat) {
  if (ranges.empty()) throw Error(ErrorCode::kInvalidArgument, "calibration: no tensor range was observed");
  auto group_of = [&](const std::string& n) {
    auto it = groups.find(n);
    return it == groups.end() ? n : it->second;
  };
  struct Acc {
    float lo = INFINITY, hi = -INFINITY;
    bool u8 = false;
  };
  std::map<std::string, Acc> acc;
  for (const auto& [name, r] : ranges) {
    Acc& a = acc[group_of(name)];
    a.lo = std::min(a.lo, r.lo(stat));
    a.hi = std::max(a.hi, r.hi(stat));
  }
  for (const auto& n : uint8_symmetric) acc[group_of(n)].u8 = true;
  std::map<std::string, QuantEncoding> out;
  auto encode = [&](const Acc& a) {
    const float lo = std::isfinite(a.lo) ? a.lo : 0.0f, hi = std::isfinite(a.hi) ? a.hi : 0.0f;
    return a.u8 ? symmetric_uint8_encoding(std::max(std::fabs(lo), std::fabs(hi))) : activation_encoding(lo, hi);
  };
  for (const auto& [name, r] : ranges) out[name] = encode(acc[group_of(name)]);
  for (const auto& [name, rep] : groups)
    if (!out.count(name) && acc.count(rep) && std::isfinite(acc[rep].lo)) out[name] = encode(acc[rep]);
  return out;
}

}  // namespace edgevl::qnn
