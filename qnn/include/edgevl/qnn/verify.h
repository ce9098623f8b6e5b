// The graph verifier.
#pragma once

#include "edgevl/qnn/graph.h"

namespace edgevl::qnn {

/// Checks a graph; throws edgevl::Error naming the offending op/tensor:
///  - kInvalidArgument: duplicate tensor or op names, empty names, tensor ids out of range, ops out of topological order
///    (an input read before it is produced), an activation produced twice, a graph output never produced, an input
///    or constant written by an op, a dangling tensor (an activation nobody produces or an op output nobody reads that is
///    not a graph output — i.e. dead code), an unused graph input, unknown op types, wrong op arity, missing params;
///  - kShapeMismatch: an op's output shape/dtype differs from what shape inference gives for its inputs and params,
///    a constant whose byte count differs from dtype × shape.
/// Unused constants are tolerated (passes may leave them; eliminate_dead_code() removes them).
/// Returns at once for a graph that passed before and was not changed since (see Graph).
void verify(const Graph& graph);

/// Shape inference shared by the builder and the verifier: the output shape and dtype of `op` given the graph's tensors
/// for its inputs. Throws kShapeMismatch / kInvalidArgument naming the op.
struct InferredOutput {
  std::vector<int64_t> shape;
  DType dtype;
};
InferredOutput infer_output(const Graph& graph, const Op& op);

}  // namespace edgevl::qnn
