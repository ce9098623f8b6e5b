// Element types of graph tensors and the byte arithmetic that goes with them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgevl::qnn {

/// Element type of a tensor. kInt4 packs two elements per byte (low nibble first).
enum class DType { kFloat32, kFloat16, kInt32, kInt64, kUInt8, kInt8, kUInt16, kInt4 };

/// float32 or float16.
inline bool is_float(DType d) { return d == DType::kFloat32 || d == DType::kFloat16; }

/// Bits per element: 32, 16, 32, 64, 8, 8, 16, 4.
size_t dtype_size_bits(DType dtype);

/// Stable lower-case name used in manifests and messages: "float32", "float16", "int32", "int64", "uint8", "int8",
/// "uint16", "int4".
const char* dtype_name(DType dtype);

/// Inverse of dtype_name(). Throws edgevl::Error kUnsupported for an unknown name.
DType dtype_from_name(const std::string& name);

/// Product of the dimensions (1 for a scalar shape []). Throws kInvalidArgument on a negative dimension or overflow.
int64_t num_elements(const std::vector<int64_t>& shape);

/// Bytes of a dense tensor of this shape and dtype (int4 rounds up to whole bytes).
size_t tensor_nbytes(const std::vector<int64_t>& shape, DType dtype);

/// "[2, 3, 4]" — for error messages.
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace edgevl::qnn
