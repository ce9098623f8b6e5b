// The emulator's kernel table: one entry per op type (float and index dtypes; quantized per-tensor tensors reach these
// kernels through the requantize wrapper of emulator.cpp, int8/int4 weights through GemmB / the Gather table).
#include "emulator_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "edgevl/error.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/quant.h"
#include "edgevl/qnn/verify.h"
#include "gemm.h"
#include "kernels.h"
#include "kernels/gemv.h"
#include "shape_util.h"

namespace edgevl::qnn {

namespace {

int64_t prod(const std::vector<int64_t>& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

size_t axis_of(const Op& op, size_t rank) {
  const auto r = static_cast<int64_t>(rank);
  return static_cast<size_t>((op.param_int("axis") + r) % r);
}

// Per-tensor-quantized tensors reach a kernel as float32 views (the requantize wrapper); weight encodings (w8, LPBQ)
// reach it as their codes.
bool weight_codes(const Tensor& t) {
  return t.quant.kind == QuantEncoding::Kind::kAxisScaleOffset || t.quant.kind == QuantEncoding::Kind::kBlockwiseExpansion;
}
DType view_dtype(const Tensor& t) { return t.quant.kind == QuantEncoding::Kind::kScaleOffset ? DType::kFloat32 : t.dtype; }
size_t elem_bytes(const Tensor& t) { return dtype_size_bits(view_dtype(t)) / 8; }  // what a float kernel sees

GemmB gemm_b(const OpRun& r, TensorId id, int64_t ld, bool trans) {
  const Tensor& t = r.T(id);
  const bool is_const = t.kind == TensorKind::kConstant;
  GemmB b{r.raw(id), view_dtype(t), ld, trans, is_const && t.dtype == DType::kFloat32 && r.mode == FloatMode::kFp16};
  if (weight_codes(t)) {
    b.quant = &t.quant;
    b.shape = &t.shape;
  }
  if (id == r.op->inputs[1]) b.packed = r.packed;
  return b;
}

// Few rows over a packed weight: the SIMD GEMV kernels (decode); otherwise the blocked GEMM.
bool use_gemv(const OpRun& r, int64_t M) { return r.packed && M <= kernels::kGemvMaxRows; }

void fully_connected(const OpRun& r) {
  const auto& in = r.op->inputs;
  const auto& w = r.T(in[1]).shape;  // [Out, In]
  const int64_t M = r.T(in[0]).num_elements() / std::max<int64_t>(w[1], 1);
  const float* bias = in.size() > 2 ? r.f(in[2]) : nullptr;
  if (use_gemv(r, M)) return kernels::gemv(r.f(in[0]), M, w[1], *r.packed, bias, r.f(r.op->outputs[0]), w[0], r.pool);
  gemm(M, w[0], w[1], GemmA{r.f(in[0]), w[1], false}, gemm_b(r, in[1], w[1], true), r.f(r.op->outputs[0]), w[0],
       in.size() > 2 ? r.f(in[2]) : nullptr, r.pool);
}

void conv2d(const OpRun& r) {
  const Op& op = *r.op;
  const auto& in = op.inputs;
  const auto& xs = r.T(in[0]).shape;  // N H W Cin
  const auto& ws = r.T(in[1]).shape;  // kh kw Cin Cout
  const auto& os = r.T(op.outputs[0]).shape;
  const auto& stride = op.param_ints("stride");
  const auto& pad = op.param_ints("pad_amount");
  const float* bias = in.size() > 2 ? r.f(in[2]) : nullptr;
  const int64_t M = os[0] * os[1] * os[2];
  const int64_t K = ws[0] * ws[1] * ws[2];
  const bool pointwise = ws[0] == 1 && ws[1] == 1 && stride[0] == 1 && stride[1] == 1 &&
                         std::all_of(pad.begin(), pad.end(), [](int64_t p) { return p == 0; });
  float* y = r.f(op.outputs[0]);
  if (pointwise && use_gemv(r, M)) return kernels::gemv(r.f(in[0]), M, K, *r.packed, bias, y, ws[3], r.pool);
  if (pointwise) {
    gemm(M, ws[3], K, GemmA{r.f(in[0]), K, false}, gemm_b(r, in[1], ws[3], false), y, ws[3], bias, r.pool);
    return;
  }
  // im2col: one row per output pixel, columns ordered (ky, kx, cin) = HWIO flattening.
  std::vector<float>& col = *r.scratch;
  col.assign(static_cast<size_t>(M * K), 0.0f);
  const float* x = r.f(in[0]);
  for (int64_t n = 0; n < os[0]; ++n)
    for (int64_t oy = 0; oy < os[1]; ++oy)
      for (int64_t ox = 0; ox < os[2]; ++ox) {
        float* row = col.data() + ((n * os[1] + oy) * os[2] + ox) * K;
        for (int64_t ky = 0; ky < ws[0]; ++ky) {
          const int64_t iy = oy * stride[0] - pad[0] + ky;
          if (iy < 0 || iy >= xs[1]) continue;
          for (int64_t kx = 0; kx < ws[1]; ++kx) {
            const int64_t ix = ox * stride[1] - pad[2] + kx;
            if (ix < 0 || ix >= xs[2]) continue;
            std::memcpy(row + (ky * ws[1] + kx) * ws[2], x + ((n * xs[1] + iy) * xs[2] + ix) * xs[3],
                        static_cast<size_t>(xs[3]) * sizeof(float));
          }
        }
      }
  gemm(M, ws[3], K, GemmA{col.data(), K, false}, gemm_b(r, in[1], ws[3], false), y, ws[3], bias, r.pool);
}

void matmul(const OpRun& r) {
  const Op& op = *r.op;
  const TensorId ia = op.inputs[0], ib = op.inputs[1], o = op.outputs[0];
  const auto& as = r.T(ia).shape;
  const auto& bs = r.T(ib).shape;
  const auto& os = r.T(o).shape;
  const bool ta = op.param_bool("transpose_in0"), tb = op.param_bool("transpose_in1");
  const size_t rb = os.size() - 2;
  const int64_t M = os[rb], N = os[rb + 1];
  const int64_t K = ta ? as[as.size() - 2] : as[as.size() - 1];
  const int64_t a_mat = as[as.size() - 2] * as[as.size() - 1];
  const int64_t b_mat = bs[bs.size() - 2] * bs[bs.size() - 1];
  auto bstr = [&](const std::vector<int64_t>& s) {  // batch strides in matrices, 0 on broadcast dims
    std::vector<int64_t> st(rb, 0);
    int64_t acc = 1;
    const size_t sr = s.size() - 2;
    for (size_t i = 0; i < sr; ++i) {
      size_t d = sr - 1 - i, od = rb - 1 - i;
      st[od] = s[d] == 1 ? 0 : acc;
      acc *= s[d];
    }
    return st;
  };
  const auto sa = bstr(as), sb = bstr(bs);
  const int64_t batches = prod(os, 0, rb);
  const size_t bes = elem_bytes(r.T(ib));
  const bool quant_b = weight_codes(r.T(ib));
  if (quant_b && b_mat != r.T(ib).num_elements())
    throw Error(ErrorCode::kUnsupported, "op '" + op.name + "': a batched MatMul over a quantized weight");
  if (batches == 1 && !ta && use_gemv(r, M)) return kernels::gemv(r.f(ia), M, K, *r.packed, nullptr, r.f(o), N, r.pool);
  const bool codes_b = reads_codes(*r.graph, op, 1);
  auto one = [&](int64_t bi, ThreadPool* pool) {
    int64_t rem = bi, oa = 0, ob = 0;
    for (size_t d = rb; d-- > 0;) {
      const int64_t idx = rem % os[d];
      rem /= os[d];
      oa += idx * sa[d];
      ob += idx * sb[d];
    }
    GemmA A{r.f(ia) + oa * a_mat, ta ? M : K, ta};
    if (codes_b) {  // B's codes in place (reads_codes: !ta, few rows)
      const auto w = kernels::codes_view(r.T(ib), r.raw(ib) + static_cast<size_t>(ob * b_mat) * code_bytes(r.T(ib)), K,
                                         N, tb ? K : N, tb);
      return kernels::gemv_cols(A.p, M, K, *w, 0, N, nullptr, r.f(o) + bi * M * N, N);
    }
    GemmB B = gemm_b(r, ib, tb ? K : N, tb);
    B.p = r.raw(ib) + static_cast<size_t>(ob * b_mat) * bes;
    gemm(M, N, K, A, B, r.f(o) + bi * M * N, N, nullptr, pool);
  };
  if (batches >= r.pool->size() && r.pool->size() > 1) {
    r.pool->parallel_for(batches, [&](int64_t bi) { one(bi, nullptr); });
  } else {
    for (int64_t bi = 0; bi < batches; ++bi) one(bi, r.pool);
  }
}

// A binary op's output rows [r0, r1) of dim 0 (an operand of full rank whose dim 0 is the output's is offset to them;
// one broadcast along dim 0, or of lower rank, is read whole).
template <typename T>
void binary_rows(const std::string& type, const T* a, const kernels::Shape& as, const T* b, const kernels::Shape& bs,
                 T* out, const kernels::Shape& os, int64_t r0, int64_t r1) {
  auto rows_of = [&](const T* p, const kernels::Shape& s, kernels::Shape& sub) {
    sub = s;
    if (s.size() != os.size() || s[0] != os[0]) return p;
    sub[0] = r1 - r0;
    return p + r0 * (prod(s, 1, s.size()));
  };
  kernels::Shape sa, sb, so = os;
  so[0] = r1 - r0;
  const T* pa = rows_of(a, as, sa);
  const T* pb = rows_of(b, bs, sb);
  kernels::binary<T>(type, pa, sa, pb, sb, out + r0 * prod(os, 1, os.size()), so);
}

// parallel_ranges over `rows` rows of `row` elements each, cut at row boundaries: fn(r0, r1) for rows [r0, r1).
void parallel_rows(ThreadPool* pool, int64_t rows, int64_t row, const std::function<void(int64_t, int64_t)>& fn) {
  if (row <= 0 || rows <= 0) return;
  parallel_ranges(pool, rows * row, [&](int64_t begin, int64_t end) {
    const int64_t r0 = (begin + row - 1) / row, r1 = std::min(rows, (end + row - 1) / row);  // rows starting in range
    if (r0 < r1) fn(r0, r1);
  });
}

template <typename T>
void binary_split(const OpRun& r, const T* a, const kernels::Shape& as, const T* b, const kernels::Shape& bs, T* out,
                  const kernels::Shape& os) {
  const std::string& type = r.op->type;
  if (os.empty() || os[0] < 2) return kernels::binary<T>(type, a, as, b, bs, out, os);
  parallel_rows(r.pool, os[0], prod(os, 1, os.size()),
                [&](int64_t r0, int64_t r1) { binary_rows(type, a, as, b, bs, out, os, r0, r1); });
}

void binary(const OpRun& r) {
  const Op& op = *r.op;
  const auto& in = op.inputs;
  const Tensor& a = r.T(in[0]);
  const Tensor& b = r.T(in[1]);
  const Tensor& out = r.T(op.outputs[0]);
  const TensorId o = op.outputs[0];
  if (out.dtype == DType::kInt32) {
    kernels::binary<int32_t>(op.type, reinterpret_cast<int32_t*>(r.raw(in[0])), a.shape,
                             reinterpret_cast<int32_t*>(r.raw(in[1])), b.shape, reinterpret_cast<int32_t*>(r.raw(o)),
                             out.shape);
  } else if (out.dtype == DType::kInt64) {
    kernels::binary<int64_t>(op.type, reinterpret_cast<int64_t*>(r.raw(in[0])), a.shape,
                             reinterpret_cast<int64_t*>(r.raw(in[1])), b.shape, reinterpret_cast<int64_t*>(r.raw(o)),
                             out.shape);
  } else {
    binary_split<float>(r, r.f(in[0]), a.shape, r.f(in[1]), b.shape, r.f(o), out.shape);
  }
}

void unary(const OpRun& r) {
  const float* x = r.f(r.op->inputs[0]);
  float* y = r.f(r.op->outputs[0]);
  parallel_ranges(r.pool, r.T(r.op->outputs[0]).num_elements(), [&](int64_t begin, int64_t end) {
    kernels::unary(r.op->type, x + begin, y + begin, static_cast<size_t>(end - begin));
  });
}

void softmax(const OpRun& r) {
  const auto& s = r.T(r.op->inputs[0]).shape;
  const size_t ax = axis_of(*r.op, s.size());
  const int64_t outer = prod(s, 0, ax), inner = prod(s, ax + 1, s.size());
  // Rows of the outer dim are independent: split across threads when large.
  const float* x = r.f(r.op->inputs[0]);
  float* y = r.f(r.op->outputs[0]);
  const int64_t row = s[ax] * inner;
  parallel_rows(r.pool, outer, row, [&](int64_t b, int64_t e) {
    kernels::softmax(x + b * row, y + b * row, e - b, s[ax], inner);
  });
}

void rms_norm(const OpRun& r) {
  const auto& in = r.op->inputs;
  const auto& s = r.T(in[0]).shape;
  const float* x = r.f(in[0]);
  float* y = r.f(r.op->outputs[0]);
  const int64_t d = s.back();
  const auto eps = static_cast<float>(r.op->param_float("epsilon"));
  parallel_rows(r.pool, prod(s, 0, s.size() - 1), d, [&](int64_t r0, int64_t r1) {
    kernels::rms_norm(x + r0 * d, r.f(in[1]), y + r0 * d, r1 - r0, d, eps);
  });
}

void layer_norm(const OpRun& r) {
  const auto& in = r.op->inputs;
  const auto& s = r.T(in[0]).shape;
  const float* x = r.f(in[0]);
  float* y = r.f(r.op->outputs[0]);
  const int64_t d = s.back();
  const auto eps = static_cast<float>(r.op->param_float("epsilon"));
  parallel_rows(r.pool, prod(s, 0, s.size() - 1), d, [&](int64_t r0, int64_t r1) {
    kernels::layer_norm(x + r0 * d, r.f(in[1]), r.f(in[2]), y + r0 * d, r1 - r0, d, eps);
  });
}

void reduce(const OpRun& r) {
  const auto& s = r.T(r.op->inputs[0]).shape;
  std::vector<bool> red(s.size(), false);
  for (int64_t a : r.op->param_ints("axes")) red[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(s.size()) : a)] = true;
  kernels::reduce(r.op->type, r.f(r.op->inputs[0]), s, red, r.f(r.op->outputs[0]));
}

void argmax(const OpRun& r) {
  const auto& s = r.T(r.op->inputs[0]).shape;
  const size_t ax = axis_of(*r.op, s.size());
  kernels::argmax(r.f(r.op->inputs[0]), reinterpret_cast<int32_t*>(r.raw(r.op->outputs[0])), prod(s, 0, ax), s[ax],
                  prod(s, ax + 1, s.size()));
}

void transpose(const OpRun& r) {
  const Tensor& out = r.T(r.op->outputs[0]);
  kernels::transpose(r.raw(r.op->inputs[0]), r.T(r.op->inputs[0]).shape, r.op->param_ints("perm"),
                     r.raw(r.op->outputs[0]), code_bytes(out));
}

void reshape(const OpRun& r) {
  const TensorId i = r.op->inputs[0], o = r.op->outputs[0];
  if (r.raw(o) != r.raw(i)) std::memcpy(r.raw(o), r.raw(i), r.T(o).nbytes());
}

void concat(const OpRun& r) {
  const Tensor& out = r.T(r.op->outputs[0]);
  const auto& os = out.shape;
  const size_t ax = axis_of(*r.op, os.size());
  const int64_t outer = prod(os, 0, ax), inner = prod(os, ax + 1, os.size());
  int64_t at = 0;
  for (TensorId t : r.op->inputs) {
    kernels::concat_part(r.raw(t), outer, r.T(t).shape[ax], inner, r.raw(r.op->outputs[0]), os[ax], at, code_bytes(out));
    at += r.T(t).shape[ax];
  }
}

void strided_slice(const OpRun& r) {
  std::string err;
  const Op& op = *r.op;
  const auto& s = r.T(op.inputs[0]).shape;
  const Tensor& out = r.T(op.outputs[0]);
  auto spec = normalize_slice(s, op.param_ints("begin"), op.param_ints("end"), op.param_ints("strides"), &err);
  kernels::strided_slice(r.raw(op.inputs[0]), s, spec.begin, spec.strides, out.shape, r.raw(op.outputs[0]),
                         code_bytes(out));
}

void gather(const OpRun& r) {
  const Op& op = *r.op;
  const TensorId it = op.inputs[0], ii = op.inputs[1], o = op.outputs[0];
  const Tensor& table = r.T(it);
  const auto& ts = table.shape;
  const size_t ax = axis_of(op, ts.size());
  const int64_t outer = prod(ts, 0, ax), dim = ts[ax], inner = prod(ts, ax + 1, ts.size());
  const int64_t nidx = r.T(ii).num_elements();
  const bool i64 = r.T(ii).dtype == DType::kInt64;
  const uint8_t* tab = r.raw(it);
  uint8_t* out = r.raw(o);
  const size_t in_es = elem_bytes(table);
  const size_t out_es = elem_bytes(r.T(o));
  const bool quant = weight_codes(table);
  const bool round = table.dtype == DType::kFloat32 && r.mode == FloatMode::kFp16 && table.kind == TensorKind::kConstant;
  for (int64_t k = 0; k < nidx; ++k) {
    int64_t idx = i64 ? reinterpret_cast<const int64_t*>(r.raw(ii))[k] : reinterpret_cast<const int32_t*>(r.raw(ii))[k];
    if (idx < 0 || idx >= dim) {
      throw Error(ErrorCode::kInvalidArgument, "op '" + op.name + "' (Gather): index " + std::to_string(idx) +
                                                   " at position " + std::to_string(k) + " of '" + r.T(ii).name +
                                                   "' is out of range [0, " + std::to_string(dim) + ")");
    }
    for (int64_t ob = 0; ob < outer; ++ob) {
      const int64_t src_elem = (ob * dim + idx) * inner;
      uint8_t* dst = out + static_cast<size_t>((ob * nidx + k) * inner) * out_es;
      const uint8_t* src = tab + static_cast<size_t>(src_elem) * in_es;
      if (quant) {
        dequantize_weight_range(tab, table.dtype, table.quant, ts, src_elem, inner, reinterpret_cast<float*>(dst));
      } else if (table.dtype == DType::kFloat16) {
        half_to_float_n(reinterpret_cast<const uint16_t*>(src), reinterpret_cast<float*>(dst), static_cast<size_t>(inner));
      } else if (round) {
        round_to_half_n(reinterpret_cast<const float*>(src), reinterpret_cast<float*>(dst), static_cast<size_t>(inner));
      } else {
        std::memcpy(dst, src, static_cast<size_t>(inner) * in_es);
      }
    }
  }
}

void cast(const OpRun& r) {
  const Tensor& x = r.T(r.op->inputs[0]);
  const Tensor& y = r.T(r.op->outputs[0]);
  const size_t n = static_cast<size_t>(x.num_elements());
  const uint8_t* p = r.raw(r.op->inputs[0]);
  auto load = [&](size_t i) -> double {
    switch (x.dtype) {
      case DType::kFloat32: return reinterpret_cast<const float*>(p)[i];
      case DType::kFloat16: return half_to_float(reinterpret_cast<const uint16_t*>(p)[i]);
      case DType::kInt32: return reinterpret_cast<const int32_t*>(p)[i];
      default: return static_cast<double>(reinterpret_cast<const int64_t*>(p)[i]);
    }
  };
  uint8_t* q = r.raw(r.op->outputs[0]);
  for (size_t i = 0; i < n; ++i) {
    if (y.dtype == DType::kFloat32) {
      reinterpret_cast<float*>(q)[i] = static_cast<float>(load(i));
    } else if (x.dtype == DType::kInt64 && y.dtype == DType::kInt64) {
      reinterpret_cast<int64_t*>(q)[i] = reinterpret_cast<const int64_t*>(p)[i];
    } else {
      double v = std::trunc(load(i));
      if (!(v >= -9.2e18 && v <= 9.2e18)) v = 0;  // NaN / huge: defined result instead of UB
      if (y.dtype == DType::kInt32) {
        v = std::clamp(v, -2147483648.0, 2147483647.0);
        reinterpret_cast<int32_t*>(q)[i] = static_cast<int32_t>(v);
      } else {
        reinterpret_cast<int64_t*>(q)[i] = static_cast<int64_t>(v);
      }
    }
  }
}

// Quantize: float32 input → the output's per-tensor codes. Dequantize: codes → float32.
void quantize(const OpRun& r) {
  const Tensor& y = r.T(r.op->outputs[0]);
  quantize_values(r.f(r.op->inputs[0]), static_cast<size_t>(y.num_elements()), y.quant, y.dtype, r.raw(r.op->outputs[0]));
}

void dequantize(const OpRun& r) {
  const Tensor& x = r.T(r.op->inputs[0]);
  dequantize_values(r.raw(r.op->inputs[0]), static_cast<size_t>(x.num_elements()), x.quant, x.dtype,
                    r.f(r.op->outputs[0]));
}

std::map<std::string, KernelEntry> make_table() {
  std::map<std::string, KernelEntry> t;
  t[op::kFullyConnected] = {fully_connected, false, {1}};
  t[op::kConv2d] = {conv2d, false, {1}};
  t[op::kMatMul] = {matmul, false, {1}};
  for (const char* b : {op::kAdd, op::kSubtract, op::kMultiply, op::kDivide, op::kMaximum, op::kMinimum})
    t[b] = {binary, false, {}};
  for (const char* u : {op::kNeg, op::kExp, op::kSqrt, op::kRsqrt, op::kSin, op::kCos, op::kAbs, op::kTanh, op::kSigmoid,
                        op::kRelu, op::kGelu})
    t[u] = {unary, false, {}};
  t[op::kSoftmax] = {softmax, false, {}};
  t[op::kRmsNorm] = {rms_norm, false, {}};
  t[op::kLayerNorm] = {layer_norm, false, {}};
  for (const char* rd : {op::kReduceSum, op::kReduceMean, op::kReduceMax}) t[rd] = {reduce, false, {}};
  t[op::kArgmax] = {argmax, false, {}};
  t[op::kTranspose] = {transpose, true, {}};
  t[op::kReshape] = {reshape, true, {}};
  t[op::kConcat] = {concat, true, {}};
  t[op::kStridedSlice] = {strided_slice, true, {}};
  t[op::kGather] = {gather, false, {0}};
  t[op::kCast] = {cast, false, {}};
  t[op::kQuantize] = {quantize, true, {}};
  t[op::kDequantize] = {dequantize, true, {}};
  return t;
}

}  // namespace

const KernelEntry* find_kernel(const std::string& op_type) {
  static const std::map<std::string, KernelEntry> table = make_table();
  auto it = table.find(op_type);
  return it == table.end() ? nullptr : &it->second;
}

std::unique_ptr<kernels::PackedWeight> pack_gemm_weight(const Graph& g, const Op& op, FloatMode mode) {
  if (op.inputs.size() < 2) return nullptr;
  const Tensor& w = g.tensors()[static_cast<size_t>(op.inputs[1])];
  if (w.kind != TensorKind::kConstant) return nullptr;
  const bool round16 = w.dtype == DType::kFloat32 && mode == FloatMode::kFp16;
  const auto& s = w.shape;
  if (op.type == op::kConv2d && s.size() == 4 && s[0] == 1 && s[1] == 1) {
    const auto& stride = op.param_ints("stride");
    const auto& pad = op.param_ints("pad_amount");
    const bool pointwise = std::all_of(stride.begin(), stride.end(), [](int64_t v) { return v == 1; }) &&
                           std::all_of(pad.begin(), pad.end(), [](int64_t p) { return p == 0; });
    return pointwise ? kernels::pack_weight(w, s[2], s[3], s[3], false, round16) : nullptr;
  }
  if (op.type == op::kFullyConnected && s.size() == 2) return kernels::pack_weight(w, s[1], s[0], s[1], true, round16);
  if (op.type == op::kMatMul && s.size() >= 2 && !op.param_bool("transpose_in0")) {
    const bool tb = op.param_bool("transpose_in1");
    const int64_t K = tb ? s[s.size() - 1] : s[s.size() - 2], N = tb ? s[s.size() - 2] : s[s.size() - 1];
    return kernels::pack_weight(w, K, N, tb ? K : N, tb, round16);
  }
  return nullptr;
}

void parallel_ranges(ThreadPool* pool, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  const int threads = pool ? pool->size() : 1;
  if (threads < 2 || n < (int64_t{1} << 16)) {
    if (n > 0) fn(0, n);
    return;
  }
  const int64_t chunks = threads * 2, per = (n + chunks - 1) / chunks;
  pool->parallel_for(chunks, [&](int64_t c) {
    const int64_t begin = c * per, end = std::min(n, begin + per);
    if (begin < end) fn(begin, end);
  });
}

bool reads_codes(const Graph& g, const Op& op, size_t slot) {
  if (op.type != op::kMatMul || slot != 1 || op.inputs.size() < 2 || op.param_bool("transpose_in0")) return false;
  const Tensor& b = g.tensors()[static_cast<size_t>(op.inputs[1])];
  const auto& os = g.tensors()[static_cast<size_t>(op.outputs[0])].shape;
  return b.quant.kind == QuantEncoding::Kind::kScaleOffset && os.size() >= 2 && os[os.size() - 2] <= kernels::kGemvMaxRows;
}

bool KernelEntry::is_weight_slot(size_t slot) const {
  return std::find(weight_slots.begin(), weight_slots.end(), slot) != weight_slots.end();
}

bool is_weight_slot(const Op& op, size_t slot) {
  const KernelEntry* e = find_kernel(op.type);
  return e && e->is_weight_slot(slot);
}

}  // namespace edgevl::qnn
