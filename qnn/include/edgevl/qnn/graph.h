// The graph IR: a static-shape dataflow graph whose ops are named after QNN's op set (ops.h, docs/graph-ir.md).
// Built with GraphBuilder (graph_builder.h), checked by verify() (verify.h), rewritten by passes (passes.h), stored in a
// bundle (bundle.h) and executed by the emulator (emulator.h). Model-agnostic: it knows nothing of any model family.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "edgevl/qnn/ops.h"
#include "edgevl/qnn/tensor.h"

namespace edgevl::qnn {

/// An op parameter: integer, float, flag, string or integer list (e.g. perm, begin/end/strides, pad_amount).
using Param = std::variant<int64_t, double, bool, std::string, std::vector<int64_t>>;

struct Op {
  std::string type;                      ///< one of the op:: names in ops.h
  std::string name;                      ///< unique among the graph's ops
  std::vector<TensorId> inputs;          ///< optional trailing inputs (bias) are simply absent
  std::vector<TensorId> outputs;         ///< every op of the IR has exactly one output
  std::map<std::string, Param> params;

  /// Typed parameter access; throws edgevl::Error kInvalidArgument naming the op and param if absent or of another type
  /// (an int64 param is accepted where a double is asked).
  int64_t param_int(const std::string& key) const;
  double param_float(const std::string& key) const;
  bool param_bool(const std::string& key) const;
  const std::string& param_string(const std::string& key) const;
  const std::vector<int64_t>& param_ints(const std::string& key) const;
  bool has_param(const std::string& key) const { return params.count(key) != 0; }
};

/// A graph with static shapes and topologically ordered ops (every op's inputs are graph inputs, constants or outputs of
/// earlier ops). Inputs and outputs keep the order in which they were declared.
///
/// verify() remembers that it passed (copies keep that) until a mutable accessor below is called, so a graph already
/// checked (a bundle's, at Bundle::open) is not checked again at prepare. A reference a mutable accessor returned must
/// therefore not be used to change the graph after a later verify().
class Graph {
 public:
  Graph() = default;
  explicit Graph(std::string name) : name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  const std::vector<Tensor>& tensors() const { return tensors_; }
  const std::vector<Op>& ops() const { return ops_; }
  const Tensor& tensor(TensorId id) const;   ///< throws kInvalidArgument if out of range
  const std::vector<TensorId>& inputs() const { return inputs_; }
  const std::vector<TensorId>& outputs() const { return outputs_; }
  /// Id of the tensor called `name`, or kNoTensor.
  TensorId find(const std::string& name) const;

  // ---- mutable access, for builders, passes and the bundle reader (each one forgets a passed verify()) ----
  void set_name(std::string name) { verified_.clear(); name_ = std::move(name); }
  TensorId add_tensor(Tensor t);             ///< appends; kInput/kOutput tensors are NOT added to inputs()/outputs()
  Tensor& mutable_tensor(TensorId id);
  std::vector<Tensor>& mutable_tensors() { verified_.clear(); return tensors_; }
  std::vector<Op>& mutable_ops() { verified_.clear(); return ops_; }
  void set_inputs(std::vector<TensorId> ids) { verified_.clear(); inputs_ = std::move(ids); }
  void set_outputs(std::vector<TensorId> ids) { verified_.clear(); outputs_ = std::move(ids); }

 private:
  friend void verify(const Graph& graph);
  // Whether verify() passed since the last mutable access. Atomic: verify() takes a const graph that several threads
  // may prepare at once.
  struct VerifiedFlag {
    std::atomic<bool> passed{false};
    VerifiedFlag() = default;
    VerifiedFlag(const VerifiedFlag& o) : passed(o.passed.load()) {}
    VerifiedFlag(VerifiedFlag&& o) noexcept : passed(o.passed.exchange(false)) {}  // a moved-from graph is not checked
    VerifiedFlag& operator=(const VerifiedFlag& o) {
      passed = o.passed.load();
      return *this;
    }
    VerifiedFlag& operator=(VerifiedFlag&& o) noexcept {
      passed = o.passed.exchange(false);
      return *this;
    }
    void clear() { passed = false; }
  };
  mutable VerifiedFlag verified_;
  std::string name_;
  std::vector<Tensor> tensors_;
  std::vector<Op> ops_;
  std::vector<TensorId> inputs_;
  std::vector<TensorId> outputs_;
};

}  // namespace edgevl::qnn
