#include "graph_json.h"

#include "edgevl/error.h"

namespace edgevl::qnn {

using nlohmann::json;

namespace {

const char* quant_kind_name(QuantEncoding::Kind k) {
  switch (k) {
    case QuantEncoding::Kind::kNone: return "none";
    case QuantEncoding::Kind::kScaleOffset: return "scale_offset";
    case QuantEncoding::Kind::kAxisScaleOffset: return "axis_scale_offset";
    case QuantEncoding::Kind::kBlockwiseExpansion: return "blockwise_expansion";
  }
  return "none";
}

QuantEncoding::Kind quant_kind_from(const std::string& s) {
  for (auto k : {QuantEncoding::Kind::kNone, QuantEncoding::Kind::kScaleOffset, QuantEncoding::Kind::kAxisScaleOffset,
                 QuantEncoding::Kind::kBlockwiseExpansion}) {
    if (s == quant_kind_name(k)) return k;
  }
  throw Error(ErrorCode::kCorruptFile, "unknown quant encoding kind '" + s + "'");
}

TensorKind tensor_kind_from(const std::string& s) {
  for (auto k : {TensorKind::kInput, TensorKind::kOutput, TensorKind::kConstant, TensorKind::kActivation}) {
    if (s == tensor_kind_name(k)) return k;
  }
  throw Error(ErrorCode::kCorruptFile, "unknown tensor kind '" + s + "'");
}

// Params keep their C++ type through JSON by a one-letter tag: {"i": 3}, {"f": 1e-6}, {"b": true}, {"s": ".."}, {"v": [..]}.
json param_to_json(const Param& p) {
  if (auto* i = std::get_if<int64_t>(&p)) return {{"i", *i}};
  if (auto* d = std::get_if<double>(&p)) return {{"f", *d}};
  if (auto* b = std::get_if<bool>(&p)) return {{"b", *b}};
  if (auto* s = std::get_if<std::string>(&p)) return {{"s", *s}};
  return {{"v", std::get<std::vector<int64_t>>(p)}};
}

Param param_from_json(const json& j) {
  if (!j.is_object() || j.size() != 1) throw Error(ErrorCode::kCorruptFile, "malformed op param");
  const std::string tag = j.begin().key();
  const json& v = j.begin().value();
  if (tag == "i") return v.get<int64_t>();
  if (tag == "f") return v.get<double>();
  if (tag == "b") return v.get<bool>();
  if (tag == "s") return v.get<std::string>();
  if (tag == "v") return v.get<std::vector<int64_t>>();
  throw Error(ErrorCode::kCorruptFile, "unknown param tag '" + tag + "'");
}

}  // namespace

json graph_to_json(const Graph& g, const std::function<uint64_t(TensorId)>& offset_of) {
  json tensors = json::array();
  for (size_t i = 0; i < g.tensors().size(); ++i) {
    const Tensor& t = g.tensors()[i];
    json jt = {{"name", t.name}, {"shape", t.shape}, {"dtype", dtype_name(t.dtype)}, {"kind", tensor_kind_name(t.kind)}};
    if (t.quant.kind != QuantEncoding::Kind::kNone) {
      jt["quant"] = {{"kind", quant_kind_name(t.quant.kind)}, {"axis", t.quant.axis},
                     {"bitwidth", t.quant.bitwidth}, {"scales", t.quant.scales},
                     {"offsets", t.quant.offsets}, {"block_size", t.quant.block_size},
                     {"block_scales", t.quant.block_scales}};
    }
    if (t.kind == TensorKind::kConstant) {
      jt["offset"] = offset_of(static_cast<TensorId>(i));
      jt["nbytes"] = t.data.nbytes;
    }
    tensors.push_back(std::move(jt));
  }
  json ops = json::array();
  for (const Op& op : g.ops()) {
    json params = json::object();
    for (const auto& [k, v] : op.params) params[k] = param_to_json(v);
    ops.push_back({{"type", op.type}, {"name", op.name}, {"inputs", op.inputs}, {"outputs", op.outputs}, {"params", params}});
  }
  return {{"name", g.name()}, {"tensors", tensors}, {"ops", ops}, {"inputs", g.inputs()}, {"outputs", g.outputs()}};
}

Graph graph_from_json(const json& j, const std::function<ConstData(uint64_t, uint64_t, const std::string&)>& resolve) {
  std::string gname = "?";
  try {
    gname = j.at("name").get<std::string>();
    Graph g(gname);
    for (const json& jt : j.at("tensors")) {
      Tensor t;
      t.name = jt.at("name").get<std::string>();
      t.shape = jt.at("shape").get<std::vector<int64_t>>();
      for (int64_t d : t.shape) {
        if (d < 0) throw Error(ErrorCode::kCorruptFile, "tensor '" + t.name + "' has a negative dimension");
      }
      try {
        t.dtype = dtype_from_name(jt.at("dtype").get<std::string>());
      } catch (const Error& e) {
        throw Error(ErrorCode::kCorruptFile, "tensor '" + t.name + "': " + e.what());
      }
      t.kind = tensor_kind_from(jt.at("kind").get<std::string>());
      if (jt.contains("quant")) {
        const json& q = jt.at("quant");
        t.quant.kind = quant_kind_from(q.at("kind").get<std::string>());
        t.quant.axis = q.at("axis").get<int>();
        t.quant.bitwidth = q.at("bitwidth").get<int>();
        t.quant.scales = q.at("scales").get<std::vector<float>>();
        t.quant.offsets = q.at("offsets").get<std::vector<int32_t>>();
        t.quant.block_size = q.at("block_size").get<int>();
        t.quant.block_scales = q.at("block_scales").get<std::vector<uint8_t>>();
      }
      if (t.kind == TensorKind::kConstant) {
        t.data = resolve(jt.at("offset").get<uint64_t>(), jt.at("nbytes").get<uint64_t>(), t.name);
        if (t.data.nbytes != tensor_nbytes(t.shape, t.dtype)) {
          throw Error(ErrorCode::kCorruptFile, "constant '" + t.name + "' has " + std::to_string(t.data.nbytes) +
                                                   " bytes but " + dtype_name(t.dtype) + " " + shape_to_string(t.shape) +
                                                   " needs " + std::to_string(tensor_nbytes(t.shape, t.dtype)));
        }
      }
      g.add_tensor(std::move(t));
    }
    const auto n = static_cast<int64_t>(g.tensors().size());
    auto ids = [&](const json& a) {
      auto v = a.get<std::vector<TensorId>>();
      for (TensorId id : v) {
        if (id < 0 || id >= n) throw Error(ErrorCode::kCorruptFile, "tensor id " + std::to_string(id) + " out of range");
      }
      return v;
    };
    for (const json& jo : j.at("ops")) {
      Op op;
      op.type = jo.at("type").get<std::string>();
      op.name = jo.at("name").get<std::string>();
      op.inputs = ids(jo.at("inputs"));
      op.outputs = ids(jo.at("outputs"));
      for (const auto& [k, v] : jo.at("params").items()) op.params[k] = param_from_json(v);
      g.mutable_ops().push_back(std::move(op));
    }
    g.set_inputs(ids(j.at("inputs")));
    g.set_outputs(ids(j.at("outputs")));
    return g;
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kCorruptFile, "graph '" + gname + "': malformed manifest entry (" + e.what() + ")");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kCorruptFile) throw Error(ErrorCode::kCorruptFile, "graph '" + gname + "': " + e.what());
    throw Error(ErrorCode::kCorruptFile, "graph '" + gname + "': " + e.what());
  }
}

}  // namespace edgevl::qnn
