#include "engine/weight_provider.h"

#include <cstdint>
#include <cstring>

#include "edgevl/error.h"
#include "edgevl/qnn/graph_builder.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/mapped_file.h"
#include "edgevl/qnn/quant.h"

namespace edgevl::engine {

CheckpointWeights::CheckpointWeights(std::function<const qnn::TensorView*(const std::string&)> find,
                                     std::shared_ptr<const void> owner, qnn::DType target)
    : find_(std::move(find)), owner_(std::move(owner)), target_(target) {
  if (target != qnn::DType::kFloat32 && target != qnn::DType::kFloat16)
    throw Error(ErrorCode::kInvalidArgument, std::string("weight dtype must be float32 or float16, not ") +
                                                 qnn::dtype_name(target));
}

const qnn::ConstData& CheckpointWeights::data(const std::string& name) {
  auto it = cache_.find(name);
  if (it != cache_.end()) return it->second;
  const qnn::TensorView* t = find_(name);
  if (!t) throw Error(ErrorCode::kNotFound, "checkpoint has no tensor '" + name + "'");
  const size_t n = size_t(t->numel());
  const bool f32 = target_ == qnn::DType::kFloat32;
  const auto addr = reinterpret_cast<uintptr_t>(t->data);
  qnn::ConstData d;
  if (f32 && t->dtype == qnn::SafetensorsDType::kF32 && addr % alignof(float) == 0) {
    d = qnn::ConstData::view(owner_, t->data, t->nbytes);  // already float32: no copy
  } else if (!f32 && t->dtype == qnn::SafetensorsDType::kF16 && addr % alignof(uint16_t) == 0) {
    d = qnn::ConstData::view(owner_, t->data, t->nbytes);  // already float16: no copy
  } else if (f32) {
    d = qnn::ConstData::from_floats(qnn::to_f32(*t));
  } else {
    std::vector<float> tmp = qnn::to_f32(*t);
    std::vector<uint8_t> bytes(n * sizeof(uint16_t));
    qnn::float_to_half_n(tmp.data(), reinterpret_cast<uint16_t*>(bytes.data()), n);
    d = qnn::ConstData::from_bytes(std::move(bytes));
  }
  if (d.data != t->data) qnn::release_mapped_pages(t->data, t->nbytes);  // converted: the source is not read again
  return cache_.emplace(name, std::move(d)).first->second;
}

qnn::WeightProvider CheckpointWeights::provider() {
  return [this](qnn::GraphBuilder& b, const std::string& name, const std::vector<int64_t>& shape) -> qnn::TensorId {
    const qnn::TensorView* t = find_(name);
    if (!t) throw Error(ErrorCode::kNotFound, "checkpoint has no tensor '" + name + "'");
    if (qnn::num_elements(shape) != t->numel())
      throw Error(ErrorCode::kShapeMismatch, "checkpoint tensor '" + name + "' has shape " +
                                                 qnn::TensorView::shape_str(t->shape) + ", the graph needs " +
                                                 qnn::shape_to_string(shape));
    if (quantize_as_) {
      if (const std::optional<qnn::WeightQuantSpec> spec = quantize_as_(name, shape)) {
        auto it = qcache_.find(name);
        if (it == qcache_.end()) {
          const std::vector<float> w = qnn::to_f32(*t);
          qnn::QuantizedWeight q = spec->kind == qnn::WeightQuantSpec::Kind::kLpbq
                                       ? qnn::quantize_weight_lpbq(w.data(), shape, spec->channel_axis, spec->block_axis,
                                                                   spec->block_size, spec->method)
                                       : qnn::quantize_weight_int8(w.data(), shape, spec->channel_axis, spec->method);
          qnn::release_mapped_pages(t->data, t->nbytes);
          it = qcache_.emplace(name, qnn::QuantizedConstant{q.dtype, std::move(q.encoding),
                                                            qnn::ConstData::from_bytes(std::move(q.bytes)), shape})
                   .first;
        }
        return b.constant(name, shape, it->second.dtype, it->second.data, it->second.encoding);
      }
    }
    const qnn::ConstData& d = data(name);
    return b.constant(name, shape, target_, d);
  };
}

}  // namespace edgevl::engine
