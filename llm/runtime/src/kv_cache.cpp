#include "edgevl/llm/kv_cache.h"

#include <cstring>
#include <string>

#include "edgevl/error.h"

namespace edgevl::llm {

KvCache::KvCache(int num_layers, int num_kv_heads, int64_t context_length, int head_dim, qnn::DType dtype)
    : num_layers_(num_layers), num_kv_heads_(num_kv_heads), head_dim_(head_dim), context_length_(context_length),
      dtype_(dtype) {
  if (num_layers < 1 || num_kv_heads < 1 || context_length < 1 || head_dim < 1)
    throw Error(ErrorCode::kInvalidArgument, "KvCache: layers, kv heads, context length and head_dim must be >= 1");
  if (dtype != qnn::DType::kFloat32 && dtype != qnn::DType::kUInt8 && dtype != qnn::DType::kUInt16)
    throw Error(ErrorCode::kInvalidArgument, std::string("KvCache: dtype ") + qnn::dtype_name(dtype) +
                                                 " (float32, uint8 or uint16 expected)");
  elem_bytes_ = qnn::dtype_size_bits(dtype) / 8;
  buffer_bytes_ = qnn::tensor_nbytes(buffer_shape(), dtype);
  keys_.assign(static_cast<size_t>(num_layers), std::vector<uint8_t>(buffer_bytes_, 0));
  values_.assign(static_cast<size_t>(num_layers), std::vector<uint8_t>(buffer_bytes_, 0));
}

std::vector<int64_t> KvCache::buffer_shape() const { return {num_kv_heads_, context_length_, head_dim_}; }

void KvCache::check_layer(int layer) const {
  if (layer < 0 || layer >= num_layers_)
    throw Error(ErrorCode::kInvalidArgument,
                "KvCache: layer " + std::to_string(layer) + " out of range [0, " + std::to_string(num_layers_) + ")");
}

const void* KvCache::key(int layer) const {
  check_layer(layer);
  return keys_[static_cast<size_t>(layer)].data();
}

const void* KvCache::value(int layer) const {
  check_layer(layer);
  return values_[static_cast<size_t>(layer)].data();
}

void KvCache::write(int layer, const void* new_key, const void* new_value, int64_t chunk_rows, int64_t n_valid) {
  check_layer(layer);
  if (!new_key || !new_value) throw Error(ErrorCode::kInvalidArgument, "KvCache::write: null key/value data");
  if (chunk_rows < 1 || n_valid < 0 || n_valid > chunk_rows)
    throw Error(ErrorCode::kInvalidArgument, "KvCache::write: n_valid " + std::to_string(n_valid) +
                                                 " outside [0, chunk_rows " + std::to_string(chunk_rows) + "]");
  if (length_ + n_valid > context_length_)
    throw Error(ErrorCode::kContextOverflow, "KvCache: " + std::to_string(length_) + " + " + std::to_string(n_valid) +
                                                 " tokens exceed the context length " + std::to_string(context_length_));
  const size_t row = static_cast<size_t>(head_dim_) * elem_bytes_;
  uint8_t* k = keys_[static_cast<size_t>(layer)].data();
  uint8_t* v = values_[static_cast<size_t>(layer)].data();
  const auto* nk = static_cast<const uint8_t*>(new_key);
  const auto* nv = static_cast<const uint8_t*>(new_value);
  for (int64_t h = 0; h < num_kv_heads_; ++h) {
    const size_t dst = static_cast<size_t>(h * context_length_ + length_) * row;
    const size_t src = static_cast<size_t>(h * chunk_rows) * row;
    std::memcpy(k + dst, nk + src, row * static_cast<size_t>(n_valid));
    std::memcpy(v + dst, nv + src, row * static_cast<size_t>(n_valid));
  }
}

void KvCache::commit(int64_t n) {
  if (n < 0) throw Error(ErrorCode::kInvalidArgument, "KvCache::commit: negative count");
  if (length_ + n > context_length_)
    throw Error(ErrorCode::kContextOverflow, "KvCache: " + std::to_string(length_) + " + " + std::to_string(n) +
                                                 " tokens exceed the context length " + std::to_string(context_length_));
  length_ += n;
}

void KvCache::truncate(int64_t new_length) {
  if (new_length < 0 || new_length > length_)
    throw Error(ErrorCode::kInvalidArgument, "KvCache::truncate: " + std::to_string(new_length) + " outside [0, " +
                                                 std::to_string(length_) + "]");
  length_ = new_length;
}

}  // namespace edgevl::llm
