#include "edgevl/qnn/graph_builder.h"

#include "edgevl/error.h"
#include "edgevl/qnn/verify.h"

namespace edgevl::qnn {

GraphBuilder::GraphBuilder(std::string graph_name) : graph_(std::move(graph_name)) {
  if (graph_.name().empty()) throw Error(ErrorCode::kInvalidArgument, "GraphBuilder: graph name must not be empty");
}

void GraphBuilder::check_id(TensorId t, const char* what) const {
  if (t < 0 || static_cast<size_t>(t) >= graph_.tensors().size()) {
    throw Error(ErrorCode::kInvalidArgument, "graph '" + graph_.name() + "': " + what + ": invalid tensor id " +
                                                 std::to_string(t));
  }
}

std::string GraphBuilder::unique_name(const std::string& requested, const std::string& type) {
  if (!requested.empty()) {
    if (names_.count(requested) || op_names_.count(requested)) {
      throw Error(ErrorCode::kInvalidArgument, "graph '" + graph_.name() + "': duplicate name '" + requested + "'");
    }
    return requested;
  }
  std::string n;
  do {
    n = type + "_" + std::to_string(counter_++);
  } while (names_.count(n) || op_names_.count(n));
  return n;
}

TensorId GraphBuilder::input(const std::string& name, std::vector<int64_t> shape, DType dtype) {
  std::string n = unique_name(name, "input");
  num_elements(shape);
  Tensor t;
  t.name = n;
  t.shape = std::move(shape);
  t.dtype = dtype;
  t.kind = TensorKind::kInput;
  names_.insert(n);
  TensorId id = graph_.add_tensor(std::move(t));
  auto ins = graph_.inputs();
  ins.push_back(id);
  graph_.set_inputs(std::move(ins));
  return id;
}

TensorId GraphBuilder::constant(const std::string& name, std::vector<int64_t> shape, DType dtype, ConstData data,
                                QuantEncoding quant) {
  std::string n = unique_name(name, "const");
  size_t want = tensor_nbytes(shape, dtype);
  if (data.nbytes != want || (want > 0 && data.data == nullptr)) {
    throw Error(ErrorCode::kShapeMismatch, "constant '" + n + "': " + std::to_string(data.nbytes) + " bytes given, " +
                                               dtype_name(dtype) + " " + shape_to_string(shape) + " needs " +
                                               std::to_string(want));
  }
  Tensor t;
  t.name = n;
  t.shape = std::move(shape);
  t.dtype = dtype;
  t.kind = TensorKind::kConstant;
  t.quant = std::move(quant);
  t.data = std::move(data);
  names_.insert(n);
  return graph_.add_tensor(std::move(t));
}

void GraphBuilder::output(TensorId t, const std::string& name) {
  check_id(t, "output");
  Tensor& ten = graph_.mutable_tensor(t);
  if (ten.kind != TensorKind::kActivation) {
    throw Error(ErrorCode::kInvalidArgument, "graph '" + graph_.name() + "': tensor '" + ten.name + "' is a " +
                                                 tensor_kind_name(ten.kind) + ", only op outputs can be graph outputs");
  }
  if (name != ten.name) {
    if (name.empty() || names_.count(name) || op_names_.count(name)) {
      throw Error(ErrorCode::kInvalidArgument, "graph '" + graph_.name() + "': output name '" + name + "' is empty or taken");
    }
    names_.erase(ten.name);
    ten.name = name;
    names_.insert(name);
  }
  ten.kind = TensorKind::kOutput;
  auto outs = graph_.outputs();
  outs.push_back(t);
  graph_.set_outputs(std::move(outs));
}

TensorId GraphBuilder::emit(const std::string& type, std::vector<TensorId> inputs, std::vector<int64_t> out_shape,
                            DType out_dtype, std::map<std::string, Param> params, const std::string& name) {
  for (TensorId t : inputs) check_id(t, type.c_str());
  std::string n = unique_name(name, type);
  Tensor out;
  out.name = n;
  out.dtype = out_dtype;
  out.kind = TensorKind::kActivation;
  Op op;
  op.type = type;
  op.name = n;
  op.inputs = std::move(inputs);
  op.params = std::move(params);
  op.outputs = {static_cast<TensorId>(graph_.tensors().size())};
  out.shape = std::move(out_shape);
  names_.insert(n);
  op_names_.insert(n);
  graph_.add_tensor(std::move(out));
  graph_.mutable_ops().push_back(std::move(op));
  return graph_.mutable_ops().back().outputs[0];
}

namespace {
// Runs inference for an op that is not yet part of the graph: temporarily points its output at a fresh id.
InferredOutput infer_new(const Graph& g, const std::string& type, const std::vector<TensorId>& inputs,
                         const std::map<std::string, Param>& params, const std::string& name) {
  Op op;
  op.type = type;
  op.name = name.empty() ? type : name;
  op.inputs = inputs;
  op.params = params;
  op.outputs = {0};
  return infer_output(g, op);
}
}  // namespace

#define EDGEVL_EMIT(type, inputs, params, name)                                        \
  do {                                                                                 \
    for (TensorId t_ : inputs) check_id(t_, type);                                     \
    InferredOutput io_ = infer_new(graph_, type, inputs, params, name);                \
    return emit(type, inputs, std::move(io_.shape), io_.dtype, params, name);          \
  } while (0)

TensorId GraphBuilder::fully_connected(TensorId x, TensorId weight, std::optional<TensorId> bias, const std::string& name) {
  std::vector<TensorId> in = {x, weight};
  if (bias) in.push_back(*bias);
  std::map<std::string, Param> p;
  EDGEVL_EMIT(op::kFullyConnected, in, p, name);
}

TensorId GraphBuilder::conv2d(TensorId x, TensorId w, std::optional<TensorId> bias, std::vector<int64_t> stride,
                              std::vector<int64_t> pad, const std::string& name) {
  std::vector<TensorId> in = {x, w};
  if (bias) in.push_back(*bias);
  std::map<std::string, Param> p = {{"stride", stride}, {"pad_amount", pad}};
  EDGEVL_EMIT(op::kConv2d, in, p, name);
}

TensorId GraphBuilder::matmul(TensorId a, TensorId b, bool ta, bool tb, const std::string& name) {
  std::vector<TensorId> in = {a, b};
  std::map<std::string, Param> p = {{"transpose_in0", ta}, {"transpose_in1", tb}};
  EDGEVL_EMIT(op::kMatMul, in, p, name);
}

TensorId GraphBuilder::binary(const char* type, TensorId a, TensorId b, const std::string& name) {
  std::vector<TensorId> in = {a, b};
  std::map<std::string, Param> p;
  EDGEVL_EMIT(type, in, p, name);
}

TensorId GraphBuilder::unary(const char* type, TensorId x, const std::string& name) {
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p;
  EDGEVL_EMIT(type, in, p, name);
}

TensorId GraphBuilder::add(TensorId a, TensorId b, const std::string& n) { return binary(op::kAdd, a, b, n); }
TensorId GraphBuilder::sub(TensorId a, TensorId b, const std::string& n) { return binary(op::kSubtract, a, b, n); }
TensorId GraphBuilder::mul(TensorId a, TensorId b, const std::string& n) { return binary(op::kMultiply, a, b, n); }
TensorId GraphBuilder::div(TensorId a, TensorId b, const std::string& n) { return binary(op::kDivide, a, b, n); }
TensorId GraphBuilder::maximum(TensorId a, TensorId b, const std::string& n) { return binary(op::kMaximum, a, b, n); }
TensorId GraphBuilder::minimum(TensorId a, TensorId b, const std::string& n) { return binary(op::kMinimum, a, b, n); }
TensorId GraphBuilder::neg(TensorId x, const std::string& n) { return unary(op::kNeg, x, n); }
TensorId GraphBuilder::exp(TensorId x, const std::string& n) { return unary(op::kExp, x, n); }
TensorId GraphBuilder::sqrt(TensorId x, const std::string& n) { return unary(op::kSqrt, x, n); }
TensorId GraphBuilder::rsqrt(TensorId x, const std::string& n) { return unary(op::kRsqrt, x, n); }
TensorId GraphBuilder::sin(TensorId x, const std::string& n) { return unary(op::kSin, x, n); }
TensorId GraphBuilder::cos(TensorId x, const std::string& n) { return unary(op::kCos, x, n); }
TensorId GraphBuilder::abs(TensorId x, const std::string& n) { return unary(op::kAbs, x, n); }
TensorId GraphBuilder::tanh(TensorId x, const std::string& n) { return unary(op::kTanh, x, n); }
TensorId GraphBuilder::sigmoid(TensorId x, const std::string& n) { return unary(op::kSigmoid, x, n); }
TensorId GraphBuilder::relu(TensorId x, const std::string& n) { return unary(op::kRelu, x, n); }
TensorId GraphBuilder::gelu(TensorId x, const std::string& n) { return unary(op::kGelu, x, n); }

TensorId GraphBuilder::softmax(TensorId x, int axis, const std::string& name) {
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p = {{"axis", int64_t{axis}}};
  EDGEVL_EMIT(op::kSoftmax, in, p, name);
}

TensorId GraphBuilder::rms_norm(TensorId x, TensorId gamma, float eps, const std::string& name) {
  std::vector<TensorId> in = {x, gamma};
  std::map<std::string, Param> p = {{"epsilon", static_cast<double>(eps)}};
  EDGEVL_EMIT(op::kRmsNorm, in, p, name);
}

TensorId GraphBuilder::layer_norm(TensorId x, TensorId gamma, TensorId beta, float eps, const std::string& name) {
  std::vector<TensorId> in = {x, gamma, beta};
  std::map<std::string, Param> p = {{"epsilon", static_cast<double>(eps)}};
  EDGEVL_EMIT(op::kLayerNorm, in, p, name);
}

TensorId GraphBuilder::reduce(const char* type, TensorId x, std::vector<int64_t> axes, bool keep, const std::string& name) {
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p = {{"axes", axes}, {"keep_dims", keep}};
  EDGEVL_EMIT(type, in, p, name);
}
TensorId GraphBuilder::reduce_sum(TensorId x, std::vector<int64_t> a, bool k, const std::string& n) {
  return reduce(op::kReduceSum, x, std::move(a), k, n);
}
TensorId GraphBuilder::reduce_mean(TensorId x, std::vector<int64_t> a, bool k, const std::string& n) {
  return reduce(op::kReduceMean, x, std::move(a), k, n);
}
TensorId GraphBuilder::reduce_max(TensorId x, std::vector<int64_t> a, bool k, const std::string& n) {
  return reduce(op::kReduceMax, x, std::move(a), k, n);
}

TensorId GraphBuilder::argmax(TensorId x, int axis, bool keep, const std::string& name) {
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p = {{"axis", int64_t{axis}}, {"keep_dims", keep}};
  EDGEVL_EMIT(op::kArgmax, in, p, name);
}

TensorId GraphBuilder::transpose(TensorId x, std::vector<int64_t> perm, const std::string& name) {
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p = {{"perm", perm}};
  EDGEVL_EMIT(op::kTranspose, in, p, name);
}

TensorId GraphBuilder::reshape(TensorId x, std::vector<int64_t> shape, const std::string& name) {
  check_id(x, "reshape");
  int64_t total = num_elements(graph_.tensor(x).shape);
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1 && infer < 0) {
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw Error(ErrorCode::kInvalidArgument, "reshape '" + name + "': invalid target shape " + shape_to_string(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0) {
      throw Error(ErrorCode::kShapeMismatch, "reshape '" + name + "': cannot reshape " +
                                                 shape_to_string(graph_.tensor(x).shape) + " to " + shape_to_string(shape));
    }
    shape[static_cast<size_t>(infer)] = total / known;
  }
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p = {{"shape", shape}};
  EDGEVL_EMIT(op::kReshape, in, p, name);
}

TensorId GraphBuilder::concat(std::vector<TensorId> xs, int axis, const std::string& name) {
  std::map<std::string, Param> p = {{"axis", int64_t{axis}}};
  EDGEVL_EMIT(op::kConcat, xs, p, name);
}

TensorId GraphBuilder::gather(TensorId table, TensorId indices, int axis, const std::string& name) {
  std::vector<TensorId> in = {table, indices};
  std::map<std::string, Param> p = {{"axis", int64_t{axis}}};
  EDGEVL_EMIT(op::kGather, in, p, name);
}

TensorId GraphBuilder::strided_slice(TensorId x, std::vector<int64_t> begin, std::vector<int64_t> end,
                                     std::vector<int64_t> strides, const std::string& name) {
  check_id(x, "strided_slice");
  if (strides.empty()) strides.assign(graph_.tensor(x).shape.size(), 1);
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p = {{"begin", begin}, {"end", end}, {"strides", strides}};
  EDGEVL_EMIT(op::kStridedSlice, in, p, name);
}

TensorId GraphBuilder::cast(TensorId x, DType to, const std::string& name) {
  std::vector<TensorId> in = {x};
  std::map<std::string, Param> p = {{"to", std::string(dtype_name(to))}};
  EDGEVL_EMIT(op::kCast, in, p, name);
}

TensorId GraphBuilder::add_op(const std::string& type, std::vector<TensorId> inputs, std::vector<int64_t> out_shape,
                              DType out_dtype, std::map<std::string, Param> params, const std::string& name) {
  num_elements(out_shape);
  return emit(type, std::move(inputs), std::move(out_shape), out_dtype, std::move(params), name);
}

Graph GraphBuilder::finish() {
  verify(graph_);
  Graph g = std::move(graph_);
  graph_ = Graph(g.name());
  names_.clear();
  op_names_.clear();
  return g;
}

}  // namespace edgevl::qnn
