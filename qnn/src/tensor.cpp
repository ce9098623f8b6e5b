#include "edgevl/qnn/tensor.h"

#include <cstring>

namespace edgevl::qnn {

ConstData ConstData::copy_of(const void* p, size_t n) {
  std::vector<uint8_t> bytes(n);
  if (n) std::memcpy(bytes.data(), p, n);
  return from_bytes(std::move(bytes));
}

ConstData ConstData::from_floats(std::vector<float> values) {
  auto owner = std::make_shared<std::vector<float>>(std::move(values));
  ConstData d;
  d.data = reinterpret_cast<const uint8_t*>(owner->data());
  d.nbytes = owner->size() * sizeof(float);
  d.owner = std::move(owner);
  return d;
}

ConstData ConstData::from_bytes(std::vector<uint8_t> bytes) {
  auto owner = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  ConstData d;
  d.data = owner->data();
  d.nbytes = owner->size();
  d.owner = std::move(owner);
  return d;
}

ConstData ConstData::view(std::shared_ptr<const void> owner, const uint8_t* data, size_t nbytes) {
  ConstData d;
  d.owner = std::move(owner);
  d.data = data;
  d.nbytes = nbytes;
  return d;
}

const char* tensor_kind_name(TensorKind kind) {
  switch (kind) {
    case TensorKind::kInput: return "input";
    case TensorKind::kOutput: return "output";
    case TensorKind::kConstant: return "constant";
    case TensorKind::kActivation: return "activation";
  }
  return "invalid";
}

int64_t Tensor::num_elements() const { return qnn::num_elements(shape); }
size_t Tensor::nbytes() const { return tensor_nbytes(shape, dtype); }

}  // namespace edgevl::qnn
