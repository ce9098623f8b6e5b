// Bundle round trip, weight sharing, corruption handling and atomic writes.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/half.h"
#include "edgevl/qnn/passes.h"
#include "expect_error.h"
#include "qnn_test_util.h"

using namespace edgevl::qnn;
using namespace qnn_test;
using edgevl::ErrorCode;
namespace fs = std::filesystem;

using edgevl::test::expect_error;

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
void write_text(const fs::path& p, const std::string& s) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << s;
}

// Rewrites a manifest after an edit with a valid checksum (so the edit itself is what open() sees).
void rewrite_manifest(const fs::path& dir, const std::function<void(std::string&)>& edit) {
  std::string t = read_text(dir / "manifest.json");
  edit(t);
  const size_t at = std::string("{\"manifest_checksum\": \"").size();
  t.replace(at, 16, "0000000000000000");
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(bundle_hash64(t.data(), t.size())));
  t.replace(at, 16, hex);
  write_text(dir / "manifest.json", t);
}

ErrorCode open_error(const fs::path& dir, std::string* msg = nullptr) {
  return edgevl::test::error_code_of([&] { Bundle::open(dir.string()); }, msg);
}

// "prefill" [4 tokens] and "decode" [1 token] graphs of one toy model: shared embedding (fp16), w1, w2, norm; decode has
// an extra constant of its own.
struct Model {
  ConstData emb, w1, w2, gamma, extra;
  Model() {
    auto e = random_floats(10 * 8, 1);
    std::vector<uint16_t> eh(e.size());
    float_to_half_n(e.data(), eh.data(), e.size());
    emb = ConstData::copy_of(eh.data(), eh.size() * 2);
    w1 = ConstData::from_floats(random_floats(24 * 8, 2));
    w2 = ConstData::from_floats(random_floats(8 * 24, 3));
    gamma = ConstData::from_floats(random_floats(8, 4, 0.5f, 1.5f));
    extra = ConstData::from_floats({0.5f});
  }
  Graph graph(const std::string& name, int64_t tokens, bool with_extra) const {
    GraphBuilder b(name);
    auto ids = b.input("ids", {tokens}, DType::kInt32);
    auto x = b.gather(b.constant("emb", {10, 8}, DType::kFloat16, emb), ids, 0);
    auto h = b.rms_norm(x, b.constant("gamma", {8}, DType::kFloat32, gamma), 1e-6f);
    h = b.gelu(b.fully_connected(h, b.constant("w1", {24, 8}, DType::kFloat32, w1), std::nullopt, "fc1"));
    h = b.fully_connected(h, b.constant("w2", {8, 24}, DType::kFloat32, w2), std::nullopt, "fc2");
    if (with_extra) h = b.mul(h, b.constant("scale", {}, DType::kFloat32, extra));
    b.output(b.add(h, x), "out");
    return b.finish();
  }
};

std::vector<float> run_ids(const Graph& g, const std::vector<int32_t>& ids) {
  auto exe = prepare_emulator(g, FloatMode::kFp32, 2);
  std::vector<float> out(ids.size() * 8);
  exe->run({{"ids", {ids.data(), {int64_t(ids.size())}, DType::kInt32}}},
           {{"out", {out.data(), {int64_t(ids.size()), 8}, DType::kFloat32}}});
  return out;
}

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "edgevl_qnn_bundle_XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    write_text(root_ / "tokenizer.json", "{\"model\": \"toy\"}");
    TransposeCache cache;
    prefill_ = model_.graph("prefill", 4, false);
    decode_ = model_.graph("decode", 1, true);
    lower_linear_to_conv2d(prefill_, &cache);
    lower_linear_to_conv2d(decode_, &cache);
    opts_.family = "toy";
    opts_.model_metadata = {{"hidden", 8}, {"buckets", {1, 4}}};
    opts_.extra_files = {(root_ / "tokenizer.json").string()};
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path write(const std::string& name) {
    fs::path dir = root_ / name;
    write_bundle(dir.string(), {prefill_, decode_}, opts_);
    return dir;
  }
  fs::path copy_of(const fs::path& src, const std::string& name) {
    fs::path dst = root_ / name;
    fs::copy(src, dst, fs::copy_options::recursive);
    return dst;
  }
  bool leftovers() const {
    for (auto& e : fs::directory_iterator(root_)) {
      if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
    }
    return false;
  }

  fs::path root_;
  Model model_;
  Graph prefill_, decode_;
  BundleWriterOptions opts_;
};

}  // namespace

TEST_F(BundleTest, RoundTripSharesWeightsAndReproducesOutputs) {
  std::vector<std::tuple<std::string, size_t, size_t>> progress;
  fs::path dir = root_ / "toy.evl";
  write_bundle(dir.string(), {prefill_, decode_}, opts_,
               [&](const std::string& s, size_t d, size_t t) { progress.emplace_back(s, d, t); });
  ASSERT_FALSE(progress.empty());
  EXPECT_EQ(std::get<0>(progress.back()), "finalize");
  EXPECT_FALSE(leftovers());

  auto b = Bundle::open(dir.string());
  EXPECT_NO_THROW(b->verify_checksums());
  EXPECT_EQ(b->family(), "toy");
  EXPECT_EQ(b->model_metadata()["buckets"][1], 4);
  EXPECT_EQ(b->graph_names(), (std::vector<std::string>{"decode", "prefill"}));
  EXPECT_EQ(read_text(b->file_path("tokenizer.json")), "{\"model\": \"toy\"}");
  EXPECT_THROW(b->file_path("nope.json"), edgevl::Error);
  EXPECT_THROW(b->graph("nope"), edgevl::Error);

  const Graph& p = b->graph("prefill");
  const Graph& d = b->graph("decode");
  // Shared constants: same address in the mapping for both graphs; 64-byte aligned; stored once.
  for (const char* name : {"emb", "gamma", "w1.hwio", "w2.hwio"}) {
    const Tensor& tp = p.tensor(p.find(name));
    const Tensor& td = d.tensor(d.find(name));
    EXPECT_EQ(tp.data.data, td.data.data) << name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(tp.data.data) % kBundleAlignment, 0u) << name;
  }
  size_t unique_bytes = 0;
  for (const Tensor& t : d.tensors()) unique_bytes += t.kind == TensorKind::kConstant ? t.nbytes() : 0;
  EXPECT_LT(b->weights_size(), unique_bytes + 6 * kBundleAlignment);  // decode ⊇ prefill's constants: nothing twice

  // Outputs equal pre-serialization, bit for bit.
  std::vector<int32_t> ids4 = {3, 9, 0, 3}, ids1 = {7};
  EXPECT_EQ(run_ids(p, ids4), run_ids(prefill_, ids4));
  EXPECT_EQ(run_ids(d, ids1), run_ids(decode_, ids1));

  // Wrong input shape at run time on a bundle graph.
  auto exe = prepare_emulator(d, FloatMode::kFp32, 1);
  expect_error([&] { exe->run({{"ids", {ids4.data(), {4}, DType::kInt32}}}, {}); }, ErrorCode::kShapeMismatch, {"ids"});

  // Rewriting over an existing bundle replaces it.
  write_bundle(dir.string(), {decode_}, opts_);
  EXPECT_EQ(Bundle::open(dir.string())->graph_names(), (std::vector<std::string>{"decode"}));
  EXPECT_FALSE(leftovers());
}

TEST_F(BundleTest, CorruptionIsAClearErrorNeverACrash) {
  fs::path good = write("good.evl");
  std::string msg;

  fs::path t = copy_of(good, "trunc.evl");
  fs::resize_file(t / "weights.bin", fs::file_size(t / "weights.bin") - 100);
  EXPECT_EQ(open_error(t, &msg), ErrorCode::kCorruptFile);
  EXPECT_NE(msg.find("truncated"), std::string::npos) << msg;

  fs::path m = copy_of(good, "flip_manifest.evl");
  std::string text = read_text(m / "manifest.json");
  text[text.size() / 2] ^= 0x01;
  write_text(m / "manifest.json", text);
  EXPECT_EQ(open_error(m, &msg), ErrorCode::kCorruptFile) << msg;

  fs::path w = copy_of(good, "flip_weights.evl");
  {
    std::fstream f(w / "weights.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(100);
    char c;
    f.read(&c, 1);
    c ^= 0x10;
    f.seekp(100);
    f.write(&c, 1);
  }
  auto opened = Bundle::open(w.string());  // cheap open does not hash the weights …
  expect_error([&] { opened->verify_checksums(); }, ErrorCode::kCorruptFile, {"checksum"});  // … the explicit step does

  fs::path x = copy_of(good, "flip_extra.evl");
  write_text(x / "tokenizer.json", "{\"model\": \"toz\"}");
  EXPECT_THROW(Bundle::open(x.string())->verify_checksums(), edgevl::Error);

  fs::path v = copy_of(good, "future.evl");
  rewrite_manifest(v, [](std::string& s) {
    auto at = s.find("\"format_version\": 1");
    ASSERT_NE(at, std::string::npos);
    s.replace(at, 19, "\"format_version\": 7");
  });
  EXPECT_EQ(open_error(v, &msg), ErrorCode::kUnsupported);
  EXPECT_NE(msg.find("newer"), std::string::npos) << msg;

  fs::path o = copy_of(good, "offset.evl");
  rewrite_manifest(o, [](std::string& s) {
    auto at = s.find("\"offset\": 0");
    ASSERT_NE(at, std::string::npos);
    s.replace(at, 11, "\"offset\": 8");  // misaligned
  });
  EXPECT_EQ(open_error(o, &msg), ErrorCode::kCorruptFile);
  EXPECT_NE(msg.find("aligned"), std::string::npos) << msg;

  fs::path r = copy_of(good, "range.evl");
  rewrite_manifest(r, [](std::string& s) {
    auto at = s.find("\"offset\": 0");
    s.replace(at, 11, "\"offset\": 99999936");  // aligned, far past the end
  });
  EXPECT_EQ(open_error(r, &msg), ErrorCode::kCorruptFile);
  EXPECT_NE(msg.find("outside"), std::string::npos) << msg;

  fs::path shape = copy_of(good, "shape.evl");
  rewrite_manifest(shape, [](std::string& s) {
    auto at = s.find("\"name\": \"gamma\"");
    ASSERT_NE(at, std::string::npos);
    auto sh = s.rfind("\"shape\": [", at);
    auto sh2 = s.find("\"shape\": [", at);
    auto pos = (sh2 != std::string::npos && sh2 - at < 200) ? sh2 : sh;
    s.replace(pos, 11, "\"shape\": [9");  // gamma [8] → [9]: byte count no longer matches
  });
  EXPECT_EQ(open_error(shape), ErrorCode::kCorruptFile);

  fs::path mw = copy_of(good, "noweights.evl");
  fs::remove(mw / "weights.bin");
  EXPECT_EQ(open_error(mw, &msg), ErrorCode::kNotFound);
  EXPECT_NE(msg.find("weights.bin"), std::string::npos) << msg;

  fs::path g = copy_of(good, "garbage.evl");
  write_text(g / "manifest.json", "\x01\x02garbage{{{");
  EXPECT_EQ(open_error(g), ErrorCode::kCorruptFile);
  write_text(g / "manifest.json", "[1, 2, 3]");
  EXPECT_EQ(open_error(g), ErrorCode::kCorruptFile);
  write_text(g / "manifest.json", "");
  EXPECT_EQ(open_error(g), ErrorCode::kCorruptFile);

  EXPECT_EQ(open_error(root_ / "absent.evl"), ErrorCode::kNotFound);
  fs::path nm = copy_of(good, "nomanifest.evl");
  fs::remove(nm / "manifest.json");
  EXPECT_EQ(open_error(nm), ErrorCode::kNotFound);
}

// Values of the wrong JSON type or out of their C++ type's range are a clear error (kCorruptFile), never a wrapped or
// undefined conversion; a key given twice keeps its last value, as nlohmann::json does.
TEST_F(BundleTest, ManifestValuesOfWrongTypeOrRangeAreAClearError) {
  fs::path good = write("good.evl");
  struct Case {
    const char* find;
    const char* replace;
    const char* message;  // "" = opens
  };
  const Case cases[] = {
      {"\"kind\": \"constant\"", "\"kind\": 7", "malformed manifest entry"},
      {"\"offset\": 0", "\"offset\": 1e300", "out of range"},
      {"\"offset\": 0", "\"offset\": -64", "outside"},
      {"\"ops\": [", "\"ops\": 5, \"x\": [", "must be arrays"},
      {"\"format_version\": 1", "\"format_version\": 1.0", "integer format_version"},
      {"\"family\": \"toy\"", "\"family\": [\"toy\"]", "malformed manifest"},
      {"\"format_version\": 1", "\"format_version\": 7, \"format_version\": 1", ""},
  };
  int i = 0;
  for (const Case& c : cases) {
    fs::path d = copy_of(good, "case" + std::to_string(i++) + ".evl");
    rewrite_manifest(d, [&](std::string& s) {
      const auto at = s.find(c.find);
      ASSERT_NE(at, std::string::npos) << c.find;
      s.replace(at, std::strlen(c.find), c.replace);
    });
    std::string msg;
    if (*c.message == 0) {
      EXPECT_NO_THROW(Bundle::open(d.string())) << c.replace;
      continue;
    }
    EXPECT_EQ(open_error(d, &msg), ErrorCode::kCorruptFile) << c.replace << ": " << msg;
    EXPECT_NE(msg.find(c.message), std::string::npos) << c.replace << ": " << msg;
  }
}

// The manifest's nesting limit is that of every JSON file EdgeVL reads (json_limits.h): 128 levels open, 129 do not.
TEST_F(BundleTest, ManifestNestingLimitIs128) {
  for (int depth : {128, 129}) {
    nlohmann::json v = nlohmann::json::array();  // the manifest object and model_metadata hold it: depth - 2 levels
    for (int i = 1; i < depth - 2; ++i) v = nlohmann::json::array({v});
    opts_.model_metadata = {{"deep", v}};
    fs::path d = write("deep" + std::to_string(depth) + ".evl");
    std::string msg;
    if (depth == 128) {
      EXPECT_NO_THROW(Bundle::open(d.string()));
    } else {
      EXPECT_EQ(open_error(d, &msg), ErrorCode::kCorruptFile);
      EXPECT_NE(msg.find("deeper than 128"), std::string::npos) << msg;
    }
  }
}

TEST_F(BundleTest, WriterRejectsConflictingSharedConstants) {
  Model other;  // same constant names, different bytes for w1
  other.w1 = ConstData::from_floats(random_floats(24 * 8, 99));
  Graph g2 = other.graph("decode", 1, true);
  expect_error([&] { write_bundle((root_ / "conflict.evl").string(), {model_.graph("prefill", 4, false), g2}, opts_); },
               ErrorCode::kInvalidArgument);
  EXPECT_FALSE(fs::exists(root_ / "conflict.evl"));
  EXPECT_FALSE(leftovers());
}

TEST_F(BundleTest, InterruptedWriteLeavesNothingOpenable) {
  // 1) An exception from the progress callback mid-weights aborts and cleans up.
  fs::path dir = root_ / "aborted.evl";
  EXPECT_THROW(write_bundle(dir.string(), {prefill_, decode_}, opts_,
                            [](const std::string& stage, size_t done, size_t) {
                              if (stage == "weights" && done > 0) throw std::runtime_error("cancelled by test");
                            }),
               std::runtime_error);
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(leftovers());
  EXPECT_EQ(open_error(dir), ErrorCode::kNotFound);

  // 2) A process killed mid-write (SIGKILL, no cleanup at all).
  fs::path killed = root_ / "killed.evl";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    write_bundle(killed.string(), {prefill_, decode_}, opts_, [](const std::string& stage, size_t done, size_t) {
      if (stage == "weights" && done > 0) ::raise(SIGKILL);
    });
    ::_exit(0);  // not reached
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_EQ(open_error(killed), ErrorCode::kNotFound);
  for (auto& e : fs::directory_iterator(root_)) {  // the half-written temp dir does not open either
    if (e.path().filename().string().find(".tmp-") != std::string::npos) {
      EXPECT_NE(open_error(e.path()), ErrorCode::kInternal) << e.path();
    }
  }
  // 3) The next write of the same bundle removes the killed writer's temporary directory (its lock is free).
  ASSERT_TRUE(leftovers());
  write(killed.filename().string());
  EXPECT_FALSE(leftovers());
  EXPECT_FALSE(fs::exists(killed / ".writer.lock")) << "the writer lock stays out of the published bundle";
  EXPECT_NO_THROW(Bundle::open(killed.string()));
}

// Temporary directories next to a bundle are removed by its next write only when their writer is gone: a held lock
// (a live writer) or a fresh directory without a lock (a writer between mkdtemp and its lock) is kept, and so is
// anything of another bundle.
TEST_F(BundleTest, StaleTemporariesOfDeadWritersAreRemoved) {
  auto make = [&](const std::string& name, bool lock_file) {
    fs::create_directories(root_ / name);
    std::ofstream(root_ / name / "weights.bin") << "partial";
    if (lock_file) std::ofstream(root_ / name / ".writer.lock");
    return root_ / name;
  };
  const fs::path dead = make("m.evl.tmp-AAAAAA", true);
  const fs::path live = make("m.evl.tmp-BBBBBB", true);
  const fs::path fresh = make("m.evl.tmp-CCCCCC", false);
  const fs::path old = make("m.evl.old-DDDDDD", false);
  fs::last_write_time(old, fs::file_time_type::clock::now() - std::chrono::minutes(5));
  const fs::path other = make("n.evl.tmp-EEEEEE", true);
  const fs::path longer = make("m.evl.tmp-FFFFFFF", true);  // not a mkdtemp name of m.evl
  const int fd = ::open((live / ".writer.lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);  // a live writer (flock locks belong to the open file, so this one conflicts)
  write("m.evl");
  ::close(fd);
  EXPECT_FALSE(fs::exists(dead));
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(fresh));
  EXPECT_TRUE(fs::exists(other));
  EXPECT_TRUE(fs::exists(longer));
  EXPECT_NO_THROW(Bundle::open((root_ / "m.evl").string()));
}

// Back-end artifacts (Backend::build_artifact) are stored after the constants in weights.bin, listed by back end and
// graph, returned as aligned views, covered by the weights checksum, and validated at open like every other offset.
TEST_F(BundleTest, BackendArtifactsRoundTrip) {
  opts_.artifacts = {{"device-x", "decode", {1, 2, 3, 4, 5}}, {"device-x", "prefill", std::vector<uint8_t>(100, 7)},
                     {"device-y", "decode", {9}}};
  const fs::path dir = write("artifacts.evl");
  auto b = Bundle::open(dir.string());
  const ArtifactView d = b->artifact("device-x", "decode"), p = b->artifact("device-x", "prefill");
  ASSERT_EQ(d.size, 5u);
  EXPECT_EQ(std::vector<uint8_t>(d.data, d.data + d.size), (std::vector<uint8_t>{1, 2, 3, 4, 5}));
  ASSERT_EQ(p.size, 100u);
  EXPECT_EQ(std::vector<uint8_t>(p.data, p.data + p.size), std::vector<uint8_t>(100, 7));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p.data) % kBundleAlignment, 0u);
  EXPECT_EQ(b->artifact("device-y", "decode").size, 1u);
  EXPECT_TRUE(b->artifact("device-y", "prefill").empty());
  EXPECT_TRUE(b->artifact("emulator", "decode").empty());
  // The graphs' constants are unchanged by the artifacts behind them.
  const std::vector<int32_t> ids{1, 2, 3, 4};
  EXPECT_EQ(run_ids(b->graph("prefill"), ids), run_ids(prefill_, ids));
  b->verify_checksums();

  // A flipped artifact byte is a checksum mismatch: the artifact is the last thing in weights.bin.
  const fs::path flip = copy_of(dir, "artifact_flip.evl");
  {
    std::fstream f(flip / "weights.bin", std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-1, std::ios::end);
    f.put(char(9 ^ 0x40));
  }
  expect_error([&] { Bundle::open(flip.string())->verify_checksums(); }, ErrorCode::kCorruptFile, {"checksum"});
}

TEST_F(BundleTest, BackendArtifactErrors) {
  auto writer_error = [&](BackendArtifact a, const std::string& why) {
    opts_.artifacts = {a};
    expect_error([&] { write("bad_artifact.evl"); }, ErrorCode::kInvalidArgument, {"artifact", why});
    EXPECT_FALSE(fs::exists(root_ / "bad_artifact.evl"));
  };
  writer_error({"device-x", "missing", {1}}, "no such graph");
  writer_error({"Device X", "decode", {1}}, "invalid back-end name");
  writer_error({"", "decode", {1}}, "invalid back-end name");
  writer_error({"device-x", "decode", {}}, "empty");
  opts_.artifacts = {{"device-x", "decode", {1}}, {"device-x", "decode", {2}}};
  expect_error([&] { write("twice.evl"); }, ErrorCode::kInvalidArgument, {"given twice"});

  // Hostile manifests (checksum recomputed): every artifact entry is checked at open.
  opts_.artifacts = {{"device-x", "decode", std::vector<uint8_t>(64, 1)}};
  const fs::path good = write("artifact_good.evl");
  auto edited = [&](const std::string& name, const std::string& from, const std::string& to) {
    const fs::path d = copy_of(good, name);
    rewrite_manifest(d, [&](std::string& s) {
      const auto at = s.find(from, s.find("\"backend_artifacts\""));
      ASSERT_NE(at, std::string::npos) << from;
      s.replace(at, from.size(), to);
    });
    return d;
  };
  const std::string off = "\"offset\": " + std::to_string(fs::file_size(good / "weights.bin") - 64);
  expect_error([&] { Bundle::open(edited("a1.evl", off, "\"offset\": 8").string()); }, ErrorCode::kCorruptFile,
               {"device-x", "aligned range"});
  expect_error([&] { Bundle::open(edited("a2.evl", off, "\"offset\": 1099511627776").string()); },
               ErrorCode::kCorruptFile, {"aligned range"});
  expect_error([&] { Bundle::open(edited("a3.evl", "\"size\": 64", "\"size\": 128").string()); },
               ErrorCode::kCorruptFile, {"aligned range"});
  expect_error([&] { Bundle::open(edited("a4.evl", "\"size\": 64", "\"size\": 0").string()); },
               ErrorCode::kCorruptFile, {"empty"});
  expect_error([&] { Bundle::open(edited("a5.evl", "\"graph\": \"decode\"", "\"graph\": \"nope\"").string()); },
               ErrorCode::kCorruptFile, {"no such graph"});
  expect_error([&] { Bundle::open(edited("a6.evl", "\"backend\": \"device-x\"", "\"backend\": \"../x\"").string()); },
               ErrorCode::kCorruptFile, {"invalid back-end name"});
  expect_error([&] { Bundle::open(edited("a7.evl", "\"size\": 64", "\"size\": -64").string()); },
               ErrorCode::kCorruptFile);
  expect_error([&] { Bundle::open(edited("a8.evl", "\"backend_artifacts\": [", "\"backend_artifacts\": {").string()); },
               ErrorCode::kCorruptFile);
  const fs::path over = edited("a10.evl", off, "\"offset\": 0");  // on top of the first constant
  expect_error([&] { Bundle::open(over.string()); }, ErrorCode::kCorruptFile, {"artifact of back end", "overlap"});
  const fs::path dup = copy_of(good, "a9.evl");
  rewrite_manifest(dup, [&](std::string& s) {
    const auto open = s.find('[', s.find("\"backend_artifacts\"")), close = s.find(']', open);
    const std::string entry = s.substr(open + 1, close - open - 1);
    s.insert(close, "," + entry);
  });
  expect_error([&] { Bundle::open(dup.string()); }, ErrorCode::kCorruptFile, {"listed twice"});
}
