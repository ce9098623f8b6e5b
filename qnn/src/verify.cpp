#include "edgevl/qnn/verify.h"

#include <string_view>
#include <unordered_set>

#include "edgevl/error.h"
#include "edgevl/qnn/quant.h"
#include "shape_util.h"

namespace edgevl::qnn {

namespace {
[[noreturn]] void fail(const Graph& g, ErrorCode code, const std::string& what) {
  throw Error(code, "graph '" + g.name() + "': " + what);
}
}  // namespace

void verify(const Graph& g) {
  if (g.verified_.passed) return;  // checked already, not changed since (graph.h)
  const auto& ts = g.tensors();
  const size_t n = ts.size();
  std::unordered_set<std::string_view> names;  // views of the graph's own strings
  names.reserve(n);
  for (const Tensor& t : ts) {
    if (t.name.empty()) fail(g, ErrorCode::kInvalidArgument, "a tensor has an empty name");
    if (!names.insert(t.name).second) fail(g, ErrorCode::kInvalidArgument, "duplicate tensor name '" + t.name + "'");
    for (int64_t d : t.shape) {
      if (d < 0) fail(g, ErrorCode::kShapeMismatch, "tensor '" + t.name + "' has a negative dimension");
    }
    try {
      validate_encoding(t);
    } catch (const Error& e) {
      fail(g, ErrorCode::kInvalidArgument, e.what());
    }
    if (t.kind == TensorKind::kConstant) {
      if (t.data.nbytes != t.nbytes() || (t.nbytes() > 0 && t.data.data == nullptr)) {
        fail(g, ErrorCode::kShapeMismatch, "constant '" + t.name + "' holds " + std::to_string(t.data.nbytes) + " bytes, " +
                                               dtype_name(t.dtype) + " " + shape_to_string(t.shape) + " needs " +
                                               std::to_string(t.nbytes()));
      }
    }
  }
  // Inputs / outputs lists agree with the kinds.
  std::vector<char> listed_in(n, 0), listed_out(n, 0);
  for (TensorId id : g.inputs()) {
    const Tensor& t = g.tensor(id);
    if (t.kind != TensorKind::kInput || listed_in[static_cast<size_t>(id)]++) {
      fail(g, ErrorCode::kInvalidArgument, "graph input list entry '" + t.name + "' is not a (unique) input tensor");
    }
  }
  for (TensorId id : g.outputs()) {
    const Tensor& t = g.tensor(id);
    if (t.kind != TensorKind::kOutput || listed_out[static_cast<size_t>(id)]++) {
      fail(g, ErrorCode::kInvalidArgument, "graph output list entry '" + t.name + "' is not a (unique) output tensor");
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (ts[i].kind == TensorKind::kInput && !listed_in[i]) {
      fail(g, ErrorCode::kInvalidArgument, "input tensor '" + ts[i].name + "' is not in the graph's input list");
    }
    if (ts[i].kind == TensorKind::kOutput && !listed_out[i]) {
      fail(g, ErrorCode::kInvalidArgument, "output tensor '" + ts[i].name + "' is not in the graph's output list");
    }
  }
  // Ops: topological order, single producer, inference.
  std::vector<char> available(n, 0), produced(n, 0), used(n, 0);
  for (size_t i = 0; i < n; ++i) {
    available[i] = ts[i].kind == TensorKind::kInput || ts[i].kind == TensorKind::kConstant;
  }
  std::unordered_set<std::string_view> op_names;
  op_names.reserve(g.ops().size());
  for (const Op& op : g.ops()) {
    if (op.name.empty()) fail(g, ErrorCode::kInvalidArgument, "an op of type " + op.type + " has an empty name");
    if (!op_names.insert(op.name).second) fail(g, ErrorCode::kInvalidArgument, "duplicate op name '" + op.name + "'");
    for (TensorId id : op.inputs) {
      if (id < 0 || static_cast<size_t>(id) >= n) {
        fail(g, ErrorCode::kInvalidArgument, "op '" + op.name + "' reads tensor id " + std::to_string(id) + " (out of range)");
      }
      if (!available[static_cast<size_t>(id)]) {
        fail(g, ErrorCode::kInvalidArgument, "op '" + op.name + "' reads '" + ts[static_cast<size_t>(id)].name +
                                                 "' before it is produced (dangling tensor or ops out of topological order)");
      }
      used[static_cast<size_t>(id)] = 1;
    }
    if (op.outputs.size() != 1) fail(g, ErrorCode::kInvalidArgument, "op '" + op.name + "' must have exactly one output");
    for (TensorId id : op.outputs) {
      if (id < 0 || static_cast<size_t>(id) >= n) {
        fail(g, ErrorCode::kInvalidArgument, "op '" + op.name + "' writes tensor id " + std::to_string(id) + " (out of range)");
      }
      const Tensor& t = ts[static_cast<size_t>(id)];
      if (t.kind == TensorKind::kInput || t.kind == TensorKind::kConstant) {
        fail(g, ErrorCode::kInvalidArgument, "op '" + op.name + "' writes " + tensor_kind_name(t.kind) + " '" + t.name + "'");
      }
      if (produced[static_cast<size_t>(id)]++) {
        fail(g, ErrorCode::kInvalidArgument, "tensor '" + t.name + "' is produced by more than one op");
      }
      available[static_cast<size_t>(id)] = 1;
    }
    InferredOutput io = infer_output(g, op);
    const Tensor& out = ts[static_cast<size_t>(op.outputs[0])];
    // A real-valued result (inferred float32) may be stored quantized: the output's encoding says how (uint8/uint16
    // per tensor). Quantize must produce codes; ops that move data keep their input's encoding.
    const bool quantized_real = io.dtype == DType::kFloat32 && out.quant.kind == QuantEncoding::Kind::kScaleOffset;
    const bool dtype_ok = io.dtype == out.dtype || quantized_real;
    if (op.type == op::kQuantize && !quantized_real)
      fail(g, ErrorCode::kShapeMismatch, "op '" + op.name + "' (Quantize) output '" + out.name + "' has no per-tensor encoding");
    if (is_data_movement_op(op.type)) {
      for (TensorId id : op.inputs)
        if (ts[static_cast<size_t>(id)].quant != out.quant)
          fail(g, ErrorCode::kShapeMismatch, "op '" + op.name + "' (" + op.type + ") moves '" +
                                                 ts[static_cast<size_t>(id)].name + "' into '" + out.name +
                                                 "' with another quant encoding (requantize first)");
    }
    if (io.shape != out.shape || !dtype_ok) {
      fail(g, ErrorCode::kShapeMismatch, "op '" + op.name + "' (" + op.type + ") output '" + out.name + "' is " +
                                             dtype_name(out.dtype) + " " + shape_to_string(out.shape) + " but its inputs give " +
                                             dtype_name(io.dtype) + " " + shape_to_string(io.shape));
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const Tensor& t = ts[i];
    if ((t.kind == TensorKind::kActivation || t.kind == TensorKind::kOutput) && !produced[i]) {
      fail(g, ErrorCode::kInvalidArgument, std::string(tensor_kind_name(t.kind)) + " '" + t.name +
                                               "' is dangling: no op produces it");
    }
    if (t.kind == TensorKind::kActivation && !used[i]) {
      fail(g, ErrorCode::kInvalidArgument, "activation '" + t.name + "' is dangling: nothing reads it and it is not a graph "
                                           "output (dead code; run eliminate_dead_code())");
    }
    if (t.kind == TensorKind::kInput && !used[i]) {
      fail(g, ErrorCode::kInvalidArgument, "graph input '" + t.name + "' is never used");
    }
  }
  if (g.outputs().empty()) fail(g, ErrorCode::kInvalidArgument, "graph has no outputs");
  g.verified_.passed = true;
}

}  // namespace edgevl::qnn
