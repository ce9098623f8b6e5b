// The HTP emulator back end: arena planning, constant handling per float mode, I/O binding, and the per-op kernels
// resolved once at prepare from the kernel table (emulator_kernels.h), with the requantize wrapper for ops on
// per-tensor-quantized tensors (dequantize inputs → float kernel → quantize the output; docs/quantization.md).
#include "edgevl/qnn/emulator.h"

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <thread>

#include "edgevl/error.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/quant.h"
#include "edgevl/qnn/verify.h"
#include "emulator_kernels.h"
#include "thread_pool.h"

namespace edgevl::qnn {

namespace {

constexpr size_t kArenaAlign = 64;

bool per_tensor_quantized(const Tensor& t) { return t.quant.kind == QuantEncoding::Kind::kScaleOffset; }
size_t align_up(size_t n) { return (n + kArenaAlign - 1) / kArenaAlign * kArenaAlign; }

// One op resolved for execution: its kernel and, for the requantize wrapper, where its float views live.
struct PreparedOp {
  const Op* op = nullptr;
  Kernel fn;
  std::unique_ptr<kernels::PackedWeight> packed;  // GEMM weight prepared for the GEMV kernels
  std::vector<std::pair<TensorId, size_t>> dequant_inputs;  // (tensor, float scratch offset)
  bool quantized_output = false;
  size_t output_scratch = 0;
};

class EmulatorExecutable final : public Executable {
 public:
  EmulatorExecutable(const Graph& g, FloatMode mode, int threads) : graph_(g), mode_(mode) {
    verify(graph_);
    check_activation_bytes();
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    pool_ = std::make_unique<ThreadPool>(threads);
    check_dtypes();
    resolve_kernels();
    materialize_constants();
    plan_arena();
  }

  const Graph& graph() const override { return graph_; }
  size_t arena_bytes() const override { return arena_size_; }
  void set_observer(TensorObserver observer) override { observer_ = std::move(observer); }

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
    if (observer_) {
      for (TensorId id : graph_.inputs()) {
        const Tensor& t = ts[static_cast<size_t>(id)];
        if (t.dtype == DType::kFloat32 && !t.quant.quantized())
          observer_(t, reinterpret_cast<const float*>(ptr_[static_cast<size_t>(id)]), static_cast<size_t>(t.num_elements()));
      }
    }
    OpRun r;
    r.graph = &graph_;
    r.ptr = ptr_.data();
    r.pool = pool_.get();
    r.mode = mode_;
    r.scratch = &im2col_;
    for (const PreparedOp& p : prepared_) {
      r.op = p.op;
      r.packed = p.packed.get();
      const TensorId o = p.op->outputs[0];
      const Tensor& out = ts[static_cast<size_t>(o)];
      if (p.dequant_inputs.empty() && !p.quantized_output) {
        p.fn(r);
      } else {
        run_requantized(p, r);
      }
      if (out.dtype == DType::kFloat32 && !out.quant.quantized()) {
        float* y = reinterpret_cast<float*>(ptr_[static_cast<size_t>(o)]);
        const size_t n = static_cast<size_t>(out.num_elements());
        if (mode_ == FloatMode::kFp16)
          parallel_ranges(r.pool, int64_t(n), [&](int64_t b, int64_t e) { round_to_half_n(y + b, y + b, size_t(e - b)); });
        if (observer_) observer_(out, y, n);
      } else if (observer_ && per_tensor_quantized(out)) {
        const size_t n = static_cast<size_t>(out.num_elements());
        observed_.resize(n);
        dequantize_values(ptr_[static_cast<size_t>(o)], n, out.quant, out.dtype, observed_.data());
        observer_(out, observed_.data(), n);
      }
    }
  }

 private:
  // The requantize wrapper: per-tensor-quantized inputs are dequantized into float scratch, the float kernel runs on
  // those views, and a quantized output is requantized from float scratch into its codes.
  void run_requantized(const PreparedOp& p, OpRun& r) {
    float* fs = float_scratch_.data();
    saved_.clear();  // capacity kept: no allocation per op after the first run
    for (const auto& [id, off] : p.dequant_inputs) {
      const Tensor& t = graph_.tensors()[static_cast<size_t>(id)];
      const uint8_t* codes = ptr_[static_cast<size_t>(id)];
      float* dst = fs + off;
      parallel_ranges(r.pool, t.num_elements(), [&](int64_t b, int64_t e) {
        dequantize_values(codes + size_t(b) * code_bytes(t), size_t(e - b), t.quant, t.dtype, dst + b);
      });
      saved_.emplace_back(id, ptr_[static_cast<size_t>(id)]);
      ptr_[static_cast<size_t>(id)] = reinterpret_cast<uint8_t*>(fs + off);
    }
    const TensorId o = p.op->outputs[0];
    uint8_t* codes = ptr_[static_cast<size_t>(o)];
    if (p.quantized_output) ptr_[static_cast<size_t>(o)] = reinterpret_cast<uint8_t*>(fs + p.output_scratch);
    p.fn(r);
    for (const auto& [id, original] : saved_) ptr_[static_cast<size_t>(id)] = original;
    if (p.quantized_output) {
      const Tensor& y = graph_.tensors()[static_cast<size_t>(o)];
      const float* v = fs + p.output_scratch;
      parallel_ranges(r.pool, y.num_elements(), [&](int64_t b, int64_t e) {
        quantize_values(v + b, size_t(e - b), y.quant, y.dtype, codes + size_t(b) * code_bytes(y));
      });
      ptr_[static_cast<size_t>(o)] = codes;
    }
  }

  // The arena and the float scratch are planned in size_t / int64 arithmetic, bounded by the sum over the inputs,
  // outputs and activations of their bytes (or float32 scratch, if larger). A graph can declare activations of any
  // size at no cost (e.g. a MatMul of two empty constants [M, 0] x [0, N]), so a graph whose bound exceeds this
  // machine's physical memory (it could never run) is refused here, before anything is allocated and before a sum can
  // overflow (it was a std::length_error, a wrapped size, or an allocation as large as the manifest said).
  void check_activation_bytes() const {
    const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    const size_t limit = pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : size_t{1} << 56;
    size_t total = 0;
    for (const Tensor& t : graph_.tensors()) {
      if (t.kind == TensorKind::kConstant) continue;
      const size_t bytes = std::max(t.nbytes(), static_cast<size_t>(t.num_elements()) * sizeof(float));
      if (bytes > limit || total + align_up(std::max(bytes, kArenaAlign)) > limit)
        throw Error(ErrorCode::kUnsupported, "emulator: graph '" + graph_.name() + "' needs more activation memory than " +
                                                 "this machine's " + std::to_string(limit) + " bytes (at tensor '" +
                                                 t.name + "' " + shape_to_string(t.shape) + ")");
      total += align_up(std::max(bytes, kArenaAlign));
    }
  }

  void check_dtypes() const {
    for (const Tensor& t : graph_.tensors()) {
      const QuantEncoding::Kind k = t.quant.kind;
      bool ok = t.dtype == DType::kFloat32 || t.dtype == DType::kInt32 || t.dtype == DType::kInt64 ||
                (t.dtype == DType::kFloat16 && t.kind == TensorKind::kConstant);
      if (k == QuantEncoding::Kind::kScaleOffset) ok = t.dtype == DType::kUInt8 || t.dtype == DType::kUInt16;
      if (k == QuantEncoding::Kind::kAxisScaleOffset || k == QuantEncoding::Kind::kBlockwiseExpansion)
        ok = t.kind == TensorKind::kConstant && (t.dtype == DType::kInt8 || t.dtype == DType::kInt4);
      // Unquantized integer constants of other dtypes (e.g. encoding arrays kept beside their weight) are never read.
      if (!ok && t.kind == TensorKind::kConstant && k == QuantEncoding::Kind::kNone) ok = true;
      if (!ok)
        throw Error(ErrorCode::kUnsupported, std::string("emulator: tensor '") + t.name + "' has dtype " +
                                                 dtype_name(t.dtype) + " (" + tensor_kind_name(t.kind) +
                                                 ") with an encoding the emulator has no kernel for");
    }
  }

  void resolve_kernels() {
    const auto& ts = graph_.tensors();
    size_t scratch = 0;
    for (const Op& op : graph_.ops()) {
      const KernelEntry* e = find_kernel(op.type);
      if (!e) throw Error(ErrorCode::kUnsupported, "emulator: op type '" + op.type + "' (op '" + op.name + "') has no kernel");
      PreparedOp p;
      p.op = &op;
      p.fn = e->fn;
      p.packed = pack_gemm_weight(graph_, op, mode_);
      for (size_t s = 0; s < op.inputs.size(); ++s) {
        const Tensor& t = ts[static_cast<size_t>(op.inputs[s])];
        if (!t.quant.quantized()) continue;
        if (!per_tensor_quantized(t)) {
          if (!e->is_weight_slot(s))
            throw Error(ErrorCode::kUnsupported, "emulator: op '" + op.name + "' (" + op.type + ") reads the per-channel "
                                                 "quantized '" + t.name + "' outside a weight slot");
          continue;
        }
        if (e->on_codes || reads_codes(graph_, op, s)) continue;
        bool seen = false;
        for (const auto& d : p.dequant_inputs) seen = seen || d.first == op.inputs[s];
        if (!seen) {
          p.dequant_inputs.emplace_back(op.inputs[s], scratch);
          scratch += align_up(static_cast<size_t>(t.num_elements()) * sizeof(float)) / sizeof(float);
        }
      }
      const Tensor& out = ts[static_cast<size_t>(op.outputs[0])];
      if (per_tensor_quantized(out) && !e->on_codes) {
        p.quantized_output = true;
        p.output_scratch = scratch;
        scratch += align_up(static_cast<size_t>(out.num_elements()) * sizeof(float)) / sizeof(float);
      }
      float_scratch_size_ = std::max(float_scratch_size_, scratch);
      scratch = 0;
      prepared_.push_back(std::move(p));
    }
    float_scratch_.assign(float_scratch_size_ + kArenaAlign, 0.0f);
  }

  void materialize_constants() {
    const auto& ts = graph_.tensors();
    materialized_.resize(ts.size());
    std::vector<char> need(ts.size(), 0);
    for (const Op& op : graph_.ops()) {
      for (size_t s = 0; s < op.inputs.size(); ++s) {
        const Tensor& t = ts[static_cast<size_t>(op.inputs[s])];
        if (t.kind != TensorKind::kConstant || !is_float(t.dtype) || is_weight_slot(op, s)) continue;
        if (t.dtype == DType::kFloat16 || mode_ == FloatMode::kFp16) need[static_cast<size_t>(op.inputs[s])] = 1;
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
      int64_t size = static_cast<int64_t>(align_up(ts[t].nbytes()));
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
    if (mode_ == FloatMode::kFp16) {
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
      if (mode_ == FloatMode::kFp16 && t.dtype == DType::kFloat32) {
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

  Graph graph_;
  FloatMode mode_;
  std::unique_ptr<ThreadPool> pool_;
  std::vector<PreparedOp> prepared_;
  std::vector<std::vector<float>> materialized_;
  std::vector<int64_t> offset_;
  size_t arena_size_ = 0;
  std::vector<uint8_t> arena_;
  std::vector<uint8_t*> ptr_;
  std::vector<float> im2col_;
  size_t float_scratch_size_ = 0;
  std::vector<float> float_scratch_;
  std::vector<std::pair<TensorId, uint8_t*>> saved_;  // pointers the requantize wrapper swapped out
  TensorObserver observer_;
  std::vector<float> observed_;  // dequantized values of a quantized output, for the observer
};

class EmulatorBackend final : public Backend {
 public:
  const char* name() const override { return "emulator"; }
  using Backend::prepare;
  std::unique_ptr<Executable> prepare(const Graph& graph, const PrepareOptions& options, ArtifactView) const override {
    return std::make_unique<EmulatorExecutable>(graph, options.float_mode, options.num_threads);
  }
  IoBuffer allocate(const Tensor& t) const override { return IoBuffer(t.nbytes()); }
};

}  // namespace

const Backend& emulator_backend() {
  static const EmulatorBackend backend;
  return backend;
}

std::unique_ptr<Executable> prepare_emulator(const Graph& graph, FloatMode float_mode, int num_threads) {
  PrepareOptions o;
  o.float_mode = float_mode;
  o.num_threads = num_threads;
  return emulator_backend().prepare(graph, o);
}

}  // namespace edgevl::qnn
