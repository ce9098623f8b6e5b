#include "edgevl/qnn/passes.h"

#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "edgevl/error.h"

namespace edgevl::qnn {

namespace {

// Drops tensors no op touches that are neither graph inputs nor outputs; renumbers ids.
void compact(Graph& g) {
  const size_t n = g.tensors().size();
  std::vector<char> keep(n, 0);
  for (const Op& op : g.ops()) {
    for (TensorId t : op.inputs) keep[static_cast<size_t>(t)] = 1;
    for (TensorId t : op.outputs) keep[static_cast<size_t>(t)] = 1;
  }
  for (TensorId t : g.inputs()) keep[static_cast<size_t>(t)] = 1;
  for (TensorId t : g.outputs()) keep[static_cast<size_t>(t)] = 1;
  std::vector<TensorId> remap(n, kNoTensor);
  std::vector<Tensor> kept;
  for (size_t i = 0; i < n; ++i) {
    if (!keep[i]) continue;
    remap[i] = static_cast<TensorId>(kept.size());
    kept.push_back(std::move(g.mutable_tensors()[i]));
  }
  g.mutable_tensors() = std::move(kept);
  auto fix = [&](std::vector<TensorId>& v) {
    for (TensorId& t : v) t = remap[static_cast<size_t>(t)];
  };
  for (Op& op : g.mutable_ops()) {
    fix(op.inputs);
    fix(op.outputs);
  }
  auto ins = g.inputs();
  fix(ins);
  g.set_inputs(ins);
  auto outs = g.outputs();
  fix(outs);
  g.set_outputs(outs);
}

ConstData transpose_2d(const ConstData& src, int64_t rows, int64_t cols, size_t es) {
  std::vector<uint8_t> dst(src.nbytes);
  constexpr int64_t B = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += B)
    for (int64_t c0 = 0; c0 < cols; c0 += B)
      for (int64_t r = r0; r < std::min(rows, r0 + B); ++r)
        for (int64_t c = c0; c < std::min(cols, c0 + B); ++c)
          std::memcpy(dst.data() + static_cast<size_t>(c * rows + r) * es, src.data + static_cast<size_t>(r * cols + c) * es, es);
  return ConstData::from_bytes(std::move(dst));
}

// int4 [rows, cols] (two per byte, low nibble first, row-major) → its transpose [cols, rows] in the same packing.
ConstData transpose_int4(const ConstData& src, int64_t rows, int64_t cols) {
  const size_t n = static_cast<size_t>(rows * cols);
  std::vector<uint8_t> dst((n + 1) / 2, 0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) {
      const size_t i = static_cast<size_t>(r * cols + c), j = static_cast<size_t>(c * rows + r);
      const uint8_t nib = (src.data[i / 2] >> ((i % 2) * 4)) & 0xF;
      dst[j / 2] = static_cast<uint8_t>(dst[j / 2] | (nib << ((j % 2) * 4)));
    }
  return ConstData::from_bytes(std::move(dst));
}

// The encoding of a [Out, In] weight quantized per output channel (axis 0; LPBQ blocks along axis 1) as the HWIO
// [1, 1, In, Out] weight: channel axis 3, block axis 2; the per-channel arrays and block multipliers [Out, In/block]
// are indexed by (channel, block) and stay as they are.
QuantEncoding hwio_encoding(const Tensor& w) {
  QuantEncoding e = w.quant;
  const bool per_out = e.axis == 0 && (e.kind != QuantEncoding::Kind::kBlockwiseExpansion || e.block_axis == 1);
  if ((e.kind != QuantEncoding::Kind::kAxisScaleOffset && e.kind != QuantEncoding::Kind::kBlockwiseExpansion) ||
      !per_out || (w.dtype != DType::kInt8 && w.dtype != DType::kInt4))
    throw Error(ErrorCode::kUnsupported, "lower_linear_to_conv2d: weight '" + w.name +
                                             "' is quantized other than int8/int4 per output channel (axis 0)");
  e.axis = 3;
  if (e.kind == QuantEncoding::Kind::kBlockwiseExpansion) e.block_axis = 2;
  return e;
}

}  // namespace

int lower_linear_to_conv2d(Graph& g, TransposeCache* cache) {
  std::unordered_set<std::string> tnames, onames;
  for (const Tensor& t : g.tensors()) tnames.insert(t.name);
  for (const Op& op : g.ops()) onames.insert(op.name);
  auto fresh = [&](std::string base, std::unordered_set<std::string>& used) {
    std::string n = base;
    for (int i = 1; used.count(n); ++i) n = base + "_" + std::to_string(i);
    used.insert(n);
    return n;
  };
  auto new_act = [&](const std::string& base, std::vector<int64_t> shape) {
    Tensor t;
    t.name = fresh(base, tnames);
    t.shape = std::move(shape);
    t.dtype = DType::kFloat32;
    t.kind = TensorKind::kActivation;
    return g.add_tensor(std::move(t));
  };
  std::unordered_map<TensorId, TensorId> hwio_of;  // source weight → HWIO constant
  std::vector<Op> out_ops;
  int rewritten = 0;
  std::vector<Op> ops = std::move(g.mutable_ops());
  for (Op& op : ops) {
    if (op.type != op::kFullyConnected) {
      out_ops.push_back(std::move(op));
      continue;
    }
    const TensorId x = op.inputs[0], w = op.inputs[1];
    const auto xs = g.tensor(x).shape;
    const auto ws = g.tensor(w).shape;  // [Out, In]
    const int64_t in = ws[1], outc = ws[0];
    const int64_t m = num_elements(xs) / std::max<int64_t>(in, 1);
    TensorId hw;
    std::vector<Op> pre;
    if (auto it = hwio_of.find(w); it != hwio_of.end()) {
      hw = it->second;
    } else if (g.tensor(w).kind == TensorKind::kConstant) {
      const Tensor& wt = g.tensor(w);
      const bool quantized = wt.quant.kind != QuantEncoding::Kind::kNone;
      const QuantEncoding enc = quantized ? hwio_encoding(wt) : QuantEncoding{};
      if (!quantized && wt.dtype != DType::kFloat32 && wt.dtype != DType::kFloat16) {
        throw Error(ErrorCode::kUnsupported, std::string("lower_linear_to_conv2d: weight '") + wt.name + "' has dtype " +
                                                 dtype_name(wt.dtype));
      }
      ConstData data;
      auto key = std::make_pair(wt.data.data, wt.data.nbytes);
      if (cache && cache->entries.count(key)) {
        data = cache->entries.at(key);
      } else {
        data = wt.dtype == DType::kInt4 ? transpose_int4(wt.data, outc, in)
                                        : transpose_2d(wt.data, outc, in, dtype_size_bits(wt.dtype) / 8);
        if (cache) cache->entries[key] = data;
      }
      Tensor t;
      t.name = fresh(wt.name + ".hwio", tnames);
      t.shape = {1, 1, in, outc};
      t.dtype = wt.dtype;
      t.kind = TensorKind::kConstant;
      t.quant = enc;
      t.data = std::move(data);
      hw = g.add_tensor(std::move(t));
      hwio_of[w] = hw;
    } else {  // weight computed in the graph: transpose it there
      const std::string wn = g.tensor(w).name;
      TensorId tr = new_act(wn + ".t", {in, outc});
      Op t;
      t.type = op::kTranspose;
      t.name = fresh(wn + ".t", onames);
      t.inputs = {w};
      t.outputs = {tr};
      t.params["perm"] = std::vector<int64_t>{1, 0};
      pre.push_back(std::move(t));
      hw = new_act(wn + ".hwio", {1, 1, in, outc});
      Op r;
      r.type = op::kReshape;
      r.name = fresh(wn + ".hwio", onames);
      r.inputs = {tr};
      r.outputs = {hw};
      r.params["shape"] = std::vector<int64_t>{1, 1, in, outc};
      pre.push_back(std::move(r));
      hwio_of[w] = hw;
    }
    for (Op& p : pre) out_ops.push_back(std::move(p));
    TensorId x4 = new_act(op.name + ".nhwc", {1, 1, m, in});
    Op r1;
    r1.type = op::kReshape;
    r1.name = fresh(op.name + ".nhwc", onames);
    r1.inputs = {x};
    r1.outputs = {x4};
    r1.params["shape"] = std::vector<int64_t>{1, 1, m, in};
    TensorId y4 = new_act(op.name + ".conv", {1, 1, m, outc});
    Op conv;
    conv.type = op::kConv2d;
    conv.name = fresh(op.name + ".conv", onames);
    conv.inputs = {x4, hw};
    if (op.inputs.size() > 2) conv.inputs.push_back(op.inputs[2]);
    conv.outputs = {y4};
    conv.params["stride"] = std::vector<int64_t>{1, 1};
    conv.params["pad_amount"] = std::vector<int64_t>{0, 0, 0, 0};
    Op r2;
    r2.type = op::kReshape;
    r2.name = op.name;  // the original op's name and output tensor are kept
    r2.inputs = {y4};
    r2.outputs = op.outputs;
    r2.params["shape"] = g.tensor(op.outputs[0]).shape;
    out_ops.push_back(std::move(r1));
    out_ops.push_back(std::move(conv));
    out_ops.push_back(std::move(r2));
    ++rewritten;
  }
  g.mutable_ops() = std::move(out_ops);
  if (rewritten) compact(g);
  return rewritten;
}

int eliminate_dead_code(Graph& g) {
  const auto& ts = g.tensors();
  std::vector<char> live(ts.size(), 0);
  for (TensorId t : g.outputs()) live[static_cast<size_t>(t)] = 1;
  std::vector<Op>& ops = g.mutable_ops();
  std::vector<char> keep(ops.size(), 0);
  for (size_t i = ops.size(); i-- > 0;) {
    bool needed = false;
    for (TensorId t : ops[i].outputs) needed = needed || live[static_cast<size_t>(t)];
    if (!needed) continue;
    keep[i] = 1;
    for (TensorId t : ops[i].inputs) live[static_cast<size_t>(t)] = 1;
  }
  std::vector<Op> kept;
  int removed = 0;
  for (size_t i = 0; i < ops.size(); ++i) {
    if (keep[i]) kept.push_back(std::move(ops[i]));
    else ++removed;
  }
  ops = std::move(kept);
  compact(g);
  return removed;
}

}  // namespace edgevl::qnn
