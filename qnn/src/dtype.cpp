#include "edgevl/qnn/dtype.h"

#include <limits>

#include "edgevl/error.h"

namespace edgevl::qnn {

size_t dtype_size_bits(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return 32;
    case DType::kFloat16: return 16;
    case DType::kInt32: return 32;
    case DType::kInt64: return 64;
    case DType::kUInt8: return 8;
    case DType::kInt8: return 8;
    case DType::kUInt16: return 16;
    case DType::kInt4: return 4;
  }
  throw Error(ErrorCode::kInvalidArgument, "dtype_size_bits: invalid DType value");
}

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32: return "float32";
    case DType::kFloat16: return "float16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kUInt8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kUInt16: return "uint16";
    case DType::kInt4: return "int4";
  }
  return "invalid";
}

DType dtype_from_name(const std::string& name) {
  for (DType d : {DType::kFloat32, DType::kFloat16, DType::kInt32, DType::kInt64, DType::kUInt8, DType::kInt8,
                  DType::kUInt16, DType::kInt4}) {
    if (name == dtype_name(d)) return d;
  }
  throw Error(ErrorCode::kUnsupported, "unknown dtype '" + name + "'");
}

int64_t num_elements(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error(ErrorCode::kInvalidArgument, "negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / 4 / d) {
      throw Error(ErrorCode::kInvalidArgument, "shape " + shape_to_string(shape) + " has too many elements");
    }
    n *= d;
  }
  return n;
}

size_t tensor_nbytes(const std::vector<int64_t>& shape, DType dtype) {
  // n <= INT64_MAX / 4 (num_elements), so n * 8 bytes fits a size_t; n * bits did not (2^59 float32 elements made
  // 0 bytes, and a constant of that shape with "nbytes": 0 passed Bundle::open's byte count check).
  const auto n = static_cast<size_t>(num_elements(shape));
  const size_t bits = dtype_size_bits(dtype);
  return bits % 8 == 0 ? n * (bits / 8) : (n * bits + 7) / 8;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace edgevl::qnn
