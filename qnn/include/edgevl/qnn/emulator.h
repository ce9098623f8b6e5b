// The HTP emulator back end: executes any graph of the IR on the CPU.
//  - Precision::kFp32: float32 everywhere (the reference).
//  - Precision::kFp16: like the HTP's FP16 mode — constant weights and graph float inputs are rounded to float16, every
//    op computes in float32 and its float output is rounded to float16 at the tensor boundary (values are kept in float32
//    buffers holding float16-representable numbers; int tensors are untouched).
// Float16 constants (bundles stored in fp16) are converted per op on the fly, block by block, so no float copy of the
// weights is kept. Matrix products (Conv2d 1×1 = GEMM over HWIO weights, FullyConnected, MatMul) use Eigen, split across
// a small thread pool. Activations live in one planned arena: an intermediate buffer is reused after its last use.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "edgevl/qnn/graph.h"

namespace edgevl::qnn {

enum class Precision { kFp32, kFp16 };
const char* precision_name(Precision p);  ///< "fp32", "fp16"

/// Caller-owned input data: dense, row-major, `shape` and `dtype` must equal the graph input's.
struct ConstTensorView {
  const void* data = nullptr;
  std::vector<int64_t> shape;
  DType dtype = DType::kFloat32;
};
/// Caller-owned output buffer (named MutableTensorView: safetensors.h already owns the name TensorView): dense, row-major, `shape` and `dtype` must equal the graph output's.
struct MutableTensorView {
  void* data = nullptr;
  std::vector<int64_t> shape;
  DType dtype = DType::kFloat32;
};

/// A graph prepared for the emulator. run() is thread-compatible: one run at a time per Executable (distinct
/// Executables may run concurrently). It keeps its own copy of the Graph; constants are shared, not copied (their owner,
/// e.g. the bundle's mapping, stays alive as long as the Executable).
class Executable {
 public:
  virtual ~Executable() = default;

  /// Runs the graph. Every graph input must be bound (by graph tensor name) exactly once; outputs may be a subset of the
  /// graph outputs (unbound ones are computed and dropped). Inputs are read in place (zero-copy; in fp16 mode float
  /// inputs are rounded into the arena), outputs are written straight into the caller's buffers.
  /// Throws kNotFound (a name that is not a graph input/output, a missing input), kShapeMismatch (wrong shape or dtype:
  /// the message names the tensor and both shapes/dtypes), kInvalidArgument (null data, duplicate binding, Gather index
  /// out of range).
  virtual void run(const std::vector<std::pair<std::string, ConstTensorView>>& inputs,
                   const std::vector<std::pair<std::string, MutableTensorView>>& outputs) = 0;

  virtual const Graph& graph() const = 0;
  virtual Precision precision() const = 0;
  /// Bytes of the activation arena (after buffer reuse planning).
  virtual size_t arena_bytes() const = 0;
};

/// Prepares `graph` (verified first) for the emulator. num_threads ≤ 0 → std::thread::hardware_concurrency().
/// Throws kUnsupported for an op type or dtype the emulator does not execute (e.g. quantized tensors for now),
/// plus whatever verify() throws.
std::unique_ptr<Executable> prepare_emulator(const Graph& graph, Precision precision, int num_threads = 0);

}  // namespace edgevl::qnn
