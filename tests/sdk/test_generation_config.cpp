// GenerationConfig::merged_with: every unset field comes from the defaults, set ones are kept.
#include <gtest/gtest.h>

#include "edgevl/generation.h"

namespace edgevl {
namespace {

GenerationConfig all_set() {
  GenerationConfig d;
  d.max_new_tokens = 256;
  d.min_new_tokens = 0;
  d.temperature = 0.0f;
  d.top_k = 50;
  d.top_p = 1.0f;
  d.repetition_penalty = 1.0f;
  d.seed = 0;
  d.stop = {"</s>"};
  return d;
}

TEST(GenerationConfig, UnsetFieldsTakeTheDefaults) {
  const GenerationConfig m = GenerationConfig{}.merged_with(all_set());
  EXPECT_EQ(m.max_new_tokens, 256);
  EXPECT_EQ(m.min_new_tokens, 0);
  EXPECT_EQ(m.temperature, 0.0f);
  EXPECT_EQ(m.top_k, 50);
  EXPECT_EQ(m.top_p, 1.0f);
  EXPECT_EQ(m.repetition_penalty, 1.0f);
  EXPECT_EQ(m.seed, 0u);
  EXPECT_EQ(m.stop, std::vector<std::string>{"</s>"});
}

TEST(GenerationConfig, SetFieldsAreKept) {
  GenerationConfig c;
  c.max_new_tokens = 8;
  c.min_new_tokens = 8;
  c.top_k = 1;
  c.stop = {"."};
  const GenerationConfig m = c.merged_with(all_set());
  EXPECT_EQ(m.max_new_tokens, 8);
  EXPECT_EQ(m.min_new_tokens, 8);
  EXPECT_EQ(m.top_k, 1);
  EXPECT_EQ(m.top_p, 1.0f);
  EXPECT_EQ(m.stop, std::vector<std::string>{"."});
}

}  // namespace
}  // namespace edgevl
