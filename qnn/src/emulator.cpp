// The HTP emulator back end: arena planning, constant handling per precision, and op dispatch to kernels/gemm.
#include "edgevl/qnn/emulator.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <thread>

#include "edgevl/error.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/verify.h"
#include "gemm.h"
#include "kernels.h"
#include "shape_util.h"
#include "thread_pool.h"

namespace edgevl::qnn {

const char* precision_name(Precision p) { return p == Precision::kFp16 ? "fp16" : "fp32"; }

namespace {

constexpr size_t kArenaAlign = 64;

bool is_float(DType d) { return d == DType::kFloat32 || d == DType::kFloat16; }

// Input slots whose constant may be read raw (float16 / not-yet-rounded float32) by the kernel itself.
bool raw_slot(const Op& op, size_t slot) {
  if (op.type == op::kFullyConnected || op.type == op::kConv2d || op.type == op::kMatMul) return slot == 1;
  if (op.type == op::kGather) return true;
  return false;
}

int64_t prod(const std::vector<int64_t>& s, size_t from, size_t to) {
  int64_t p = 1;
  for (size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

class EmulatorExecutable final : public Executable {
 public:
  EmulatorExecutable(const Graph& g, Precision prec, int threads) : graph_(g), prec_(prec) {
    verify(graph_);
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    pool_ = std::make_unique<ThreadPool>(threads);
    check_supported();
    materialize_constants();
    plan_arena();
  }

  const Graph& graph() const override { return graph_; }
  Precision precision() const override { return prec_; }
  size_t arena_bytes() const override { return arena_size_; }

  void run(const std::vector<std::pair<std::string, ConstTensorView>>& inputs,
           const std::vector<std::pair<std::string, MutableTensorView>>& outputs) override {
    const auto& ts = graph_.tensors();
    ptr_.assign(ts.size(), nullptr);
    uint8_t* arena = arena_base();
    for (size_t i = 0; i < ts.size(); ++i) {
      if (ts[i].kind == TensorKind::kConstant) {
        ptr_[i] = materialized_[i].empty() ? const_cast<uint8_t*>(ts[i].data.data)
                                           : reinterpret_cast<uint8_t*>(materialized_[i].data());
      } else if (offset_[i] >= 0) {
        ptr_[i] = arena + offset_[i];
      }
    }
    bind_inputs(inputs);
    bind_outputs(outputs);
    for (const Op& op : graph_.ops()) {
      execute(op);
      const Tensor& out = ts[static_cast<size_t>(op.outputs[0])];
      if (prec_ == Precision::kFp16 && out.dtype == DType::kFloat32) {
        float* p = f(op.outputs[0]);
        round_to_half_n(p, p, static_cast<size_t>(out.num_elements()));
      }
    }
  }

 private:
  void check_supported() const {
    for (const Tensor& t : graph_.tensors()) {
      if (t.quant.kind != QuantEncoding::Kind::kNone) {
        throw Error(ErrorCode::kUnsupported, "emulator: tensor '" + t.name + "' is quantized; quantized execution is not "
                                             "implemented yet");
      }
      bool ok = t.dtype == DType::kFloat32 || t.dtype == DType::kInt32 || t.dtype == DType::kInt64 ||
                (t.dtype == DType::kFloat16 && t.kind == TensorKind::kConstant);
      if (!ok) {
        throw Error(ErrorCode::kUnsupported, std::string("emulator: tensor '") + t.name + "' has dtype " +
                                                 dtype_name(t.dtype) + " (" + tensor_kind_name(t.kind) + ")");
      }
    }
  }

  void materialize_constants() {
    const auto& ts = graph_.tensors();
    materialized_.resize(ts.size());
    std::vector<char> need(ts.size(), 0);
    for (const Op& op : graph_.ops()) {
      for (size_t s = 0; s < op.inputs.size(); ++s) {
        const Tensor& t = ts[static_cast<size_t>(op.inputs[s])];
        if (t.kind != TensorKind::kConstant || !is_float(t.dtype) || raw_slot(op, s)) continue;
        if (t.dtype == DType::kFloat16 || prec_ == Precision::kFp16) need[static_cast<size_t>(op.inputs[s])] = 1;
      }
    }
    for (size_t i = 0; i < ts.size(); ++i) {
      if (!need[i]) continue;
      const size_t n = static_cast<size_t>(ts[i].num_elements());
      auto& m = materialized_[i];
      m.resize(n);
      if (ts[i].dtype == DType::kFloat16) {
        half_to_float_n(reinterpret_cast<const uint16_t*>(ts[i].data.data), m.data(), n);
      } else {
        round_to_half_n(reinterpret_cast<const float*>(ts[i].data.data), m.data(), n);
      }
    }
  }

  void plan_arena() {
    const auto& ts = graph_.tensors();
    const auto& ops = graph_.ops();
    const size_t n = ts.size();
    offset_.assign(n, -1);
    std::vector<int64_t> last_use(n, -1);
    for (size_t i = 0; i < ops.size(); ++i) {
      for (TensorId t : ops[i].inputs) last_use[static_cast<size_t>(t)] = static_cast<int64_t>(i);
    }
    std::map<int64_t, int64_t> live;  // offset → size
    auto alloc = [&](size_t t) {
      int64_t size = static_cast<int64_t>((ts[t].nbytes() + kArenaAlign - 1) / kArenaAlign * kArenaAlign);
      if (size == 0) size = static_cast<int64_t>(kArenaAlign);
      int64_t at = 0;
      for (const auto& [off, sz] : live) {
        if (off - at >= size) break;
        at = std::max(at, off + sz);
      }
      live[at] = size;
      offset_[t] = at;
      arena_size_ = std::max(arena_size_, static_cast<size_t>(at + size));
    };
    auto release = [&](size_t t) {
      if (offset_[t] >= 0 && ts[t].kind != TensorKind::kOutput) live.erase(offset_[t]);
    };
    if (prec_ == Precision::kFp16) {
      for (TensorId t : graph_.inputs()) {
        if (ts[static_cast<size_t>(t)].dtype == DType::kFloat32) alloc(static_cast<size_t>(t));
      }
    }
    for (size_t i = 0; i < ops.size(); ++i) {
      const auto out = static_cast<size_t>(ops[i].outputs[0]);
      const auto in0 = static_cast<size_t>(ops[i].inputs[0]);
      if (ops[i].type == op::kReshape && ts[in0].kind == TensorKind::kActivation && offset_[in0] >= 0 &&
          last_use[in0] == static_cast<int64_t>(i) && ts[out].kind == TensorKind::kActivation) {
        // A Reshape that is its input's last reader takes over the input's buffer: no copy at run time.
        offset_[out] = offset_[in0];
        continue;
      }
      alloc(out);
      for (TensorId t : ops[i].inputs) {
        if (last_use[static_cast<size_t>(t)] == static_cast<int64_t>(i) && ts[static_cast<size_t>(t)].kind != TensorKind::kConstant) {
          release(static_cast<size_t>(t));
        }
      }
    }
    arena_.assign(arena_size_ + kArenaAlign, 0);
  }

  uint8_t* arena_base() {
    auto p = reinterpret_cast<uintptr_t>(arena_.data());
    return arena_.data() + ((kArenaAlign - p % kArenaAlign) % kArenaAlign);
  }

  [[noreturn]] void mismatch(const Tensor& t, const std::vector<int64_t>& shape, DType dtype) const {
    throw Error(ErrorCode::kShapeMismatch, "graph '" + graph_.name() + "': tensor '" + t.name + "' expects " +
                                               dtype_name(t.dtype) + " " + shape_to_string(t.shape) + ", got " +
                                               dtype_name(dtype) + " " + shape_to_string(shape));
  }

  void bind_inputs(const std::vector<std::pair<std::string, ConstTensorView>>& inputs) {
    const auto& ts = graph_.tensors();
    std::vector<char> bound(ts.size(), 0);
    for (const auto& [name, view] : inputs) {
      TensorId id = graph_.find(name);
      if (id == kNoTensor || ts[static_cast<size_t>(id)].kind != TensorKind::kInput) {
        throw Error(ErrorCode::kNotFound, "graph '" + graph_.name() + "' has no input named '" + name + "'");
      }
      const Tensor& t = ts[static_cast<size_t>(id)];
      if (bound[static_cast<size_t>(id)]++) {
        throw Error(ErrorCode::kInvalidArgument, "input '" + name + "' bound twice");
      }
      if (view.shape != t.shape || view.dtype != t.dtype) mismatch(t, view.shape, view.dtype);
      if (view.data == nullptr && t.nbytes() > 0) {
        throw Error(ErrorCode::kInvalidArgument, "input '" + name + "': null data");
      }
      if (prec_ == Precision::kFp16 && t.dtype == DType::kFloat32) {
        round_to_half_n(static_cast<const float*>(view.data), reinterpret_cast<float*>(ptr_[static_cast<size_t>(id)]),
                        static_cast<size_t>(t.num_elements()));
      } else {
        ptr_[static_cast<size_t>(id)] = const_cast<uint8_t*>(static_cast<const uint8_t*>(view.data));
      }
    }
    for (TensorId id : graph_.inputs()) {
      if (!bound[static_cast<size_t>(id)]) {
        throw Error(ErrorCode::kNotFound, "graph '" + graph_.name() + "': input '" + ts[static_cast<size_t>(id)].name +
                                              "' is not bound");
      }
    }
  }

  void bind_outputs(const std::vector<std::pair<std::string, MutableTensorView>>& outputs) {
    const auto& ts = graph_.tensors();
    std::vector<char> bound(ts.size(), 0);
    for (const auto& [name, view] : outputs) {
      TensorId id = graph_.find(name);
      if (id == kNoTensor || ts[static_cast<size_t>(id)].kind != TensorKind::kOutput) {
        throw Error(ErrorCode::kNotFound, "graph '" + graph_.name() + "' has no output named '" + name + "'");
      }
      const Tensor& t = ts[static_cast<size_t>(id)];
      if (bound[static_cast<size_t>(id)]++) throw Error(ErrorCode::kInvalidArgument, "output '" + name + "' bound twice");
      if (view.shape != t.shape || view.dtype != t.dtype) mismatch(t, view.shape, view.dtype);
      if (view.data == nullptr && t.nbytes() > 0) throw Error(ErrorCode::kInvalidArgument, "output '" + name + "': null data");
      ptr_[static_cast<size_t>(id)] = static_cast<uint8_t*>(view.data);
    }
  }

  const Tensor& T(TensorId id) const { return graph_.tensors()[static_cast<size_t>(id)]; }
  float* f(TensorId id) const { return reinterpret_cast<float*>(ptr_[static_cast<size_t>(id)]); }
  uint8_t* raw(TensorId id) const { return ptr_[static_cast<size_t>(id)]; }

  GemmB gemm_b(TensorId id, int64_t ld, bool trans) const {
    const Tensor& t = T(id);
    bool is_const = t.kind == TensorKind::kConstant;
    return GemmB{raw(id), t.dtype, ld, trans, is_const && t.dtype == DType::kFloat32 && prec_ == Precision::kFp16};
  }

  void execute(const Op& op) {
    const std::string& ty = op.type;
    const TensorId o = op.outputs[0];
    const Tensor& out = T(o);
    const auto& in = op.inputs;
    if (ty == op::kFullyConnected) {
      const auto& w = T(in[1]).shape;  // [Out, In]
      const int64_t M = T(in[0]).num_elements() / std::max<int64_t>(w[1], 1);
      gemm(M, w[0], w[1], GemmA{f(in[0]), w[1], false}, gemm_b(in[1], w[1], true), f(o), w[0],
           in.size() > 2 ? f(in[2]) : nullptr, pool_.get());
    } else if (ty == op::kConv2d) {
      conv2d(op);
    } else if (ty == op::kMatMul) {
      matmul(op);
    } else if (is_binary_op(ty)) {
      const Tensor& a = T(in[0]);
      const Tensor& b = T(in[1]);
      if (out.dtype == DType::kFloat32) {
        kernels::binary<float>(ty, f(in[0]), a.shape, f(in[1]), b.shape, f(o), out.shape);
      } else if (out.dtype == DType::kInt32) {
        kernels::binary<int32_t>(ty, reinterpret_cast<int32_t*>(raw(in[0])), a.shape, reinterpret_cast<int32_t*>(raw(in[1])),
                                 b.shape, reinterpret_cast<int32_t*>(raw(o)), out.shape);
      } else {
        kernels::binary<int64_t>(ty, reinterpret_cast<int64_t*>(raw(in[0])), a.shape, reinterpret_cast<int64_t*>(raw(in[1])),
                                 b.shape, reinterpret_cast<int64_t*>(raw(o)), out.shape);
      }
    } else if (is_unary_op(ty)) {
      kernels::unary(ty, f(in[0]), f(o), static_cast<size_t>(out.num_elements()));
    } else if (ty == op::kSoftmax) {
      const auto& s = T(in[0]).shape;
      auto ax = static_cast<size_t>((op.param_int("axis") + static_cast<int64_t>(s.size())) % static_cast<int64_t>(s.size()));
      const int64_t outer = prod(s, 0, ax), inner = prod(s, ax + 1, s.size());
      // Rows are independent: split the outer dim across threads when large.
      const int64_t chunks = outer >= 64 ? pool_->size() * 4 : 1;
      const int64_t per = (outer + chunks - 1) / chunks;
      const float* x = f(in[0]);
      float* y = f(o);
      pool_->parallel_for(chunks, [&](int64_t c) {
        int64_t b = c * per, e = std::min(outer, b + per);
        if (b < e) kernels::softmax(x + b * s[ax] * inner, y + b * s[ax] * inner, e - b, s[ax], inner);
      });
    } else if (ty == op::kRmsNorm) {
      const auto& s = T(in[0]).shape;
      kernels::rms_norm(f(in[0]), f(in[1]), f(o), prod(s, 0, s.size() - 1), s.back(),
                        static_cast<float>(op.param_float("epsilon")));
    } else if (ty == op::kLayerNorm) {
      const auto& s = T(in[0]).shape;
      kernels::layer_norm(f(in[0]), f(in[1]), f(in[2]), f(o), prod(s, 0, s.size() - 1), s.back(),
                          static_cast<float>(op.param_float("epsilon")));
    } else if (ty == op::kReduceSum || ty == op::kReduceMean || ty == op::kReduceMax) {
      const auto& s = T(in[0]).shape;
      std::vector<bool> red(s.size(), false);
      for (int64_t a : op.param_ints("axes")) red[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(s.size()) : a)] = true;
      kernels::reduce(ty, f(in[0]), s, red, f(o));
    } else if (ty == op::kArgmax) {
      const auto& s = T(in[0]).shape;
      auto ax = static_cast<size_t>((op.param_int("axis") + static_cast<int64_t>(s.size())) % static_cast<int64_t>(s.size()));
      kernels::argmax(f(in[0]), reinterpret_cast<int32_t*>(raw(o)), prod(s, 0, ax), s[ax], prod(s, ax + 1, s.size()));
    } else if (ty == op::kTranspose) {
      kernels::transpose(raw(in[0]), T(in[0]).shape, op.param_ints("perm"), raw(o), dtype_size_bits(out.dtype) / 8);
    } else if (ty == op::kReshape) {
      if (raw(o) != raw(in[0])) std::memcpy(raw(o), raw(in[0]), out.nbytes());
    } else if (ty == op::kConcat) {
      const auto& os = out.shape;
      auto ax = static_cast<size_t>((op.param_int("axis") + static_cast<int64_t>(os.size())) % static_cast<int64_t>(os.size()));
      const int64_t outer = prod(os, 0, ax), inner = prod(os, ax + 1, os.size());
      int64_t at = 0;
      for (TensorId t : in) {
        kernels::concat_part(raw(t), outer, T(t).shape[ax], inner, raw(o), os[ax], at, dtype_size_bits(out.dtype) / 8);
        at += T(t).shape[ax];
      }
    } else if (ty == op::kGather) {
      gather(op);
    } else if (ty == op::kStridedSlice) {
      std::string err;
      const auto& s = T(in[0]).shape;
      auto spec = normalize_slice(s, op.param_ints("begin"), op.param_ints("end"), op.param_ints("strides"), &err);
      kernels::strided_slice(raw(in[0]), s, spec.begin, spec.strides, out.shape, raw(o), dtype_size_bits(out.dtype) / 8);
    } else if (ty == op::kCast) {
      cast(op);
    } else {
      throw Error(ErrorCode::kUnsupported, "emulator: op type '" + ty + "' (op '" + op.name + "') is not implemented");
    }
  }

  void conv2d(const Op& op) {
    const auto& in = op.inputs;
    const auto& xs = T(in[0]).shape;  // N H W Cin
    const auto& ws = T(in[1]).shape;  // kh kw Cin Cout
    const auto& os = T(op.outputs[0]).shape;
    const auto& stride = op.param_ints("stride");
    const auto& pad = op.param_ints("pad_amount");
    const float* bias = in.size() > 2 ? f(in[2]) : nullptr;
    const int64_t M = os[0] * os[1] * os[2];
    const int64_t K = ws[0] * ws[1] * ws[2];
    const bool pointwise = ws[0] == 1 && ws[1] == 1 && stride[0] == 1 && stride[1] == 1 &&
                           std::all_of(pad.begin(), pad.end(), [](int64_t p) { return p == 0; });
    if (pointwise) {
      gemm(M, ws[3], K, GemmA{f(in[0]), K, false}, gemm_b(in[1], ws[3], false), f(op.outputs[0]), ws[3], bias, pool_.get());
      return;
    }
    // im2col: one row per output pixel, columns ordered (ky, kx, cin) = HWIO flattening.
    im2col_.assign(static_cast<size_t>(M * K), 0.0f);
    const float* x = f(in[0]);
    for (int64_t n = 0; n < os[0]; ++n)
      for (int64_t oy = 0; oy < os[1]; ++oy)
        for (int64_t ox = 0; ox < os[2]; ++ox) {
          float* row = im2col_.data() + ((n * os[1] + oy) * os[2] + ox) * K;
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
    gemm(M, ws[3], K, GemmA{im2col_.data(), K, false}, gemm_b(in[1], ws[3], false), f(op.outputs[0]), ws[3], bias,
         pool_.get());
  }

  void matmul(const Op& op) {
    const TensorId ia = op.inputs[0], ib = op.inputs[1], o = op.outputs[0];
    const auto& as = T(ia).shape;
    const auto& bs = T(ib).shape;
    const auto& os = T(o).shape;
    const bool ta = op.param_bool("transpose_in0"), tb = op.param_bool("transpose_in1");
    const size_t rb = os.size() - 2;
    const int64_t M = os[rb], N = os[rb + 1];
    const int64_t K = ta ? as[as.size() - 2] : as[as.size() - 1];
    const int64_t a_mat = as[as.size() - 2] * as[as.size() - 1];
    const int64_t b_mat = bs[bs.size() - 2] * bs[bs.size() - 1];
    // Batch strides (in matrices), 0 on broadcast dims.
    auto bstr = [&](const std::vector<int64_t>& s) {
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
    const size_t bes = dtype_size_bits(T(ib).dtype) / 8;
    auto one = [&](int64_t bi, ThreadPool* pool) {
      int64_t rem = bi, oa = 0, ob = 0;
      for (size_t d = rb; d-- > 0;) {
        const int64_t idx = rem % os[d];
        rem /= os[d];
        oa += idx * sa[d];
        ob += idx * sb[d];
      }
      GemmA A{f(ia) + oa * a_mat, ta ? M : K, ta};
      GemmB B = gemm_b(ib, tb ? K : N, tb);
      B.p = raw(ib) + static_cast<size_t>(ob * b_mat) * bes;
      gemm(M, N, K, A, B, f(o) + bi * M * N, N, nullptr, pool);
    };
    if (batches >= pool_->size() && pool_->size() > 1) {
      pool_->parallel_for(batches, [&](int64_t bi) { one(bi, nullptr); });
    } else {
      for (int64_t bi = 0; bi < batches; ++bi) one(bi, pool_.get());
    }
  }

  void gather(const Op& op) {
    const TensorId it = op.inputs[0], ii = op.inputs[1], o = op.outputs[0];
    const Tensor& table = T(it);
    const auto& ts = table.shape;
    const int64_t r = static_cast<int64_t>(ts.size());
    const auto ax = static_cast<size_t>((op.param_int("axis") + r) % r);
    const int64_t outer = prod(ts, 0, ax), dim = ts[ax], inner = prod(ts, ax + 1, ts.size());
    const int64_t nidx = T(ii).num_elements();
    const bool i64 = T(ii).dtype == DType::kInt64;
    const uint8_t* tab = raw(it);
    uint8_t* out = raw(o);
    const size_t in_es = dtype_size_bits(table.dtype) / 8;
    const size_t out_es = dtype_size_bits(T(o).dtype) / 8;
    const bool round = table.dtype == DType::kFloat32 && prec_ == Precision::kFp16 && table.kind == TensorKind::kConstant;
    for (int64_t k = 0; k < nidx; ++k) {
      int64_t idx = i64 ? reinterpret_cast<const int64_t*>(raw(ii))[k] : reinterpret_cast<const int32_t*>(raw(ii))[k];
      if (idx < 0 || idx >= dim) {
        throw Error(ErrorCode::kInvalidArgument, "op '" + op.name + "' (Gather): index " + std::to_string(idx) +
                                                     " at position " + std::to_string(k) + " of '" + T(ii).name +
                                                     "' is out of range [0, " + std::to_string(dim) + ")");
      }
      for (int64_t ob = 0; ob < outer; ++ob) {
        const uint8_t* src = tab + static_cast<size_t>((ob * dim + idx) * inner) * in_es;
        uint8_t* dst = out + static_cast<size_t>((ob * nidx + k) * inner) * out_es;
        if (table.dtype == DType::kFloat16) {
          half_to_float_n(reinterpret_cast<const uint16_t*>(src), reinterpret_cast<float*>(dst), static_cast<size_t>(inner));
        } else if (round) {
          round_to_half_n(reinterpret_cast<const float*>(src), reinterpret_cast<float*>(dst), static_cast<size_t>(inner));
        } else {
          std::memcpy(dst, src, static_cast<size_t>(inner) * in_es);
        }
      }
    }
  }

  void cast(const Op& op) {
    const Tensor& x = T(op.inputs[0]);
    const Tensor& y = T(op.outputs[0]);
    const size_t n = static_cast<size_t>(x.num_elements());
    auto load = [&](size_t i) -> double {
      const uint8_t* p = raw(op.inputs[0]);
      switch (x.dtype) {
        case DType::kFloat32: return reinterpret_cast<const float*>(p)[i];
        case DType::kFloat16: return half_to_float(reinterpret_cast<const uint16_t*>(p)[i]);
        case DType::kInt32: return reinterpret_cast<const int32_t*>(p)[i];
        default: return static_cast<double>(reinterpret_cast<const int64_t*>(p)[i]);
      }
    };
    uint8_t* q = raw(op.outputs[0]);
    for (size_t i = 0; i < n; ++i) {
      if (y.dtype == DType::kFloat32) {
        reinterpret_cast<float*>(q)[i] = static_cast<float>(load(i));
      } else if (x.dtype == DType::kInt64 && y.dtype == DType::kInt64) {
        reinterpret_cast<int64_t*>(q)[i] = reinterpret_cast<const int64_t*>(raw(op.inputs[0]))[i];
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

  Graph graph_;
  Precision prec_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<std::vector<float>> materialized_;
  std::vector<int64_t> offset_;
  size_t arena_size_ = 0;
  std::vector<uint8_t> arena_;
  std::vector<uint8_t*> ptr_;
  std::vector<float> im2col_;
};

}  // namespace

std::unique_ptr<Executable> prepare_emulator(const Graph& graph, Precision precision, int num_threads) {
  return std::make_unique<EmulatorExecutable>(graph, precision, num_threads);
}

}  // namespace edgevl::qnn
