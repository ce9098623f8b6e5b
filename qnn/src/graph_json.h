// Graph ↔ manifest JSON (internal to the bundle writer/reader). Constants are written as {offset, nbytes} into
// weights.bin; the reader resolves them against the mapped file.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>

#include "edgevl/qnn/graph.h"
#include "json_tape.h"

namespace edgevl::qnn {

/// `offset_of(tensor_id)` gives the weights.bin offset of a constant.
nlohmann::json graph_to_json(const Graph& g, const std::function<uint64_t(TensorId)>& offset_of);
/// `resolve(offset, nbytes, tensor_name)` returns the constant's bytes (validated by the caller).
/// Throws kCorruptFile naming the graph/tensor for anything malformed in the JSON itself; the graph's consistency
/// (encodings included) is left to verify(), which the caller must run on the result before using it.
Graph graph_from_json(const JsonRef& j, const std::function<ConstData(uint64_t, uint64_t, const std::string&)>& resolve);

}  // namespace edgevl::qnn
