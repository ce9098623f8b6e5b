#include "graph_json.h"

#include <cstring>
#include <string_view>
#include <type_traits>
#include <unordered_map>

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

Param param_from_json(const JsonRef& j) {
  if (!j.is_object() || j.size() != 1) throw Error(ErrorCode::kCorruptFile, "malformed op param");
  const JsonRef v = *j.begin();
  const std::string tag(v.key());
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

// Tensor ids by name (Graph::find() is a linear search; a 2B model's graph has thousands of encoding arrays).
using NameIndex = std::unordered_map<std::string_view, TensorId>;

template <typename T>
std::vector<T> array_from_json(const Graph& g, const NameIndex& index, const JsonRef& j, DType dtype) {
  if (!j.is_object()) return j.get<std::vector<T>>();
  const std::string name = j.at("tensor").get<std::string>();
  const auto found = index.find(name);  // a std::string_view key
  if (found == index.end())
    throw Error(ErrorCode::kCorruptFile, "encoding array tensor '" + name + "' is not in the graph");
  const TensorId id = found->second;
  const Tensor& c = g.tensor(id);
  if (c.kind != TensorKind::kConstant || c.dtype != dtype || c.shape.size() != 1 || c.data.nbytes != c.shape[0] * sizeof(T))
    throw Error(ErrorCode::kCorruptFile, "encoding array tensor '" + name + "' must be a 1-D " + dtype_name(dtype) +
                                             " constant");
  if constexpr (std::is_same_v<T, uint8_t>) {
    return std::vector<T>(c.data.data, c.data.data + c.data.nbytes);  // one pass (LPBQ multipliers: tens of MB)
  } else {
    std::vector<T> v(static_cast<size_t>(c.shape[0]));
    if (!v.empty()) std::memcpy(v.data(), c.data.data, c.data.nbytes);
    return v;
  }
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

QuantEncoding encoding_from_json(const Graph& g, const NameIndex& index, const std::string& tensor, const JsonRef& j) {
  QuantEncoding q;
  try {
    q.kind = quant_kind_from(j.at("kind").get<std::string>());
    q.axis = j.at("axis").get<int>();
    q.bitwidth = j.at("bitwidth").get<int>();
    q.scales = array_from_json<float>(g, index, j.at("scales"), DType::kFloat32);
    q.offsets = array_from_json<int32_t>(g, index, j.at("offsets"), DType::kInt32);
    if (q.kind == QuantEncoding::Kind::kBlockwiseExpansion) {
      q.block_size = j.at("block_size").get<int>();
      q.block_axis = j.at("block_axis").get<int>();
      q.block_scale_bitwidth = j.at("block_scale_bitwidth").get<int>();
      q.block_scales = array_from_json<uint8_t>(g, index, j.at("block_scales"), DType::kUInt8);
    }
  } catch (const JsonAccessError& e) {
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

Graph graph_from_json(const JsonRef& j, const std::function<ConstData(uint64_t, uint64_t, const std::string&)>& resolve) {
  std::string gname = "?";
  try {
    gname = j.at("name").get<std::string>();
    Graph g(gname);
    const JsonRef jts = j.at("tensors"), jops = j.at("ops");
    if (!jts.is_array() || !jops.is_array()) throw Error(ErrorCode::kCorruptFile, "tensors and ops must be arrays");
    for (const JsonRef jt : jts) {
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
        size_t need = 0;
        try {
          need = tensor_nbytes(t.shape, t.dtype);  // throws for a shape whose element or byte count overflows
        } catch (const Error& e) {
          throw Error(ErrorCode::kCorruptFile, "constant '" + t.name + "': " + e.what());
        }
        if (t.data.nbytes != need) {
          throw Error(ErrorCode::kCorruptFile, "constant '" + t.name + "' has " + std::to_string(t.data.nbytes) +
                                                   " bytes but " + dtype_name(t.dtype) + " " + shape_to_string(t.shape) +
                                                   " needs " + std::to_string(need));
        }
      }
      g.add_tensor(std::move(t));
    }
    // Encodings last: their large arrays may live in companion constants (encoding_array_tensor()). They are checked
    // (validate_encoding) by the verify() the caller runs on the result, not here a first time.
    NameIndex index;  // the first of duplicate names, as find() gives (verify() refuses duplicates)
    index.reserve(g.tensors().size());
    for (size_t i = 0; i < g.tensors().size(); ++i) index.emplace(g.tensors()[i].name, static_cast<TensorId>(i));
    TensorId next = 0;
    for (const JsonRef jt : jts) {
      const TensorId tid = next++;
      if (const auto jq = jt.find("quant")) {
        Tensor& t = g.mutable_tensor(tid);
        t.quant = encoding_from_json(g, index, t.name, *jq);
      }
    }
    const auto n = static_cast<int64_t>(g.tensors().size());
    auto ids = [&](const JsonRef& a) {
      auto v = a.get<std::vector<TensorId>>();
      for (TensorId id : v) {
        if (id < 0 || id >= n) throw Error(ErrorCode::kCorruptFile, "tensor id " + std::to_string(id) + " out of range");
      }
      return v;
    };
    for (const JsonRef jo : jops) {
      Op op;
      op.type = jo.at("type").get<std::string>();
      op.name = jo.at("name").get<std::string>();
      op.inputs = ids(jo.at("inputs"));
      op.outputs = ids(jo.at("outputs"));
      const JsonRef params = jo.at("params");
      if (!params.is_object()) throw Error(ErrorCode::kCorruptFile, "op '" + op.name + "': params is not an object");
      for (const JsonRef v : params) op.params[std::string(v.key())] = param_from_json(v);
      g.mutable_ops().push_back(std::move(op));
    }
    g.set_inputs(ids(j.at("inputs")));
    g.set_outputs(ids(j.at("outputs")));
    return g;
  } catch (const JsonAccessError& e) {
    throw Error(ErrorCode::kCorruptFile, "graph '" + gname + "': malformed manifest entry (" + e.what() + ")");
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kCorruptFile) throw Error(ErrorCode::kCorruptFile, "graph '" + gname + "': " + e.what());
    throw Error(ErrorCode::kCorruptFile, "graph '" + gname + "': " + e.what());
  }
}

}  // namespace edgevl::qnn
