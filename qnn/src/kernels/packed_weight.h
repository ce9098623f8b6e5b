// A GEMM weight prepared once for the SIMD GEMV kernels (internal): where its codes are (the constant's bytes — the
// bundle's mapping — never copied or dequantized), its layout, and only its small per-channel data repacked.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "edgevl/qnn/tensor.h"

namespace edgevl::qnn::kernels {

enum class WeightFormat {
  kF32,         ///< float32
  kF32Round16,  ///< float32 read rounded to float16 (FloatMode::kFp16 over a float32 constant)
  kF16,         ///< IEEE binary16
  kInt8,        ///< w8: symmetric int8, one scale per output channel n (QNN AXIS_SCALE_OFFSET, offsets 0)
  kInt4Lpbq,    ///< w4 LPBQ (QNN BLOCKWISE_EXPANSION): int4 two per byte (low nibble first), blocks along k
  kUInt8Codes,   ///< a per-tensor-quantized activation (QNN SCALE_OFFSET), uint8: value = scale·float(q + offset)
  kUInt16Codes,  ///< the same, uint16 (the KV cache and a16 activations read in place)
};

/// Logical weight B [K, N] (N output channels). Layout kn: B(k, n) is element k·ld + n (HWIO [1, 1, K, N] of a 1×1
/// Conv2d, a MatMul B); layout nk: element n·ld + k (FullyConnected [N, K], MatMul transpose_in1, the tied LM head).
struct PackedWeight {
  WeightFormat format = WeightFormat::kF32;
  bool nk = false;
  const uint8_t* data = nullptr;  ///< the constant's first byte
  int64_t K = 0, N = 0, ld = 0;   ///< ld in elements
  std::vector<float> scale;       ///< kInt8: scale per channel [N]
  // kInt4Lpbq (kn only): channels split into even and odd columns, as the kernel's vector lanes see them.
  int block_size = 0;
  std::vector<float> scale_even, scale_odd;  ///< S_n of columns 2j / 2j+1: [N/2] each
  std::vector<uint8_t> mult_even, mult_odd;  ///< block multipliers m(n, b) repacked [K/block_size][N/2]
  float code_scale = 1.0f;                    ///< kUInt8Codes / kUInt16Codes
  int32_t code_offset = 0;
};

/// Bytes of one stored element (kInt4Lpbq: 1, two elements share a byte).
constexpr int64_t element_bytes(WeightFormat f) {
  return f == WeightFormat::kF32 || f == WeightFormat::kF32Round16          ? 4
         : f == WeightFormat::kF16 || f == WeightFormat::kUInt16Codes ? 2
                                                                          : 1;
}

/// Prepares `t` (a constant) as the B [K, N] of a GEMM in layout nk (`trans`) or kn with leading dimension ld, or
/// returns nullptr when the kernels have no path for it (another dtype or encoding, an int4 weight with odd ld, an
/// encoding whose channel axis is not n or whose block axis is not k); such weights keep the generic GEMM path.
std::unique_ptr<PackedWeight> pack_weight(const Tensor& t, int64_t K, int64_t N, int64_t ld, bool trans, bool round16);

/// A per-tensor-quantized (kScaleOffset uint8/uint16) tensor's codes at `data` viewed as B [K, N] (layout as above),
/// for activations read in place at run time (the KV cache in attention); nullopt for other tensors.
std::optional<PackedWeight> codes_view(const Tensor& t, const uint8_t* data, int64_t K, int64_t N, int64_t ld,
                                         bool trans);

}  // namespace edgevl::qnn::kernels
