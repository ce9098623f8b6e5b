// GraphBuilder: builds a Graph op by op with shape inference. Every method adds one op (named after QNN's op set) and
// returns the id of its output tensor; bad shapes or dtypes throw edgevl::Error kShapeMismatch naming the op and the
// shapes, bad arguments kInvalidArgument. Activations of fp32/fp16 graphs are float32; constants may be float32 or
// float16 (the emulator converts per op). `name` (optional) names the op and its output tensor; empty → "<Type>_<n>".
#pragma once

#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "edgevl/qnn/graph.h"

namespace edgevl::qnn {

class GraphBuilder {
 public:
  explicit GraphBuilder(std::string graph_name);

  // ---- tensors ----
  /// A graph input (bound at run time by name). Inputs are ordered as declared.
  TensorId input(const std::string& name, std::vector<int64_t> shape, DType dtype = DType::kFloat32);
  /// A constant; data.nbytes must equal tensor_nbytes(shape, dtype) (else kShapeMismatch).
  TensorId constant(const std::string& name, std::vector<int64_t> shape, DType dtype, ConstData data,
                    QuantEncoding quant = {});
  /// Marks an op output as a graph output and renames it to `name` (outputs are ordered as declared). A graph input or
  /// constant cannot be an output (kInvalidArgument).
  void output(TensorId t, const std::string& name);

  const Tensor& tensor(TensorId t) const { return graph_.tensor(t); }
  const std::vector<int64_t>& shape(TensorId t) const { return graph_.tensor(t).shape; }
  DType dtype(TensorId t) const { return graph_.tensor(t).dtype; }

  // ---- linear algebra ----
  /// "FullyConnected": x [..., In] · W[Out, In]ᵀ (+ b[Out]) → [..., Out]. lower_linear_to_conv2d() rewrites it to
  /// Reshape → Conv2d 1×1 (HWIO [1,1,In,Out]) → Reshape.
  TensorId fully_connected(TensorId x, TensorId weight, std::optional<TensorId> bias, const std::string& name = "");
  /// "Conv2d": x [N,H,W,Cin] (NHWC), w [kh,kw,Cin,Cout] (HWIO), b [Cout] → [N,Ho,Wo,Cout] with
  /// Ho = (H + pad_top + pad_bottom − kh)/stride_h + 1 (floor). stride = {sh, sw}; pad = {top, bottom, left, right}.
  TensorId conv2d(TensorId x_nhwc, TensorId w_hwio, std::optional<TensorId> bias, std::vector<int64_t> stride = {1, 1},
                  std::vector<int64_t> pad = {0, 0, 0, 0}, const std::string& name = "");
  /// "MatMul": a [..., M, K] (or [..., K, M] if transpose_a), b [..., K, N] (or [..., N, K] if transpose_b) → [..., M, N];
  /// rank ≥ 2, batch dims broadcast (numpy), e.g. q [1,2,6,T,128] × k [1,2,1,S,128]ᵀ → [1,2,6,T,S] (GQA without copies).
  TensorId matmul(TensorId a, TensorId b, bool transpose_a = false, bool transpose_b = false, const std::string& name = "");

  // ---- element-wise, numpy broadcasting; float32 (Add/Sub/Mul/Max/Min also int32) ----
  TensorId add(TensorId a, TensorId b, const std::string& name = "");  ///< "ElementWiseAdd"
  TensorId sub(TensorId a, TensorId b, const std::string& name = "");  ///< "ElementWiseSubtract"
  TensorId mul(TensorId a, TensorId b, const std::string& name = "");  ///< "ElementWiseMultiply"
  TensorId div(TensorId a, TensorId b, const std::string& name = "");  ///< "ElementWiseDivide"
  TensorId maximum(TensorId a, TensorId b, const std::string& name = "");  ///< "ElementWiseMaximum"
  TensorId minimum(TensorId a, TensorId b, const std::string& name = "");  ///< "ElementWiseMinimum"
  TensorId neg(TensorId x, const std::string& name = "");      ///< "ElementWiseNeg"
  TensorId exp(TensorId x, const std::string& name = "");      ///< "ElementWiseExp"
  TensorId sqrt(TensorId x, const std::string& name = "");     ///< "ElementWiseSqrt"
  TensorId rsqrt(TensorId x, const std::string& name = "");    ///< "ElementWiseRsqrt"
  TensorId sin(TensorId x, const std::string& name = "");      ///< "ElementWiseSin" (radians)
  TensorId cos(TensorId x, const std::string& name = "");      ///< "ElementWiseCos" (radians)
  TensorId abs(TensorId x, const std::string& name = "");      ///< "ElementWiseAbs"
  TensorId tanh(TensorId x, const std::string& name = "");     ///< "Tanh"
  TensorId sigmoid(TensorId x, const std::string& name = "");  ///< "Sigmoid": 1/(1+e^−x)
  TensorId relu(TensorId x, const std::string& name = "");     ///< "Relu": max(x, 0)
  TensorId gelu(TensorId x, const std::string& name = "");     ///< "Gelu": exact 0.5·x·(1+erf(x/√2))

  // ---- normalization ----
  /// "Softmax" along `axis` (negative counts from the end), max-subtracted; -inf entries get exactly 0; a slice that is
  /// entirely -inf yields all 0 (not NaN).
  TensorId softmax(TensorId x, int axis = -1, const std::string& name = "");
  /// "RmsNorm" over the last axis: γ · x · rsqrt(mean(x²) + eps), γ [C].
  TensorId rms_norm(TensorId x, TensorId gamma, float eps, const std::string& name = "");
  /// "LayerNorm" over the last axis, biased variance: γ · (x − mean) / sqrt(var + eps) + β; γ, β [C].
  TensorId layer_norm(TensorId x, TensorId gamma, TensorId beta, float eps, const std::string& name = "");

  // ---- reductions ----
  /// "ReduceSum" / "ReduceMean" / "ReduceMax" over `axes` (negative allowed); keep_dims keeps them as size 1.
  TensorId reduce_sum(TensorId x, std::vector<int64_t> axes, bool keep_dims, const std::string& name = "");
  TensorId reduce_mean(TensorId x, std::vector<int64_t> axes, bool keep_dims, const std::string& name = "");
  TensorId reduce_max(TensorId x, std::vector<int64_t> axes, bool keep_dims, const std::string& name = "");
  /// "Argmax" along `axis` → int32 indices (first maximum wins).
  TensorId argmax(TensorId x, int axis, bool keep_dims = false, const std::string& name = "");

  // ---- data movement ----
  /// "Transpose": out.shape[i] = x.shape[perm[i]].
  TensorId transpose(TensorId x, std::vector<int64_t> perm, const std::string& name = "");
  /// "Reshape" to `shape` (at most one −1, inferred); element count must match.
  TensorId reshape(TensorId x, std::vector<int64_t> shape, const std::string& name = "");
  /// "Concat" along `axis`; all other dims equal, same dtype.
  TensorId concat(std::vector<TensorId> xs, int axis, const std::string& name = "");
  /// "Gather": out = table.shape[:axis] + indices.shape + table.shape[axis+1:]; indices int32/int64 in
  /// [0, table.shape[axis]) (out of range → kInvalidArgument at run time). E.g. embeddings [V,D] with ids [T] → [T,D].
  TensorId gather(TensorId table, TensorId indices, int axis = 0, const std::string& name = "");
  /// "StridedSlice": per dim, elements begin, begin+stride, … < end. Negative begin/end count from the end, then clamp to
  /// [0, dim]; strides > 0. Empty results are rejected (kShapeMismatch).
  TensorId strided_slice(TensorId x, std::vector<int64_t> begin, std::vector<int64_t> end,
                         std::vector<int64_t> strides = {}, const std::string& name = "");
  /// "Cast" float32 ↔ int32/int64 (float → int truncates toward zero).
  TensorId cast(TensorId x, DType to, const std::string& name = "");

  /// Escape hatch for passes and tests: adds an op whose output shape/dtype the caller states (no inference).
  TensorId add_op(const std::string& type, std::vector<TensorId> inputs, std::vector<int64_t> out_shape, DType out_dtype,
                  std::map<std::string, Param> params = {}, const std::string& name = "");

  /// The finished graph; runs verify() (throws what it throws). The builder is left empty.
  Graph finish();

 private:
  TensorId emit(const std::string& type, std::vector<TensorId> inputs, std::vector<int64_t> out_shape, DType out_dtype,
                std::map<std::string, Param> params, const std::string& name);
  TensorId binary(const char* type, TensorId a, TensorId b, const std::string& name);
  TensorId unary(const char* type, TensorId x, const std::string& name);
  TensorId reduce(const char* type, TensorId x, std::vector<int64_t> axes, bool keep_dims, const std::string& name);
  std::string unique_name(const std::string& requested, const std::string& type);
  void check_id(TensorId t, const char* what) const;

  Graph graph_;
  std::unordered_set<std::string> names_;
  std::unordered_set<std::string> op_names_;
  int counter_ = 0;
};

}  // namespace edgevl::qnn
