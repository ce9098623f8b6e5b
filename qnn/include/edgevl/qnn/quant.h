// Quantization math of EdgeVL (model-agnostic): the encodings of QuantEncoding (tensor.h, QNN's Qnn_QuantizeParams_t)
// computed from weights or observed ranges, and quantize/dequantize of values. docs/quantization.md states every rule;
// tests/reference/quant_ref.py is the independent NumPy implementation the tests compare against.
//
// Sign convention (QNN): real = scale * (q + offset). Rounding: round half to even (std::nearbyint), then saturate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/qnn/graph.h"
#include "edgevl/qnn/tensor.h"

namespace edgevl::qnn {

/// How a weight block's (or channel's) range is chosen.
///  - kMinMax: absmax of the block.
///  - kMse: the clip ratio r in {1.00, 0.95, …, 0.50} whose scale r·absmax/qmax minimises the block's squared
///    quantization error (ties keep the larger r).
enum class RangeMethod { kMinMax, kMse };
const char* range_method_name(RangeMethod m);           ///< "minmax" / "mse"
RangeMethod range_method_from_name(const std::string& name);  ///< throws kInvalidArgument for another name

/// A weight after quantization: packed integer bytes (dtype kInt8, or kInt4 two per byte, low nibble first, two's
/// complement, in row-major element order) and its encoding.
struct QuantizedWeight {
  DType dtype = DType::kInt8;
  QuantEncoding encoding;
  std::vector<uint8_t> bytes;
};

/// w8: symmetric int8 per channel along `axis` of `shape` (QNN AXIS_SCALE_OFFSET, offsets 0): scale_c = absmax_c/127
/// (an all-zero channel gets scale 1), q = clamp(round(w/scale_c), -127, 127). w: float32 row-major.
/// Throws kInvalidArgument for a bad axis or an empty shape.
QuantizedWeight quantize_weight_int8(const float* w, const std::vector<int64_t>& shape, int axis,
                                     RangeMethod method = RangeMethod::kMinMax);

/// LPBQ (w4, QNN BLOCKWISE_EXPANSION): symmetric int4 per block of `block_size` elements along `block_axis`, per
/// channel along `channel_axis`. Block scale s_cb = absmax_cb/7 (kMinMax, or the kMse clip); channel scale
/// S_c = max_b s_cb / 16 (an all-zero channel: S_c = 1/16); multiplier m_cb = clamp(round(s_cb / S_c), 1, 16);
/// q = clamp(round(w / (S_c·m_cb)), -8, 7) with the expanded scale S_c·m_cb computed in float32.
/// block_size must be 16, 32 or 64 and divide shape[block_axis]; otherwise kInvalidArgument naming both.
QuantizedWeight quantize_weight_lpbq(const float* w, const std::vector<int64_t>& shape, int channel_axis, int block_axis,
                                     int block_size, RangeMethod method = RangeMethod::kMinMax);

/// True when LPBQ blocks of `block_size` fit `in_channels` (block size 16/32/64 dividing it).
bool lpbq_block_fits(int64_t in_channels, int block_size);
/// Throws kInvalidArgument unless block_size is 16, 32 or 64 (`what` names the option in the message).
void check_lpbq_block_size(int block_size, const std::string& what);

/// a16 (and any unsigned per-tensor asymmetric encoding): the range [min, max] widened to include 0;
/// scale = (max - min) / (2^bits - 1) (a zero-width range gets scale 2^-20), offset = round(min / scale) clamped to
/// [-(2^bits - 1), 0]. Throws kInvalidArgument for non-finite bounds or bits outside 2..16.
QuantEncoding activation_encoding(float min, float max, int bits = 16);

/// KV cache: uint8 symmetric with zero point 128 (QNN offset -128): scale = absmax/127 (0 → 1), q = clamp(round(x /
/// scale) + 128, 0, 255). Throws kInvalidArgument for a non-finite absmax.
QuantEncoding symmetric_uint8_encoding(float absmax);

/// Per-tensor (kScaleOffset) quantize of float32 values into `dtype` (kUInt8 or kUInt16) codes:
/// q = clamp(round(x / scale) - offset, 0, 2^bits - 1); NaN → the code of 0.
void quantize_values(const float* x, size_t n, const QuantEncoding& enc, DType dtype, void* out);
/// Per-tensor dequantize: real = scale * float(q + offset).
void dequantize_values(const void* q, size_t n, const QuantEncoding& enc, DType dtype, float* out);

/// Dequantizes elements [begin, begin + count) (row-major flat indices) of a quantized weight tensor (kInt8 or kInt4,
/// kAxisScaleOffset or kBlockwiseExpansion) of `shape` into float32: real = scale_c·q (w8) or (S_c·m_cb)·q (LPBQ).
void dequantize_weight_range(const uint8_t* data, DType dtype, const QuantEncoding& enc,
                             const std::vector<int64_t>& shape, int64_t begin, int64_t count, float* out);

/// Checks that `t`'s encoding is consistent with its dtype and shape (kinds, bitwidth = dtype bits, scale/offset/block
/// counts, block sizes dividing the axis, multipliers in 1..2^block_scale_bitwidth, finite positive scales).
/// Throws kCorruptFile naming the tensor and what is wrong.
void validate_encoding(const Tensor& t);

/// Name of the companion constant that holds encoding array `field` ("scales", "offsets", "block_scales") of tensor
/// `tensor` in a bundle: "<tensor>.q.<field>". The manifest then references it instead of listing the values.
std::string encoding_array_tensor(const std::string& tensor, const std::string& field);

/// Before writing a bundle: for every per-channel encoding whose arrays have at least `min_entries` entries, adds 1-D
/// constants (float32 scales, int32 offsets, uint8 block_scales) named by encoding_array_tensor(), so the manifest stays
/// small (a 2B LPBQ model has ~48 M block multipliers). Constants shared by several graphs stay identical.
void attach_encoding_arrays(Graph& g, size_t min_entries = 64);

/// Signal-to-quantization-noise ratio in dB of `test` against `ref`: 10·log10(Σref² / Σ(ref-test)²); +inf when equal.
double sqnr_db(const float* ref, const float* test, size_t n);

}  // namespace edgevl::qnn
