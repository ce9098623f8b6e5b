// Real 2B dimensions (label big): the checkpoint written by make_random_checkpoint.py --preset 2b (~4.4 GB bf16,
// sharded) opens, every shape checks out, and resident memory after open stays far below the file size: the weights
// are memory-mapped, not copied.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "edgevl/models/qwen2vl_checkpoint.h"

using namespace edgevl::models;

namespace {
// VmRSS of this process in bytes (from /proc/self/status).
int64_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
  return -1;
}
}  // namespace

TEST(Checkpoint2B, OpensMappedWithoutCopy) {
  const int64_t before = rss_bytes();
  Qwen2VLCheckpoint c = Qwen2VLCheckpoint::open(std::string(EDGEVL_CKPT_DIR) + "/2b");
  const int64_t after = rss_bytes();
  int64_t file_bytes = 0;
  for (const auto& f : c.weights().files())
    for (const std::string& n : f->names()) file_bytes += static_cast<int64_t>(f->at(n).nbytes);
  EXPECT_EQ(c.expected().size(), 729u);
  EXPECT_TRUE(c.lm_head_tied());
  EXPECT_EQ(c.config().text.vocab_size, 151936);
  EXPECT_GT(file_bytes, int64_t{4} << 30);
  std::printf("weights %.2f GB, RSS before open %.1f MB, after open %.1f MB\n", file_bytes / 1e9, before / 1e6,
              after / 1e6);
  EXPECT_LT(after - before, file_bytes / 100);  // far below the file size
  // Touching one tensor maps in only its pages.
  std::vector<float> norm = edgevl::qnn::to_f32(c.tensor("model.norm.weight"));
  EXPECT_EQ(norm.size(), 1536u);
  EXPECT_LT(rss_bytes() - before, file_bytes / 100);
}
