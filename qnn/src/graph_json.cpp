#include "graph_json.h"

#include <cstring>

#include "edgevl/error.h"
#include "edgevl/qnn/quant.h"

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


// An encoding array: inline when short, else {"tensor": name} naming a companion constant of the graph that holds it.
template <typename T>
json array_to_json(const Graph& g, const std::string& tensor, const char* field, const std::vector<T>& v) {
  const std::string name = encoding_array_tensor(tensor, field);
  if (g.find(name) != kNoTensor) return {{"tensor", name}};
  return v;
}

template <typename T>
std::vector<T> array_from_json(const Graph& g, const json& j, DType dtype) {
  if (!j.is_object()) return j.get<std::vector<T>>();
  const std::string name = j.at("tensor").get<std::string>();
  const TensorId id = g.find(name);
  if (id == kNoTensor) throw Error(ErrorCode::kCorruptFile, "encoding array tensor '" + name + "' is not in the graph");
  const Tensor& c = g.tensor(id);
  if (c.kind != TensorKind::kConstant || c.dtype != dtype || c.shape.size() != 1 || c.data.nbytes != c.shape[0] * sizeof(T))
    throw Error(ErrorCode::kCorruptFile, "encoding array tensor '" + name + "' must be a 1-D " + dtype_name(dtype) +
                                             " constant");
  std::vector<T> v(static_cast<size_t>(c.shape[0]));
  if (!v.empty()) std::memcpy(v.data(), c.data.data, c.data.nbytes);
  return v;
}

json encoding_to_json(const Graph& g, const Tensor& t) {
  const QuantEncoding& q = t.quant;
  json j = {{"kind", quant_kind_name(q.kind)}, {"axis", q.axis}, {"bitwidth", q.bitwidth},
            {"scales", array_to_json(g, t.name, "scales", q.scales)},
            {"offsets", array_to_json(g, t.name, "offsets", q.offsets)}};
  if (q.kind == QuantEncoding::Kind::kBlockwiseExpansion) {
    j["block_size"] = q.block_size;
    j["block_axis"] = q.block_axis;
    j["block_scale_bitwidth"] = q.block_scale_bitwidth;
    j["block_scales"] = array_to_json(g, t.name, "block_scales", q.block_scales);
  }
  return j;
}

QuantEncoding encoding_from_json(const Graph& g, const std::string& tensor, const json& j) {
  QuantEncoding q;
  try {
    q.kind = quant_kind_from(j.at("kind").get<std::string>());
    q.axis = j.at("axis").get<int>();
    q.bitwidth = j.at("bitwidth").get<int>();
    q.scales = array_from_json<float>(g, j.at("scales"), DType::kFloat32);
    q.offsets = array_from_json<int32_t>(g, j.at("offsets"), DType::kInt32);
    if (q.kind == QuantEncoding::Kind::kBlockwiseExpansion) {
      q.block_size = j.at("block_size").get<int>();
      q.block_axis = j.at("block_axis").get<int>();
      q.block_scale_bitwidth = j.at("block_scale_bitwidth").get<int>();
      q.block_scales = array_from_json<uint8_t>(g, j.at("block_scales"), DType::kUInt8);
    }
  } catch (const json::exception& e) {
    throw Error(ErrorCode::kCorruptFile, "tensor '" + tensor + "': malformed quant encoding (" + e.what() + ")");
  }
  return q;
}

}  // namespace

json graph_to_json(const Graph& g, const std::function<uint64_t(TensorId)>& offset_of) {
  json tensors = json::array();
  for (size_t i = 0; i < g.tensors().size(); ++i) {
    const Tensor& t = g.tensors()[i];
    json jt = {{"name", t.name}, {"shape", t.shape}, {"dtype", dtype_name(t.dtype)}, {"kind", tensor_kind_name(t.kind)}};
    if (t.quant.quantized()) jt["quant"] = encoding_to_json(g, t);
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
    // Encodings last: their large arrays may live in companion constants (encoding_array_tensor()).
    const auto& jts = j.at("tensors");
    for (size_t i = 0; i < jts.size(); ++i) {
      if (!jts[i].contains("quant")) continue;
      Tensor& t = g.mutable_tensor(static_cast<TensorId>(i));
      t.quant = encoding_from_json(g, t.name, jts[i].at("quant"));
      validate_encoding(t);
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
