// Opt-in (CTest label `big`): the engine at real Qwen2-VL-2B dimensions with random weights
// (models/tools/make_random_checkpoint.py --preset 2b, bf16, ~4.4 GB, generated once into the build tree).
// Compiles a bundle (ViT bucket 1024 patches, prefill chunk 32, decode, context 1024; fp16 by default, fp32 with
// EDGEVL_BIG_PRECISION=fp32), then proves:
//  - every graph builds, verifies and is written; the bundle opens by mmap without copying weights: the process RSS
//    grows by far less than weights.bin at open (VmRSS from /proc/self/status);
//  - the prefill and decode graphs reference the very same weight bytes (same addresses) for every shared constant;
//  - one ViT run (1024 patches), one prefill chunk and one decode step execute and give finite outputs.
// Prints compile time, bundle size, RSS and run times.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "edgevl/edgevl.h"
#include "edgevl/qnn/bundle.h"
#include "engine/engine.h"

extern char** environ;

namespace fs = std::filesystem;
using namespace edgevl;

namespace {

int64_t vm_rss_kb() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

double secs_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Runs `args` (args[0] a path) as a child process and waits for it: {exit status (-1 = not started or killed),
// that child's own peak RSS in kB (wait4's rusage, not RUSAGE_CHILDREN: that one is the maximum over every child this
// process ever waited for, e.g. the checkpoint generator or the fp16 compile of the test before)}.
std::pair<int, long> run_child(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) return {-1, 0};
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status)) return {-1, ru.ru_maxrss};
  return {WEXITSTATUS(status), ru.ru_maxrss};
}

bool all_finite(const std::vector<float>& v) {
  for (float x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

}  // namespace

TEST(Big2B, CompileOpenRunSharedWeights) {
  const fs::path work = fs::path(EDGEVL_BIG_WORK_DIR);
  const fs::path ckpt = work / "qwen2vl-2b-random";
  fs::create_directories(work);
  if (!fs::exists(ckpt / "model.safetensors.index.json") && !fs::exists(ckpt / "model.safetensors")) {
    const std::string cmd = std::string(EDGEVL_PYTHON_EXE) + " " + EDGEVL_SOURCE_DIR +
                            "/models/tools/make_random_checkpoint.py " + ckpt.string() +
                            " --preset 2b --dtype bf16 --shard-size-mb 2000 --max-pixels 802816";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  }
  const char* prec_env = std::getenv("EDGEVL_BIG_PRECISION");
  const std::string precision = prec_env ? prec_env : "fp16";
  if (precision != "fp16" && precision != "fp32") GTEST_SKIP() << "quantized: see Big2B.W4A16CompileWithinBudget";
  const fs::path bundle_dir = work / ("qwen2vl-2b-" + precision + ".evl");

  engine::CompileOptions opt;
  opt.recipe = models::recipe_preset(precision);
  opt.context_length = 1024;
  opt.chunk = 32;
  opt.vit_buckets = {1024};
  auto t0 = std::chrono::steady_clock::now();
  engine::CompileSummary s = engine::compile_qwen2vl(ckpt.string(), bundle_dir.string(), opt);
  const double compile_s = secs_since(t0);
  uint64_t bundle_bytes = 0;
  for (const auto& e : fs::directory_iterator(bundle_dir)) bundle_bytes += e.file_size();
  std::printf("[big] precision %s: compile %.1f s, bundle %.2f GB (weights.bin %.2f GB), graphs:", precision.c_str(),
              compile_s, bundle_bytes / 1e9, s.weights_bytes / 1e9);
  for (const auto& g : s.graphs) std::printf(" %s", g.c_str());
  std::printf("\n");

  const int64_t rss0 = vm_rss_kb();
  t0 = std::chrono::steady_clock::now();
  auto eng = engine::Qwen2VLEngine::open(bundle_dir.string());
  const double open_s = secs_since(t0);
  const int64_t rss1 = vm_rss_kb();
  std::printf("[big] open %.2f s, VmRSS %lld MB -> %lld MB (weights.bin %.0f MB)\n", open_s, (long long)rss0 / 1024,
              (long long)rss1 / 1024, eng->bundle().weights_size() / 1048576.0);
  // Mapped, not copied: opening grows the RSS by well under a tenth of the weights.
  EXPECT_LT(double(rss1 - rss0) * 1024.0, 0.1 * double(eng->bundle().weights_size()));

  // The prefill and decode graphs share their weights byte for byte: same addresses in the mapping.
  const qnn::Graph& pg = eng->bundle().graph(eng->info().prefill_graph);
  const qnn::Graph& dg = eng->bundle().graph(eng->info().decode_graph);
  size_t shared = 0, shared_bytes = 0;
  for (const qnn::Tensor& t : pg.tensors()) {
    if (t.kind != qnn::TensorKind::kConstant || t.nbytes() < 4096) continue;
    const qnn::TensorId d = dg.find(t.name);
    ASSERT_NE(d, qnn::kNoTensor) << "decode graph lacks weight " << t.name;
    EXPECT_EQ(dg.tensor(d).data.data, t.data.data) << t.name;
    ++shared;
    shared_bytes += t.nbytes();
  }
  std::printf("[big] %zu weights (%.2f GB) shared by prefill and decode at identical addresses\n", shared,
              shared_bytes / 1e9);
  EXPECT_GT(shared, size_t(28 * 7));
  EXPECT_GT(double(shared_bytes), 0.5 * double(eng->bundle().weights_size()));

  // One ViT run at the 1024-patch bucket (a 448x448 image: grid 1x32x32).
  const engine::BundleInfo& info = eng->info();
  std::mt19937 rng(7);
  std::normal_distribution<float> nd(0.f, 1.f);
  std::vector<float> pv(size_t(1024 * info.vit.patch_dim()));
  for (float& x : pv) x = nd(rng);
  t0 = std::chrono::steady_clock::now();
  std::vector<float> img = eng->encode_image(pv.data(), 1024, {{1, 32, 32}});
  const double vit_s = secs_since(t0);
  ASSERT_EQ(img.size(), size_t(256 * info.llm.hidden));
  EXPECT_TRUE(all_finite(img));

  // One prefill chunk (32 text tokens) and one decode step.
  std::vector<int32_t> ids(32);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = int32_t(1000 + 37 * i);
  auto seq = eng->new_sequence();
  t0 = std::chrono::steady_clock::now();
  std::vector<float> logits = eng->prefill(*seq, ids, {});
  const double prefill_s = secs_since(t0);
  ASSERT_EQ(logits.size(), size_t(info.llm.vocab_size));
  EXPECT_TRUE(all_finite(logits));
  t0 = std::chrono::steady_clock::now();
  std::vector<float> dl = eng->decode(*seq, 151645);
  const double decode_s = secs_since(t0);
  EXPECT_TRUE(all_finite(dl));
  EXPECT_EQ(seq->length(), 33);
  std::printf("[big] ViT 1024 patches %.0f ms, prefill chunk 32 %.0f ms, decode step %.0f ms, VmRSS after runs %lld MB\n",
              vit_s * 1e3, prefill_s * 1e3, decode_s * 1e3, (long long)vm_rss_kb() / 1024);
}

// w4a16 at 2B through the qwen2vl-compile command (a child process, so its peak RSS is its own: wait4's rusage),
// built-in calibration samples, ViT w8a16 (the fp16 ViT alone is 1.35 GB): within 10 minutes, 6 GB
// peak RSS and a 1.6 GB bundle, and the bundle generates through the public API.
TEST(Big2B, W4A16CompileWithinBudget) {
  const fs::path work = fs::path(EDGEVL_BIG_WORK_DIR);
  const fs::path ckpt = work / "qwen2vl-2b-random";
  if (!fs::exists(ckpt / "model.safetensors.index.json") && !fs::exists(ckpt / "model.safetensors"))
    GTEST_SKIP() << "run Big2B.CompileOpenRunSharedWeights first (it writes the random checkpoint)";
  const fs::path bundle = work / "qwen2vl-2b-w4a16.evl";
  const std::vector<std::string> cmd = {EDGEVL_COMPILE_BIN, "--model", ckpt.string(), "--out", bundle.string(),
                                        "--precision", "w4a16", "--vit-precision", "w8a16", "--context-length", "1024",
                                        "--chunk", "32"};
  const auto t0 = std::chrono::steady_clock::now();
  const auto [status, peak_kb] = run_child(cmd);
  ASSERT_EQ(status, 0) << EDGEVL_COMPILE_BIN << " failed";
  const double secs = secs_since(t0);
  const double peak_gb = double(peak_kb) * 1024.0 / 1e9;
  uint64_t bytes = 0;
  for (const auto& e : fs::directory_iterator(bundle)) bytes += e.file_size();
  constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
  std::printf("[big] w4a16 (ViT w8a16): compile %.0f s, peak RSS %.2f GiB, bundle %.2f GiB (%llu bytes)\n", secs,
              peak_gb * 1e9 / kGiB, double(bytes) / kGiB, static_cast<unsigned long long>(bytes));
  EXPECT_LE(secs, 600.0);
  EXPECT_LE(peak_gb * 1e9, 6.0 * kGiB);  // the budgets in GiB, the unit qwen2vl-compile's summary prints
  EXPECT_LE(double(bytes), 1.6 * kGiB);

  Model model = Model::open(bundle.string());
  Session session(model);
  GenerationConfig g;
  g.max_new_tokens = 2;
  g.temperature = 0.f;
  const Result r = session.generate(Request::user("Hello"), g);
  EXPECT_EQ(r.token_ids.size(), 2u);
}

