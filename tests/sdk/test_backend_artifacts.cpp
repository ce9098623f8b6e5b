// The back-end seam end to end: a back end registered at run time (qnn::register_backend) is chosen by name at
// compile (CompileOptions::backend), its build_artifact() for every graph is stored in the bundle, and Model::open
// prepares each graph on it with exactly the bytes it built. The test back end runs graphs on the emulator and
// builds an artifact that describes the graph (name and op types), so a wrong or missing artifact is detectable.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>

#include "edgevl/compile.h"
#include "edgevl/edgevl.h"
#include "edgevl/qnn/backend.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/emulator.h"
#include "expect_error.h"

namespace {
namespace fs = std::filesystem;
using edgevl::ErrorCode;
using edgevl::test::expect_error;
namespace qnn = edgevl::qnn;

class DescribingBackend final : public qnn::Backend {
 public:
  const char* name() const override { return "test-describing"; }
  static std::vector<uint8_t> describe(const qnn::Graph& g) {
    std::string s = "graph " + g.name() + ":";
    for (const qnn::Op& op : g.ops()) s += " " + op.type;
    return {s.begin(), s.end()};
  }
  std::vector<uint8_t> build_artifact(const qnn::Graph& g, const qnn::PrepareOptions&) const override {
    return describe(g);
  }
  using Backend::prepare;
  std::unique_ptr<qnn::Executable> prepare(const qnn::Graph& g, const qnn::PrepareOptions& o,
                                           qnn::ArtifactView artifact) const override {
    if (artifact.empty() || describe(g) != std::vector<uint8_t>(artifact.data, artifact.data + artifact.size))
      throw edgevl::Error(ErrorCode::kCorruptFile, "test back end: wrong artifact for graph " + g.name());
    std::lock_guard<std::mutex> lock(mu);
    ++prepared[g.name()];
    return qnn::emulator_backend().prepare(g, o);
  }
  qnn::IoBuffer allocate(const qnn::Tensor& t) const override { return qnn::emulator_backend().allocate(t); }
  mutable std::mutex mu;
  mutable std::map<std::string, int> prepared;
};

DescribingBackend& describing() {
  static DescribingBackend b;
  return b;
}

class BackendArtifacts : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "edgevl-backend-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    const std::string cmd = std::string(EDGEVL_PYTHON) + " " + EDGEVL_SOURCE_DIR +
                            "/models/tools/make_random_checkpoint.py " + dir_ + "/hf --preset tiny --seed 3 "
                            "--max-pixels 12544 > " + dir_ + "/make.log 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    qnn::register_backend(describing());
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  static edgevl::CompileOptions options(const std::string& backend) {
    edgevl::CompileOptions o;
    o.context_length = 64;
    o.chunk = 16;
    o.backend = backend;
    return o;
  }
  static inline std::string dir_;
};

TEST_F(BackendArtifacts, RegistryListsBuiltInThenRegistered) {
  const auto names = qnn::available_backends();
  ASSERT_GE(names.size(), 2u);
  EXPECT_EQ(names[0], "emulator");
  EXPECT_EQ(&qnn::backend_by_name("test-describing"), &describing());
  expect_error([] { qnn::register_backend(describing()); }, ErrorCode::kInvalidArgument, {"test-describing", "exists"});
  expect_error([] { qnn::backend_by_name("qnn-htp"); }, ErrorCode::kUnsupported,
               {"qnn-htp", "emulator", "test-describing", "QAIRT"});
}

TEST_F(BackendArtifacts, CompiledForABackendItsArtifactsReachPrepare) {
  const std::string bundle = dir_ + "/described.evl";
  const edgevl::CompileSummary s = edgevl::compile_model(dir_ + "/hf", bundle, options("test-describing"));
  auto b = qnn::Bundle::open(bundle);
  for (const std::string& g : s.graphs) {
    const qnn::ArtifactView a = b->artifact("test-describing", g);
    EXPECT_EQ(std::vector<uint8_t>(a.data, a.data + a.size), DescribingBackend::describe(b->graph(g))) << g;
    EXPECT_TRUE(b->artifact("emulator", g).empty()) << g;
  }
  describing().prepared.clear();
  edgevl::Model model = edgevl::Model::open(bundle);
  edgevl::Session session(model);
  edgevl::GenerationConfig greedy;
  greedy.temperature = 0;
  greedy.max_new_tokens = 3;
  const edgevl::Result with = session.generate(edgevl::Request::user("hello"), greedy);
  {
    std::lock_guard<std::mutex> lock(describing().mu);
    EXPECT_EQ(describing().prepared.count("llm.prefill.c16"), 1u);
    EXPECT_EQ(describing().prepared.count("llm.decode"), 1u);
  }
  // The same model compiled for the emulator (no artifacts) answers the same.
  const std::string plain = dir_ + "/plain.evl";
  edgevl::compile_model(dir_ + "/hf", plain, options("emulator"));
  EXPECT_FALSE(fs::file_size(fs::path(plain) / "weights.bin") >= fs::file_size(fs::path(bundle) / "weights.bin"));
  edgevl::Model plain_model = edgevl::Model::open(plain);
  edgevl::Session plain_session(plain_model);
  EXPECT_EQ(plain_session.generate(edgevl::Request::user("hello"), greedy).token_ids, with.token_ids);
}

TEST_F(BackendArtifacts, UnknownBackendFailsBeforeAnyWork) {
  const std::string bundle = dir_ + "/unknown.evl";
  expect_error([&] { edgevl::compile_model(dir_ + "/hf", bundle, options("qnn-htp")); }, ErrorCode::kUnsupported,
               {"qnn-htp", "available"});
  EXPECT_FALSE(fs::exists(bundle));
}

}  // namespace
