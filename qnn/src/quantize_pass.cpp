#include "edgevl/qnn/quantize_pass.h"

#include <cstring>

#include "edgevl/error.h"
#include "edgevl/qnn/half.h"

namespace edgevl::qnn {
namespace {

std::vector<float> constant_as_floats(const Tensor& t) {
  const size_t n = static_cast<size_t>(t.num_elements());
  std::vector<float> v(n);
  if (t.dtype == DType::kFloat32) std::memcpy(v.data(), t.data.data, n * sizeof(float));
  else half_to_float_n(reinterpret_cast<const uint16_t*>(t.data.data), v.data(), n);
  return v;
}

void check_float_constant(const Tensor& t) {
  if (t.kind != TensorKind::kConstant || (t.dtype != DType::kFloat32 && t.dtype != DType::kFloat16) ||
      t.quant.quantized())
    throw Error(ErrorCode::kInvalidArgument,
                "quantize: planned weight '" + t.name + "' is not a float32/float16 constant");
}

QuantizedWeight quantize_constant(const Tensor& t, const WeightQuantSpec& s) {
  const std::vector<float> w = constant_as_floats(t);
  if (s.kind == WeightQuantSpec::Kind::kLpbq)
    return quantize_weight_lpbq(w.data(), t.shape, s.channel_axis, s.block_axis, s.block_size, s.method);
  return quantize_weight_int8(w.data(), t.shape, s.channel_axis, s.method);
}

DType code_dtype(const std::string& name, const QuantEncoding& e) {
  if (e.kind != QuantEncoding::Kind::kScaleOffset || e.scales.size() != 1 || e.offsets.size() != 1)
    throw Error(ErrorCode::kInvalidArgument, "quantize: activation '" + name + "' needs a per-tensor encoding");
  if (e.bitwidth == 16) return DType::kUInt16;
  if (e.bitwidth == 8) return DType::kUInt8;
  throw Error(ErrorCode::kInvalidArgument,
              "quantize: activation '" + name + "' has bitwidth " + std::to_string(e.bitwidth) + " (8 or 16 only)");
}

void replace_uses(Graph& g, TensorId from, TensorId to, size_t first_op) {
  auto& ops = g.mutable_ops();
  for (size_t i = first_op; i < ops.size(); ++i)
    for (TensorId& id : ops[i].inputs)
      if (id == from) id = to;
}

Op boundary_op(const char* type, std::string name, TensorId in, TensorId out) {
  Op op;
  op.type = type;
  op.name = std::move(name);
  op.inputs = {in};
  op.outputs = {out};
  return op;
}

}  // namespace

QuantizeStats quantize_graph(Graph& g, const QuantPlan& plan, QuantizedWeightCache* cache) {
  QuantizeStats st;
  // Weights.
  for (const auto& [name, spec] : plan.weights) {
    const TensorId id = g.find(name);
    if (id == kNoTensor) continue;
    Tensor& t = g.mutable_tensor(id);
    check_float_constant(t);  // a cached entry of the same name does not make another kind of tensor a weight
    QuantizedConstant local;
    const QuantizedConstant* qc = nullptr;
    if (cache) {
      auto f = cache->entries.find(name);
      if (f != cache->entries.end()) qc = &f->second;
    }
    if (!qc) {
      QuantizedWeight qw = quantize_constant(t, spec);
      local = {qw.dtype, std::move(qw.encoding), ConstData::from_bytes(std::move(qw.bytes)), t.shape};
      qc = cache ? &cache->entries.emplace(name, std::move(local)).first->second : &local;
    } else if (qc->shape != t.shape) {
      // Same name, another source shape (possibly as many elements): the cached codes and scales do not apply.
      throw Error(ErrorCode::kInvalidArgument, "quantize: weight '" + name + "' has shape " +
                                                   shape_to_string(t.shape) + ", the cached one " +
                                                   shape_to_string(qc->shape));
    }
    t.dtype = qc->dtype;
    t.quant = qc->encoding;
    t.data = qc->data;  // shared bytes: prefill and decode hold one copy
    ++st.weights;
  }
  // Activations, inputs, outputs.
  std::vector<Op> front;  // Quantize ops for float inputs, placed before every other op
  for (TensorId id = 0; id < static_cast<TensorId>(g.tensors().size()); ++id) {
    const Tensor t0 = g.tensor(id);
    if (t0.kind == TensorKind::kConstant || t0.quant.quantized() || !is_float(t0.dtype)) continue;
    auto it = plan.activations.find(t0.name);
    if (it == plan.activations.end()) continue;
    const DType dt = code_dtype(t0.name, it->second);
    const bool keep_codes = plan.quantized_io.count(t0.name) != 0;
    if (t0.kind == TensorKind::kActivation || keep_codes) {
      Tensor& t = g.mutable_tensor(id);
      t.dtype = dt;
      t.quant = it->second;
      ++st.activations;
      continue;
    }
    Tensor q;
    q.name = t0.name + ".q";
    q.shape = t0.shape;
    q.dtype = dt;
    q.kind = TensorKind::kActivation;
    q.quant = it->second;
    if (g.find(q.name) != kNoTensor)
      throw Error(ErrorCode::kInvalidArgument, "quantize: graph '" + g.name() + "' already has a tensor '" + q.name + "'");
    const TensorId qid = g.add_tensor(q);
    ++st.activations;
    ++st.boundary_ops;
    if (t0.kind == TensorKind::kInput) {
      replace_uses(g, id, qid, 0);
      front.push_back(boundary_op(op::kQuantize, "quantize." + t0.name, id, qid));
    } else {  // graph output: its producer writes the codes, a Dequantize writes the float output
      auto& ops = g.mutable_ops();
      size_t producer = ops.size();
      for (size_t i = 0; i < ops.size(); ++i)
        if (ops[i].outputs[0] == id) producer = i;
      if (producer == ops.size())
        throw Error(ErrorCode::kInvalidArgument, "quantize: graph output '" + t0.name + "' has no producer");
      ops[producer].outputs[0] = qid;
      replace_uses(g, id, qid, producer + 1);
      ops.push_back(boundary_op(op::kDequantize, "dequantize." + t0.name, qid, id));
    }
  }
  if (!front.empty()) {
    auto& ops = g.mutable_ops();
    ops.insert(ops.begin(), std::make_move_iterator(front.begin()), std::make_move_iterator(front.end()));
  }
  return st;
}

std::vector<LinearWeight> linear_weights(const Graph& g) {
  std::vector<LinearWeight> out;
  std::set<TensorId> seen;
  for (const Op& op : g.ops()) {
    if (op.type != op::kConv2d || op.inputs.size() < 2) continue;
    const Tensor& w = g.tensor(op.inputs[1]);
    if (w.kind != TensorKind::kConstant || w.shape.size() != 4 || w.shape[0] != 1 || w.shape[1] != 1) continue;
    if (!seen.insert(op.inputs[1]).second) continue;
    out.push_back({w.name, w.shape[2], w.shape[3]});
  }
  return out;
}

std::vector<std::string> float_value_tensors(const Graph& g) {
  std::vector<std::string> out;
  for (const Tensor& t : g.tensors())
    if (t.kind != TensorKind::kConstant && is_float(t.dtype) && !t.quant.quantized()) out.push_back(t.name);
  return out;
}

}  // namespace edgevl::qnn
