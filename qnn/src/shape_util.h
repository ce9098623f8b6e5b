// Internal helpers shared by shape inference, the builder and the emulator (not installed).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgevl::qnn {

bool is_binary_op(const std::string& type);
bool is_unary_op(const std::string& type);
/// Reshape, Transpose, StridedSlice, Concat: ops that move elements unchanged (quantized codes keep their encoding).
bool is_data_movement_op(const std::string& type);

/// numpy broadcast of two shapes; *ok = false if they do not broadcast.
std::vector<int64_t> broadcast_shapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b, bool* ok);

/// A StridedSlice normalized against a shape: begin in range, strides > 0, out_shape non-empty.
struct SliceSpec {
  std::vector<int64_t> begin, strides, out_shape;
};
/// Sets *error (and returns an empty spec) if the slice is invalid.
SliceSpec normalize_slice(const std::vector<int64_t>& shape, const std::vector<int64_t>& begin,
                          const std::vector<int64_t>& end, const std::vector<int64_t>& strides, std::string* error);

}  // namespace edgevl::qnn
