// engine::constant_bytes_read_per_run (ModelInfo::decode_weight_bytes): distinct constants read by ops, a Gather
// table excluded unless another op reads it in full.
#include <gtest/gtest.h>

#include "edgevl/qnn/graph.h"
#include "engine/weight_traffic.h"

namespace edgevl::engine {
namespace {

qnn::TensorId add(qnn::Graph& g, const std::string& name, std::vector<int64_t> shape, qnn::DType dtype,
                  qnn::TensorKind kind) {
  qnn::Tensor t;
  t.name = name;
  t.shape = std::move(shape);
  t.dtype = dtype;
  t.kind = kind;
  return g.add_tensor(std::move(t));
}

void add_op(qnn::Graph& g, const char* type, const std::string& name, std::vector<qnn::TensorId> in,
            qnn::TensorId out) {
  qnn::Op op;
  op.type = type;
  op.name = name;
  op.inputs = std::move(in);
  op.outputs = {out};
  g.mutable_ops().push_back(std::move(op));
}

TEST(WeightTraffic, CountsDistinctConstantsReadAndSkipsGatherTables) {
  using qnn::DType;
  using qnn::TensorKind;
  qnn::Graph g("decode");
  const auto ids = add(g, "ids", {1}, DType::kInt32, TensorKind::kInput);
  const auto table = add(g, "table", {100, 8}, DType::kFloat32, TensorKind::kConstant);   // 3200 B, gathered
  const auto w = add(g, "w", {16, 8}, DType::kInt8, TensorKind::kConstant);               // 128 B, read twice
  const auto w4 = add(g, "w4", {16, 16}, DType::kInt4, TensorKind::kConstant);            // 128 B
  add(g, "unused", {1000}, DType::kFloat32, TensorKind::kConstant);                       // read by no op
  const auto x = add(g, "x", {1, 8}, DType::kFloat32, TensorKind::kActivation);
  const auto y = add(g, "y", {1, 16}, DType::kFloat32, TensorKind::kActivation);
  const auto z = add(g, "z", {1, 16}, DType::kFloat32, TensorKind::kActivation);
  const auto out = add(g, "out", {1, 16}, DType::kFloat32, TensorKind::kOutput);
  add_op(g, qnn::op::kGather, "embed", {table, ids}, x);
  add_op(g, qnn::op::kFullyConnected, "fc1", {x, w}, y);
  add_op(g, qnn::op::kFullyConnected, "fc2", {x, w}, z);
  add_op(g, qnn::op::kFullyConnected, "fc3", {y, w4}, out);
  EXPECT_EQ(constant_bytes_read_per_run(g), 128 + 128);

  // A tied head: the gathered table is also multiplied in full, so it counts.
  const auto logits = add(g, "logits", {1, 100}, DType::kFloat32, TensorKind::kOutput);
  add_op(g, qnn::op::kFullyConnected, "head", {x, table}, logits);
  EXPECT_EQ(constant_bytes_read_per_run(g), 128 + 128 + 3200);
}

}  // namespace
}  // namespace edgevl::engine
