#include "edgevl/qnn/graph.h"

#include "edgevl/error.h"

namespace edgevl::qnn {

namespace {
template <typename T>
const T& get_param(const Op& op, const std::string& key, const char* type_name) {
  auto it = op.params.find(key);
  if (it == op.params.end()) {
    throw Error(ErrorCode::kInvalidArgument, "op '" + op.name + "' (" + op.type + "): missing param '" + key + "'");
  }
  const T* v = std::get_if<T>(&it->second);
  if (!v) {
    throw Error(ErrorCode::kInvalidArgument,
                "op '" + op.name + "' (" + op.type + "): param '" + key + "' is not " + type_name);
  }
  return *v;
}
}  // namespace

int64_t Op::param_int(const std::string& key) const { return get_param<int64_t>(*this, key, "an integer"); }

double Op::param_float(const std::string& key) const {
  auto it = params.find(key);
  if (it != params.end()) {
    if (const int64_t* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  }
  return get_param<double>(*this, key, "a number");
}

bool Op::param_bool(const std::string& key) const { return get_param<bool>(*this, key, "a bool"); }

const std::string& Op::param_string(const std::string& key) const {
  return get_param<std::string>(*this, key, "a string");
}

const std::vector<int64_t>& Op::param_ints(const std::string& key) const {
  return get_param<std::vector<int64_t>>(*this, key, "an integer list");
}

const Tensor& Graph::tensor(TensorId id) const {
  if (id < 0 || static_cast<size_t>(id) >= tensors_.size()) {
    throw Error(ErrorCode::kInvalidArgument,
                "graph '" + name_ + "': tensor id " + std::to_string(id) + " out of range");
  }
  return tensors_[static_cast<size_t>(id)];
}

Tensor& Graph::mutable_tensor(TensorId id) {
  verified_.clear();
  return const_cast<Tensor&>(tensor(id));
}

TensorId Graph::find(const std::string& name) const {
  for (size_t i = 0; i < tensors_.size(); ++i) {
    if (tensors_[i].name == name) return static_cast<TensorId>(i);
  }
  return kNoTensor;
}

TensorId Graph::add_tensor(Tensor t) {
  verified_.clear();
  tensors_.push_back(std::move(t));
  return static_cast<TensorId>(tensors_.size() - 1);
}

}  // namespace edgevl::qnn
