// Opt-in (CTest label `big`): qwen2vl-compile on a random checkpoint at real Qwen2-VL-2B dimensions
// (models/tools/make_random_checkpoint.py --preset 2b, bf16, ~4.4 GB, generated once into the build tree, or the one
// named by the environment variable EDGEVL_BIG_CHECKPOINT).
//  1. `kill -9` in the middle of writing the bundle leaves nothing that opens as a model;
//  2. a full compile (fp16) completes with a progress bar and a summary, and the bundle opens and answers through the
//     public API. Prints the times and sizes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli_runner.h"
#include "edgevl/edgevl.h"

namespace edgevl::test {
namespace {
namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double secs_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// Starts qwen2vl-compile with stderr to `err`; returns its pid.
pid_t spawn_compile(const fs::path& hf, const fs::path& out, const fs::path& err) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::FILE* f = std::freopen(err.c_str(), "w", stderr);
    (void)f;
    execl(EDGEVL_COMPILE_BIN, EDGEVL_COMPILE_BIN, "--model", hf.c_str(), "--out", out.c_str(), "--precision", "fp16",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  return pid;
}

TEST(CompileBig, KillNineLeavesNoBundleThenFullCompileWorks) {
  const fs::path work = EDGEVL_BIG_WORK_DIR;
  // EDGEVL_BIG_CHECKPOINT: an existing 2B-dimension checkpoint to use instead of generating one.
  const char* given = std::getenv("EDGEVL_BIG_CHECKPOINT");
  const fs::path hf = given && *given ? fs::path(given) : work / "qwen2vl-2b-random";
  fs::create_directories(work);
  if (!fs::exists(hf / "model.safetensors.index.json")) {
    const auto t = std::chrono::steady_clock::now();
    const CliResult mk = run_cli(std::string(EDGEVL_PYTHON) + " " + EDGEVL_SOURCE_DIR +
                                 "/models/tools/make_random_checkpoint.py " + hf.string() +
                                 " --preset 2b --dtype bf16 --shard-size-mb 2000 --max-pixels 802816");
    ASSERT_EQ(mk.exit_code, 0) << mk.err;
    std::printf("[big] random 2B checkpoint generated in %.1f s\n", secs_since(t));
  }
  const fs::path out = work / "qwen2vl-2b.evl";
  for (const auto& e : fs::directory_iterator(work))
    if (e.path().filename().string().rfind("qwen2vl-2b.evl", 0) == 0) fs::remove_all(e.path());

  // 1. Kill -9 while the weights are being written.
  const fs::path err1 = work / "compile-killed.log";
  const auto t_kill = std::chrono::steady_clock::now();
  const pid_t pid = spawn_compile(hf, out, err1);
  ASSERT_GT(pid, 0);
  bool writing = false;
  while (!writing && secs_since(t_kill) < 3600) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    // Writing has begun once the temporary bundle's weights.bin holds 256 MiB (stderr is not a terminal, so the
    // progress prints one line per FINISHED stage only).
    for (const auto& e : fs::directory_iterator(work)) {
      std::error_code ec;
      const fs::path w = e.path() / "weights.bin";
      if (e.path().filename().string().rfind("qwen2vl-2b.evl", 0) == 0 && fs::is_regular_file(w, ec) &&
          fs::file_size(w, ec) > (256ull << 20))
        writing = true;
    }
    const std::string log = slurp(err1);
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid) FAIL() << "compile ended before it could be killed:\n" << log;
  }
  ASSERT_TRUE(writing) << slurp(err1);
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  std::printf("[big] killed after %.1f s while writing weights\n", secs_since(t_kill));
  int leftovers = 0;
  for (const auto& e : fs::directory_iterator(work)) {
    if (e.path().filename().string().rfind("qwen2vl-2b.evl", 0) != 0) continue;
    ++leftovers;
    std::printf("[big] left behind: %s\n", e.path().filename().c_str());
    EXPECT_THROW(Model::open(e.path().string()), Error) << e.path();
  }
  EXPECT_FALSE(fs::exists(out)) << "the final bundle name must only appear when complete";
  EXPECT_THROW(Model::open(out.string()), Error);

  // 2. A full compile.
  const auto t_full = std::chrono::steady_clock::now();
  const CliResult full = run_cli(std::string(EDGEVL_COMPILE_BIN) + " --model " + hf.string() + " --out " +
                                 out.string() + " --precision fp16");
  const double compile_s = secs_since(t_full);
  std::printf("[big] full compile exit %d in %.1f s; stderr:\n%s\n", full.exit_code, compile_s, full.err.c_str());
  ASSERT_TRUE(full.exited);
  ASSERT_EQ(full.exit_code, 0);
  EXPECT_NE(full.err.find(" done ("), std::string::npos);  // one progress line per finished stage
  EXPECT_NE(full.err.find("graphs"), std::string::npos);
  EXPECT_NE(full.err.find("weights:"), std::string::npos);

  const auto t_open = std::chrono::steady_clock::now();
  const Model model = Model::open(out.string());
  std::printf("[big] open %.2f s; %d leftover temp dir(s) from the killed compile\n", secs_since(t_open), leftovers);
  EXPECT_EQ(model.info().precision, Precision::kFp16);
  Session session(model);
  GenerationConfig cfg;
  cfg.max_new_tokens = 2;
  const Result r = session.generate(Request::user("Hello there"), cfg);
  EXPECT_GE(r.token_ids.size(), 1u);
  std::printf("[big] generate: prefill %lld tokens in %.0f ms, ttft %.0f ms, decode %.2f tok/s\n",
              static_cast<long long>(r.stats.prefill_tokens), r.stats.prefill_ms, r.stats.ttft_ms,
              r.stats.decode_tokens_per_s);
}

}  // namespace
}  // namespace edgevl::test
