// qwen2vl-bench as a user runs it, on the bundled demo model (compiled once into a temporary model cache): the JSON
// document has every field, positive rates, and exactly the prompt and decode token counts asked for; bad arguments
// give a clear message and a non-zero exit code.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace edgevl::test {
namespace {
namespace fs = std::filesystem;

std::string g_home;

class BenchEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "edgevl-bench-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    g_home = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    if (!g_home.empty()) fs::remove_all(g_home, ec);
  }
};
::testing::Environment* const kEnv = ::testing::AddGlobalTestEnvironment(new BenchEnvironment);

// qwen2vl-bench with the default model and a model cache in the temporary home.
CliResult bench(const std::string& args) {
  return run_cli("env -u EDGEVL_DEFAULT_MODEL HOME=" + shell_quote(g_home) + " XDG_CACHE_HOME=" +
                 shell_quote(g_home + "/cache") + " " + EDGEVL_BENCH_BIN + " " + args);
}

nlohmann::json parse_json(const CliResult& r) {
  EXPECT_TRUE(r.exited) << r.err;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  try {
    return nlohmann::json::parse(r.out);
  } catch (const nlohmann::json::exception& e) {
    ADD_FAILURE() << "stdout is not one JSON document: " << e.what() << "\n" << r.out;
    return {};
  }
}

const nlohmann::json* find_test(const nlohmann::json& tests, const std::string& name) {
  for (const auto& t : tests)
    if (t.value("name", "") == name) return &t;
  ADD_FAILURE() << "no test " << name << " in " << tests.dump();
  return nullptr;
}

TEST(BenchCli, JsonHasEveryMeasurementWithTheTokenCountsAsked) {
  const nlohmann::json j = parse_json(bench("-p 16 -n 4 -r 2 --image 56x56 --json --bandwidth-mib 64"));
  ASSERT_TRUE(j.is_object());
  for (const char* key : {"model", "bundle", "precision", "context_length", "prefill_chunk", "decode_weight_bytes",
                          "hardware_threads", "load_average", "repetitions", "warmup", "peak_rss_mib", "threads"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["precision"], "fp32");
  EXPECT_GT(j["decode_weight_bytes"].get<int64_t>(), 0);
  EXPECT_GT(j["peak_rss_mib"].get<double>(), 0);
  EXPECT_EQ(j["repetitions"], 2);
  ASSERT_EQ(j["threads"].size(), 1u);
  const nlohmann::json& t = j["threads"][0];
  EXPECT_GE(t["threads"].get<int>(), 1);
  EXPECT_EQ(t["open_ms"]["runs"].size(), 2u);
  EXPECT_GT(t["open_ms"]["mean"].get<double>(), 0);
  EXPECT_GT(t["read_bandwidth_gbps"].get<double>(), 0);
  EXPECT_GT(t["roofline_decode_tokens_per_s"].get<double>(), 0);
  ASSERT_EQ(t["tests"].size(), 3u);

  const nlohmann::json* pp = find_test(t["tests"], "pp16");
  ASSERT_NE(pp, nullptr);
  EXPECT_EQ((*pp)["kind"], "prefill");
  EXPECT_EQ((*pp)["tokens"], 16);
  EXPECT_GT((*pp)["prefill_tokens_per_s"]["mean"].get<double>(), 0);
  EXPECT_GT((*pp)["ttft_ms"]["mean"].get<double>(), 0);
  ASSERT_EQ((*pp)["runs"].size(), 2u);
  for (const auto& run : (*pp)["runs"]) EXPECT_EQ(run["prefill_tokens"], 16);

  const nlohmann::json* tg = find_test(t["tests"], "tg4");
  ASSERT_NE(tg, nullptr);
  EXPECT_EQ((*tg)["kind"], "decode");
  EXPECT_EQ((*tg)["tokens"], 4);
  EXPECT_GT((*tg)["decode_tokens_per_s"]["mean"].get<double>(), 0);
  EXPECT_GT((*tg)["decode_share_of_roofline"].get<double>(), 0);
  for (const auto& run : (*tg)["runs"]) EXPECT_EQ(run["decode_tokens"], 4);

  const nlohmann::json* vit = find_test(t["tests"], "vit 56x56");
  ASSERT_NE(vit, nullptr);
  EXPECT_EQ((*vit)["kind"], "image");
  EXPECT_GT((*vit)["vit_ms"]["mean"].get<double>(), 0);
  for (const auto& run : (*vit)["runs"]) EXPECT_EQ(run["images"], 1);
}

// The demo model ends its answers with eos after a few tokens: tg32 still generates 32 (min_new_tokens).
TEST(BenchCli, DecodeRunsExactlyTheTokensAskedPastEos) {
  const nlohmann::json j = parse_json(bench("-p 0 -n 32 -r 1 --no-warmup --bandwidth-mib 0 --json"));
  ASSERT_TRUE(j.contains("threads")) << j.dump();
  const nlohmann::json* tg = find_test(j["threads"][0]["tests"], "tg32");
  ASSERT_NE(tg, nullptr);
  EXPECT_EQ((*tg)["tokens"], 32);
}

TEST(BenchCli, MarkdownTable) {
  const CliResult r = bench("-p 16 -n 2 -r 1 --bandwidth-mib 0");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| pp16 | 16 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| tg2 | 2 |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("load average"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("peak RSS"), std::string::npos) << r.out;
}

void expect_clean_failure(const CliResult& r, const std::string& needle) {
  EXPECT_TRUE(r.exited) << "died of signal " << r.signal << "\n" << r.err;
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr lacks '" << needle << "':\n" << r.err;
  EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << r.err;
}

TEST(BenchCli, BadArguments) {
  expect_clean_failure(bench("-m " + g_home + "/missing.evl"), g_home + "/missing.evl");
  expect_clean_failure(bench("--image 0x56 -p 0 -n 0"), "--image 0x56");
  expect_clean_failure(bench("--image " + g_home + "/nope.png -p 0 -n 0"), g_home + "/nope.png");
  expect_clean_failure(bench("-p 4 -n 0 --bandwidth-mib 0"), "shortest prompt");
  expect_clean_failure(bench("-p 2000 -n 0 --bandwidth-mib 0"), "context length");
  expect_clean_failure(bench("-n 1"), "-n 1");
  const CliResult usage = bench("-p abc");
  EXPECT_TRUE(usage.exited);
  EXPECT_EQ(usage.exit_code, 2);
}

}  // namespace
}  // namespace edgevl::test
