// A graph prepared by a back end (backend.h) for execution: the run interface shared by every back end.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "edgevl/qnn/graph.h"

namespace edgevl::qnn {

/// Caller-owned input data: dense, row-major, `shape` and `dtype` must equal the graph input's (a quantized input is
/// bound as its integer codes, e.g. a uint8 KV cache).
struct ConstTensorView {
  const void* data = nullptr;
  std::vector<int64_t> shape;
  DType dtype = DType::kFloat32;
};
/// Caller-owned output buffer (named MutableTensorView: safetensors.h already owns the name TensorView): dense,
/// row-major, `shape` and `dtype` must equal the graph output's.
struct MutableTensorView {
  void* data = nullptr;
  std::vector<int64_t> shape;
  DType dtype = DType::kFloat32;
};

/// Observation hook: called for every float32 (not quantized) graph input after binding and after every op whose
/// output is float32 or per-tensor quantized, with the tensor and its real values (`count` floats, valid only during
/// the call; a quantized output is passed dequantized, real = scale·(q + offset)). Used to record activation ranges
/// (calibration.h) and to compare a quantized graph with its float original tensor by tensor (accuracy report).
using TensorObserver = std::function<void(const Tensor& tensor, const float* values, size_t count)>;

/// A graph prepared for one back end. run() is thread-compatible: one run at a time per Executable (distinct
/// Executables may run concurrently). It keeps its own copy of the Graph; constants are shared, not copied (their
/// owner, e.g. the bundle's mapping, stays alive as long as the Executable).
class Executable {
 public:
  virtual ~Executable() = default;

  /// Runs the graph. Every graph input must be bound (by graph tensor name) exactly once; outputs may be a subset of
  /// the graph outputs (unbound ones are computed and dropped). Inputs are read in place, outputs are written straight
  /// into the caller's buffers.
  /// Throws kNotFound (a name that is not a graph input/output, a missing input), kShapeMismatch (wrong shape or dtype:
  /// the message names the tensor and both shapes/dtypes), kInvalidArgument (null data, duplicate binding, Gather
  /// index out of range).
  virtual void run(const std::vector<std::pair<std::string, ConstTensorView>>& inputs,
                   const std::vector<std::pair<std::string, MutableTensorView>>& outputs) = 0;

  virtual const Graph& graph() const = 0;
  /// Bytes of the back end's activation memory (after buffer reuse planning).
  virtual size_t arena_bytes() const = 0;
  /// Installs (or, with an empty function, removes) a calibration observer. Throws kUnsupported on back ends that
  /// cannot observe intermediate tensors.
  virtual void set_observer(TensorObserver observer) = 0;
};

}  // namespace edgevl::qnn
