#include "engine/weight_traffic.h"

#include <vector>

namespace edgevl::engine {

int64_t constant_bytes_read_per_run(const qnn::Graph& graph) {
  // Per tensor: 0 = not read, 1 = read only as a Gather table, 2 = read in full.
  std::vector<uint8_t> read(graph.tensors().size(), 0);
  for (const qnn::Op& op : graph.ops()) {
    for (size_t k = 0; k < op.inputs.size(); ++k) {
      const qnn::TensorId id = op.inputs[k];
      if (graph.tensor(id).kind != qnn::TensorKind::kConstant) continue;
      const uint8_t how = op.type == qnn::op::kGather && k == 0 ? 1 : 2;
      if (how > read[static_cast<size_t>(id)]) read[static_cast<size_t>(id)] = how;
    }
  }
  int64_t bytes = 0;
  for (size_t id = 0; id < read.size(); ++id)
    if (read[id] == 2) bytes += static_cast<int64_t>(graph.tensor(static_cast<qnn::TensorId>(id)).nbytes());
  return bytes;
}

}  // namespace edgevl::engine
