// Verifier rejections and the lower_linear_to_conv2d / dead-code passes.
#include <gtest/gtest.h>

#include <functional>
#include <vector>

#include "edgevl/error.h"
#include "edgevl/qnn/passes.h"
#include "edgevl/qnn/verify.h"
#include "expect_error.h"
#include "qnn_test_util.h"

using namespace edgevl::qnn;
using namespace qnn_test;
using edgevl::ErrorCode;
using edgevl::test::error_code_of;

namespace {

// x [2,3,8] → FC(8→16, bias) → Gelu → FC(16→8, shared with a third FC? no) → + x → output; second output reuses W1.
Graph mlp(bool with_second_user_of_w1) {
  GraphBuilder b("mlp");
  auto x = b.input("x", {2, 3, 8});
  auto w1 = b.constant("w1", {16, 8}, DType::kFloat32, ConstData::from_floats(random_floats(128, 1)));
  auto b1 = b.constant("b1", {16}, DType::kFloat32, ConstData::from_floats(random_floats(16, 2)));
  auto w2 = b.constant("w2", {8, 16}, DType::kFloat32, ConstData::from_floats(random_floats(128, 3)));
  auto h = b.gelu(b.fully_connected(x, w1, b1, "fc1"));
  auto y = b.add(b.fully_connected(h, w2, std::nullopt, "fc2"), x);
  b.output(y, "y");
  if (with_second_user_of_w1) b.output(b.fully_connected(y, w1, std::nullopt, "fc3"), "z");
  return b.finish();
}

}  // namespace

// verify() returns at once for a graph that passed and was not changed since (a copy of it too, as the emulator's at
// prepare); after any mutable access the next verify() checks everything again.
TEST(QnnVerify, RemembersAPassUntilTheGraphChanges) {
  const Graph good = mlp(false);  // GraphBuilder::finish() ran verify()
  const std::vector<std::function<void(Graph&)>> breaks = {
      [](Graph& g) { g.mutable_tensor(g.find("b1")).shape = {15}; },
      [](Graph& g) { g.mutable_tensors()[static_cast<size_t>(g.find("b1"))].shape = {15}; },
      [](Graph& g) { g.mutable_ops().back().inputs[1] = g.find("w1"); },
      [](Graph& g) { g.set_inputs({}); },
      [](Graph& g) { g.set_outputs({}); },
      [](Graph& g) {
        Tensor t;
        t.name = "x";  // a second tensor of that name
        g.add_tensor(t);
      },
  };
  for (size_t i = 0; i < breaks.size(); ++i) {
    Graph g = good;
    EXPECT_NO_THROW(verify(g));
    breaks[i](g);
    EXPECT_THROW(verify(g), edgevl::Error) << "change " << i;
    EXPECT_THROW(verify(g), edgevl::Error) << "change " << i << ", again";
  }
}

TEST(QnnVerify, RejectsDanglingTensorsShapeMismatchesAndDuplicates) {
  Graph good = mlp(false);
  EXPECT_NO_THROW(verify(good));

  {  // dangling: an activation that no op produces, read by an op
    Graph g = good;
    Tensor t;
    t.name = "ghost";
    t.shape = {2, 3, 8};
    TensorId ghost = g.add_tensor(t);
    g.mutable_ops().back().inputs[1] = ghost;  // the final Add now reads "ghost"
    std::string msg;
    EXPECT_EQ(error_code_of([&] { verify(g); }, &msg), ErrorCode::kInvalidArgument);
    EXPECT_NE(msg.find("ghost"), std::string::npos) << msg;
  }
  {  // dangling: an op output nobody reads and that is not a graph output
    GraphBuilder b("dead");
    auto x = b.input("x", {4});
    b.neg(x, "unused");
    b.output(b.exp(x), "y");
    std::string msg;
    EXPECT_EQ(error_code_of([&] { b.finish(); }, &msg), ErrorCode::kInvalidArgument);
    EXPECT_NE(msg.find("unused"), std::string::npos) << msg;
  }
  {  // unused graph input
    GraphBuilder b("unused_in");
    auto x = b.input("x", {4});
    b.input("spare", {4});
    b.output(b.exp(x), "y");
    EXPECT_EQ(error_code_of([&] { b.finish(); }), ErrorCode::kInvalidArgument);
  }
  {  // shape mismatch: recorded output shape differs from inference
    Graph g = good;
    g.mutable_tensor(g.find("y")).shape = {2, 3, 9};
    std::string msg;
    EXPECT_EQ(error_code_of([&] { verify(g); }, &msg), ErrorCode::kShapeMismatch);
    EXPECT_NE(msg.find("[2, 3, 9]"), std::string::npos) << msg;
  }
  {  // shape mismatch at build time
    GraphBuilder b("bad_fc");
    auto x = b.input("x", {2, 7});
    auto w = b.constant("w", {4, 8}, DType::kFloat32, ConstData::from_floats(std::vector<float>(32)));
    EXPECT_EQ(error_code_of([&] { b.fully_connected(x, w, std::nullopt); }), ErrorCode::kShapeMismatch);
    EXPECT_EQ(error_code_of([&] { b.add(x, b.input("z", {3, 7})); }), ErrorCode::kShapeMismatch);
    EXPECT_EQ(error_code_of([&] { b.constant("c", {3}, DType::kFloat32, ConstData::from_floats({1, 2})); }),
              ErrorCode::kShapeMismatch);
  }
  {  // duplicate names
    Graph g = good;
    g.mutable_tensor(g.find("b1")).name = "w1";
    std::string msg;
    EXPECT_EQ(error_code_of([&] { verify(g); }, &msg), ErrorCode::kInvalidArgument);
    EXPECT_NE(msg.find("duplicate"), std::string::npos) << msg;
    GraphBuilder b("dup");
    b.input("x", {1});
    EXPECT_EQ(error_code_of([&] { b.input("x", {1}); }), ErrorCode::kInvalidArgument);
  }
  {  // topological order: swap two dependent ops
    Graph g = good;
    auto& ops = g.mutable_ops();
    std::swap(ops[0], ops[1]);
    EXPECT_EQ(error_code_of([&] { verify(g); }), ErrorCode::kInvalidArgument);
  }
}

TEST(QnnPasses, LowerLinearToConv2d) {
  for (bool shared : {false, true}) {
    Graph g = mlp(shared);
    Graph lowered = g;
    const int n = lower_linear_to_conv2d(lowered);
    EXPECT_EQ(n, shared ? 3 : 2);
    EXPECT_NO_THROW(verify(lowered));
    for (const Op& op : lowered.ops()) EXPECT_NE(op.type, op::kFullyConnected);
    int convs = 0;
    for (const Op& op : lowered.ops()) {
      if (op.type != op::kConv2d) continue;
      ++convs;
      const Tensor& w = lowered.tensor(op.inputs[1]);
      EXPECT_EQ(w.kind, TensorKind::kConstant);
      ASSERT_EQ(w.shape.size(), 4u);
      EXPECT_EQ(w.shape[0], 1);
      EXPECT_EQ(w.shape[1], 1);
      EXPECT_EQ(w.shape[2], lowered.tensor(op.inputs[0]).shape[3]);  // In
    }
    EXPECT_EQ(convs, n);
    // [Out, In] → [1,1,In,Out] transposed bytes.
    const Tensor& w1 = g.tensor(g.find("w1"));
    const Tensor& hw = lowered.tensor(lowered.find("w1.hwio"));
    EXPECT_EQ(hw.shape, (std::vector<int64_t>{1, 1, 8, 16}));
    const float* src = reinterpret_cast<const float*>(w1.data.data);
    const float* dst = reinterpret_cast<const float*>(hw.data.data);
    for (int o = 0; o < 16; ++o)
      for (int i = 0; i < 8; ++i) ASSERT_EQ(dst[i * 16 + o], src[o * 8 + i]);
    // the [Out, In] originals are gone; one HWIO constant even when two ops share w1
    EXPECT_EQ(lowered.find("w1"), kNoTensor);
    EXPECT_EQ(lowered.find("w1.hwio_1"), kNoTensor);
    // same outputs
    auto xv = random_floats(48, 4);
    auto a = run(g, {{"x", xv}}), b = run(lowered, {{"x", xv}});
    for (auto& [name, v] : a) {
      ASSERT_EQ(v.size(), b[name].size());
      for (size_t i = 0; i < v.size(); ++i) EXPECT_NEAR(v[i], b[name][i], 1e-5f) << name << " " << i;
    }
  }
}

TEST(QnnPasses, TransposeCacheSharesWeightsAcrossGraphs) {
  Graph a = mlp(false), b = mlp(false);
  // Make b use the very same constant bytes as a (as two graphs of one model do).
  for (const char* n : {"w1", "b1", "w2"}) b.mutable_tensor(b.find(n)).data = a.tensor(a.find(n)).data;
  TransposeCache cache;
  lower_linear_to_conv2d(a, &cache);
  lower_linear_to_conv2d(b, &cache);
  EXPECT_EQ(a.tensor(a.find("w1.hwio")).data.data, b.tensor(b.find("w1.hwio")).data.data);
  EXPECT_EQ(cache.entries.size(), 2u);
}

TEST(QnnPasses, EliminateDeadCode) {
  Graph g = mlp(true);
  // Drop output "z": fc3 becomes dead.
  Tensor& z = g.mutable_tensor(g.find("z"));
  z.kind = TensorKind::kActivation;
  g.set_outputs({g.find("y")});
  EXPECT_THROW(verify(g), edgevl::Error);
  EXPECT_EQ(eliminate_dead_code(g), 1);
  EXPECT_NO_THROW(verify(g));
  EXPECT_EQ(g.find("z"), kNoTensor);
  EXPECT_NE(g.find("w1"), kNoTensor);  // still used by fc1
}
