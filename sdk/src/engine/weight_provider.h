// The compile-time weight provider: serves checkpoint tensors (bf16/f16/f32, mmapped safetensors) to the graph builders
// as constants of the bundle precision (float32 or float16), converting each tensor once and sharing the result between
// every graph that asks for it; tensors already in the target dtype (and suitably aligned) are served as views of the
// mapping without any copy. Weights a recipe quantizes are served quantized. Checkpoint pages converted into an owned
// copy are released from the process's resident memory (release_mapped_pages), so a compile's RSS holds the converted
// weights, not the checkpoint as well.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "edgevl/qnn/graph.h"
#include "edgevl/qnn/layers.h"
#include "edgevl/qnn/quantize_pass.h"
#include "edgevl/qnn/safetensors.h"

namespace edgevl::engine {

class CheckpointWeights {
 public:
  /// `find(canonical_name)` returns the checkpoint tensor or nullptr; `owner` keeps the mapped files alive (views into
  /// them are handed to the graphs). `target` is kFloat32 or kFloat16.
  CheckpointWeights(std::function<const qnn::TensorView*(const std::string&)> find, std::shared_ptr<const void> owner,
                    qnn::DType target);

  /// How a weight is quantized when the builders ask for it by (name, shape), or nothing (served as `target`).
  using QuantizeAs = std::function<std::optional<qnn::WeightQuantSpec>(const std::string&, const std::vector<int64_t>&)>;
  /// Serve the weights `quantize_as` names quantized (int8 / int4 with their encoding, computed once per name from the
  /// checkpoint's values in float32) instead of as float constants: a compile then never holds a float copy of them.
  void set_quantize_as(QuantizeAs quantize_as) { quantize_as_ = std::move(quantize_as); }

  /// The qnn::WeightProvider: a constant named `name` of `shape` (the checkpoint's shape or a reshape of it with the
  /// same element count). Throws kNotFound (absent tensor), kShapeMismatch (element count), kUnsupported (integer
  /// checkpoint dtype).
  qnn::WeightProvider provider();

  /// Converted constant bytes for `name` (cached). Same errors as provider().
  const qnn::ConstData& data(const std::string& name);

  /// Drops the conversion cache (graphs built so far keep their constants alive themselves).
  void clear_cache() {
    cache_.clear();
    qcache_.clear();
  }

 private:
  std::function<const qnn::TensorView*(const std::string&)> find_;
  std::shared_ptr<const void> owner_;
  qnn::DType target_;
  std::map<std::string, qnn::ConstData> cache_;
  QuantizeAs quantize_as_;
  std::map<std::string, qnn::QuantizedConstant> qcache_;
};

}  // namespace edgevl::engine
