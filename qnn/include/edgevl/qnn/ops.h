// Op type names of the graph IR, after QNN's op set (QnnOpDef). Semantics, shapes and params of every op are in
// docs/graph-ir.md; the GraphBuilder methods (graph_builder.h) document them too. Broadcasting is numpy's.
#pragma once

namespace edgevl::qnn::op {

// Linear algebra
constexpr const char* kFullyConnected = "FullyConnected";  // x[..., In], W[Out, In], (b[Out]) → [..., Out]
constexpr const char* kConv2d = "Conv2d";                  // x NHWC, W HWIO [kh,kw,Cin,Cout], (b[Cout]); stride, pad_amount
constexpr const char* kMatMul = "MatMul";                  // batched, broadcast batch dims; transpose_in0, transpose_in1
// Binary element-wise (numpy broadcasting)
constexpr const char* kAdd = "ElementWiseAdd";
constexpr const char* kSubtract = "ElementWiseSubtract";
constexpr const char* kMultiply = "ElementWiseMultiply";
constexpr const char* kDivide = "ElementWiseDivide";
constexpr const char* kMaximum = "ElementWiseMaximum";
constexpr const char* kMinimum = "ElementWiseMinimum";
// Unary element-wise
constexpr const char* kNeg = "ElementWiseNeg";
constexpr const char* kExp = "ElementWiseExp";
constexpr const char* kSqrt = "ElementWiseSqrt";
constexpr const char* kRsqrt = "ElementWiseRsqrt";
constexpr const char* kSin = "ElementWiseSin";
constexpr const char* kCos = "ElementWiseCos";
constexpr const char* kAbs = "ElementWiseAbs";
constexpr const char* kTanh = "Tanh";
constexpr const char* kSigmoid = "Sigmoid";
constexpr const char* kRelu = "Relu";
constexpr const char* kGelu = "Gelu";                      // exact erf form 0.5·x·(1+erf(x/√2))
// Normalization / activation over an axis
constexpr const char* kSoftmax = "Softmax";                // param axis; -inf entries give 0, an all -inf row gives 0s
constexpr const char* kRmsNorm = "RmsNorm";                // last axis: γ·x·rsqrt(mean(x²)+ε); param epsilon
constexpr const char* kLayerNorm = "LayerNorm";            // last axis, biased variance: γ·(x-μ)/√(σ²+ε)+β; epsilon
// Reductions
constexpr const char* kReduceSum = "ReduceSum";            // params axes, keep_dims
constexpr const char* kReduceMean = "ReduceMean";
constexpr const char* kReduceMax = "ReduceMax";
constexpr const char* kArgmax = "Argmax";                  // param axis, keep_dims → int32
// Data movement
constexpr const char* kTranspose = "Transpose";            // param perm: out.shape[i] = in.shape[perm[i]]
constexpr const char* kReshape = "Reshape";                // output tensor's shape; same element count
constexpr const char* kConcat = "Concat";                  // param axis
constexpr const char* kGather = "Gather";                  // table, indices(int32/int64); param axis
constexpr const char* kStridedSlice = "StridedSlice";      // params begin, end, strides (one per dim, strides > 0)
constexpr const char* kCast = "Cast";
// Quantization boundaries (QNN "Quantize" / "Dequantize"): float32 → the output's per-tensor encoding (round half to
// even, saturate), and quantized codes → float32 real values. docs/quantization.md.
constexpr const char* kQuantize = "Quantize";
constexpr const char* kDequantize = "Dequantize";                      // float32 ↔ int32 (toward zero); output dtype is the target

}  // namespace edgevl::qnn::op
