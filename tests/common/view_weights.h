// Test helper: a weight provider that hands out float16 VIEWS into one reserved (never touched, so never resident)
// anonymous mapping, to build graphs at the real model dimensions without allocating or copying weights, and to check
// that the builder keeps those views (no copy) and asks for every tensor once.
#pragma once

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "edgevl/qnn/layers.h"

namespace edgevl::graphs_test {

class ViewWeights {
 public:
  explicit ViewWeights(size_t max_tensor_bytes) : bytes_(max_tensor_bytes) {
    void* p = mmap(nullptr, bytes_, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap failed");
    const size_t n = bytes_;
    region_ = std::shared_ptr<const void>(p, [n](const void* q) { munmap(const_cast<void*>(q), n); });
  }

  qnn::WeightProvider provider() {
    return [this](qnn::GraphBuilder& b, const std::string& name, const std::vector<int64_t>& shape) {
      if (!names_.insert(name).second) throw std::runtime_error("weight asked twice: " + name);
      const size_t nbytes = qnn::tensor_nbytes(shape, qnn::DType::kFloat16);
      if (nbytes > bytes_) throw std::runtime_error("view region too small for " + name);
      return b.constant(name, shape, qnn::DType::kFloat16,
                        qnn::ConstData::view(region_, static_cast<const uint8_t*>(region_.get()), nbytes));
    };
  }

  /// True if the constant's bytes still point into the shared region (the builder did not copy them).
  bool is_view(const qnn::Tensor& t) const { return t.data.data == static_cast<const uint8_t*>(region_.get()); }
  const std::set<std::string>& names() const { return names_; }

  /// Expects every weight handed out to be a constant of `g` that is still a view (a failure names each copied one).
  void expect_all_views(const qnn::Graph& g) const {
    size_t views = 0;
    for (const auto& t : g.tensors())
      if (t.kind == qnn::TensorKind::kConstant && names_.count(t.name)) {
        EXPECT_TRUE(is_view(t)) << t.name << " was copied";
        ++views;
      }
    EXPECT_EQ(views, names_.size()) << "weights handed out but not constants of graph " << g.name();
  }

 private:
  size_t bytes_;
  std::shared_ptr<const void> region_;
  std::set<std::string> names_;
};

}  // namespace edgevl::graphs_test
