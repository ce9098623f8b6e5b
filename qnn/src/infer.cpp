// Shape inference for every op type of the IR (used by GraphBuilder and verify()).
#include <algorithm>
#include <set>

#include "edgevl/error.h"
#include "edgevl/qnn/verify.h"
#include "shape_util.h"

namespace edgevl::qnn {

namespace {

bool is_index(DType d) { return d == DType::kInt32 || d == DType::kInt64; }
// A tensor holding real values: float, or integer codes with a quantization encoding.
bool is_real(const Tensor& t) { return is_float(t.dtype) || t.quant.quantized(); }
// Data-movement ops keep a quantized input's codes (and dtype); float inputs give float32.
DType moved_dtype(const Tensor& t) { return is_float(t.dtype) && !t.quant.quantized() ? DType::kFloat32 : t.dtype; }

struct Ctx {
  const Graph& g;
  const Op& op;
  [[noreturn]] void fail(ErrorCode code, const std::string& what) const {
    throw Error(code, "op '" + op.name + "' (" + op.type + "): " + what);
  }
  const Tensor& in(size_t i) const { return g.tensor(op.inputs[i]); }
  void arity(size_t lo, size_t hi) const {
    if (op.inputs.size() < lo || op.inputs.size() > hi) {
      fail(ErrorCode::kInvalidArgument, "expects " + std::to_string(lo) + (lo == hi ? "" : ".." + std::to_string(hi)) +
                                            " inputs, has " + std::to_string(op.inputs.size()));
    }
    if (op.outputs.size() != 1) fail(ErrorCode::kInvalidArgument, "must have exactly one output");
  }
  void need_float(size_t i) const {
    if (!is_real(in(i))) {
      fail(ErrorCode::kShapeMismatch, "input '" + in(i).name + "' must be float32/float16 or quantized, is " +
                                          dtype_name(in(i).dtype));
    }
  }
  void need_f32(size_t i) const {
    if (in(i).dtype != DType::kFloat32) {
      fail(ErrorCode::kShapeMismatch, "input '" + in(i).name + "' must be float32, is " + dtype_name(in(i).dtype));
    }
  }
  void need_rank(size_t i, size_t r) const {
    if (in(i).shape.size() != r) {
      fail(ErrorCode::kShapeMismatch, "input '" + in(i).name + "' must have rank " + std::to_string(r) + ", has shape " +
                                          shape_to_string(in(i).shape));
    }
  }
  int64_t axis(int64_t a, size_t rank) const {
    int64_t r = static_cast<int64_t>(rank);
    if (a < -r || a >= r) fail(ErrorCode::kInvalidArgument, "axis " + std::to_string(a) + " out of range for rank " +
                                                                 std::to_string(rank));
    return a < 0 ? a + r : a;
  }
};

const std::set<std::string>& binary_types() {
  static const std::set<std::string> s = {op::kAdd, op::kSubtract, op::kMultiply, op::kDivide, op::kMaximum, op::kMinimum};
  return s;
}
const std::set<std::string>& unary_types() {
  static const std::set<std::string> s = {op::kNeg,  op::kExp,     op::kSqrt, op::kRsqrt, op::kSin, op::kCos,
                                          op::kAbs,  op::kTanh,    op::kSigmoid, op::kRelu, op::kGelu};
  return s;
}

}  // namespace

bool is_binary_op(const std::string& type) { return binary_types().count(type) != 0; }
bool is_unary_op(const std::string& type) { return unary_types().count(type) != 0; }
bool is_data_movement_op(const std::string& type) {
  return type == op::kReshape || type == op::kTranspose || type == op::kStridedSlice || type == op::kConcat;
}

std::vector<int64_t> broadcast_shapes(const std::vector<int64_t>& a, const std::vector<int64_t>& b, bool* ok) {
  size_t r = std::max(a.size(), b.size());
  std::vector<int64_t> out(r);
  *ok = true;
  for (size_t i = 0; i < r; ++i) {
    int64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
    int64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      *ok = false;
      return {};
    }
  }
  return out;
}

SliceSpec normalize_slice(const std::vector<int64_t>& shape, const std::vector<int64_t>& begin,
                          const std::vector<int64_t>& end, const std::vector<int64_t>& strides, std::string* error) {
  SliceSpec s;
  size_t r = shape.size();
  if (begin.size() != r || end.size() != r || (!strides.empty() && strides.size() != r)) {
    *error = "begin/end/strides must have one entry per dimension (rank " + std::to_string(r) + ")";
    return s;
  }
  for (size_t i = 0; i < r; ++i) {
    int64_t d = shape[i];
    int64_t st = strides.empty() ? 1 : strides[i];
    if (st <= 0) {
      *error = "strides must be > 0";
      return s;
    }
    int64_t b = begin[i] < 0 ? begin[i] + d : begin[i];
    int64_t e = end[i] < 0 ? end[i] + d : end[i];
    b = std::clamp<int64_t>(b, 0, d);
    e = std::clamp<int64_t>(e, 0, d);
    int64_t n = e > b ? 1 + (e - b - 1) / st : 0;  // ceil((e - b) / st) without overflow for a huge stride
    if (n == 0) {
      *error = "dimension " + std::to_string(i) + " selects no element";
      return s;
    }
    s.begin.push_back(b);
    s.strides.push_back(st);
    s.out_shape.push_back(n);
  }
  return s;
}

InferredOutput infer_output(const Graph& g, const Op& op) {
  Ctx c{g, op};
  const std::string& t = op.type;
  if (op.outputs.size() != 1) c.fail(ErrorCode::kInvalidArgument, "must have exactly one output");
  for (TensorId id : op.inputs) g.tensor(id);  // range check
  if (t == op::kFullyConnected) {
    c.arity(2, 3);
    c.need_float(0);
    c.need_float(1);
    c.need_rank(1, 2);
    const auto& x = c.in(0).shape;
    const auto& w = c.in(1).shape;
    if (x.empty() || x.back() != w[1]) {
      c.fail(ErrorCode::kShapeMismatch, "x " + shape_to_string(x) + " does not match weight [Out, In] " + shape_to_string(w));
    }
    if (op.inputs.size() == 3) {
      c.need_float(2);
      if (c.in(2).shape != std::vector<int64_t>{w[0]}) {
        c.fail(ErrorCode::kShapeMismatch, "bias " + shape_to_string(c.in(2).shape) + " must be [" + std::to_string(w[0]) + "]");
      }
    }
    auto out = x;
    out.back() = w[0];
    return {out, DType::kFloat32};
  }
  if (t == op::kConv2d) {
    c.arity(2, 3);
    c.need_float(0);
    c.need_float(1);
    c.need_rank(0, 4);
    c.need_rank(1, 4);
    const auto& x = c.in(0).shape;
    const auto& w = c.in(1).shape;
    if (w[2] != x[3]) {
      c.fail(ErrorCode::kShapeMismatch, "x NHWC " + shape_to_string(x) + " channels do not match weight HWIO " +
                                            shape_to_string(w));
    }
    if (op.inputs.size() == 3) {
      c.need_float(2);
      if (c.in(2).shape != std::vector<int64_t>{w[3]}) {
        c.fail(ErrorCode::kShapeMismatch, "bias " + shape_to_string(c.in(2).shape) + " must be [" + std::to_string(w[3]) + "]");
      }
    }
    const auto& stride = op.param_ints("stride");
    const auto& pad = op.param_ints("pad_amount");
    if (stride.size() != 2 || stride[0] <= 0 || stride[1] <= 0) c.fail(ErrorCode::kInvalidArgument, "stride must be 2 values > 0");
    if (pad.size() != 4 || *std::min_element(pad.begin(), pad.end()) < 0) {
      c.fail(ErrorCode::kInvalidArgument, "pad_amount must be 4 values >= 0 (top, bottom, left, right)");
    }
    // Checked: a hostile pad_amount near INT64_MAX must not overflow (undefined behaviour).
    int64_t hp = 0, wp = 0;
    if (__builtin_add_overflow(x[1], pad[0], &hp) || __builtin_add_overflow(hp, pad[1], &hp) ||
        __builtin_add_overflow(x[2], pad[2], &wp) || __builtin_add_overflow(wp, pad[3], &wp))
      c.fail(ErrorCode::kInvalidArgument, "pad_amount " + shape_to_string(pad) + " overflows the padded size");
    hp -= w[0];
    wp -= w[1];
    if (hp < 0 || wp < 0) c.fail(ErrorCode::kShapeMismatch, "kernel larger than padded input");
    return {{x[0], hp / stride[0] + 1, wp / stride[1] + 1, w[3]}, DType::kFloat32};
  }
  if (t == op::kMatMul) {
    c.arity(2, 2);
    c.need_float(0);
    c.need_float(1);
    auto a = c.in(0).shape;
    auto b = c.in(1).shape;
    if (a.size() < 2 || b.size() < 2) c.fail(ErrorCode::kShapeMismatch, "inputs must have rank >= 2");
    bool ta = op.param_bool("transpose_in0"), tb = op.param_bool("transpose_in1");
    int64_t m = ta ? a[a.size() - 1] : a[a.size() - 2];
    int64_t ka = ta ? a[a.size() - 2] : a[a.size() - 1];
    int64_t kb = tb ? b[b.size() - 1] : b[b.size() - 2];
    int64_t n = tb ? b[b.size() - 2] : b[b.size() - 1];
    if (ka != kb) {
      c.fail(ErrorCode::kShapeMismatch, "inner dimensions differ: " + shape_to_string(a) + (ta ? "ᵀ" : "") + " × " +
                                            shape_to_string(b) + (tb ? "ᵀ" : ""));
    }
    bool ok;
    auto batch = broadcast_shapes(std::vector<int64_t>(a.begin(), a.end() - 2), std::vector<int64_t>(b.begin(), b.end() - 2), &ok);
    if (!ok) c.fail(ErrorCode::kShapeMismatch, "batch dims of " + shape_to_string(a) + " and " + shape_to_string(b) + " do not broadcast");
    batch.push_back(m);
    batch.push_back(n);
    return {batch, DType::kFloat32};
  }
  if (is_binary_op(t)) {
    c.arity(2, 2);
    DType da = c.in(0).dtype, db = c.in(1).dtype;
    DType out;
    if (is_real(c.in(0)) && is_real(c.in(1))) {
      out = DType::kFloat32;
    } else if (da == db && is_index(da) && t != op::kDivide) {
      out = da;
    } else {
      c.fail(ErrorCode::kShapeMismatch, std::string("dtypes ") + dtype_name(da) + " and " + dtype_name(db) + " not supported together");
    }
    bool ok;
    auto s = broadcast_shapes(c.in(0).shape, c.in(1).shape, &ok);
    if (!ok) {
      c.fail(ErrorCode::kShapeMismatch, "shapes " + shape_to_string(c.in(0).shape) + " and " + shape_to_string(c.in(1).shape) +
                                            " do not broadcast");
    }
    return {s, out};
  }
  if (is_unary_op(t)) {
    c.arity(1, 1);
    c.need_float(0);
    return {c.in(0).shape, DType::kFloat32};
  }
  if (t == op::kSoftmax) {
    c.arity(1, 1);
    c.need_float(0);
    if (c.in(0).shape.empty()) c.fail(ErrorCode::kShapeMismatch, "input must have rank >= 1");
    c.axis(op.param_int("axis"), c.in(0).shape.size());
    return {c.in(0).shape, DType::kFloat32};
  }
  if (t == op::kRmsNorm || t == op::kLayerNorm) {
    c.arity(t == op::kRmsNorm ? 2 : 3, t == op::kRmsNorm ? 2 : 3);
    const auto& x = c.in(0).shape;
    if (x.empty()) c.fail(ErrorCode::kShapeMismatch, "input must have rank >= 1");
    for (size_t i = 0; i < op.inputs.size(); ++i) c.need_float(i);
    for (size_t i = 1; i < op.inputs.size(); ++i) {
      if (c.in(i).shape != std::vector<int64_t>{x.back()}) {
        c.fail(ErrorCode::kShapeMismatch, "'" + c.in(i).name + "' " + shape_to_string(c.in(i).shape) + " must be [" +
                                              std::to_string(x.back()) + "] for x " + shape_to_string(x));
      }
    }
    if (op.param_float("epsilon") < 0) c.fail(ErrorCode::kInvalidArgument, "epsilon must be >= 0");
    return {x, DType::kFloat32};
  }
  if (t == op::kReduceSum || t == op::kReduceMean || t == op::kReduceMax) {
    c.arity(1, 1);
    c.need_float(0);
    const auto& x = c.in(0).shape;
    std::vector<bool> red(x.size(), false);
    const auto& axes = op.param_ints("axes");
    if (axes.empty()) c.fail(ErrorCode::kInvalidArgument, "axes must not be empty");
    for (int64_t a : axes) {
      int64_t ax = c.axis(a, x.size());
      if (red[static_cast<size_t>(ax)]) c.fail(ErrorCode::kInvalidArgument, "axis repeated");
      red[static_cast<size_t>(ax)] = true;
    }
    bool keep = op.param_bool("keep_dims");
    std::vector<int64_t> out;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!red[i]) out.push_back(x[i]);
      else if (keep) out.push_back(1);
    }
    return {out, DType::kFloat32};
  }
  if (t == op::kArgmax) {
    c.arity(1, 1);
    c.need_float(0);
    const auto& x = c.in(0).shape;
    if (x.empty()) c.fail(ErrorCode::kShapeMismatch, "input must have rank >= 1");
    auto ax = static_cast<size_t>(c.axis(op.param_int("axis"), x.size()));
    std::vector<int64_t> out = x;
    if (op.param_bool("keep_dims")) out[ax] = 1;
    else out.erase(out.begin() + static_cast<std::ptrdiff_t>(ax));
    return {out, DType::kInt32};
  }
  if (t == op::kTranspose) {
    c.arity(1, 1);
    const auto& x = c.in(0).shape;
    const auto& perm = op.param_ints("perm");
    if (perm.size() != x.size()) c.fail(ErrorCode::kInvalidArgument, "perm must have one entry per dimension");
    std::vector<bool> seen(x.size(), false);
    std::vector<int64_t> out;
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(x.size()) || seen[static_cast<size_t>(p)]) {
        c.fail(ErrorCode::kInvalidArgument, "perm is not a permutation of 0.." + std::to_string(x.size() - 1));
      }
      seen[static_cast<size_t>(p)] = true;
      out.push_back(x[static_cast<size_t>(p)]);
    }
    return {out, moved_dtype(c.in(0))};
  }
  if (t == op::kReshape) {
    c.arity(1, 1);
    const auto& s = op.param_ints("shape");
    for (int64_t d : s) {
      if (d < 0) c.fail(ErrorCode::kInvalidArgument, "shape param must be fully resolved (no -1)");
    }
    if (num_elements(s) != num_elements(c.in(0).shape)) {
      c.fail(ErrorCode::kShapeMismatch, "cannot reshape " + shape_to_string(c.in(0).shape) + " to " + shape_to_string(s));
    }
    return {s, moved_dtype(c.in(0))};
  }
  if (t == op::kConcat) {
    if (op.inputs.empty()) c.fail(ErrorCode::kInvalidArgument, "needs at least one input");
    c.arity(1, op.inputs.size());
    auto out = c.in(0).shape;
    if (out.empty()) c.fail(ErrorCode::kShapeMismatch, "inputs must have rank >= 1");
    auto ax = static_cast<size_t>(c.axis(op.param_int("axis"), out.size()));
    const DType d0 = moved_dtype(c.in(0));
    for (size_t i = 1; i < op.inputs.size(); ++i) {
      const auto& s = c.in(i).shape;
      bool same_dtype = moved_dtype(c.in(i)) == d0;
      if (!same_dtype) c.fail(ErrorCode::kShapeMismatch, "inputs have different dtypes");
      bool ok = s.size() == out.size();
      for (size_t d = 0; ok && d < s.size(); ++d) ok = d == ax || s[d] == out[d];
      if (!ok) {
        c.fail(ErrorCode::kShapeMismatch, "input '" + c.in(i).name + "' " + shape_to_string(s) + " does not match " +
                                              shape_to_string(c.in(0).shape) + " off axis " + std::to_string(ax));
      }
      if (__builtin_add_overflow(out[ax], s[ax], &out[ax]))
        c.fail(ErrorCode::kShapeMismatch, "concatenated size along axis " + std::to_string(ax) + " overflows int64");
    }
    return {out, d0};
  }
  if (t == op::kGather) {
    c.arity(2, 2);
    const auto& table = c.in(0).shape;
    if (table.empty()) c.fail(ErrorCode::kShapeMismatch, "table must have rank >= 1");
    if (!is_index(c.in(1).dtype)) c.fail(ErrorCode::kShapeMismatch, "indices must be int32 or int64");
    DType td = c.in(0).dtype;
    const bool real_table = is_real(c.in(0));
    if (!real_table && !is_index(td)) c.fail(ErrorCode::kUnsupported, std::string("table dtype ") + dtype_name(td));
    auto ax = static_cast<size_t>(c.axis(op.param_int("axis"), table.size()));
    std::vector<int64_t> out(table.begin(), table.begin() + static_cast<std::ptrdiff_t>(ax));
    for (int64_t d : c.in(1).shape) out.push_back(d);
    for (size_t i = ax + 1; i < table.size(); ++i) out.push_back(table[i]);
    return {out, real_table ? DType::kFloat32 : td};
  }
  if (t == op::kStridedSlice) {
    c.arity(1, 1);
    std::string err;
    auto s = normalize_slice(c.in(0).shape, op.param_ints("begin"), op.param_ints("end"), op.param_ints("strides"), &err);
    if (!err.empty()) c.fail(ErrorCode::kShapeMismatch, err + " (input " + shape_to_string(c.in(0).shape) + ")");
    return {s.out_shape, moved_dtype(c.in(0))};
  }
  if (t == op::kQuantize || t == op::kDequantize) {
    c.arity(1, 1);
    const bool q = t == op::kQuantize;
    if (q ? !is_float(c.in(0).dtype) : !c.in(0).quant.quantized())
      c.fail(ErrorCode::kShapeMismatch, "input '" + c.in(0).name + "' must be " + (q ? "float" : "quantized"));
    return {c.in(0).shape, DType::kFloat32};  // Quantize: verify() requires the output to carry an encoding
  }
  if (t == op::kCast) {
    c.arity(1, 1);
    DType to = dtype_from_name(op.param_string("to"));
    DType from = c.in(0).dtype;
    if (!((is_float(from) || is_index(from)) && (to == DType::kFloat32 || is_index(to)))) {
      c.fail(ErrorCode::kUnsupported, std::string("cast ") + dtype_name(from) + " → " + dtype_name(to));
    }
    return {c.in(0).shape, to};
  }
  c.fail(ErrorCode::kInvalidArgument, "unknown op type");
}

}  // namespace edgevl::qnn
