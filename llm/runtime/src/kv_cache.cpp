#include "edgevl/llm/kv_cache.h"

#include <cstring>
#include <string>

#include "edgevl/error.h"

namespace edgevl::llm {

KvCache::KvCache(int num_layers, int num_kv_heads, int64_t context_length, int head_dim)
    : num_layers_(num_layers), num_kv_heads_(num_kv_heads), head_dim_(head_dim), context_length_(context_length) {
  if (num_layers < 1 || num_kv_heads < 1 || context_length < 1 || head_dim < 1)
    throw Error(ErrorCode::kInvalidArgument, "KvCache: layers, kv heads, context length and head_dim must be >= 1");
  const size_t n = static_cast<size_t>(num_kv_heads) * static_cast<size_t>(context_length) * static_cast<size_t>(head_dim);
  keys_.assign(static_cast<size_t>(num_layers), std::vector<float>(n, 0.0f));
  values_.assign(static_cast<size_t>(num_layers), std::vector<float>(n, 0.0f));
}

std::vector<int64_t> KvCache::buffer_shape() const { return {num_kv_heads_, context_length_, head_dim_}; }

void KvCache::check_layer(int layer) const {
  if (layer < 0 || layer >= num_layers_)
    throw Error(ErrorCode::kInvalidArgument,
                "KvCache: layer " + std::to_string(layer) + " out of range [0, " + std::to_string(num_layers_) + ")");
}

const float* KvCache::key(int layer) const {
  check_layer(layer);
  return keys_[static_cast<size_t>(layer)].data();
}

const float* KvCache::value(int layer) const {
  check_layer(layer);
  return values_[static_cast<size_t>(layer)].data();
}

void KvCache::write(int layer, const float* new_key, const float* new_value, int64_t chunk_rows, int64_t n_valid) {
  check_layer(layer);
  if (!new_key || !new_value) throw Error(ErrorCode::kInvalidArgument, "KvCache::write: null key/value data");
  if (chunk_rows < 1 || n_valid < 0 || n_valid > chunk_rows)
    throw Error(ErrorCode::kInvalidArgument, "KvCache::write: n_valid " + std::to_string(n_valid) +
                                                 " outside [0, chunk_rows " + std::to_string(chunk_rows) + "]");
  if (length_ + n_valid > context_length_)
    throw Error(ErrorCode::kContextOverflow, "KvCache: " + std::to_string(length_) + " + " + std::to_string(n_valid) +
                                                 " tokens exceed the context length " + std::to_string(context_length_));
  const size_t row = static_cast<size_t>(head_dim_) * sizeof(float);
  float* k = keys_[static_cast<size_t>(layer)].data();
  float* v = values_[static_cast<size_t>(layer)].data();
  for (int64_t h = 0; h < num_kv_heads_; ++h) {
    const int64_t dst = (h * context_length_ + length_) * head_dim_, src = h * chunk_rows * head_dim_;
    std::memcpy(k + dst, new_key + src, row * static_cast<size_t>(n_valid));
    std::memcpy(v + dst, new_value + src, row * static_cast<size_t>(n_valid));
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
