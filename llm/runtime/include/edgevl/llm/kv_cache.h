// Host-owned KV cache of one conversation, laid out as the decoder graphs read it (llm_graph.h).
#pragma once

#include <cstdint>
#include <vector>

#include "edgevl/qnn/dtype.h"

namespace edgevl::llm {

/// Per layer, K and V buffers [num_kv_heads, context_length, head_dim] of the decoder graphs' past_key/past_value dtype
/// (float32, or uint8 codes of a quantized cache whose encoding is the graph's), zero-initialised. Rows [0, length())
/// hold the conversation's keys/values; the rest is don't-care (the attention mask hides it).
/// Usage per graph run: for every layer write(l, new_key, new_value, chunk_rows, n_valid), then commit(n_valid).
class KvCache {
 public:
  /// Throws edgevl::Error kInvalidArgument if a dimension is < 1 or dtype is not float32 / uint8 / uint16.
  KvCache(int num_layers, int num_kv_heads, int64_t context_length, int head_dim,
          qnn::DType dtype = qnn::DType::kFloat32);

  qnn::DType dtype() const { return dtype_; }
  /// Bytes of one layer's K (or V) buffer.
  size_t buffer_bytes() const { return buffer_bytes_; }
  int num_layers() const { return num_layers_; }
  int num_kv_heads() const { return num_kv_heads_; }
  int head_dim() const { return head_dim_; }
  int64_t context_length() const { return context_length_; }
  int64_t length() const { return length_; }                       ///< committed tokens
  int64_t remaining() const { return context_length_ - length_; }  ///< free slots
  /// Shape of one buffer, {num_kv_heads, context_length, head_dim} (the "past_key_{l}" input shape).
  std::vector<int64_t> buffer_shape() const;

  /// Layer l's buffers (to bind as "past_key_{l}" / "past_value_{l}"), elements of dtype(). Throws kInvalidArgument
  /// for a bad layer.
  const void* key(int layer) const;
  const void* value(int layer) const;

  /// Copies rows [0, n_valid) of a graph's "new_key_{l}"/"new_value_{l}" outputs ([num_kv_heads, chunk_rows, head_dim])
  /// into layer l's buffers at rows [length(), length()+n_valid). Does not change length().
  /// Throws kInvalidArgument for a bad layer, null data, n_valid outside [0, chunk_rows]; kContextOverflow if
  /// length() + n_valid > context_length().
  /// The rows are dtype() elements (copied as bytes: a quantized cache keeps the graph's codes).
  void write(int layer, const void* new_key, const void* new_value, int64_t chunk_rows, int64_t n_valid);
  /// Makes n tokens written by write() part of the cache: length() += n. Throws kContextOverflow past the capacity,
  /// kInvalidArgument for n < 0.
  void commit(int64_t n);
  /// Forgets everything from token `new_length` on (e.g. to roll back an unfinished turn). Throws kInvalidArgument if
  /// new_length is outside [0, length()].
  void truncate(int64_t new_length);
  /// Empty cache (length 0); buffers are kept.
  void reset() { length_ = 0; }

 private:
  void check_layer(int layer) const;
  int num_layers_, num_kv_heads_, head_dim_;
  int64_t context_length_;
  int64_t length_ = 0;
  qnn::DType dtype_;
  size_t elem_bytes_, buffer_bytes_;
  std::vector<std::vector<uint8_t>> keys_, values_;
};

}  // namespace edgevl::llm
