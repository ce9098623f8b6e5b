// The quantization pass (model-agnostic): turns a float graph into a quantized one from a QuantPlan — which constants
// become int8 / int4 weights (w8, LPBQ), which activations become uint16 / uint8 codes with which encoding. A recipe
// (models/, per model family) makes the plan; calibration (calibration.h) gives the activation encodings.
// docs/quantization.md states the rules.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "edgevl/qnn/graph.h"
#include "edgevl/qnn/quant.h"

namespace edgevl::qnn {

/// How one float constant is quantized.
struct WeightQuantSpec {
  enum class Kind { kInt8PerChannel, kLpbq };
  Kind kind = Kind::kInt8PerChannel;
  int channel_axis = 0;   ///< per-channel axis (HWIO Conv2d weight: 3 = Out; embedding table [vocab, hidden]: 0)
  int block_axis = -1;    ///< LPBQ: the input-channel axis (HWIO: 2)
  int block_size = 0;     ///< LPBQ: 16, 32 or 64
  RangeMethod method = RangeMethod::kMinMax;
};

/// Everything the pass changes, by tensor name.
struct QuantPlan {
  /// Float constants to quantize (float32 or float16 source bytes) → how.
  std::map<std::string, WeightQuantSpec> weights;
  /// Float activations, graph inputs and graph outputs → their per-tensor encoding (kScaleOffset, bitwidth 8 or 16;
  /// the dtype becomes uint8 / uint16). Tensors not named stay float.
  std::map<std::string, QuantEncoding> activations;
  /// Graph inputs / outputs named in `activations` that the host binds as codes (e.g. the KV cache). Every other
  /// quantized graph input gets a Quantize op after it and every quantized graph output a Dequantize op before it, so
  /// the graph's calling convention stays float32.
  std::set<std::string> quantized_io;
};

/// A weight after quantization: its codes' dtype, encoding and bytes, and the shape it was quantized at.
struct QuantizedConstant {
  DType dtype = DType::kInt8;
  QuantEncoding encoding;
  ConstData data;
  std::vector<int64_t> shape;  ///< a same-name weight of another shape is an error, not a reuse (even as many elements)
};
/// Remembers quantized weights by tensor name so that graphs sharing a weight (prefill and decode) share its bytes.
struct QuantizedWeightCache {
  std::map<std::string, QuantizedConstant> entries;
};

/// What quantize_graph() did.
struct QuantizeStats {
  int weights = 0;         ///< constants quantized
  int activations = 0;     ///< tensors given codes
  int boundary_ops = 0;    ///< Quantize/Dequantize ops inserted
};

/// Applies `plan` to `g`. A weight already quantized in `cache` (same name, same source shape) reuses its bytes; the
/// same name with another shape is kInvalidArgument.
/// An input of `quantized_io` keeps its name with the codes' dtype; another quantized input X stays float32 and a new
/// activation "X.q" (Quantize) replaces it in every op; a quantized output Y stays float32, produced by a Dequantize of
/// a new "Y.q". The result passes verify() when the plan gives data-movement ops (Reshape, Transpose, Concat,
/// StridedSlice) one encoding for their inputs and output (encoding_groups() in calibration.h).
/// Throws kInvalidArgument naming the tensor: a planned weight that is not a float constant, an activation encoding
/// that is not per-tensor 8/16-bit, a name in the plan that the graph lacks is ignored (plans span several graphs).
QuantizeStats quantize_graph(Graph& g, const QuantPlan& plan, QuantizedWeightCache* cache = nullptr);

/// A 1×1 Conv2d weight (HWIO [1, 1, In, Out]) of a graph, with its input/output channel counts.
struct LinearWeight {
  std::string name;
  int64_t in_channels = 0, out_channels = 0;
};
/// The constants used as weights of 1×1 Conv2d ops (lower_linear_to_conv2d's output), each once, in op order.
std::vector<LinearWeight> linear_weights(const Graph& g);

/// Names of every float activation, graph input and graph output of `g` (the tensors a16 calibration must cover).
std::vector<std::string> float_value_tensors(const Graph& g);

}  // namespace edgevl::qnn
