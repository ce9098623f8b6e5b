// The emulator's kernel table (internal): every op type maps to a kernel over an OpRun; the executable resolves each
// op once at prepare (float/index kernels directly, ops touching per-tensor-quantized tensors through the requantize
// wrapper in emulator.cpp). Adding a kernel = adding a table entry in emulator_kernels.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "edgevl/qnn/backend.h"
#include "edgevl/qnn/graph.h"
#include "kernels/packed_weight.h"
#include "thread_pool.h"

namespace edgevl::qnn {

/// What a kernel sees during one run: the op, the tensors' current buffers (ptr[id]), the pool and the float mode.
struct OpRun {
  const Graph* graph = nullptr;
  const Op* op = nullptr;
  uint8_t* const* ptr = nullptr;
  ThreadPool* pool = nullptr;
  FloatMode mode = FloatMode::kFp32;
  std::vector<float>* scratch = nullptr;  ///< per-executable scratch (im2col)
  const kernels::PackedWeight* packed = nullptr;  ///< the op's GEMM weight prepared for the GEMV kernels, if any

  const Tensor& T(TensorId id) const { return graph->tensors()[static_cast<size_t>(id)]; }
  float* f(TensorId id) const { return reinterpret_cast<float*>(ptr[static_cast<size_t>(id)]); }
  uint8_t* raw(TensorId id) const { return ptr[static_cast<size_t>(id)]; }
};

using Kernel = std::function<void(const OpRun&)>;

/// Bytes of one stored element of `t` (a code, when quantized): what data movement and code conversions step by.
inline size_t code_bytes(const Tensor& t) { return dtype_size_bits(t.dtype) / 8; }

/// Runs fn(begin, end) over contiguous ranges covering [0, n), split across `pool` (null: serial) when n is large
/// enough to pay for it (≥ 2^16 elements), serially otherwise. For elementwise work, whose results do not depend on
/// the split (unary and binary ops, the requantize wrapper's conversions, FP16-mode rounding).
void parallel_ranges(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn);

struct KernelEntry {
  Kernel fn;
  /// Reads and writes quantized codes itself (data movement: same encoding in/out; Quantize/Dequantize), so it runs
  /// without the requantize wrapper.
  bool on_codes = false;
  /// Input slots the kernel reads raw even when quantized: GEMM weights (w8/LPBQ) and Gather tables.
  std::vector<size_t> weight_slots;
  bool is_weight_slot(size_t slot) const;
};

/// The table entry of `op_type`, or nullptr when the emulator has none.
const KernelEntry* find_kernel(const std::string& op_type);

/// The GEMM weight of `op` (1×1 Conv2d, FullyConnected, MatMul over a constant B) prepared for the SIMD GEMV kernels
/// used when few rows are multiplied (decode), or nullptr when the op has none or the kernels have no path for it.
std::unique_ptr<kernels::PackedWeight> pack_gemm_weight(const Graph& g, const Op& op, FloatMode mode);

/// Whether `op` reads input `slot`, a per-tensor-quantized tensor, as its codes instead of the requantize wrapper's
/// float view: B of a MatMul over few rows, read in place by the GEMV kernels (the uint8 KV cache in decode attention:
/// no float copy of the cache per step).
bool reads_codes(const Graph& g, const Op& op, size_t slot);

/// Slots of `op` whose constant may be read raw by the kernel (float16, not-yet-rounded float32, int8/int4 weights).
bool is_weight_slot(const Op& op, size_t slot);

}  // namespace edgevl::qnn
