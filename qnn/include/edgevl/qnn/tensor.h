// Tensors of the graph IR: static shape, dtype, optional quantization encoding, and either constant bytes or a role
// (graph input, graph output, intermediate activation).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgevl/qnn/dtype.h"

namespace edgevl::qnn {

/// Quantization encoding of a tensor, field for field QNN's Qnn_QuantizeParams_t (QnnTypes.h), with QNN's sign
/// convention real = scale * (q + offset). fp32/fp16 tensors leave kind = kNone. docs/quantization.md has the rules.
///  - kScaleOffset (QNN_QUANTIZATION_ENCODING_SCALE_OFFSET): one scale/offset for the tensor (scales/offsets have
///    1 entry). Activations: uint16 asymmetric (offset <= 0); KV cache: uint8 symmetric, offset -128 (zero point 128).
///  - kAxisScaleOffset (QNN_QUANTIZATION_ENCODING_AXIS_SCALE_OFFSET): per channel along `axis` (scales/offsets have
///    shape[axis] entries). w8 weights: int8 symmetric, offsets 0.
///  - kBlockwiseExpansion (QNN_QUANTIZATION_ENCODING_BLOCKWISE_EXPANSION, LPBQ): per-channel float scales along `axis`
///    (QNN scaleOffsets, offsets 0) and, for every block of `block_size` elements along `block_axis` (the input-channel
///    axis; QNN implies it), an unsigned integer multiplier in `block_scales` [channels, num_blocks] row-major (QNN
///    blocksScale8, blockScaleStorageType 8-bit, blockScaleBitwidth `block_scale_bitwidth` = 4, multipliers 1..16):
///    real = (scales[c] * block_scales[c, b]) * q. numBlocksPerAxis = shape[block_axis] / block_size.
struct QuantEncoding {
  enum class Kind { kNone, kScaleOffset, kAxisScaleOffset, kBlockwiseExpansion };
  Kind kind = Kind::kNone;
  int axis = -1;
  int bitwidth = 0;
  std::vector<float> scales;
  std::vector<int32_t> offsets;
  int block_size = 0;
  int block_axis = -1;
  int block_scale_bitwidth = 0;
  std::vector<uint8_t> block_scales;

  bool quantized() const { return kind != Kind::kNone; }
  bool operator==(const QuantEncoding& o) const {
    return kind == o.kind && axis == o.axis && bitwidth == o.bitwidth && scales == o.scales &&
           offsets == o.offsets && block_size == o.block_size && block_axis == o.block_axis &&
           block_scale_bitwidth == o.block_scale_bitwidth && block_scales == o.block_scales;
  }
  bool operator!=(const QuantEncoding& o) const { return !(*this == o); }
};

/// Constant bytes: owned (a std::vector kept alive by `owner`) or a view into a mapped bundle (owner = the mapping).
/// Copying a ConstData shares the bytes; they are immutable.
struct ConstData {
  std::shared_ptr<const void> owner;
  const uint8_t* data = nullptr;
  size_t nbytes = 0;

  /// Copies n bytes from p into a new owned buffer.
  static ConstData copy_of(const void* p, size_t n);
  /// Owned float32 data (moved in, no copy).
  static ConstData from_floats(std::vector<float> values);
  /// Owned raw bytes (moved in, no copy).
  static ConstData from_bytes(std::vector<uint8_t> bytes);
  /// A view of bytes kept alive by `owner` (no copy). Used by the bundle reader.
  static ConstData view(std::shared_ptr<const void> owner, const uint8_t* data, size_t nbytes);
};

/// Role of a tensor in its graph.
enum class TensorKind { kInput, kOutput, kConstant, kActivation };
const char* tensor_kind_name(TensorKind kind);  ///< "input", "output", "constant", "activation"

struct Tensor {
  std::string name;             ///< unique within the graph
  std::vector<int64_t> shape;   ///< static; [] is a scalar
  DType dtype = DType::kFloat32;
  TensorKind kind = TensorKind::kActivation;
  QuantEncoding quant;          ///< kind kNone for float tensors
  ConstData data;               ///< only for kConstant: tensor_nbytes(shape, dtype) bytes

  int64_t num_elements() const;
  size_t nbytes() const;
};

/// Index of a tensor in Graph::tensors().
using TensorId = int32_t;
constexpr TensorId kNoTensor = -1;

}  // namespace edgevl::qnn
